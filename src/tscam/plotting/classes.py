"""Class averages: one panel per class (mean beat, mean map, spread), and a grid of classes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure

from tscam.methods import label as method_label
from tscam.plotting._base import (
    add_colorbar,
    mark_r_peak,
    padded_limits,
    root_figure,
    scaled,
    time_axis,
)
from tscam.plotting.beats import HEATMAP_STYLES, draw_heatmap, relevance_label
from tscam.plotting.colors import MAP_COLOR, is_signed, relevance_cmap, relevance_norm
from tscam.style import TEXT_WIDTH_IN

if TYPE_CHECKING:
    from tscam.aggregate import ClassAverage, PartsAverage

BANDS = ("std", "quantile", None)
#: Heights of the beat panel and the map panel below it.
HEIGHT_RATIOS = (2.2, 1.0)


def _expand(avg: ClassAverage, values: np.ndarray) -> np.ndarray:
    """A map at the beat's length: per-segment maps (e.g. the LSTM's 11 steps) are repeated over
    their segments; maps already at the beat's length are returned as they are."""
    T, Tm = avg.mean_beat.shape[0], values.shape[0]
    if Tm == T:
        return values
    if T % Tm == 0:
        return np.repeat(values, T // Tm)
    raise ValueError(
        f"The maps of class {avg.cls} have {Tm} values and its beats {T} samples; give maps "
        f"upsampled to the beat (length {T}) or one value per equal segment."
    )


def _band(avg: ClassAverage, band: str | None) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Lower and upper edge of the map's spread band (at the beat's length) and its legend."""
    if band is None:
        return None
    if band == "std":
        m, s = avg.mean_map, avg.std_map
        return _expand(avg, m - s), _expand(avg, m + s), "± 1 std over beats"
    if band == "quantile":
        qs = sorted(avg.quantile_maps)
        if len(qs) < 2:
            raise ValueError("band='quantile' needs at least two quantile maps (e.g. 0.1, 0.9).")
        lo, hi = qs[0], qs[-1]
        text = f"{100 * lo:g}-{100 * hi:g} % quantiles over beats"
        return _expand(avg, avg.quantile_maps[lo]), _expand(avg, avg.quantile_maps[hi]), text
    raise ValueError(f"band must be one of {BANDS}; got {band!r}.")


def _map_axes(ax: Axes) -> Axes:
    """Split the slot of ``ax`` in two: ``ax`` keeps the upper part (the beat), a new axes below
    it shares its time axis (the map). Axes without a subplot slot get a twin y axis instead."""
    spec = ax.get_subplotspec()
    if spec is None:
        return ax.twinx()
    gs = spec.subgridspec(2, 1, height_ratios=HEIGHT_RATIOS, hspace=0.04)
    ax.set_subplotspec(gs[0])
    return ax.figure.add_subplot(gs[1], sharex=ax)


def _panel_grid(nrows: int, ncols: int, figsize: tuple[float, float], show_map: bool):
    """A new figure with ``nrows x ncols`` panels: ``(figure, [(beat_ax, map_ax or None)])``."""
    fig = plt.figure(figsize=scaled(figsize), layout="constrained")
    rows = 2 if show_map else 1
    gs = fig.add_gridspec(rows * nrows, ncols, height_ratios=HEIGHT_RATIOS[:rows] * nrows)
    panels = []
    for r in range(nrows):
        for c in range(ncols):
            top = fig.add_subplot(gs[rows * r, c])
            below = fig.add_subplot(gs[rows * r + 1, c], sharex=top) if show_map else None
            panels.append((top, below))
    return fig, panels


def _check_options(style: str, band: str | None) -> None:
    if style not in HEATMAP_STYLES:
        raise ValueError(f"style must be one of {HEATMAP_STYLES}; got {style!r}.")
    if band not in BANDS:
        raise ValueError(f"band must be one of {BANDS}; got {band!r}.")


def _draw_class_average(
    avg: ClassAverage,
    ax: Axes,
    below: Axes | None,
    band: str | None,
    style: str,
    cmap: Colormap,
    norm: Normalize,
    map_ylim: tuple[float, float] | None,
    title: str | None,
    t: Any,
    map_label: str = "map",
) -> list[Axes]:
    """Draw one class average into ``ax`` (and its map into ``below``, its y axis labelled
    ``map_label``); returns the axes used."""
    ax.set_title(title or f"class {avg.cls} (n = {avg.n:,})")
    if avg.n == 0:
        ax.text(
            0.5,
            0.5,
            f"no beats of class {avg.cls}",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        if below is not None:
            below.set_axis_off()
        return [ax]
    mean_map = _expand(avg, avg.mean_map)
    x, sx = avg.mean_beat, avg.std_beat
    tt, xlabel, r_at_zero = time_axis(x.shape[0], avg if t is None else t)
    ax.fill_between(tt, x - sx, x + sx, color="0.55", alpha=0.3, lw=0, zorder=1)
    ylim = padded_limits(np.concatenate([x - sx, x + sx]), 0.05)
    draw_heatmap(ax, tt, x, mean_map, style, cmap, norm, ylim=ylim)
    ax.set_ylabel("mean beat ± std")
    if r_at_zero:
        mark_r_peak(ax)
    used = [ax]
    if below is not None:
        ax.tick_params(labelbottom=False)
        used.append(below)
        spread = _band(avg, band)
        # per-segment maps (fewer values than samples) are drawn as steps over their segments
        steps = "mid" if avg.mean_map.shape[0] != x.shape[0] else None
        if spread is not None:
            below.fill_between(
                tt,
                spread[0],
                spread[1],
                color=MAP_COLOR,
                alpha=0.22,
                lw=0,
                step=steps,
                label=spread[2],
            )
        below.plot(
            tt,
            mean_map,
            color=MAP_COLOR,
            lw=1.5,
            drawstyle=f"steps-{steps}" if steps else "default",
            label="mean map",
        )
        below.axhline(0.0, color="0.6", lw=0.6, zorder=0)
        below.set_ylabel(map_label)
        if map_ylim is not None:
            below.set_ylim(*map_ylim)
        if r_at_zero:
            below.axvline(0.0, color="0.35", lw=0.9, ls=":")
    used[-1].set_xlabel(xlabel)
    return used


def plot_class_average(
    avg: ClassAverage,
    ax: Axes | None = None,
    band: str | None = "std",
    *,
    style: str = "line",
    cmap: str | Colormap | None = None,
    signed: bool | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    cbar_label: str | None = None,
    method: str | None = None,
    show_map: bool = True,
    map_ylim: tuple[float, float] | None = None,
    legend: bool = True,
    title: str | None = None,
    t: Any = None,
    map_label: str = "map",
) -> Figure:
    """One class average, drawn from a :class:`tscam.aggregate.ClassAverage`.

    In ``ax``: the mean beat coloured by the mean map, over a grey band of ± 1 std of the beats.
    With ``show_map=True`` (default) the slot of ``ax`` is split and a panel below it (same time
    axis) shows the mean map itself with its spread across beats: ``band="std"`` (± 1 std),
    ``"quantile"`` (between the lowest and highest quantile maps, e.g. 10-90 %) or ``None``.
    Per-segment maps (n_segments values) are drawn constant over their segments; ``map_label``
    labels the map panel's y axis. A class without beats (``avg.n == 0``) gives a panel that says
    so. Returns the figure.
    """
    _check_options(style, band)
    if ax is None:
        fig, ((ax, below),) = _panel_grid(1, 1, (7.0, 4.2 if show_map else 3.0), show_map)
    else:
        fig = root_figure(ax)
        below = _map_axes(ax) if show_map and avg.n else None
    finite = avg.mean_map[np.isfinite(avg.mean_map)]
    signed = is_signed(finite) if signed is None else bool(signed)
    cm, norm = relevance_cmap(signed, cmap), relevance_norm(finite, signed, vmin, vmax)
    used = _draw_class_average(
        avg, ax, below, band, style, cm, norm, map_ylim, title, t, map_label=map_label
    )
    if avg.n and show_map and legend and band is not None:
        used[-1].legend(loc="best", fontsize="small", framealpha=0.8, ncols=2)
    if avg.n and colorbar:
        label = cbar_label or relevance_label(
            f"mean {method or method_label('grad_cam')}", avg.cls, signed
        )
        add_colorbar(ScalarMappable(norm=norm, cmap=cm), used, label)
    return fig


def _as_list(averages: Mapping[str, ClassAverage] | Sequence[ClassAverage]) -> list[ClassAverage]:
    return list(averages.values()) if isinstance(averages, Mapping) else list(averages)


def _shared_map_ylim(shown: list[ClassAverage], band: str | None) -> tuple[float, float]:
    lows, highs = [], []
    for a in shown:
        spread = _band(a, band)
        lows.append(float((spread[0] if spread else a.mean_map).min()))
        highs.append(float((spread[1] if spread else a.mean_map).max()))
    return padded_limits(np.array([0.0, *lows, *highs]), 0.06)


def plot_class_grid(
    averages: Mapping[str, ClassAverage] | Sequence[ClassAverage],
    axes: Any = None,
    band: str | None = "std",
    *,
    ncols: int | None = None,
    style: str = "line",
    method: str | None = None,
    cmap: str | Colormap | None = None,
    show_map: bool = True,
    suptitle: str | None = None,
    panel_size: tuple[float, float] | None = None,
) -> Figure:
    """One :func:`plot_class_average` panel per class with beats (``n > 0``, shown in the
    titles); classes without beats are named in a note under the grid.

    All panels share one colour scale (one colour bar) and one map axis, so the classes can be
    compared. ``axes`` (optional) holds at least as many axes as there are classes with beats.
    ``panel_size`` (width, height) in inches per class; by default the grid fills the book's
    text column (:data:`tscam.style.TEXT_WIDTH_IN`, colour bar included). Returns the figure.
    """
    _check_options(style, band)
    avgs = _as_list(averages)
    shown = [a for a in avgs if a.n > 0]
    empty = [a.cls for a in avgs if a.n == 0]
    if not shown:
        raise ValueError(
            "No class has any beats to average (every n is 0): check the labels, "
            "y_pred and subset given to class_average."
        )
    if axes is None:
        ncols = ncols or (2 if len(shown) == 4 else min(len(shown), 3))
        nrows = -(-len(shown) // ncols)
        pw, ph = panel_size or ((TEXT_WIDTH_IN - 1.0) / ncols, 2.9)
        size = (pw * ncols + 1.0, ph * nrows + 0.3)
        fig, panels = _panel_grid(nrows, ncols, size, show_map)
        for top, below in panels[len(shown) :]:
            top.remove()
            if below is not None:
                below.remove()
    else:
        ax_list = list(np.ravel(axes))
        if len(ax_list) < len(shown):
            raise ValueError(f"{len(shown)} classes have beats but only {len(ax_list)} axes given.")
        fig, ncols = root_figure(ax_list[0]), None
        panels = [(ax, _map_axes(ax) if show_map else None) for ax in ax_list[: len(shown)]]
    maps = np.concatenate([a.mean_map for a in shown])
    signed = is_signed(maps)
    cm, norm = relevance_cmap(signed, cmap), relevance_norm(maps, signed)
    map_ylim = _shared_map_ylim(shown, band) if show_map else None
    used: list[Axes] = []
    for i, (a, (ax, below)) in enumerate(zip(shown, panels, strict=False)):
        panel = _draw_class_average(a, ax, below, band, style, cm, norm, map_ylim, None, None)
        if ncols and i % ncols:  # inner columns: no repeated y labels
            for p in panel:
                p.set_ylabel("")
        used.extend(panel)
    if show_map and band is not None:
        handles, labels = used[-1].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="outside lower center", ncols=2, fontsize="small", frameon=False
        )
    add_colorbar(
        ScalarMappable(norm=norm, cmap=cm),
        used,
        relevance_label(f"mean {method or method_label('grad_cam')}", signed=signed),
    )
    if empty:
        fig.supxlabel(
            f"not shown, no beats: class {', '.join(empty)}", fontsize="small", color="0.35"
        )
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_parts_by_class(
    averages: Mapping[str, Mapping[str, PartsAverage]],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    figsize: tuple[float, float] = (3.3, 2.8),
) -> Figure:
    """Per class, the mean window part and the mean rhythm term of the logit of the true class
    as bars side by side, each with its interval as an error bar: the result of
    :func:`tscam.aggregate.parts_by_class` (``{class: {part: PartsAverage}}``). Returns the
    figure."""
    from tscam.plotting.rhythm import PART_COLORS, PART_LABELS

    classes = list(averages)
    if not classes:
        raise ValueError("No class to draw: averages is empty.")
    parts = list(averages[classes[0]])
    if ax is None:
        fig, ax = plt.subplots(figsize=scaled(figsize), layout="constrained")
    else:
        fig = root_figure(ax)
    pos = np.arange(len(classes))
    width = 0.8 / len(parts)
    for j, part in enumerate(parts):
        a = [averages[c][part] for c in classes]
        mean = np.array([v.mean for v in a])
        err = np.array([[v.mean - v.low for v in a], [v.high - v.mean for v in a]])
        ax.bar(
            pos + (j - (len(parts) - 1) / 2) * width,
            mean,
            width,
            yerr=err,
            capsize=2,
            color=PART_COLORS.get(part, "0.5"),
            label=PART_LABELS.get(part, part),
        )
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_xticks(pos, [f"{c}\n{averages[c][parts[0]].n:,}" for c in classes])
    ax.set_xlabel("true class (beats)")
    ax.set_ylabel("mean part of the logit")
    ax.legend(fontsize="small", loc="best", frameon=False)
    if title:
        ax.set_title(title)
    return fig
