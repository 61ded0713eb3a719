"""Checkers for the exercises of chapter 6 (from local to global explanations).

Exercise 1 asks for the chance level of "a beat's map peaks where its class average peaks" by
shuffling the class labels (a permutation null), instead of ``1 / n_segments``. Exercise 2 asks
which beats the rhythm term turns from wrong to right: a question about the split
``logit = window part + rhythm term + bias`` (:func:`tscam.models.decompose_logits`) that no
map can answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.data import CLASSES
from tscam.exercises._core import CheckResult, check_array_close, check_callable

__all__ = [
    "chance_level_reference",
    "check_chance_level",
    "check_rescued_by_rhythm",
    "rescued_by_rhythm_reference",
]


def chance_level_reference(peaks: Any, y: Any, k: int, segment: int) -> float:
    """The mean, over shufflings of the labels ``y`` across beats, of the share of class-``k``
    beats whose peak segment is ``segment``: exactly the share of *all* beats that peak there
    (every beat is equally likely to carry a class-``k`` label after a shuffle)."""
    del y, k  # the expectation does not depend on which beats carry the label
    return float(np.mean(np.asarray(peaks) == int(segment)))


def _chance_cases() -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """Cases where 1/11, the observed share, and the share among the other classes all differ
    from the answer by more than the tolerance."""
    # 40 beats, 4 classes of 10: class 1 peaks in segment 6 (9 of 10), the others mostly in 4.
    y = np.repeat(np.arange(4), 10)
    peaks = np.full(40, 4)
    peaks[10:19] = 6
    peaks[[0, 1, 2, 20, 21, 30]] = 6  # some beats of the other classes peak there too
    peaks[[3, 22, 31, 32]] = 9
    cases = [(peaks, y, 1, 6), (peaks, y, 0, 4)]
    # a second set: 3 classes of unequal size, segment 2
    y2 = np.array([0] * 12 + [1] * 5 + [2] * 7)
    p2 = np.array([2] * 8 + [0] * 4 + [2] * 5 + [1] * 5 + [2] * 2)
    cases.append((p2, y2, 1, 2))
    return cases


def check_chance_level(fn: Callable[[np.ndarray, np.ndarray, int, int], Any]) -> CheckResult:
    """Exercise: ``fn(peaks, y, k, segment)`` returns the chance level of the share of class-``k``
    beats whose peak segment is ``segment``, from shuffling the labels ``y`` across the beats
    (a shuffling estimate with enough shuffles is accepted: tolerance 0.02)."""
    return check_callable(
        "chance level of peak agreement from shuffled labels",
        fn,
        _chance_cases(),
        chance_level_reference,
        rtol=0,
        atol=0.02,
        hint="shuffle y (rng.permutation(y)) many times; each time take the share of the beats "
        "now labelled k whose peak is `segment`, and average those shares. Not 1/11: the maps "
        "of all classes do not peak uniformly; and not the share within class k (that is the "
        "observed value, not chance)",
        success="your chance level matches the permutation null: the share of all beats that "
        "peak in that segment",
    )


def rescued_by_rhythm_reference(parts: Any, y_true: Any, cls: str) -> np.ndarray:
    """Positions of the beats of true class ``cls`` that are classified correctly with the
    rhythm term (``argmax(beat + rhythm + bias) == y``) and wrongly without it
    (``argmax(beat + bias) != y``)."""
    yt = np.asarray(y_true).reshape(-1)
    k = CLASSES.index(cls)
    beat, rhythm, bias = (np.asarray(getattr(parts, f)) for f in ("beat", "rhythm", "bias"))
    with_rhythm = (beat + rhythm + bias).argmax(axis=1)
    without = (beat + bias).argmax(axis=1)
    return np.flatnonzero((yt == k) & (with_rhythm == k) & (without != k))


def check_rescued_by_rhythm(answer: Any, parts: Any, y_true: Any, cls: str = "S") -> CheckResult:
    """Exercise: the positions (indices into ``y_true``) of the beats of true class ``cls`` that
    the rhythm term turns from misclassified into correctly classified. A boolean mask of the
    same length is accepted too."""
    expected = rescued_by_rhythm_reference(parts, y_true, cls)
    got = answer
    if got is not None and got is not Ellipsis:
        arr = np.asarray(got)
        if arr.dtype == bool and arr.shape == np.shape(y_true):
            arr = np.flatnonzero(arr)
        got = np.sort(arr.ravel()) if arr.ndim else arr
    return check_array_close(
        f"the {cls} beats that the rhythm term classifies correctly",
        got,
        expected,
        rtol=0,
        atol=0,
        hint=f"true class {cls}; right with all three parts (argmax of beat + rhythm + bias is "
        f"{cls}) and wrong with the window part and bias alone (argmax of beat + bias is not). "
        "A positive rhythm term alone is not enough: it may be outweighed, or the beat may be "
        "right without it",
        success=f"{expected.size:,} {cls} beats are classified correctly only with the rhythm term",
    )
