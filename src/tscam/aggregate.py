"""From local to global: class averages of heatmaps over many beats.

A Grad-CAM map explains one beat. To ask what a model looks at for a *class*, we average the
maps of many beats of that class, together with the beats themselves (so the average map can be
drawn over the average beat) and the spread of both (a mean alone hides whether the beats agree).

Per-beat normalisation, and why it matters
------------------------------------------
Grad-CAM maps are in arbitrary units: their scale follows the gradient of the class score, which
varies by orders of magnitude from beat to beat (a beat classified with a huge logit margin can
have a map a hundred times larger than an ambiguous one). An unnormalised mean is then dominated
by the few beats with the largest maps and says little about the typical beat. Normalising each
map first gives every beat one vote:

- ``"none"``: keep the raw values (use it to study the scale itself);
- ``"max"`` (default): divide each map by its largest absolute value, so it peaks at 1 (or -1);
  the sign and the zero level are kept, so signed maps stay signed; all-zero maps stay zero;
- ``"minmax"``: map each beat's map onto [0, 1] (its minimum to 0, its maximum to 1); constant
  maps become 0. This also removes an offset, which ``"max"`` does not.

This module needs only numpy. Maps and beats may be numpy arrays or (CPU) torch tensors; any
length works, so FCN maps (n, 88), expanded LSTM maps (n, 88) and per-segment LSTM maps (n, 11)
are averaged alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tscam._arrays import to_numpy
from tscam.contract import class_names_of, time_axis_of

NORMALIZATIONS = ("none", "max", "minmax")
GROUP_BY = ("true", "pred")
SUBSETS = ("all", "correct", "misclassified")

__all__ = [
    "GROUP_BY",
    "NORMALIZATIONS",
    "SUBSETS",
    "ClassAverage",
    "averages_to_dict",
    "class_average",
    "normalize_maps",
]


def _as_array(a: Any, name: str) -> np.ndarray:
    """numpy view of an array-like or a torch tensor (detached, moved to the CPU)."""
    arr = to_numpy(a)
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array or tensor, got {type(a).__name__}.")
    return arr


def _as_2d(a: Any, name: str) -> np.ndarray:
    """(n, T) float64; (n, 1, T) is accepted and squeezed (the models' input layout)."""
    arr = _as_array(a, name)
    if arr.ndim == 3 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n, T) or (n, 1, T), T > 0; got {arr.shape}.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf values; remove or fix those beats first.")
    return arr


def normalize_maps(maps: Any, method: str = "max") -> np.ndarray:
    """Normalise each map (row) of ``maps`` (n, T) on its own; returns a new float64 array.

    ``method`` is ``"none"``, ``"max"`` (divide by the largest absolute value; all-zero maps stay
    zero) or ``"minmax"`` (to [0, 1]; constant maps become zero). See the module docstring for
    why averages should normally be taken over normalised maps.
    """
    if method not in NORMALIZATIONS:
        raise ValueError(f"Unknown normalisation {method!r}; use one of {NORMALIZATIONS}.")
    m = _as_2d(maps, "maps")
    if method == "none":
        return m.copy()
    if method == "max":
        scale = np.abs(m).max(axis=1, keepdims=True)
        return np.divide(m, scale, out=np.zeros_like(m), where=scale > 0)
    lo = m.min(axis=1, keepdims=True)
    span = m.max(axis=1, keepdims=True) - lo
    return np.divide(m - lo, span, out=np.zeros_like(m), where=span > 0)


@dataclass(frozen=True)
class ClassAverage:
    """The average explanation of one class.

    ``mean_map``, ``std_map`` and ``quantile_maps[q]`` have the length of the maps;
    ``mean_beat`` and ``std_beat`` the length of the beats. Standard deviations are population
    values (``ddof=0``). A class without beats has ``n == 0`` and all arrays filled with NaN.
    """

    cls: str  #: class name, e.g. "V"
    n: int  #: number of beats averaged
    mean_map: np.ndarray
    std_map: np.ndarray
    quantile_maps: dict[float, np.ndarray]
    mean_beat: np.ndarray
    std_beat: np.ndarray
    indices: np.ndarray  #: positions (in the inputs) of the beats that were used
    by: str = "true"  #: beats grouped by their "true" or "pred"-icted class
    subset: str = "all"  #: "all", "correct" or "misclassified" beats
    normalize: str = "max"  #: per-beat normalisation of the maps before averaging
    meta: dict[str, Any] = field(default_factory=dict)
    #: seconds relative to the R peak for each sample of ``mean_beat`` (None: sample index)
    t: np.ndarray | None = None

    @property
    def empty(self) -> bool:
        return self.n == 0

    def describe(self) -> str:
        """A one-line caption, e.g. ``"V: 312 beats (true class, correctly classified)"``."""
        kind = {
            "all": "all beats",
            "correct": "correctly classified",
            "misclassified": "misclassified",
        }[self.subset]
        return f"{self.cls}: {self.n:,} beats ({self.by} class, {kind})"

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types (lists, floats; NaN stays NaN), e.g. for JSON or a table."""
        return {
            "cls": self.cls,
            "n": self.n,
            "by": self.by,
            "subset": self.subset,
            "normalize": self.normalize,
            "mean_map": self.mean_map.tolist(),
            "std_map": self.std_map.tolist(),
            "quantile_maps": {float(q): v.tolist() for q, v in self.quantile_maps.items()},
            "mean_beat": self.mean_beat.tolist(),
            "std_beat": self.std_beat.tolist(),
            "indices": self.indices.tolist(),
            **({"meta": dict(self.meta)} if self.meta else {}),
        }


def averages_to_dict(averages: Mapping[str, ClassAverage]) -> dict[str, dict[str, Any]]:
    """``{class: ClassAverage.to_dict()}`` for the result of :func:`class_average`."""
    return {c: a.to_dict() for c, a in averages.items()}


def _labels(y: Any, name: str, n: int, n_classes: int) -> np.ndarray:
    arr = _as_array(y, name)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) (one label per beat); got {arr.shape}.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class indices; got dtype {arr.dtype}.")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name} holds class indices outside 0..{n_classes - 1} "
            f"(found {arr.min()}..{arr.max()}); pass classes=... to match your labels."
        )
    return arr


def _check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    qs = tuple(float(q) for q in quantiles)
    if any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1]; got {qs}.")
    return qs


def class_average(
    maps: Any,
    beats_x: Any,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    by: str = "true",
    subset: str = "all",
    normalize: str = "max",
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    classes: Sequence[str] | None = None,
    t: Any = None,
) -> dict[str, ClassAverage]:
    """Average maps and beats per class; returns ``{class name: ClassAverage}`` for every class.

    Parameters
    ----------
    maps:
        Heatmaps, shape (n, T_map): one per beat (numpy or torch).
    beats_x:
        The beats, shape (n, T) or (n, 1, T), or a :class:`tscam.data.Beats` (then ``y_true``
        defaults to its labels).
    y_true, y_pred:
        Class indices (n,). ``y_pred`` is needed for ``by="pred"`` and for the subsets
        ``"correct"`` and ``"misclassified"``.
    by:
        Group beats by their ``"true"`` class or by the class the model ``"pred"``-icted.
    subset:
        ``"all"`` beats, only the ``"correct"``-ly classified ones, or the ``"misclassified"``.
    normalize:
        Per-beat normalisation of the maps before averaging: ``"none"``, ``"max"``, ``"minmax"``
        (see :func:`normalize_maps`).
    quantiles:
        Levels of the quantile maps (per time step, over the beats of the class).

    ``classes``: names of the class indices; default: the beats' own ``class_names`` (a
    :class:`tscam.data.Beats` or :class:`~tscam.data.SyntheticBeats`); plain arrays need
    ``classes`` (:func:`tscam.contract.class_names_of` raises without them). ``t``: the time
    axis of the beats (seconds relative to the R peak, one value per sample); default: the
    beats object's own ``t``; plain arrays without ``t`` are drawn by sample index.

    Every class of ``classes`` gets an entry; a class without beats has ``n == 0`` and NaN
    arrays, so callers can report it instead of crashing.
    """
    if by not in GROUP_BY:
        raise ValueError(f"by must be one of {GROUP_BY}; got {by!r}.")
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}; got {subset!r}.")
    classes = class_names_of(beats_x, classes)
    beats_x_in = beats_x
    t_given = t
    if hasattr(beats_x, "x") and hasattr(beats_x, "y"):  # a tscam.data.Beats
        y_true = beats_x.y if y_true is None else y_true
        beats_x = beats_x.x
    if y_true is None:
        raise ValueError("y_true is required (the true class index of every beat).")
    if y_pred is None and (by == "pred" or subset != "all"):
        raise ValueError(
            f"by={by!r}, subset={subset!r} needs the predicted classes: pass y_pred=... "
            f"(e.g. tscam.models.predict(model, beats.x))."
        )
    m = normalize_maps(maps, normalize)  # validates the method and the values
    x = _as_2d(beats_x, "beats_x")
    if t_given is not None:
        t = to_numpy(t_given, float).reshape(-1)
        if t.shape != (x.shape[1],):
            raise ValueError(f"t has {t.size} values but the beats have {x.shape[1]} samples.")
    else:
        t = time_axis_of(beats_x_in, x.shape[1])  # the beats' own axis, or None
    n = m.shape[0]
    if x.shape[0] != n:
        raise ValueError(f"maps has {n} rows but beats_x has {x.shape[0]}: one map per beat.")
    k = len(classes)
    yt = _labels(y_true, "y_true", n, k)
    yp = None if y_pred is None else _labels(y_pred, "y_pred", n, k)
    qs = _check_quantiles(quantiles)

    keep = np.ones(n, dtype=bool)
    if subset == "correct":
        keep = yt == yp
    elif subset == "misclassified":
        keep = yt != yp
    group = yt if by == "true" else yp

    out: dict[str, ClassAverage] = {}
    for ci, name in enumerate(classes):
        idx = np.flatnonzero(keep & (group == ci))
        if idx.size:
            mm, xx = m[idx], x[idx]
            stats = (mm.mean(0), mm.std(0), {q: np.quantile(mm, q, axis=0) for q in qs})
            beat = (xx.mean(0), xx.std(0))
        else:
            nan_m, nan_x = np.full(m.shape[1], np.nan), np.full(x.shape[1], np.nan)
            stats = (nan_m, nan_m.copy(), {q: nan_m.copy() for q in qs})
            beat = (nan_x, nan_x.copy())
        out[name] = ClassAverage(
            cls=name,
            n=int(idx.size),
            mean_map=stats[0],
            std_map=stats[1],
            quantile_maps=stats[2],
            mean_beat=beat[0],
            std_beat=beat[1],
            indices=idx,
            by=by,
            subset=subset,
            normalize=normalize,
            t=t,
        )
    return out
