"""Checkers for the exercises of chapter 1 (ECG beats)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.exercises._core import CheckResult, check_callable, check_equal

__all__ = [
    "check_count_v",
    "check_r_peak",
    "check_shared_records",
    "r_peak_reference",
    "shared_records_reference",
]


def check_count_v(answer: Any, beats: Any) -> CheckResult:
    """Exercise 1: the number of V (ventricular ectopic) beats in ``beats``."""
    if not hasattr(beats, "y") or not hasattr(beats, "classes"):
        raise TypeError("beats must be the Beats object returned by tscam.data.load_beats.")
    expected = int(np.sum(np.asarray(beats.y) == beats.classes.index("V")))
    return check_equal(
        "count the V beats",
        answer,
        expected,
        hint="compare beats.y with the index of 'V' in tscam.data.CLASSES and count the matches",
        success=f"{expected:,} V beats",
    )


def r_peak_reference(x: np.ndarray) -> np.ndarray:
    """Index of the largest absolute amplitude of each beat (rows of ``x``)."""
    return np.argmax(np.abs(np.asarray(x)), axis=-1)


def _cases() -> list[tuple[np.ndarray]]:
    rng = np.random.default_rng(2017)
    spike_down = np.zeros((2, 187))
    spike_down[0, 40], spike_down[0, 112] = 3.0, -5.0  # the R peak of a V beat may point down
    spike_down[1, 150] = 2.0
    noisy = rng.normal(size=(5, 187))
    return [(spike_down,), (noisy,), (noisy[:1],)]


def check_r_peak(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Exercise 2: ``fn(x)`` returns, for beats ``x`` of shape (n, 187), the index of each
    beat's largest absolute amplitude, shape (n,)."""
    return check_callable(
        "find the R peak",
        fn,
        _cases(),
        r_peak_reference,
        atol=0,
        rtol=0,
        hint="use the absolute value (an R peak can point down) and argmax along the last axis",
        success="your function finds the largest deflection of every beat",
    )


def shared_records_reference(train: Any, test: Any) -> int:
    """Number of records with at least one beat in ``train`` and one in ``test``."""
    return len(set(np.asarray(train.record).tolist()) & set(np.asarray(test.record).tolist()))


def check_shared_records(answer: Any, train: Any, test: Any) -> CheckResult:
    """Exercise 3: how many records have beats on both sides of a split (``train`` and ``test``
    are the Beats of its two parts)."""
    for name, part in (("train", train), ("test", test)):
        if not hasattr(part, "record"):
            raise TypeError(f"{name} must be the Beats object returned by tscam.data.load_beats.")
    expected = shared_records_reference(train, test)
    n_train = len(set(np.asarray(train.record).tolist()))
    return check_equal(
        "records on both sides of the split",
        answer,
        expected,
        hint=(
            "build the set of records of each part (set(train.record), set(test.record)) and "
            "count the records in their intersection"
        ),
        success=f"{expected} of the {n_train} training records also appear in the test part",
    )
