"""Chapter 1 checkers accept the reference solutions and reject wrong answers with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import Beats
from tscam.exercises import ch01


def _beats(records, y) -> Beats:
    n = len(y)
    return Beats(
        x=np.zeros((n, 187), np.float32),
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


def test_shared_records():
    train = _beats(["100", "100", "101", "105"], [0, 0, 0, 0])
    test = _beats(["101", "105", "105", "203"], [0, 0, 0, 0])
    assert ch01.shared_records_reference(train, test) == 2
    ok = ch01.check_shared_records(2, train, test)
    assert ok.passed and "2 of the 3 training records" in ok.message
    assert not ch01.check_shared_records(3, train, test).passed  # counted beats, not records
    assert not ch01.check_shared_records(..., train, test).passed
    clean = _beats(["203"], [0])
    assert ch01.check_shared_records(0, train, clean).passed
    with pytest.raises(TypeError, match="test"):
        ch01.check_shared_records(0, train, [1, 2])


def test_shared_records_on_the_real_splits(mitdb_dir, monkeypatch):
    from tscam.data import DS1, DS2, load_beats

    monkeypatch.setenv("TSCAM_MITDB", str(mitdb_dir))
    inter = [load_beats("inter", p) for p in ("train", "test")]
    assert ch01.check_shared_records(0, *inter).passed
    assert {*inter[0].record} <= set(DS1) and {*inter[1].record} <= set(DS2)
    intra = [load_beats("intra", p) for p in ("train", "test")]
    assert ch01.check_shared_records(44, *intra).passed
