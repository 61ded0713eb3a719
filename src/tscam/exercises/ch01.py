"""Checkers for the exercises of chapter 1 (ECG beats)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.exercises._core import CheckResult, check_callable, check_equal

__all__ = [
    "check_count_v",
    "check_neighbour",
    "check_r_peak",
    "neighbour_reference",
    "r_peak_reference",
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
    spike_down = np.zeros((2, 88))
    spike_down[0, 20], spike_down[0, 36] = 3.0, -5.0  # the R peak of a V beat may point down
    spike_down[1, 70] = 2.0
    noisy = rng.normal(size=(5, 88))
    return [(spike_down,), (noisy,), (noisy[:1],)]


def check_r_peak(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Exercise 2: ``fn(x)`` returns, for beats ``x`` of shape (n, 88), the index of each
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


def neighbour_reference(rr: np.ndarray, spec: Any) -> np.ndarray:
    """(n,) bool: the previous or the next R peak lies inside the window ``spec`` (nothing
    masked): ``pre_rr <= spec.seconds_before`` or ``post_rr <= spec.seconds_after``, with
    ``rr`` an RR table (columns ``pre_rr, post_rr, ...`` in seconds)."""
    rr = np.asarray(rr, dtype=np.float64)
    return (rr[:, 0] <= spec.seconds_before) | (rr[:, 1] <= spec.seconds_after)


def _neighbour_cases() -> list[tuple[np.ndarray, Any]]:
    from tscam.data import BEAT_SPEC, WindowSpec

    # (pre_rr, post_rr, local_rr, avg_rr) in seconds; BEAT_SPEC spans 0.288 s before R and
    # 0.408 s after it. Rows: a resting beat; a previous R inside only; a next R inside only;
    # both; a next R at 0.38 s (inside, though beyond half the window, 0.348 s); a previous R
    # at 0.30 s (outside: just before the window starts)
    rr = np.array(
        [
            [0.80, 0.80, 0.80, 0.80],
            [0.25, 0.90, 0.60, 0.80],
            [0.70, 0.38, 0.50, 0.80],
            [0.26, 0.27, 0.30, 0.80],
            [0.60, 0.38, 0.45, 0.45],
            [0.30, 0.60, 0.40, 0.45],
        ]
    )
    other = WindowSpec(length=100, r_index=60, mask_previous=False)  # 0.48 s before, 0.312 after
    rng = np.random.default_rng(101)
    random_rr = rng.uniform(0.2, 1.2, size=(40, 4))
    return [(rr, BEAT_SPEC), (rr, other), (random_rr, BEAT_SPEC), (random_rr, other)]


def check_neighbour(fn: Callable[[np.ndarray, Any], Any]) -> CheckResult:
    """Exercise 3: ``fn(rr, spec)`` returns, for each beat of an RR table ``rr`` (n, 4), whether
    a neighbouring R peak (previous or next) lies inside the window ``spec`` (nothing masked)."""
    from tscam.data import BEAT_SPEC

    result = check_callable(
        "a neighbour inside the window",
        fn,
        _neighbour_cases(),
        neighbour_reference,
        atol=0,
        rtol=0,
        hint=(
            "the window reaches spec.seconds_before before the R peak and spec.seconds_after "
            "after it: compare pre_rr (column 0) with the first and post_rr (column 1) with the "
            "second, and read both from spec (windows differ)"
        ),
        success="your function finds every beat whose window holds a neighbouring R peak",
    )
    if result.passed:
        return result
    probe = np.array([[0.25, 0.90, 0.60, 0.80], [0.90, 0.38, 0.60, 0.80]])
    try:  # say which shortcut the answer took, if it is a known one
        got = np.asarray(fn(probe.copy(), BEAT_SPEC), dtype=bool).ravel()
    except Exception:
        return result
    if got.shape == (2,) and not got[0] and got[1]:
        return CheckResult(
            result.name,
            False,
            "only the next R peak counted: this window masks nothing, so a previous R peak "
            "closer than spec.seconds_before is inside it too (the 187-sample masked window "
            "was the one that hid it). " + result.message,
        )
    if got.shape == (2,) and got[0] and not got[1]:
        return CheckResult(
            result.name,
            False,
            "a next R peak at 0.38 s is inside the window (it reaches spec.seconds_after = "
            f"{BEAT_SPEC.seconds_after:.3f} s after R): the window is not symmetric around "
            "the R peak. " + result.message,
        )
    return result
