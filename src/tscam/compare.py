"""Compare heatmaps: per-segment summaries, peak segments, agreement, and typical beats.

The LSTM of the course explains a beat with one value per segment (11 segments of 8 samples),
the FCN with one value per sample (88). To put them side by side we summarise a per-sample
map by the mean over each segment, and then ask simple questions of two maps of the same beat:

- where is each map largest? (:func:`peak_segments`, numbered from 0 like array positions);
- do the two maps rise and fall together? (:func:`row_correlation`, Pearson's r per beat);
- do the maps of many beats peak where their class average peaks? (:func:`peak_agreement`),
  and how often would they by chance? (:func:`peak_agreement_null`, a permutation null that
  keeps how the maps of all classes peak, instead of ``1/n_segments``).

:func:`top_share` measures how much of an unnormalised class average a few beats carry, and
:func:`typical_beats` picks, per class, the beat closest to the class's mean beat (for figures).

Where in time a map puts its evidence, for maps of non-negative relevance (Grad-CAM with its
ReLU): :func:`map_centre` (the centre of mass of each map) and :func:`evidence_width` (how long
the map stays at or above half its peak) and :func:`evidence_shares` (the share of each map in
regions of its beat); and, for the beats themselves, :func:`qrs_bounds` and :func:`qrs_width`, a
simple estimate of where the QRS complex starts and ends, from the slope of the beat.

Everything here needs only numpy; maps may be numpy arrays or (CPU) torch tensors, one map per
row, of any length that is a multiple of the number of segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tscam._arrays import to_numpy
from tscam.contract import class_names_of, sampling_of

__all__ = [
    "evidence_shares",
    "evidence_width",
    "map_centre",
    "peak_agreement",
    "peak_agreement_null",
    "peak_segments",
    "qrs_bounds",
    "qrs_width",
    "row_correlation",
    "segment_means",
    "top_share",
    "typical_beats",
]


def _rows(a: Any, name: str) -> np.ndarray:
    """(n, T) float64 from an array-like, a torch tensor or a beats object (its ``x``); one map
    (T,) becomes (1, T)."""
    if hasattr(a, "x") and hasattr(a, "class_names"):  # a beats object
        a = a.x
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
    an expanded LSTM map (each step repeated over its segment's samples) gives back its step values.
    """
    m = _rows(maps, "maps")
    T = m.shape[1]
    if n_segments < 1 or T % n_segments:
        raise ValueError(
            f"Cannot cut maps of length {T} into {n_segments} equal segments; the course's "
            f"beats have 88 = 11 x 8 samples (n_segments=11)."
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


def _share_in_group(hit: np.ndarray, member: np.ndarray, axis: int = -1) -> np.ndarray:
    """Share of the members (``member`` 1) that are hits (``hit`` 1), along ``axis``."""
    return np.sum(hit * member, axis=axis) / np.sum(member, axis=axis)


def peak_agreement_null(
    maps: Any,
    y: Any,
    k: int,
    reference: Any,
    n_segments: int = 11,
    *,
    n_perm: int = 2000,
    seed: int = 0,
) -> Any:
    """:func:`peak_agreement` of the beats of class index ``k`` with ``reference`` (e.g. the
    class average of ``k``), and its chance level from a permutation null.

    ``maps`` (n, T) holds the maps of the beats of *every* class, ``y`` (n,) their class
    indices. The observed statistic is the share of class-``k`` beats whose peak segment is the
    peak segment of ``reference``; the null shuffles the class labels across all beats
    (:func:`tscam.evaluate.stats.permutation_null`), so its mean is the share of *all* beats
    that peak there. It keeps how the maps peak (e.g. most maps of a model peaking at the R
    peak, whatever the class), which a chance level of ``1 / n_segments`` ignores. Returns a
    :class:`tscam.evaluate.stats.Null` (``observed``, ``null``, ``low``, ``high``, ``pvalue``).
    """
    from tscam.evaluate.stats import permutation_null

    m = _rows(maps, "maps")
    labels = np.asarray(y).reshape(-1)
    if labels.shape[0] != m.shape[0]:
        raise ValueError(f"y must hold one label per map ({m.shape[0]}); got {labels.shape[0]}.")
    member = (labels == int(k)).astype(np.float64)
    if not member.any():
        raise ValueError(f"No beat has class index {k}: nothing to measure.")
    ref = _rows(reference, "reference")
    if ref.shape != (1, m.shape[1]):
        raise ValueError(f"reference must be one map of length {m.shape[1]}; got {ref.shape}.")
    target = int(peak_segments(ref, n_segments)[0])
    hit = (peak_segments(m, n_segments) == target).astype(np.float64)
    return permutation_null(hit, member, _share_in_group, n_perm=n_perm, seed=seed)


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
    without any beat are left out. ``x`` is an array (n, T) (then ``classes`` names the class
    indices of ``y``) or a beats object (its ``x`` and, unless given, its ``class_names``).
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


def _time(t: Any, length: int) -> np.ndarray:
    """The time of each sample: ``t`` as float64 (length ``length``, increasing), or 0, 1, ..."""
    if t is None:
        return np.arange(length, dtype=np.float64)
    tt = np.asarray(t, dtype=np.float64)
    if tt.shape != (length,):
        raise ValueError(f"t must have one time per sample, shape ({length},); got {tt.shape}.")
    if length > 1 and not np.all(np.diff(tt) > 0):
        raise ValueError("t must be strictly increasing.")
    return tt


def _non_negative(maps: Any, who: str) -> np.ndarray:
    m = _rows(maps, "maps")
    if (m < 0).any():
        raise ValueError(
            f"{who} needs non-negative maps (e.g. Grad-CAM with relu=True); take np.abs or "
            f"np.clip(maps, 0, None) first if you mean the size or the positive part."
        )
    return m


def map_centre(maps: Any, t: Any = None) -> np.ndarray:
    """Centre of mass in time of each non-negative map: ``sum(t * m) / sum(m)``, shape (n,).

    ``t`` gives the time of each sample (e.g. ``beats.t``, seconds from the
    R peak); by default the sample index 0, 1, .... A map that is zero everywhere has no centre:
    NaN.
    """
    m = _non_negative(maps, "map_centre")
    tt = _time(t, m.shape[1])
    total = m.sum(axis=1)
    out = np.full(m.shape[0], np.nan)
    np.divide(m @ tt, total, out=out, where=total > 0)
    return out


def evidence_width(maps: Any, t: Any = None, level: float = 0.5) -> np.ndarray:
    """How long each non-negative map stays at or above ``level`` times its own peak: the number
    of such samples times the sample spacing, shape (n,).

    The samples need not be contiguous (a map with two separate bumps counts both). With ``t``
    (equally spaced times, e.g. ``beats.t``) the width is in the units of
    ``t``; by default in samples. A map that is zero everywhere has no peak: NaN.
    """
    if not 0.0 < level <= 1.0:
        raise ValueError(f"level must lie in (0, 1]; got {level}.")
    m = _non_negative(maps, "evidence_width")
    tt = _time(t, m.shape[1])
    if tt.size > 1 and not np.allclose(np.diff(tt), tt[1] - tt[0]):
        raise ValueError("t must be equally spaced (one sample spacing for the width).")
    dt = float(tt[1] - tt[0]) if tt.size > 1 else 1.0
    peak = m.max(axis=1, keepdims=True)
    above = (m >= level * peak).sum(axis=1).astype(np.float64) * dt
    return np.where(peak[:, 0] > 0, above, np.nan)


def qrs_bounds(
    beats: Any,
    fs: float | None = None,
    r_index: int | None = None,
    search_s: float = 0.15,
    level: float = 0.15,
    onset: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A simple estimate of where the QRS complex of each beat starts and ends: two integer
    arrays (n,), ``start`` and ``stop``, sample indices with the QRS in ``start .. stop``
    (inclusive); -1 for a beat that is flat near the R peak.

    The QRS complex is the steepest part of a beat. The estimate takes the absolute slope of the
    beat, ``|x[i + 1] - x[i]|``, within ``search_s`` seconds of the R peak (at ``r_index``), and
    finds the first and the last slope that reach ``level`` times the largest slope in that
    window; the QRS runs from the first sample of the first such slope to the last sample of
    the last one. ``fs`` (Hz) and ``r_index`` come from the beats object (``beats.fs``,
    ``beats.r_index``) unless given; plain arrays need both (:func:`tscam.contract.sampling_of`).
    ``onset`` (the first kept sample of each window, ``Beats.onset``) keeps the
    step where a window's zeroed start ends out of the search.

    This is a rough, threshold-based measure for comparing groups of beats (e.g. bundle branch
    block beats with normal ones), not a clinical measurement; with the course's band-pass
    filter and 125 Hz it resolves steps of 1 / fs = 8 ms.
    """
    fs, r_index = sampling_of(beats, fs, r_index)
    x = _rows(beats, "beats")
    n, length = x.shape
    if search_s <= 0:
        raise ValueError(f"search_s must be positive; got {search_s}.")
    if not 0.0 < level <= 1.0:
        raise ValueError(f"level must lie in (0, 1]; got {level}.")
    if not 0 <= r_index < length:
        raise ValueError(f"r_index {r_index} lies outside the beats of length {length}.")
    start = np.full(n, max(0, r_index - int(round(search_s * fs))))
    stop = min(length - 1, r_index + int(round(search_s * fs)))  # slopes i .. stop - 1
    if onset is not None:
        o = np.asarray(onset)
        if o.shape != (n,):
            raise ValueError(f"onset must have shape ({n},), one per beat; got {o.shape}.")
        start = np.maximum(start, o.astype(np.int64))
    slope = np.abs(np.diff(x, axis=1))  # slope[i] between samples i and i + 1
    idx = np.arange(slope.shape[1])[None, :]
    inside = (idx >= start[:, None]) & (idx < stop)
    s = np.where(inside, slope, 0.0)
    top = s.max(axis=1, keepdims=True)
    hit = inside & (s >= level * top) & (top > 0)
    first = np.argmax(hit, axis=1)
    last = slope.shape[1] - 1 - np.argmax(hit[:, ::-1], axis=1) + 1  # the slope's 2nd sample
    flat = top[:, 0] <= 0
    return np.where(flat, -1, first).astype(np.int64), np.where(flat, -1, last).astype(np.int64)


def qrs_width(beats: Any, fs: float | None = None, **options: Any) -> np.ndarray:
    """A simple estimate of the width of the QRS complex of each beat, in seconds, shape (n,):
    ``(stop - start) / fs`` with ``start`` and ``stop`` from :func:`qrs_bounds`, which gets
    ``fs`` and the other keyword ``options`` (``r_index``, ``search_s``, ``level``,
    ``onset``); ``fs`` and ``r_index`` default to the beats object's own. A beat that is flat
    near the R peak has no QRS: NaN.

    A rough, threshold-based measure for comparing groups of beats, not a clinical measurement.
    """
    fs, _ = sampling_of(beats, fs, options.get("r_index"))
    start, stop = qrs_bounds(beats, fs, **options)
    return np.where(start >= 0, (stop - start) / float(fs), np.nan)


def evidence_shares(maps: Any, edges: Any) -> np.ndarray:
    """Share of each non-negative map's total in consecutive regions of its own: shape (n, k).

    ``edges`` (n, k - 1) gives, per map, the sample indices where regions 2 .. k start (in
    increasing order, between 0 and T); region 1 starts at 0 and region k ends at T. For
    example the edges ``onset, qrs_start, qrs_stop + 1`` split a beat's map into its zeroed
    start, the part before the QRS complex, the QRS complex and what follows it. The shares of
    a map add up to 1; a map that is zero everywhere gives NaN.
    """
    m = _non_negative(maps, "evidence_shares")
    n, length = m.shape
    e = np.asarray(edges)
    if e.ndim == 1 and n == 1:
        e = e[None, :]
    if e.ndim != 2 or e.shape[0] != n:
        raise ValueError(f"edges must have shape ({n}, k - 1), one row per map; got {e.shape}.")
    if not np.issubdtype(e.dtype, np.integer):
        raise ValueError(f"edges must be integer sample indices; got dtype {e.dtype}.")
    if e.size and ((e < 0).any() or (e > length).any() or (np.diff(e, axis=1) < 0).any()):
        raise ValueError(f"edges must be increasing sample indices between 0 and {length}.")
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(m, axis=1)], axis=1)  # cum[:, j] = sum :j
    bounds = np.concatenate([np.zeros((n, 1), np.int64), e, np.full((n, 1), length)], axis=1)
    sums = np.diff(np.take_along_axis(cum, bounds, axis=1), axis=1)
    total = m.sum(axis=1, keepdims=True)
    out = np.full(sums.shape, np.nan)
    np.divide(sums, total, out=out, where=total > 0)
    return out
