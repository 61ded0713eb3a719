"""Helpers shared by the plot functions: axes, time axis, input checks, colour bars."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.figure import Figure

from tscam._arrays import to_numpy
from tscam.contract import time_axis_of

#: Label of a time axis in seconds relative to the R peak.
SECONDS_LABEL = "time relative to the R peak (s)"
SAMPLES_LABEL = "sample"


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = (7.0, 3.2)) -> tuple[Figure, Axes]:
    """``(figure, ax)``: the given axes and their figure, or a new constrained-layout figure of
    ``figsize`` scaled by :func:`size_scale` (so a lecture style's larger fonts still fit)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=scaled(figsize), layout="constrained")
        return fig, ax
    return root_figure(ax), ax


def size_scale() -> float:
    """How much larger than the book's figures new figures are: font size / 10 pt, at least 1."""
    return max(1.0, float(mpl.rcParams["font.size"]) / 10.0)


def scaled(figsize: tuple[float, float]) -> tuple[float, float]:
    k = size_scale()
    return (figsize[0] * k, figsize[1] * k)


def root_figure(ax: Axes) -> Figure:
    """The top-level figure holding ``ax`` (also when ``ax`` sits in a subfigure)."""
    fig = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure: go up
        fig = fig.figure
    return fig


def as_1d(a: Any, name: str, allow_nan: bool = False) -> np.ndarray:
    """A 1-D float array from a list, numpy array or (CPU) torch tensor of shape (T,) or (1, T)."""
    arr = to_numpy(a, float)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name} must be one beat/map of shape (T,) (or (1, T)); got shape {arr.shape}. "
            f"To plot beat i of a batch, pass x[i]."
        )
    if not allow_nan and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf values.")
    return arr


def same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} has {a.shape[0]} samples but {name_b} has {b.shape[0]}; they must match "
            f"(upsample the map to the beat length, e.g. grad_cam(..., upsample=True))."
        )


def time_axis(length: int, t: Any = None) -> tuple[np.ndarray, str, bool]:
    """``(t, xlabel, r_at_zero)`` for a beat of ``length`` samples.

    ``t`` is the time axis, taken from the data: an object that carries one (beats with
    ``.t``, such as :class:`tscam.data.Beats` and :class:`~tscam.data.SyntheticBeats`, or a
    :class:`tscam.aggregate.ClassAverage`) is drawn in seconds relative to the R peak; an array
    is used as is (its R peak, if marked, is taken to be at t = 0). Without either, the beat is
    drawn by sample index (:func:`tscam.contract.time_axis_of`: plain arrays carry no time).
    """
    if t is not None and hasattr(t, "t") and not isinstance(t, np.ndarray):
        own = time_axis_of(t, length)
        if own is None:
            return np.arange(length, dtype=float), SAMPLES_LABEL, False
        return own, SECONDS_LABEL, bool(own.min() <= 0.0 <= own.max())
    if t is not None:
        t = as_1d(t, "t")
        if t.shape[0] != length:
            raise ValueError(f"t has {t.shape[0]} values but the beat has {length} samples.")
        return t, "time (s)", bool(t.min() <= 0.0 <= t.max())
    return np.arange(length, dtype=float), SAMPLES_LABEL, False


def padded_limits(values: np.ndarray, frac: float = 0.08) -> tuple[float, float]:
    """``(min, max)`` of ``values`` widened by ``frac`` of their range on each side."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = frac * (hi - lo if hi > lo else 1.0)
    return lo - pad, hi + pad


def sample_edges(t: np.ndarray) -> np.ndarray:
    """Edges halfway between samples (length T + 1), so sample i fills [edge i, edge i+1]."""
    if t.shape[0] == 1:
        return np.array([t[0] - 0.5, t[0] + 0.5])
    mid = (t[1:] + t[:-1]) / 2
    return np.concatenate([[t[0] - (mid[0] - t[0])], mid, [t[-1] + (t[-1] - mid[-1])]])


def mark_r_peak(ax: Axes, at: float = 0.0) -> None:
    """A thin dotted vertical line at the R peak, labelled "R" at the top."""
    ax.axvline(at, color="0.35", lw=0.9, ls=":", zorder=1.5)
    ax.annotate(
        "R",
        xy=(at, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(2, -2),
        textcoords="offset points",
        ha="left",
        va="top",
        color="0.3",
        fontsize="small",
        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
    )


def add_colorbar(mappable: ScalarMappable, ax: Any, label: str) -> Colorbar:
    """A colour bar beside ``ax`` (one axes or a list of axes) with ``label``."""
    first = ax if isinstance(ax, Axes) else list(np.ravel(ax))[0]
    cbar = first.figure.colorbar(mappable, ax=ax, pad=0.015, fraction=0.05, aspect=25)
    cbar.set_label(label)
    return cbar
