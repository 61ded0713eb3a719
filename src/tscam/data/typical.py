"""Typical beats: one representative beat per class for the chapters' figures.

"Typical" means closest (Euclidean distance) to the mean of the class's beats, as in chapter 1.
The functions work on plain arrays (``y`` as class indices into ``CLASSES``) and know nothing
about models: to choose among correctly classified beats, pass the predictions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tscam.data.records import CLASSES

__all__ = ["class_examples", "typical_beats"]


def _labels(y: Any, n_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"y must be a 1-D array of class indices (e.g. beats.y); got shape {y.shape}, "
            f"dtype {y.dtype}."
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y holds class indices outside 0..{n_classes - 1}.")
    return y


def typical_beats(
    x: Any, y: Any, mask: Any = None, classes: tuple[str, ...] = CLASSES
) -> dict[str, int]:
    """For each class, the index of its most typical beat: the one closest to the mean of that
    class's beats.

    ``x``: beats (n, T); ``y``: class indices (n,); ``mask``: optional boolean (n,) that limits
    the choice (and the mean) to some beats, e.g. ``pred == y``. Classes without a (masked) beat
    are left out of the returned ``{class name: index}``; the order is that of ``classes``.
    """
    x = np.asarray(x, dtype=float)
    y = _labels(y, len(classes))
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x must have shape (n, T) with n = len(y) = {len(y)}; got {x.shape}.")
    keep = np.ones(len(y), bool) if mask is None else np.asarray(mask, dtype=bool)
    if keep.shape != y.shape:
        raise ValueError(f"mask must have shape {y.shape}, got {keep.shape}.")
    out = {}
    for k, cls in enumerate(classes):
        idx = np.flatnonzero((y == k) & keep)
        if len(idx):
            beats = x[idx]
            distance = ((beats - beats.mean(axis=0)) ** 2).sum(axis=1)
            out[cls] = int(idx[np.argmin(distance)])
    return out


def class_examples(x: Any, y: Any, pred: Any, classes: tuple[str, ...] = CLASSES) -> dict[str, int]:
    """One example beat per class for figures: the typical beat among the correctly classified
    beats of the class (``pred == y``) or, for a class without any correctly classified beat,
    the typical beat of all its beats (check ``pred[i] == y[i]`` to tell). Classes without beats
    are left out; the order is that of ``classes``."""
    y = _labels(y, len(classes))
    pred = np.asarray(pred)
    if pred.shape != y.shape:
        raise ValueError(f"pred must have the shape of y, {y.shape}; got {pred.shape}.")
    correct = typical_beats(x, y, pred == y, classes)
    anyway = typical_beats(x, y, None, classes)
    return {c: correct.get(c, anyway[c]) for c in classes if c in anyway}
