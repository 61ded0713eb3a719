"""Figures of the data chapter: a raw record with its annotations, the parts of the beat window,
a record's RR intervals, the mean beat of each class, and which records each split puts in
training and in test. Default sizes fit the book's text column
(:data:`tscam.style.TEXT_WIDTH_IN`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tscam.plotting._base import (
    SAMPLES_LABEL,
    as_1d,
    axes_or_new,
    padded_limits,
    scaled,
    time_axis,
)
from tscam.plotting.beats import AMPLITUDE_LABEL, plot_beat
from tscam.plotting.colors import BEAT_COLOR, OKABE_ITO, class_colors
from tscam.style import TEXT_WIDTH_IN

if TYPE_CHECKING:
    from tscam.aggregate import ClassAverage

__all__ = [
    "TYPICAL_WAVES",
    "plot_beat_window",
    "plot_class_counts",
    "plot_class_means",
    "plot_record_excerpt",
    "plot_rr_series",
    "plot_split_records",
]

#: Typical extent (s, relative to the R peak) of the waves of a normal beat at rest. Textbook
#: values for labelling a figure; they vary from beat to beat and patient to patient.
TYPICAL_WAVES: dict[str, tuple[float, float]] = {
    "P": (-0.24, -0.12),
    "QRS": (-0.05, 0.05),
    "T": (0.14, 0.40),
}
_LABEL_BOX = {
    "boxstyle": "round,pad=0.15",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.85,
}
_WAVE_COLORS = {
    "P": OKABE_ITO["sky blue"],
    "QRS": OKABE_ITO["orange"],
    "T": OKABE_ITO["bluish green"],
}


def plot_record_excerpt(
    excerpt: Any,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
    figsize: tuple[float, float] = (TEXT_WIDTH_IN, 3.0),
) -> Figure:
    """A raw excerpt of a record (such as :func:`tscam.data.raw.record_excerpt` returns: ``time``,
    ``signal``, ``ann_time``, ``ann_symbol``, ``ann_class``, ``record``, ``lead``, ``units``,
    ``fs``, optionally ``class_names``): the signal in its units against seconds from the
    start of the record, and above every annotated beat its
    symbol, coloured by its class (legend: the classes present), with a dotted line down to the
    signal. A class's colour is ``colors[name]`` if given, else its index in the excerpt's
    ``class_names`` (:func:`tscam.plotting.colors.class_colors`). Returns the figure."""
    t = as_1d(excerpt.time, "excerpt.time")
    sig = as_1d(excerpt.signal, "excerpt.signal")
    if t.shape != sig.shape:
        raise ValueError(f"excerpt.time {t.shape} and excerpt.signal {sig.shape} differ.")
    fig, ax = axes_or_new(ax, figsize=figsize)
    ax.plot(t, sig, color=BEAT_COLOR, lw=1.0)
    lo, hi = padded_limits(sig, 0.05)
    top = hi + 0.22 * (hi - lo)  # room for the symbols
    ax.set_ylim(lo, top)
    y_sym = hi + 0.11 * (hi - lo)
    names = getattr(excerpt, "class_names", None)
    if names is None:  # the classes in order of first appearance
        names = list(dict.fromkeys(map(str, excerpt.ann_class)))
    palette = class_colors(names, colors)
    for at, sym, cls in zip(excerpt.ann_time, excerpt.ann_symbol, excerpt.ann_class, strict=True):
        color = palette.get(str(cls), "0.3")
        ax.axvline(at, ymax=(y_sym - lo) / (top - lo) - 0.06, color=color, lw=0.8, ls=":")
        ax.text(
            at,
            y_sym,
            str(sym),
            ha="center",
            va="center",
            color=color,
            fontsize="medium",
            weight="bold",
        )
    present = [c for c in palette if c in set(map(str, excerpt.ann_class))]
    if present:
        handles = [Patch(color=palette[c], label=f"class {c}") for c in present]
        ax.legend(
            handles=handles,
            loc="lower right",
            fontsize="small",
            framealpha=0.9,
            ncols=len(handles),
            title="symbol colour = class",
            title_fontsize="small",
        )
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("time from the start of the record (s)")
    ax.set_ylabel(f"lead {excerpt.lead} ({excerpt.units})")
    ax.set_title(title or f"Record {excerpt.record}, lead {excerpt.lead}, {excerpt.fs} Hz")
    return fig


def plot_class_counts(
    counts: Mapping[str, Mapping[str, int]],
    ax: Axes | None = None,
    *,
    classes: Sequence[str] | None = None,
    log: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (TEXT_WIDTH_IN, 3.4),
) -> Figure:
    """Beats per class for one or more sets of beats as grouped bars, each bar labelled with its
    count. ``counts[set name][class]`` (e.g. ``{"DS1": beats.class_counts(), ...}``); a class
    missing from a set counts 0. ``log=True`` (default) uses a logarithmic axis, on which the
    rare classes stay visible next to N. Returns the figure."""
    if not counts:
        raise ValueError("counts must map a set name to {class: number of beats}.")
    fig, ax = axes_or_new(ax, figsize=figsize)
    names = list(counts)
    width = 0.9 / len(names)  # wide enough for a label of six digits at the text width
    palette = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "reddish purple")]
    if classes is None:  # the classes the counts name, in order of first appearance
        classes = list(dict.fromkeys(c for per_set in counts.values() for c in per_set))
    pos = np.arange(len(classes))
    top = 1
    for j, name in enumerate(names):
        values = [int(counts[name].get(c, 0)) for c in classes]
        top = max(top, *values)
        bars = ax.bar(
            pos + (j - (len(names) - 1) / 2) * width,
            values,
            width=width,
            color=palette[j % len(palette)],
            label=name,
        )
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize="small")
    ax.set_xticks(pos, list(classes))
    ax.set_xlabel("AAMI class")
    if log:
        ax.set_yscale("log")
        ax.set_ylim(0.8, top * 4)
        ax.set_ylabel("beats (log scale)")
    else:
        ax.set_ylim(0, top * 1.12)
        ax.set_ylabel("beats")
    if len(names) > 1:
        ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    return fig


def plot_beat_window(
    x: Any,
    ax: Axes | None = None,
    *,
    prev_r: float | None = None,
    onset: int | None = None,
    waves: Mapping[str, tuple[float, float]] | None = TYPICAL_WAVES,
    title: str | None = None,
    ylabel: str | None = AMPLITUDE_LABEL,
    t: Any = None,
) -> Figure:
    """One beat window with its parts marked: the annotated R peak (t = 0), shaded spans for the
    waves (``waves``, default :data:`TYPICAL_WAVES`, seconds relative to R; ``None`` for none),
    the masked start of the window if ``onset`` (index of the first kept sample, as in
    ``Beats.onset``) is above 0 (hatched grey, "set to 0"), and, if ``prev_r`` (seconds,
    negative) is given, the previous beat's R peak with the RR interval drawn as an arrow.
    ``t``: seconds relative to the R peak of each sample (an array, or beats that carry
    ``.t``); needed for ``waves`` and ``prev_r``, which are in seconds. Returns the figure."""
    x = as_1d(x, "x")
    tt, xlabel, _ = time_axis(x.shape[0], t)
    if xlabel == SAMPLES_LABEL and (waves or prev_r is not None):
        raise ValueError(
            "waves and prev_r are in seconds but the beat has no time axis: pass t=... "
            "(e.g. t=beats, or t=beats.t), or waves=None and no prev_r."
        )
    if onset is not None and not 0 <= int(onset) < x.shape[0]:
        raise ValueError(
            f"onset={onset} is not a sample index of the window (0..{x.shape[0] - 1})."
        )
    fig = plot_beat(x, ax=ax, title=title, ylabel=ylabel, t=t)
    ax = fig.axes[0] if ax is None else ax
    lo, hi = padded_limits(x)
    span = hi - lo
    ax.set_ylim(lo - 0.12 * span, hi + 0.04 * span)
    label_y = lo - 0.06 * span  # wave names in a strip under the beat
    if onset:
        step = (tt[1] - tt[0]) / 2
        ax.axvspan(
            tt[0] - step,
            tt[int(onset)] - step,
            facecolor="0.9",
            edgecolor="0.6",
            hatch="//",
            lw=0,
            zorder=0,
        )
        ax.text(
            (tt[0] + tt[int(onset)]) / 2,
            label_y,
            "set to 0 (previous beat)",
            ha="center",
            va="center",
            fontsize="small",
            color="0.15",
            bbox=_LABEL_BOX,
        )
    for name, (a, b) in (waves or {}).items():
        color = _WAVE_COLORS.get(name, OKABE_ITO["reddish purple"])
        ax.axvspan(a, b, color=color, alpha=0.22, lw=0, zorder=0)
        ax.text(
            (a + b) / 2,
            label_y,
            name,
            ha="center",
            va="center",
            fontsize="small",
            weight="bold",
            color="0.15",
        )
    if prev_r is not None:
        if not tt[0] <= prev_r < 0:
            raise ValueError(
                f"prev_r={prev_r:.3f} s is outside the window before the R peak "
                f"[{tt[0]:.3f}, 0): the previous beat's R peak is not in this window."
            )
        ax.axvline(prev_r, color="0.35", lw=0.9, ls=":")
        ax.annotate(
            "previous R",
            xy=(prev_r, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize="small",
            color="0.3",
            bbox=_LABEL_BOX,
        )
        y_rr = lo + 0.55 * span  # above the P and T waves, below the R peaks
        ax.annotate(
            "",
            xy=(0, y_rr),
            xytext=(prev_r, y_rr),
            arrowprops={"arrowstyle": "<|-|>", "color": "0.25", "lw": 1.0},
        )
        ax.text(
            prev_r / 2,
            y_rr,
            f"RR = {-prev_r:.2f} s",
            ha="center",
            va="bottom",
            fontsize="small",
            color="0.2",
            bbox=_LABEL_BOX,
        )
    return fig


def plot_class_means(
    averages: Mapping[str, ClassAverage] | Sequence[ClassAverage],
    axes: Any = None,
    *,
    band_label: str = "± 1 std",
    ylabel: str = AMPLITUDE_LABEL,
    panel_size: tuple[float, float] = (2.2, 2.2),
    colors: Mapping[str, str] | None = None,
    ncols: int = 3,
) -> Figure:
    """The mean beat of each class (from :func:`tscam.aggregate.class_average`: ``mean_beat``,
    ``std_beat``, ``n``) in its class colour over a band of ± 1 standard deviation, one panel
    per class with beats (``ncols`` panels a row), on a shared y axis. A class's colour is
    ``colors[name]`` if given, else its position among ``averages``
    (:func:`tscam.plotting.colors.class_colors`). Returns the figure."""
    avgs = list(averages.values()) if isinstance(averages, Mapping) else list(averages)
    palette = class_colors([a.cls for a in avgs], colors)
    shown = [a for a in avgs if a.n > 0]
    if not shown:
        raise ValueError("No class has any beats (every n is 0): nothing to draw.")
    if axes is None:
        w, h = panel_size
        cols = max(1, min(int(ncols), len(shown)))
        rows = -(-len(shown) // cols)
        fig, grid = plt.subplots(
            rows,
            cols,
            figsize=scaled((w * cols, h * rows)),
            sharey=True,
            layout="constrained",
            squeeze=False,
        )
        for ax in grid.ravel()[len(shown) :]:
            ax.set_axis_off()
        axes = grid.ravel()[: len(shown)]
    axes = list(np.ravel(axes))
    if len(axes) < len(shown):
        raise ValueError(f"{len(shown)} classes have beats but only {len(axes)} axes given.")
    for ax, a in zip(axes, shown, strict=False):
        color = palette[a.cls]
        tt, xlabel, r_at_zero = time_axis(a.mean_beat.shape[0], a)
        ax.fill_between(
            tt,
            a.mean_beat - a.std_beat,
            a.mean_beat + a.std_beat,
            color=color,
            alpha=0.25,
            lw=0,
            label=band_label,
        )
        plot_beat(
            a.mean_beat,
            ax=ax,
            t=tt,  # the band's axis: seconds when the average carries them
            color=color,
            ylabel=None,
            mark_r=r_at_zero,
            title=f"class {a.cls} (n = {a.n:,})",
            label="mean",
        )
        ax.set_xlabel(xlabel if len(shown) == 1 else "time from R (s)")
    for ax in axes[: len(shown)]:
        if ax.get_subplotspec() is None or ax.get_subplotspec().is_first_col():
            ax.set_ylabel(ylabel)
    axes[0].legend(loc="lower left", fontsize="small", frameon=False)
    for ax in axes[1 : len(shown)]:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    empty = [a.cls for a in avgs if a.n == 0]
    fig = axes[0].figure
    if empty:
        fig.supxlabel(f"no beats: class {', '.join(empty)}", fontsize="small", color="0.35")
    return fig


def plot_split_records(
    splits: Mapping[str, Mapping[str, Any]],
    records: Sequence[str] | None = None,
    axes: Any = None,
    *,
    parts: tuple[str, str] = ("train", "test"),
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Beats per record in two parts of each split, as mirrored bars: ``parts[0]`` (train) up,
    ``parts[1]`` (test) down, one panel per split. ``splits[name][part]`` holds the record of
    every beat of that part (e.g. ``load_beats(name, part).record``). ``records`` fixes the
    order on the x axis (default: every record that occurs, sorted). All panels share one y
    scale, so the splits can be compared. ``figsize`` defaults to the text width and 2.6 in a
    split. Returns the figure."""
    if not splits:
        raise ValueError("splits must map a split name to {part: records of its beats}.")
    for name, by_part in splits.items():
        missing = [p for p in parts if p not in by_part]
        if missing:
            raise ValueError(f"split {name!r} lacks the part(s) {missing}; give {list(parts)}.")
    if records is None:
        records = sorted({str(r) for s in splits.values() for p in parts for r in s[p]})
    records = [str(r) for r in records]
    own_figure = axes is None
    if own_figure:
        _, axes = plt.subplots(
            len(splits),
            1,
            figsize=scaled(figsize or (TEXT_WIDTH_IN, 2.6 * len(splits))),
            sharex=True,
            layout="constrained",
            squeeze=False,
        )
        axes = axes[:, 0]
    axes = list(np.ravel(axes))
    if len(axes) < len(splits):
        raise ValueError(f"{len(splits)} splits but only {len(axes)} axes given.")
    pos = np.arange(len(records))
    colors = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
    counts = {}
    for name, by_part in splits.items():
        counts[name] = []
        for part in parts:
            rec, n = np.unique(np.asarray(by_part[part]).astype(str), return_counts=True)
            lookup = dict(zip(rec.tolist(), n.tolist(), strict=True))
            counts[name].append(np.array([lookup.get(r, 0) for r in records]))
    m = max([1] + [int(c.max(initial=0)) for cs in counts.values() for c in cs])  # one scale
    for ax, name in zip(axes, splits, strict=False):
        up, down = counts[name]
        ax.bar(pos, up, color=colors[0], width=0.8, label=f"{parts[0]} (up)")
        ax.bar(pos, -down, color=colors[1], width=0.8, label=f"{parts[1]} (down)")
        ax.axhline(0, color="0.3", lw=0.8)
        both = int(np.sum((up > 0) & (down > 0)))
        ax.set_title(
            f"{name}: {both} of {len(records)} records in both {parts[0]} and {parts[1]}",
            fontsize="medium",
        )
        ax.set_ylim(-1.1 * m, 1.1 * m)
        ticks = ax.get_yticks()
        ax.set_yticks(ticks, [f"{abs(int(v)):,}" for v in ticks])
        ax.set_ylim(-1.1 * m, 1.1 * m)
        ax.set_ylabel("beats")
    axes[len(splits) - 1].set_xticks(pos, records, rotation=90, fontsize="small")
    axes[len(splits) - 1].set_xlabel("record")
    if own_figure:  # one legend above the panels
        handles, labels = axes[0].get_legend_handles_labels()
        axes[0].figure.legend(handles, labels, loc="outside upper center", ncols=2, frameon=False)
    else:
        axes[0].legend(loc="upper right", fontsize="small", ncols=2, framealpha=0.9)
    return axes[0].figure


def plot_rr_series(
    time_s: Any,
    rr: Any,
    ax: Axes | None = None,
    *,
    local_rr: Any = None,
    avg_rr: Any = None,
    marked: Any = None,
    marked_label: str = "marked beat",
    title: str | None = None,
    figsize: tuple[float, float] = (TEXT_WIDTH_IN, 2.8),
) -> Figure:
    """A record's RR series: each beat's RR interval (``rr``, seconds since the previous R peak)
    as a dot at its time (``time_s``, seconds), joined by a thin line; optionally the local and
    the long-span average RR (``local_rr``, ``avg_rr``, one per beat) as lines, and the beats
    ``marked`` (indices or a boolean mask) ringed and named ``marked_label`` in the legend.
    Returns the figure."""
    t = as_1d(time_s, "time_s")
    v = as_1d(rr, "rr")
    if t.shape != v.shape:
        raise ValueError(f"time_s ({t.shape[0]}) and rr ({v.shape[0]}) must have one per beat.")
    fig, ax = axes_or_new(ax, figsize=figsize)
    ax.plot(t, v, color="0.6", lw=0.8, zorder=1)
    ax.scatter(t, v, s=10, color=BEAT_COLOR, zorder=2, label="RR interval before the beat")
    for name, series, color, style in (
        ("local RR (mean of 10 beats)", local_rr, OKABE_ITO["bluish green"], "-"),
        ("average RR (median, long span)", avg_rr, OKABE_ITO["reddish purple"], "--"),
    ):
        if series is not None:
            values = as_1d(series, name)
            if values.shape != t.shape:
                raise ValueError(f"{name} must have one value per beat ({t.shape[0]}).")
            ax.plot(t, values, color=color, lw=1.4, ls=style, label=name, zorder=3)
    if marked is not None:
        m = np.asarray(marked)
        idx = np.flatnonzero(m) if m.dtype == bool else m.astype(int).ravel()
        if m.dtype == bool and m.shape != t.shape:
            raise ValueError(f"A boolean `marked` needs one value per beat ({t.shape[0]}).")
        if idx.size and (idx.min() < 0 or idx.max() >= t.shape[0]):
            raise ValueError(f"marked indices must lie in 0..{t.shape[0] - 1}.")
        ax.scatter(
            t[idx], v[idx], s=70, facecolors="none", edgecolors=OKABE_ITO["vermillion"],
            linewidths=1.6, zorder=4, label=marked_label,
        )  # fmt: skip
    ax.set_xlabel("time from the start of the record (s)")
    ax.set_ylabel("RR interval (s)")
    ax.legend(fontsize="small", loc="best", framealpha=0.9)
    if title:
        ax.set_title(title)
    return fig
