"""Compare heatmaps: per-segment summaries, peak segments, agreement, and typical beats.

The LSTM of the course explains a beat with one value per segment (11 segments of 17 samples),
the FCN with one value per sample (187). To put them side by side we summarise a per-sample
map by the mean over each segment, and then ask simple questions of two maps of the same beat:

- where is each map largest? (:func:`peak_segments`, numbered from 0 like array positions);
- do the two maps rise and fall together? (:func:`row_correlation`, Pearson's r per beat);
- do the maps of many beats peak where their class average peaks? (:func:`peak_agreement`).

:func:`top_share` measures how much of an unnormalised class average a few beats carry, and
:func:`typical_beats` picks, per class, the beat closest to the class's mean beat (for figures).

Everything here needs only numpy; maps may be numpy arrays or (CPU) torch tensors, one map per
row, of any length that is a multiple of the number of segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tscam._arrays import to_numpy
from tscam.data.meaning import class_names_of

__all__ = [
    "peak_agreement",
    "peak_segments",
    "row_correlation",
    "segment_means",
    "top_share",
    "typical_beats",
]


def _rows(a: Any, name: str) -> np.ndarray:
    """(n, T) float64 from an array-like or a torch tensor; one map (T,) becomes (1, T)."""
    arr = to_numpy(a, np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 3 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n, T) or (T,), T > 0; got {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf values.")
    return arr


def segment_means(maps: Any, n_segments: int = 11) -> np.ndarray:
    """Mean of each map over each of ``n_segments`` equal segments: (n, T) -> (n, n_segments).

    Maps that already have one value per segment (T == n_segments) are returned as they are;
    an expanded LSTM map (each step repeated over its 17 samples) gives back its step values.
    """
    m = _rows(maps, "maps")
    T = m.shape[1]
    if n_segments < 1 or T % n_segments:
        raise ValueError(
            f"Cannot cut maps of length {T} into {n_segments} equal segments; the course's "
            f"beats have 187 = 11 x 17 samples (n_segments=11)."
        )
    return m.reshape(m.shape[0], n_segments, T // n_segments).mean(axis=2)


def peak_segments(maps: Any, n_segments: int = 11) -> np.ndarray:
    """Position (0 .. n_segments - 1) of the segment with the largest mean value, per map (n,).

    Ties go to the first such segment (``numpy.argmax``). Add 1 for the numbers 1..11 drawn by
    :func:`tscam.plotting.plot_segments`.
    """
    return segment_means(maps, n_segments).argmax(axis=1)


def row_correlation(a: Any, b: Any) -> np.ndarray:
    """Pearson correlation between row i of ``a`` and row i of ``b``, for every i: shape (n,).

    Rows must have the same length (summarise per-sample maps with :func:`segment_means` first
    to compare them with per-segment maps). A constant row has no correlation: NaN.
    """
    x, y = _rows(a, "a"), _rows(b, "b")
    if x.shape != y.shape:
        raise ValueError(
            f"a and b must have the same shape; got {x.shape} and {y.shape} "
            f"(use segment_means to bring per-sample maps to one value per segment)."
        )
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    num = (x * y).sum(axis=1)
    den = np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))
    out = np.full(x.shape[0], np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def peak_agreement(maps: Any, reference: Any, n_segments: int = 11) -> float:
    """Fraction of the maps (rows) whose peak segment is the peak segment of ``reference``
    (one map, e.g. a class average). NaN when there are no maps."""
    m = _rows(maps, "maps")
    if m.shape[0] == 0:
        return float("nan")
    ref = _rows(reference, "reference")
    if ref.shape[0] != 1:
        raise ValueError(f"reference must be one map (T,); got shape {ref.shape}.")
    if ref.shape[1] != m.shape[1]:
        raise ValueError(
            f"reference has length {ref.shape[1]} but the maps have length {m.shape[1]}."
        )
    target = int(peak_segments(ref, n_segments)[0])
    return float(np.mean(peak_segments(m, n_segments) == target))


def top_share(maps: Any, fraction: float = 0.1) -> float:
    """Share of the total relevance of ``maps`` (sum over beats and time) that the
    ``fraction`` of beats with the largest totals carry (at least one beat).

    For non-negative maps (Grad-CAM after ReLU). If every beat counted equally the share would
    be about ``fraction``; a share near 1 means an unnormalised average is the average of a
    few beats. NaN when the total is zero.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1]; got {fraction}.")
    m = _rows(maps, "maps")
    if (m < 0).any():
        raise ValueError("top_share needs non-negative maps (e.g. Grad-CAM with relu=True).")
    totals = np.sort(m.sum(axis=1))[::-1]
    k = max(1, int(round(fraction * totals.shape[0])))
    whole = totals.sum()
    return float(totals[:k].sum() / whole) if whole > 0 else float("nan")


def typical_beats(
    x: Any,
    y: Any,
    among: Any = None,
    classes: Sequence[str] | None = None,
) -> dict[str, int]:
    """For each class with beats: the index (into ``x``) of its most typical beat, the one with
    the smallest squared distance to the mean beat of the class.

    ``among`` (optional boolean mask, shape (n,)) restricts the choice, e.g. to correctly
    classified beats; a class with no beat in ``among`` falls back to all its beats. Classes
    without any beat are left out.
    """
    classes = class_names_of(x, classes)
    xx = _rows(x, "x")
    yy = np.asarray(y)
    if yy.shape != (xx.shape[0],):
        raise ValueError(f"y must have shape ({xx.shape[0]},), one label per beat; got {yy.shape}.")
    mask = np.ones(xx.shape[0], dtype=bool) if among is None else np.asarray(among, dtype=bool)
    if mask.shape != yy.shape:
        raise ValueError(f"among must be a boolean mask of shape {yy.shape}; got {mask.shape}.")
    out: dict[str, int] = {}
    for k, name in enumerate(classes):
        members = np.flatnonzero(yy == k)
        if members.size == 0:
            continue
        mean = xx[members].mean(axis=0)
        pool = members[mask[members]] if mask[members].any() else members
        dist = ((xx[pool] - mean) ** 2).sum(axis=1)
        out[name] = int(pool[np.argmin(dist)])
    return out
