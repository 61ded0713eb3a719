"""Chapter 1 checkers accept the reference solutions and reject wrong answers with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import Beats
from tscam.exercises import ch01


def _beats(records, y) -> Beats:
    n = len(y)
    return Beats(
        x=np.zeros((n, 88), np.float32),
        y=np.asarray(y),
        record=np.asarray(records),
        sample=np.arange(n),
        symbol=np.array(["N"] * n),
    )


def test_count_v():
    beats = _beats(["100"] * 6, [0, 2, 2, 1, 2, 0])
    assert ch01.check_count_v(3, beats).passed
    assert ch01.check_count_v(np.int64(3), beats).passed
    for wrong in (2, 6, None, ...):
        res = ch01.check_count_v(wrong, beats)
        assert not res.passed and res.message
    with pytest.raises(TypeError, match="Beats"):
        ch01.check_count_v(3, np.zeros(3))


def test_r_peak():
    assert ch01.check_r_peak(lambda x: np.argmax(np.abs(x), axis=-1)).passed
    no_abs = ch01.check_r_peak(lambda x: np.argmax(x, axis=-1))
    assert not no_abs.passed and "absolute" in no_abs.message
    assert not ch01.check_r_peak(lambda x: np.argmax(np.abs(x))).passed  # forgot the axis
    assert not ch01.check_r_peak(...).passed


def test_neighbour_accepts_both_edges_read_from_the_spec():
    from tscam.data import BEAT_SPEC, neighbour_in_window

    right = lambda rr, spec: (rr[:, 0] <= spec.seconds_before) | (rr[:, 1] <= spec.seconds_after)  # noqa: E731
    assert ch01.check_neighbour(right).passed
    # the library's own function is the same rule
    assert ch01.check_neighbour(neighbour_in_window).passed
    rr = np.array([[0.25, 0.9, 0.6, 0.8], [0.9, 0.38, 0.6, 0.8], [0.8, 0.8, 0.8, 0.8]])
    np.testing.assert_array_equal(ch01.neighbour_reference(rr, BEAT_SPEC), [True, True, False])


def test_neighbour_rejects_the_tempting_shortcuts_with_a_hint():
    # the masked window's rule: only the next R peak counts
    next_only = ch01.check_neighbour(lambda rr, spec: rr[:, 1] <= spec.seconds_after)
    assert not next_only.passed and "only the next R peak" in next_only.message
    # a window symmetric around R (half its length on each side)
    half = lambda rr, spec: rr[:, :2].min(axis=1) <= spec.length / 2 / spec.fs  # noqa: E731
    sym = ch01.check_neighbour(half)
    assert not sym.passed and "not symmetric" in sym.message
    # the edges of the course's window typed in: right for BEAT_SPEC, wrong for another window
    typed = ch01.check_neighbour(lambda rr, spec: (rr[:, 0] <= 0.288) | (rr[:, 1] <= 0.408))
    assert not typed.passed and "spec" in typed.message
    # strict inequalities are fine (no case sits on an edge); a heart-rate rule on pre_rr is not
    strict = lambda rr, spec: (rr[:, 0] < spec.seconds_before) | (rr[:, 1] < spec.seconds_after)  # noqa: E731
    assert ch01.check_neighbour(strict).passed
    assert not ch01.check_neighbour(lambda rr, spec: 60 / rr[:, 0] > 147).passed
    assert not ch01.check_neighbour(...).passed
    assert not ch01.check_neighbour(lambda rr, spec: None).passed
