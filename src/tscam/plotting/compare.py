"""Figures that compare: values per LSTM step, maps of one beat side by side, and class-average
profiles of several variants (normalisations, subsets, models) on one axis per class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tscam.methods import label as method_label
from tscam.plotting._base import as_1d, axes_or_new, mark_r_peak, root_figure, scaled, time_axis
from tscam.plotting.beats import plot_beat_heatmap, plot_segments
from tscam.plotting.colors import OKABE_ITO
from tscam.style import TEXT_WIDTH_IN

if TYPE_CHECKING:
    from tscam.aggregate import ClassAverage

__all__ = ["SERIES_COLORS", "plot_average_profiles", "plot_maps_side_by_side", "plot_step_values"]

#: Colours (Okabe-Ito) and line styles of the compared series, in order; styles and hatches
#: keep them apart in grey scale too.
SERIES_COLORS = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["sky blue"],
)
_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)))
_HATCHES = ("", "//", "..", "xx", "\\\\", "oo")


def _series(values: Mapping[str, Any], name: str) -> list[tuple[str, Any]]:
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"{name} must be a non-empty dict {{label: values}}.")
    if len(values) > len(SERIES_COLORS):
        raise ValueError(f"At most {len(SERIES_COLORS)} series can be compared; got {len(values)}.")
    return [(str(k), v) for k, v in values.items()]


def plot_step_values(
    values: Mapping[str, Any],
    ax: Axes | None = None,
    *,
    ylabel: str = "value",
    title: str | None = None,
    xlabel: str = "LSTM step = segment",
) -> Figure:
    """Grouped bars, one group per step (numbered 1..S like the segments of
    :func:`tscam.plotting.plot_segments`) and one bar per series of ``values`` (``{label:
    (S,) array}``, all of one length), e.g. gradient norms of the naive and the unrolled LSTM.

    Bars that are exactly zero are marked with a small "0" so that a missing bar reads as zero,
    not as a drawing error. Returns the figure.
    """
    items = [(label, as_1d(v, f"values[{label!r}]")) for label, v in _series(values, "values")]
    steps = items[0][1].shape[0]
    if any(v.shape[0] != steps for _, v in items):
        raise ValueError("All series of values must have the same number of steps.")
    fig, ax = axes_or_new(ax, (7.0, 3.0))
    k = len(items)
    width = 0.8 / k
    pos = np.arange(1, steps + 1)
    for i, (label, v) in enumerate(items):
        x = pos - 0.4 + width * (i + 0.5)
        ax.bar(
            x,
            v,
            width,
            label=label,
            color=SERIES_COLORS[i],
            hatch=_HATCHES[i],
            edgecolor="white" if not _HATCHES[i] else "0.15",
            linewidth=0.5,
        )
        for xi in x[v == 0]:
            ax.annotate(
                "0",
                (xi, 0),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="small",
                color=SERIES_COLORS[i],
            )
    ax.set_xticks(pos)
    ax.set_xlim(0.4, steps + 0.6)
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_maps_side_by_side(
    x: Any,
    maps: Mapping[str, Any],
    axes: Sequence[Axes] | None = None,
    *,
    n_segments: int = 11,
    cls: str | None = None,
    vmax: Mapping[str, float] | None = None,
    suptitle: str | None = None,
    panel_size: tuple[float, float] | None = None,
    t: Any = None,
) -> Figure:
    """One beat, once per map of ``maps`` (``{panel title: map}``), in a row of panels.

    A map with one value per segment (``n_segments`` values, e.g. LSTM Grad-CAM with
    ``expand=False``) is drawn with :func:`tscam.plotting.plot_segments`, segments numbered; a
    map with one value per sample with :func:`tscam.plotting.plot_beat_heatmap`. Each panel has
    its own colour bar (kept short, e.g. "LSTM Grad-CAM, class V (a.u.)"): the maps of different
    models are in different units. ``cls`` names the explained class; ``vmax`` (optional,
    ``{panel title: value}``) fixes the top of a panel's colour scale, and larger values are
    drawn in the top colour. ``t``: the beat's time axis (an array, or beats that carry ``.t``);
    default: the sample index. ``panel_size`` (width, height) in inches per panel; by default
    the row fills the book's text column (:data:`tscam.style.TEXT_WIDTH_IN`). Returns the
    figure.
    """
    beat = as_1d(x, "x")
    items = _series(maps, "maps")
    if axes is None:
        w, h = panel_size or (TEXT_WIDTH_IN / len(items), 2.8)
        fig, axs = plt.subplots(
            1, len(items), figsize=scaled((w * len(items), h)), layout="constrained", sharey=True
        )
        axs = list(np.ravel(axs))
    else:
        axs = list(np.ravel(axes))
        if len(axs) < len(items):
            raise ValueError(f"{len(items)} maps need {len(items)} axes; got {len(axs)}.")
        fig = root_figure(axs[0])
    for i, ((title, m), ax) in enumerate(zip(items, axs, strict=False)):
        h = as_1d(m, f"maps[{title!r}]")
        ylabel = None if i else "amplitude (z-score)"
        top = None if vmax is None or title not in vmax else float(vmax[title])
        of = f", class {cls}" if cls is not None else ""
        if h.shape[0] == n_segments and beat.shape[0] != n_segments:
            label = f"{method_label('grad_cam', steps=True)}{of} (a.u.)"
            plot_segments(
                beat,
                n_segments,
                ax=ax,
                heatmap=h,
                title=title,
                cbar_label=label,
                ylabel=ylabel,
                vmax=top,
                t=t,
            )
        else:
            label = f"{method_label('grad_cam')}{of} (a.u.)"
            plot_beat_heatmap(
                beat, h, ax=ax, title=title, cbar_label=label, ylabel=ylabel, vmax=top, t=t
            )
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _profile(avg: ClassAverage, rescale: bool) -> np.ndarray:
    m = np.asarray(avg.mean_map, dtype=float)
    T = avg.mean_beat.shape[0]
    if m.shape[0] != T:
        if T % m.shape[0]:
            raise ValueError(f"Maps of length {m.shape[0]} cannot be drawn over beats of {T}.")
        m = np.repeat(m, T // m.shape[0])
    if rescale:
        top = np.nanmax(np.abs(m)) if np.isfinite(m).any() else 0.0
        m = m / top if top > 0 else m
    return m


def plot_average_profiles(
    groups: Mapping[str, Mapping[str, ClassAverage]],
    axes: Any = None,
    *,
    classes: Sequence[str] | None = None,
    rescale: bool = True,
    method: str | None = None,
    label: str | None = None,
    suptitle: str | None = None,
    ncols: int | None = None,
    panel_size: tuple[float, float] | None = None,
) -> Figure:
    """The mean maps of several variants of a class average, one line per variant, one panel
    per class: ``groups[variant][class]`` is a :class:`tscam.aggregate.ClassAverage` (e.g. the
    results of :func:`tscam.aggregate.class_average` with ``normalize="none"``, ``"max"``,
    ``"minmax"``, or for two models).

    With ``rescale=True`` each mean map is divided by its largest absolute value, so the shapes
    compare even where the units differ. Per-segment maps are drawn as steps over their segments.
    The mean beat of the first variant is drawn in light grey on a second axis for orientation.
    Classes with no beats in a variant are skipped for it; the legend gives each variant's
    number of beats per panel. ``label`` (e.g. the model's name) starts every panel title, which
    helps when several calls share one figure through ``axes``. Without ``axes`` the panels fill
    the book's text column (:data:`tscam.style.TEXT_WIDTH_IN`) in ``ncols`` columns (default
    2, more rows instead of more columns); ``panel_size`` (width, height) overrides the size of
    each. Returns the figure.
    """
    variants = _series(groups, "groups")
    names = list(classes) if classes is not None else list(variants[0][1])
    if not names:
        raise ValueError("No classes to draw.")
    if axes is None:
        ncols = ncols or min(len(names), 2)
        nrows = -(-len(names) // ncols)
        w, h = panel_size or (TEXT_WIDTH_IN / ncols, 2.6)
        fig, axs = plt.subplots(
            nrows, ncols, figsize=scaled((w * ncols, h * nrows + 0.6)), layout="constrained"
        )
        axs = list(np.ravel(axs))
        for extra in axs[len(names) :]:
            extra.remove()
    else:
        axs = list(np.ravel(axes))
        if len(axs) < len(names):
            raise ValueError(f"{len(names)} classes need {len(names)} axes; got {len(axs)}.")
        fig = root_figure(axs[0])
    ylabel = f"mean {method or method_label('grad_cam')}" + (
        " (peak = 1)" if rescale else " (a.u.)"
    )
    for c, ax in zip(names, axs, strict=False):
        title = f"{label}: class {c}" if label else f"class {c}"
        first = next((g[c] for _, g in variants if c in g and g[c].n > 0), None)
        if first is None:
            ax.set_title(title)
            ax.text(
                0.5,
                0.5,
                f"no beats of class {c}",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="0.4",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        tt, xlabel, r_at_zero = time_axis(first.mean_beat.shape[0], first)
        beat_ax = ax.twinx()
        beat_ax.plot(tt, first.mean_beat, color="0.8", lw=1.2, zorder=0)
        beat_ax.set_yticks([])
        ax.set_zorder(beat_ax.get_zorder() + 1)
        ax.patch.set_visible(False)
        for i, (variant, g) in enumerate(variants):
            avg = g.get(c)
            if avg is None or avg.n == 0:
                continue
            steps = avg.mean_map.shape[0] != avg.mean_beat.shape[0]
            ax.plot(
                tt,
                _profile(avg, rescale),
                color=SERIES_COLORS[i],
                ls=_STYLES[i],
                lw=1.6,
                drawstyle="steps-mid" if steps else "default",
                label=f"{variant} (n = {avg.n:,})",
            )
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlim(tt[0], tt[-1])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if r_at_zero:
            mark_r_peak(ax)
        ax.legend(fontsize="small", frameon=False, loc="best")
    if suptitle:
        fig.suptitle(suptitle)
    return fig
