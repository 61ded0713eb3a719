"""The rhythm side of a beat: its RR features per class, and how each logit splits into the
window's part, the rhythm term and the bias (:func:`tscam.models.decompose_logits`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tscam._arrays import to_numpy
from tscam.plotting._base import axes_or_new
from tscam.plotting.colors import CLASS_PALETTE, OKABE_ITO

__all__ = ["plot_logit_parts", "plot_rhythm_by_class", "plot_rhythm_sweep"]

PART_COLORS = {
    "beat": OKABE_ITO["blue"],
    "rhythm": OKABE_ITO["orange"],
    "bias": OKABE_ITO["reddish purple"],
}
PART_LABELS = {
    "beat": "window part (mean of the map)",
    "rhythm": "rhythm term",
    "bias": "bias",
}


def _class_color(i: int) -> str:
    """The colour of class index ``i`` (:data:`~tscam.plotting.colors.CLASS_PALETTE`)."""
    return CLASS_PALETTE[i % len(CLASS_PALETTE)]


def plot_rhythm_by_class(
    values: Any,
    y: Any,
    classes: Sequence[str],
    ax: Axes | None = None,
    *,
    label: str = "value",
    min_beats: int = 5,
    title: str | None = None,
) -> Figure:
    """Box plots of one rhythm feature (``values``, one per beat) for each class of ``y``
    (indices into ``classes``), each box labelled with its number of beats; classes with
    fewer than ``min_beats`` beats are left out (and named in the x label)."""
    v = to_numpy(values, float).ravel()
    yy = np.asarray(y).ravel()
    if v.shape != yy.shape:
        raise ValueError(f"values ({v.shape[0]}) and y ({yy.shape[0]}) must have one per beat.")
    fig, ax = axes_or_new(ax, figsize=(4.2, 3.0))
    shown = [(i, c) for i, c in enumerate(classes) if (yy == i).sum() >= min_beats]
    left = [c for i, c in enumerate(classes) if 0 < (yy == i).sum() < min_beats]
    data = [v[yy == i] for i, _ in shown]
    box = ax.boxplot(data, showfliers=False, patch_artist=True, widths=0.6)
    for patch, (i, _) in zip(box["boxes"], shown, strict=True):
        patch.set_facecolor(_class_color(i))
        patch.set_alpha(0.6)
    ax.set_xticks(
        np.arange(1, len(shown) + 1),
        [f"{c}\n{len(d):,}" for (_, c), d in zip(shown, data, strict=True)],
    )
    ax.axhline(0, color="0.5", lw=0.8, ls=":")
    ax.set_ylabel(label)
    ax.set_xlabel(
        "class (beats)" + (f"; fewer than {min_beats}: {', '.join(left)}" if left else "")
    )
    if title:
        ax.set_title(title)
    return fig


def plot_logit_parts(
    beat: Any,
    rhythm: Any,
    bias: Any,
    classes: Sequence[str],
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """For one beat, each class's logit as three bars side by side (window part, rhythm term,
    bias) and a black tick at their sum, the logit itself. The arguments are rows of
    :class:`tscam.models.LogitParts` (one value per class)."""
    parts = {
        k: to_numpy(a, float).ravel()
        for k, a in (("beat", beat), ("rhythm", rhythm), ("bias", bias))
    }
    k = len(classes)
    if any(p.shape != (k,) for p in parts.values()):
        raise ValueError(f"beat, rhythm and bias must each hold one value per class ({k}).")
    fig, ax = axes_or_new(ax, figsize=(5.0, 3.0))
    pos = np.arange(k)
    width = 0.26
    for j, (name, vals) in enumerate(parts.items()):
        ax.bar(pos + (j - 1) * width, vals, width, color=PART_COLORS[name], label=PART_LABELS[name])
    total = sum(parts.values())
    ax.scatter(pos, total, marker="_", s=400, color="black", zorder=3, label="logit (the sum)")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xticks(pos, list(classes))
    ax.set_xlabel("class")
    ax.set_ylabel("contribution to the logit")
    ax.legend(fontsize="small", loc="best")
    if title:
        ax.set_title(title)
    return fig


def plot_rhythm_sweep(
    seconds: Any,
    logits: Any,
    classes: Sequence[str],
    ax: Axes | None = None,
    *,
    actual: float | None = 0.0,
    title: str | None = None,
) -> Figure:
    """Each class's logit (``logits``, shape (len(seconds), n_classes)) as the beat is moved
    ``seconds`` earlier (negative: later), its window unchanged: a counterfactual of timing.
    A dotted line marks the beat's real timing (``actual``)."""
    s = to_numpy(seconds, float).ravel()
    lg = to_numpy(logits, float)
    if lg.ndim != 2 or lg.shape != (s.shape[0], len(classes)):
        raise ValueError(
            f"logits must have shape ({s.shape[0]}, {len(classes)}) (one row per shift); "
            f"got {lg.shape}."
        )
    fig, ax = axes_or_new(ax, figsize=(5.0, 3.0))
    for i, c in enumerate(classes):
        ax.plot(s, lg[:, i], color=_class_color(i), label=c, lw=1.6)
    if actual is not None:
        ax.axvline(actual, color="0.4", ls=":", lw=1)
    ax.set_xlabel("beat moved earlier by (s)")
    ax.set_ylabel("logit")
    ax.legend(fontsize="x-small", ncols=min(len(classes), 5), loc="best")
    if title:
        ax.set_title(title)
    return fig
