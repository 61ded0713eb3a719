"""Figures of chapter 7 (can we trust these heatmaps?): one beat under every method, deletion
and insertion curves, the cascading-randomisation test, grouped scores, a perturbed beat, and
ground-truth regions shaded behind a beat.

Like the rest of :mod:`tscam.plotting`, these functions draw what they are given: curves are
passed as objects with ``fractions`` and ``mean`` (e.g. :class:`tscam.evaluate.Curve`) or as
pairs of arrays, sanity results as lists ``[(layer, value), ...]``. Methods keep one colour,
line style and marker everywhere (Okabe-Ito colours; the styles keep them apart in grey scale);
the random reference is always grey and dashed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tscam import methods as registry
from tscam.methods import METHOD_LABELS
from tscam.plotting._base import as_1d, axes_or_new, root_figure, same_length, scaled, time_axis
from tscam.plotting.beats import AMPLITUDE_LABEL, plot_beat, plot_beat_heatmap
from tscam.plotting.colors import OKABE_ITO, is_signed

__all__ = [
    "METHOD_LABELS",
    "method_label",
    "method_style",
    "plot_curves",
    "plot_grouped_scores",
    "plot_method_maps",
    "plot_perturbed",
    "plot_sanity",
    "shade_region",
]

_EXTRA_COLORS = (OKABE_ITO["sky blue"], OKABE_ITO["black"], OKABE_ITO["yellow"])
_HATCHES = ("", "//", "..", "xx", "\\\\", "oo")
REGION_COLOR = "0.82"


def method_label(method: str) -> str:
    """Display name of a method (``"grad_cam"`` -> ``"Grad-CAM"``, from the registry
    :mod:`tscam.methods`); unknown names unchanged."""
    return registry.label(method)


def method_style(method: str, index: int = 0) -> dict[str, Any]:
    """Colour, line style and marker of a method: its registry style (colour names of the
    Okabe-Ito palette resolved); methods without one get the remaining colours in turn by
    ``index``."""
    entry = dict(registry.registered_style(method) or {})
    if "color" not in entry:
        entry["color"] = _EXTRA_COLORS[index % len(_EXTRA_COLORS)]
    entry["color"] = OKABE_ITO.get(entry["color"], entry["color"])
    return {"ls": "-", "marker": "x", **entry}


def _curve_arrays(curve: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(curve, "fractions") and hasattr(curve, "mean"):
        f, v = curve.fractions, curve.mean
    elif isinstance(curve, tuple | list) and len(curve) == 2:
        f, v = curve
    else:
        raise TypeError(
            f"curves[{name!r}] must have .fractions and .mean (a tscam.evaluate.Curve) or be a "
            f"pair (fractions, values); got {type(curve).__name__}."
        )
    f, v = as_1d(f, f"fractions of {name!r}"), as_1d(v, f"values of {name!r}")
    same_length(v, f, f"values of {name!r}", f"fractions of {name!r}")
    return f, v


def plot_curves(
    curves: Mapping[str, Any],
    ax: Axes | None = None,
    *,
    kind: str | None = None,
    show_auc: bool = True,
    title: str | None = None,
    ylabel: str = "probability of the explained class",
    legend: bool | str = True,
) -> Figure:
    """Mean deletion or insertion curves, one line per method (``{method: curve}``).

    ``kind`` (``"deletion"``/``"insertion"``, default: the curves' own ``kind``) sets the x
    label. With ``show_auc`` the legend gives each curve's area (trapezoidal rule over its
    fractions). The y axis spans 0 to 1 (probabilities). ``legend``: True (inside, where it
    fits best), ``"outside"`` (to the right of the axes), a matplotlib ``loc``, or False.
    Returns the figure.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves must be a non-empty dict {method: curve}.")
    kind = kind or getattr(next(iter(curves.values())), "kind", None)
    fig, ax = axes_or_new(ax, (6.0, 3.6))
    for i, (name, curve) in enumerate(curves.items()):
        f, v = _curve_arrays(curve, name)
        style = method_style(name, i)
        label = method_label(name)
        if show_auc:
            label += f" (AUC {float(np.sum(np.diff(f) * (v[1:] + v[:-1]) / 2)):.2f})"
        ax.plot(
            f,
            v,
            color=style["color"],
            ls=style["ls"],
            marker=style["marker"],
            markersize=3.5,
            lw=1.6,
            label=label,
            zorder=3 if name != "random" else 2,
        )
    what = {"deletion": "removed", "insertion": "revealed"}.get(str(kind), "perturbed")
    ax.set_xlabel(f"fraction of samples {what} (most relevant first)")
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    _legend(ax, legend)
    return fig


def _legend(ax: Axes, legend: bool | str) -> None:
    if legend is False:
        return
    if legend == "outside":
        ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(frameon=False, fontsize="small", loc="best" if legend is True else legend)


def plot_sanity(
    results: Mapping[str, Sequence[tuple[str, float]]],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    threshold: float | None = None,
    legend: bool | str = True,
) -> Figure:
    """The cascading-randomisation test: mean Spearman correlation with the intact model's maps
    (1 by definition before any layer is randomised) after each further layer is randomised,
    from the top (``{method: [(layer, value), ...]}``, all with the same layers).

    A line that stays high means the maps do not depend on the weights: the method fails. An
    optional ``threshold`` is drawn as a dotted line. ``legend`` as in :func:`plot_curves`.
    Returns the figure.
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict {method: [(layer, value), ...]}.")
    layer_lists = [[str(layer) for layer, _ in steps] for steps in results.values()]
    layers = layer_lists[0]
    if not layers or any(lst != layers for lst in layer_lists):
        raise ValueError("Every method's results must list the same randomised layers.")
    fig, ax = axes_or_new(ax, (6.0, 3.6))
    pos = np.arange(len(layers) + 1)
    for i, (name, steps) in enumerate(results.items()):
        style = method_style(name, i)
        values = [1.0] + [float(v) for _, v in steps]
        ax.plot(
            pos,
            values,
            color=style["color"],
            ls=style["ls"],
            marker=style["marker"] or "o",
            markersize=4,
            lw=1.6,
            label=method_label(name),
        )
    ax.axhline(0.0, color="0.3", lw=0.8)
    if threshold is not None:
        ax.axhline(threshold, color="0.3", lw=0.9, ls=":", label=f"threshold {threshold:g}")
    ax.set_xticks(pos)
    ax.set_xticklabels(["intact"] + [f"+ {layer}" for layer in layers])
    ax.set_xlabel("layers randomised, cumulatively from the top")
    ax.set_ylabel("rank correlation with\nthe intact model's maps")
    ax.set_ylim(-1.02, 1.05)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    _legend(ax, legend)
    return fig


def shade_region(
    ax: Axes, mask: Any, t: Any = None, *, color: str = REGION_COLOR, label: str | None = None
) -> list[Any]:
    """Shade the runs of True in ``mask`` (T,) behind whatever ``ax`` shows, with a hatch so the
    band is visible over coloured lines too; ``label`` (optional) goes into the legend once.
    Returns the drawn spans."""
    m = np.asarray(mask).reshape(-1)
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ValueError("mask must be boolean (True inside the region).")
        m = m.astype(bool)
    tt, _, _ = time_axis(m.shape[0], t)
    step = float(tt[1] - tt[0]) if tt.shape[0] > 1 else 1.0
    edges = np.diff(np.concatenate([[0], m.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    spans = []
    for k, (a, b) in enumerate(zip(starts, stops, strict=True)):
        spans.append(
            ax.axvspan(
                tt[a] - step / 2,
                tt[b] + step / 2,
                facecolor=color,
                edgecolor="0.55",
                hatch="///",
                lw=0,
                zorder=0,
                label=label if k == 0 else None,
            )
        )
    return spans


def _short_label(label: str, signed: bool) -> str:
    """A colour-bar label short enough for a grid of panels."""
    return f"{label} (a.u.)\n> 0: for, < 0: against" if signed else f"{label} (a.u.)"


def plot_method_maps(
    x: Any,
    maps: Mapping[str, Any],
    axes: Sequence[Axes] | np.ndarray | None = None,
    *,
    cls: str | None = None,
    mask: Any = None,
    mask_label: str = "ground truth",
    title_prefix: str = "",
    ncols: int = 2,
    panel_size: tuple[float, float] = (5.0, 2.5),
    t: Any = None,
) -> Figure:
    """One beat under every method: a panel per entry of ``maps`` (``{method: map (T,)}``), the
    beat's line coloured by that map with its own colour bar (methods have different units;
    signed maps such as Integrated Gradients get the diverging colour map). A map that is None
    gives a panel saying the method does not apply (CAM on an LSTM). ``cls`` (the explained
    class) goes into each panel's title. ``mask`` (T,) shades a ground-truth region behind
    every panel. ``axes`` (one per map) or a new grid of ``ncols`` columns. ``t``: the time
    axis, or the beats the beat comes from (see :func:`tscam.plotting.plot_beat`). Returns the
    figure.
    """
    if not isinstance(maps, Mapping) or not maps:
        raise ValueError("maps must be a non-empty dict {method: map or None}.")
    x = as_1d(x, "x")
    if axes is None:
        nrows = -(-len(maps) // ncols)
        w, h = panel_size
        fig, grid = plt.subplots(
            nrows, ncols, figsize=scaled((w * ncols, h * nrows)), layout="constrained"
        )
        axes = list(np.ravel(grid))
        for extra in axes[len(maps) :]:
            extra.set_visible(False)
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) < len(maps):
        raise ValueError(f"Need one axes per map: {len(maps)} maps, {len(axes)} axes.")
    for ax, (name, m) in zip(axes, maps.items(), strict=False):
        label = method_label(name)
        title = f"{title_prefix}{label}"
        if m is None:
            plot_beat(x, ax=ax, title=title, t=t)
            ax.text(
                0.5,
                0.5,
                f"{label}: not applicable\nto this model",
                transform=ax.transAxes,
                ha="center",
                va="center",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"},
            )
        else:
            h = as_1d(m, f"maps[{name!r}]")
            signed = is_signed(h)
            plot_beat_heatmap(
                x,
                h,
                ax=ax,
                t=t,
                signed=signed,
                cbar_label=_short_label(label, signed),
                title=title if cls is None else f"{title}, class {cls}",
            )
        if mask is not None:
            shade_region(ax, mask, label=mask_label, t=t)
    return root_figure(axes[0])


def plot_grouped_scores(
    scores: Mapping[str, Mapping[str, float | None]],
    ax: Axes | None = None,
    *,
    ylabel: str = "score",
    title: str | None = None,
    reference: float | None = None,
    reference_label: str = "reference",
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Grouped bars: one group per outer key (e.g. method, shown with :func:`method_label`), one
    bar per inner key (e.g. model or baseline), hatched so they differ in grey scale too. A
    missing value (None) is marked "n/a". ``reference`` draws a dashed horizontal line (e.g. the
    score of a uniform map). Returns the figure."""
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError("scores must be a non-empty dict {group: {bar: value}}.")
    groups = list(scores)
    bars = list(dict.fromkeys(b for inner in scores.values() for b in inner))
    colors = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "vermillion", "sky blue")]
    if len(bars) > len(colors):
        raise ValueError(f"At most {len(colors)} bars per group; got {len(bars)}.")
    fig, ax = axes_or_new(ax, (7.0, 3.4))
    width = 0.8 / len(bars)
    pos = np.arange(len(groups))
    for j, bar in enumerate(bars):
        xs = pos - 0.4 + width * (j + 0.5)
        labelled = False
        for xi, g in zip(xs, groups, strict=True):
            value = scores[g].get(bar)
            if value is None:
                ax.annotate(
                    "n/a",
                    (xi, 0),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                    color="0.3",
                )
                continue
            ax.bar(
                xi,
                float(value),
                width,
                color=colors[j],
                hatch=_HATCHES[j],
                edgecolor="0.15" if _HATCHES[j] else "white",
                linewidth=0.5,
                label=None if labelled else bar,
            )
            labelled = True
    if reference is not None:
        ax.axhline(reference, color="0.3", ls="--", lw=1.0, label=reference_label)
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xticks(pos)
    ax.set_xticklabels([method_label(g) for g in groups], rotation=15, ha="right")
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_perturbed(
    x: Any,
    perturbed: Any,
    replaced: Any,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    label: str = "model input",
    color: str = OKABE_ITO["vermillion"],
    replaced_label: str = "replaced samples",
    t: Any = None,
) -> Figure:
    """What a deletion step feeds the model: the original beat (thin, grey), the ``perturbed``
    beat (the model's input, coloured) and the ``replaced`` samples (T,) bool, shaded. ``t``:
    the time axis (an array, or beats that carry ``.t``); default: the sample index. Returns
    the figure."""
    x = as_1d(x, "x")
    p = as_1d(perturbed, "perturbed")
    same_length(p, x, "perturbed", "x")
    fig, ax = axes_or_new(ax, (6.0, 3.0))
    shade_region(ax, replaced, label=replaced_label, t=t)
    plot_beat(x, ax=ax, color="0.6", label="original beat", ylabel=AMPLITUDE_LABEL, t=t)
    tt, _, _ = time_axis(x.shape[0], t)
    ax.plot(tt, p, color=color, lw=1.6, label=label, zorder=3)
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    if title:
        ax.set_title(title)
    return fig
