"""Single beats: the beat alone, the beat with its heatmap, and the 11-segment picture."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from tscam.compare import segment_means
from tscam.methods import label as method_label
from tscam.plotting._base import (
    add_colorbar,
    as_1d,
    axes_or_new,
    mark_r_peak,
    padded_limits,
    same_length,
    sample_edges,
    time_axis,
)
from tscam.plotting.colors import BEAT_COLOR, is_signed, relevance_cmap, relevance_norm

#: Default y label: the course's beats are z-scored (``load_beats(..., normalize="zscore")``).
AMPLITUDE_LABEL = "amplitude (z-score)"
HEATMAP_STYLES = ("line", "background")


def relevance_label(method: str | None = None, cls: str | None = None, signed: bool = False) -> str:
    """Colour-bar label, e.g. ``"Grad-CAM relevance for class V (a.u.)"`` (``method`` None: the
    registry's label of Grad-CAM); signed maps get a second line saying what the sign means."""
    method = method_label("grad_cam") if method is None else method
    of = f" for class {cls}" if cls is not None else ""
    if signed:
        return f"signed {method}{of} (a.u.)\n> 0: for the class, < 0: against"
    return f"{method} relevance{of} (a.u.)"


def _linewidth(scale: float = 1.0) -> float:
    """Line widths follow ``rcParams["lines.linewidth"]``, so a lecture style scales them too."""
    return float(mpl.rcParams["lines.linewidth"]) * scale


def _finish(ax: Axes, xlabel: str, ylabel: str | None, title: str | None, r_mark: bool) -> None:
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if r_mark:
        mark_r_peak(ax)


def plot_beat(
    x: Any,
    ax: Axes | None = None,
    t: Any = None,
    label: str | None = None,
    color: str | None = None,
    *,
    title: str | None = None,
    ylabel: str | None = AMPLITUDE_LABEL,
    mark_r: bool = True,
) -> Figure:
    """One beat as a line. ``x`` has shape (T,); the time axis comes from ``t`` (an array, or
    beats that carry ``.t``: seconds relative to the R peak, R peak marked), else it is the
    sample index. Returns the figure."""
    x = as_1d(x, "x")
    tt, xlabel, r_at_zero = time_axis(x.shape[0], t)
    fig, ax = axes_or_new(ax)
    ax.plot(tt, x, color=color or BEAT_COLOR, lw=_linewidth(), label=label)
    ax.set_xlim(tt[0], tt[-1])
    if label:
        ax.legend(frameon=False, loc="upper left")
    _finish(ax, xlabel, ylabel, title, mark_r and r_at_zero)
    return fig


def draw_heatmap(
    ax: Axes,
    t: np.ndarray,
    x: np.ndarray,
    heatmap: np.ndarray,
    style: str,
    cmap: Colormap,
    norm: Normalize,
    color: str | None = None,
    ylim: tuple[float, float] | None = None,
) -> Any:
    """Draw ``x`` over ``heatmap`` on ``ax`` in the given style; returns the colour mappable.

    ``"line"``: the beat's line itself is coloured; sample i's colour fills the line from halfway
    to its left neighbour to halfway to its right one, so colour and sample stay aligned. A thin
    dark outline keeps light colours visible on white. ``"background"``: the map fills the axes
    behind the beat, one column per sample. ``ylim`` (default: the beat's range, padded) sets
    the y range, which the background fills.
    """
    ylim = padded_limits(x) if ylim is None else ylim
    lw = _linewidth(1.6)
    edges = sample_edges(t)
    if style == "line":
        x_edges = np.interp(edges, t, x)
        segs = np.stack(
            [
                np.column_stack([edges[:-1], x_edges[:-1]]),
                np.column_stack([t, x]),
                np.column_stack([edges[1:], x_edges[1:]]),
            ],
            axis=1,
        )
        ax.plot(t, x, color=color or BEAT_COLOR, lw=lw + 1.4, zorder=2, solid_capstyle="round")
        lc = LineCollection(segs, cmap=cmap, norm=norm, linewidths=lw, capstyle="round", zorder=3)
        lc.set_array(heatmap)
        ax.add_collection(lc)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(*ylim)
        return lc
    if style == "background":
        ax.plot(t, x, color=color or BEAT_COLOR, lw=_linewidth(1.2), zorder=3)
        mesh = ax.pcolormesh(
            edges, ylim, heatmap[None, :], cmap=cmap, norm=norm, shading="flat", zorder=0
        )
        mesh.set_rasterized(True)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(*ylim)
        return mesh
    raise ValueError(f"style must be one of {HEATMAP_STYLES}; got {style!r}.")


def plot_beat_heatmap(
    x: Any,
    heatmap: Any,
    ax: Axes | None = None,
    style: str = "line",
    cmap: str | Colormap | None = None,
    signed: bool | None = None,
    colorbar: bool = True,
    cbar_label: str | None = None,
    title: str | None = None,
    t: Any = None,
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    ylabel: str | None = AMPLITUDE_LABEL,
    mark_r: bool = True,
) -> Figure:
    """A beat drawn with its heatmap (one value per sample). Returns the figure.

    ``style="line"`` (default) colours the beat's line by relevance; ``"background"`` shades the
    axes behind a dark beat. ``signed=None`` picks the colormap from the data: a map with negative
    values (Grad-CAM with ``relu=False``) gets the diverging ``RdBu_r`` centred at 0, others the
    sequential ``viridis`` from 0 to the maximum. ``vmin``/``vmax`` fix the colour scale (e.g. to
    compare panels). The colour bar is labelled with ``cbar_label`` (default: "Grad-CAM
    relevance (a.u.)"; see :func:`relevance_label`).
    """
    x = as_1d(x, "x")
    h = as_1d(heatmap, "heatmap")
    same_length(h, x, "heatmap", "x")
    if style not in HEATMAP_STYLES:
        raise ValueError(f"style must be one of {HEATMAP_STYLES}; got {style!r}.")
    signed = is_signed(h) if signed is None else bool(signed)
    tt, xlabel, r_at_zero = time_axis(x.shape[0], t)
    fig, ax = axes_or_new(ax)
    cm, norm = relevance_cmap(signed, cmap), relevance_norm(h, signed, vmin, vmax)
    mappable = draw_heatmap(ax, tt, x, h, style, cm, norm)
    if colorbar:
        add_colorbar(mappable, ax, cbar_label or relevance_label(signed=signed))
    _finish(ax, xlabel, ylabel, title, mark_r and r_at_zero)
    return fig


def segment_values(heatmap: Any, n_segments: int, length: int) -> np.ndarray:
    """One value per segment from a per-segment map (n_segments,) or an expanded map (length,)
    (averaged over each segment, which for the LSTM's expanded maps returns the step values)."""
    h = as_1d(heatmap, "heatmap")
    if h.shape[0] not in (n_segments, length):
        raise ValueError(
            f"heatmap must have one value per segment ({n_segments}) or per sample ({length}); "
            f"got {h.shape[0]}."
        )
    return segment_means(h, n_segments)[0]


def plot_segments(
    x: Any,
    n_segments: int = 11,
    ax: Axes | None = None,
    heatmap: Any = None,
    *,
    cmap: str | Colormap | None = None,
    signed: bool | None = None,
    colorbar: bool = True,
    cbar_label: str | None = None,
    title: str | None = None,
    t: Any = None,
    vmin: float | None = None,
    vmax: float | None = None,
    ylabel: str | None = AMPLITUDE_LABEL,
    mark_r: bool = True,
) -> Figure:
    """The beat cut into ``n_segments`` equal segments (11 x 8 samples for the course's LSTM):
    boundaries drawn, segments numbered 1..n above the axes.

    Without ``heatmap`` the segments are shaded alternately; with one (per segment, or an expanded
    per-sample map such as ``lstm_grad_cam(..., expand=True)``) each segment is filled with its
    colour, with a labelled colour bar. Returns the figure.
    """
    x = as_1d(x, "x")
    length = x.shape[0]
    if n_segments < 1 or length % n_segments:
        raise ValueError(
            f"A beat of {length} samples cannot be cut into {n_segments} equal segments "
            f"(the course's LSTM uses 11 segments of 8 samples for 88-sample beats)."
        )
    seg_len = length // n_segments
    tt, xlabel, r_at_zero = time_axis(length, t)
    edges = sample_edges(tt)[::seg_len]  # n_segments + 1 boundaries
    fig, ax = axes_or_new(ax)
    ylim = padded_limits(x)
    if heatmap is not None:
        v = segment_values(heatmap, n_segments, length)
        signed = is_signed(v) if signed is None else bool(signed)
        cm, norm = relevance_cmap(signed, cmap), relevance_norm(v, signed, vmin, vmax)
        mesh = ax.pcolormesh(edges, ylim, v[None, :], cmap=cm, norm=norm, shading="flat")
        mesh.set_zorder(0)
        if colorbar:
            label = cbar_label or relevance_label(
                method_label("grad_cam", steps=True), signed=signed
            )
            add_colorbar(mesh, ax, label)
    else:
        for k in range(0, n_segments, 2):
            ax.axvspan(edges[k], edges[k + 1], color="0.92", lw=0, zorder=0)
    for e in edges[1:-1]:
        ax.axvline(e, color="0.45", lw=0.8, ls="--", zorder=1)
    ax.plot(tt, x, color=BEAT_COLOR, lw=_linewidth(1.2), zorder=3)
    for k in range(n_segments):
        ax.annotate(
            str(k + 1),
            xy=((edges[k] + edges[k + 1]) / 2, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:  # above the segment numbers
        pad = FontProperties(size="small").get_size_in_points() + 8
        ax.set_title(title, pad=pad)
    if mark_r and r_at_zero:
        ax.axvline(0.0, color="0.35", lw=0.9, ls=":", zorder=1.5)
    return fig
