"""Chapter 8 checkers: each accepts the reference solution and rejects typical mistakes and
shortcuts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tscam.exercises import ch08

# true class (N=0, S=1, V=2, F=3), prediction and original symbol of eight beats
Y_TRUE = np.array([0, 0, 0, 0, 2, 0, 1, 0])
Y_PRED = np.array([2, 2, 2, 0, 2, 3, 2, 2])
SYMBOL = np.array(["L", "L", "R", "L", "V", "N", "A", "N"])


def test_called_by_symbol_reference_counts_by_hand():
    assert ch08.called_by_symbol_reference(SYMBOL, Y_TRUE, Y_PRED) == {"L": 2, "N": 1, "R": 1}
    assert ch08.called_by_symbol_reference(SYMBOL, Y_TRUE, Y_PRED, "N", "F") == {"N": 1}
    assert ch08.called_by_symbol_reference(SYMBOL, Y_TRUE, Y_PRED, "S", "V") == {"A": 1}
    with pytest.raises(ValueError, match="same length"):
        ch08.called_by_symbol_reference(SYMBOL[:3], Y_TRUE, Y_PRED)


def test_called_by_symbol_accepts_dicts_counters_and_zero_entries():
    hit = (Y_TRUE == 0) & (Y_PRED == 2)
    assert ch08.check_called_by_symbol(Counter(SYMBOL[hit]), SYMBOL, Y_TRUE, Y_PRED).passed
    answer = {np.str_("L"): np.int64(2), "R": 1, "N": 1, "j": 0}
    assert ch08.check_called_by_symbol(answer, SYMBOL, Y_TRUE, Y_PRED).passed


def test_called_by_symbol_rejects_typical_mistakes():
    def check(answer):
        return ch08.check_called_by_symbol(answer, SYMBOL, Y_TRUE, Y_PRED)

    every_v = Counter(SYMBOL[Y_PRED == 2])  # forgot the true class: counts the V and A beats
    result = check(every_v)
    assert not result.passed and "do not belong" in result.message
    every_n = Counter(SYMBOL[Y_TRUE == 0])  # forgot the prediction
    assert not check(every_n).passed
    wrong_error = Counter(SYMBOL[(Y_TRUE == 0) & (Y_PRED != 0)])  # all errors, F included
    assert not check(wrong_error).passed
    assert not check({"L": 2, "R": 1}).passed  # a symbol missing
    assert not check(...).passed
    assert not check(None).passed
    assert not check([("L", 2)]).passed  # not a mapping
    assert not check({"L": "two", "R": 1, "N": 1}).passed


def _centre(maps, t):
    return (maps * t).sum(axis=1) / maps.sum(axis=1)


def test_map_centre_accepts_solution():
    assert ch08.check_map_centre(_centre).passed


def test_map_centre_rejects_typical_mistakes_and_shortcuts():
    assert not ch08.check_map_centre(lambda m, t: t[m.argmax(axis=1)]).passed  # the peak
    assert not ch08.check_map_centre(lambda m, t: (m * t).sum(axis=1)).passed  # not divided
    index = ch08.check_map_centre(
        lambda m, t: (m * np.arange(m.shape[1])).sum(axis=1) / m.sum(axis=1)
    )
    assert not index.passed  # in samples, not in the units of t
    assert not ch08.check_map_centre(lambda m, t: np.full(m.shape[0], t.mean())).passed
    assert not ch08.check_map_centre(lambda m, t: (m * t).mean(axis=1) / m.mean()).passed
    assert not ch08.check_map_centre(lambda m, t: None).passed
    assert not ch08.check_map_centre(...).passed


def test_map_centre_reference_matches_the_package():
    from tscam.compare import map_centre

    m = np.random.default_rng(0).random((3, 187))
    t = np.arange(187) / 125
    np.testing.assert_allclose(ch08.map_centre_reference(m, t), map_centre(m, t))
    np.testing.assert_allclose(ch08.map_centre_reference(m, t), _centre(m, t))
