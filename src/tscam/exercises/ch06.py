"""Checkers for the exercises of chapter 6 (from local to global explanations).

The reference answers come from :func:`tscam.aggregate.class_average`, so a correct answer
is one that agrees with the package's class averages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.aggregate import class_average
from tscam.data import CLASSES
from tscam.exercises._core import CheckResult, check_array_close, check_callable

__all__ = [
    "check_minmax_class_mean",
    "check_misclassified",
    "minmax_class_mean_reference",
    "misclassified_reference",
]


def minmax_class_mean_reference(maps: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Mean over the beats of class index ``k`` of their maps, each min-max normalised first."""
    maps = np.asarray(maps)
    beats = np.zeros((maps.shape[0], 1))  # class_average needs beats; only the maps matter here
    avg = class_average(maps, beats, np.asarray(y), normalize="minmax", classes=CLASSES)
    return avg[CLASSES[int(k)]].mean_map


def misclassified_reference(y_true: Any, y_pred: Any, cls: str) -> np.ndarray:
    """Positions of the beats of true class ``cls`` that the model assigned to another class."""
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    maps = np.zeros((yt.shape[0], 1))
    return class_average(maps, maps, yt, yp, subset="misclassified", classes=CLASSES)[cls].indices


def check_minmax_class_mean(fn: Callable[[np.ndarray, np.ndarray, int], Any]) -> CheckResult:
    """Exercise: ``fn(maps, y, k)`` returns the class-average map of class index ``k``: each
    beat's map scaled to [0, 1] (minimum to 0, maximum to 1; a constant map becomes all 0),
    then averaged over the beats with ``y == k``. Shape (T,)."""
    rng = np.random.default_rng(2020)
    maps = rng.normal(size=(12, 20))
    y = np.array([0, 1, 2, 3] * 3)
    flat = maps.copy()
    flat[2] = 3.0  # a constant map of class 2
    return check_callable(
        "class average with min-max normalisation",
        fn,
        [(maps, y, 0), (maps, y, 3), (flat, y, 2), (np.abs(maps) * 100, y, 1)],
        minmax_class_mean_reference,
        hint="per row: (m - m.min()) / (m.max() - m.min()), with 0 where max == min; then "
        "average the rows of class k (axis=0)",
        success="your average matches tscam.aggregate.class_average(..., normalize='minmax')",
    )


def check_misclassified(answer: Any, y_true: Any, y_pred: Any, cls: str = "V") -> CheckResult:
    """Exercise: the positions (indices into ``y_true``) of the beats of true class ``cls`` that
    the model misclassified. A boolean mask of the same length is accepted too."""
    expected = misclassified_reference(y_true, y_pred, cls)
    got = answer
    if got is not None and got is not Ellipsis:
        arr = np.asarray(got)
        if arr.dtype == bool and arr.shape == np.shape(y_true):
            arr = np.flatnonzero(arr)
        got = np.sort(arr.ravel()) if arr.ndim else arr
    return check_array_close(
        f"find the misclassified {cls} beats",
        got,
        expected,
        rtol=0,
        atol=0,
        hint=f"true class {cls} (y_true == CLASSES.index({cls!r})) and a different prediction "
        "(y_pred != y_true); np.flatnonzero turns the mask into positions",
        success=f"{expected.size:,} misclassified {cls} beats",
    )
