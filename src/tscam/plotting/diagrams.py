"""Figures of the models: a confusion matrix and the FCN architecture diagram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from tscam.contract import class_names_of
from tscam.plotting._base import add_colorbar, axes_or_new
from tscam.plotting.colors import CONFUSION_CMAP, OKABE_ITO, relevance_cmap


def plot_confusion(
    confusion: Any,
    classes: Sequence[str] | None = None,
    ax: Axes | None = None,
    normalize: bool = True,
    *,
    cmap: str | Colormap = CONFUSION_CMAP,
    colorbar: bool = True,
    title: str | None = None,
) -> Figure:
    """Confusion matrix: rows true class, columns predicted class (as in
    ``tscam.metrics.classification_report(...)["confusion"]``).

    ``normalize=True`` colours each row by its fraction of the true class (the diagonal is then
    the sensitivity) and writes the percentage with the count; a class without beats shows
    dashes. ``normalize=False`` colours by counts. Returns the figure.
    """
    cm = np.asarray(confusion, dtype=float)
    classes = class_names_of(None, classes)
    k = len(classes)
    if cm.shape != (k, k):
        raise ValueError(
            f"confusion must be a {k} x {k} matrix for classes {list(classes)}; "
            f"got shape {cm.shape}."
        )
    fig, ax = axes_or_new(ax, figsize=(4.8, 4.0))
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.full_like(cm, np.nan), where=rows > 0)
    values = frac if normalize else cm
    cmap = relevance_cmap(cmap=cmap)
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=1 if normalize else max(cm.max(), 1))
    for i in range(k):
        for j in range(k):
            count = int(cm[i, j])
            if normalize:
                text = "–" if np.isnan(frac[i, j]) else f"{100 * frac[i, j]:.1f} %\n{count:,}"
            else:
                text = f"{count:,}"
            v = values[i, j]
            dark = np.isfinite(v) and im.norm(v) > 0.55
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize="small",
                color="white" if dark else "black",
            )
    ax.set_xticks(range(k), classes)
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    if colorbar:
        label = "fraction of the true class" if normalize else "number of beats"
        add_colorbar(im, ax, label)
    return fig


def _ecg_sketch(t: np.ndarray) -> np.ndarray:
    """A schematic P-QRS-T shape for the input box (not data)."""
    g = lambda mu, s, a: a * np.exp(-0.5 * ((t - mu) / s) ** 2)  # noqa: E731
    p, q, r, s, t_wave = (
        (0.2, 0.04, 0.15),
        (0.47, 0.012, -0.12),
        (0.5, 0.015, 1.0),
        (0.53, 0.012, -0.25),
        (0.78, 0.06, 0.3),
    )
    return sum(g(*w) for w in (p, q, r, s, t_wave))


def _box(ax: Axes, x: float, y: float, w: float, h: float, color: str, text: str, **kw) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color,
            edgecolor="0.25",
            lw=1.0,
        )
    )
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", **kw)


def _arrow(ax: Axes, x0: float, x1: float, y: float, label: str | None = None) -> None:
    ax.add_patch(
        FancyArrowPatch((x0, y), (x1, y), arrowstyle="-|>", mutation_scale=12, color="0.25", lw=1.2)
    )
    if label:
        ax.text(
            (x0 + x1) / 2,
            y + 0.06,
            label,
            ha="center",
            va="bottom",
            fontsize="x-small",
            color="0.3",
        )


def plot_architecture_fcn(
    ax: Axes | None = None,
    filters: Sequence[int] = (128, 256, 128),
    kernels: Sequence[int] = (8, 5, 3),
    length: int = 88,  # the course's beat window, tscam.data.DEFAULT_SPEC.length
    classes: Sequence[str] | None = None,
) -> Figure:
    """The FCN of the course (Wang et al. 2017) as boxes and arrows: input beat, three
    convolutional blocks (Conv1d + BatchNorm + ReLU), global average pooling, linear layer and
    softmax, with the shape of the data between the boxes. Returns the figure."""
    classes = class_names_of(None, classes)
    w, h, y, gap = 1.45, 1.5, 0.0, 0.78
    xs = [i * (w + gap) for i in range(7)]
    x_range, y_range = (-0.1, xs[6] + w * 0.9 + 0.1), (-0.72, h + 0.06)
    width = 12.0
    height = width * (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
    fig, ax = axes_or_new(ax, figsize=(width, height + 0.2))
    blue, green, orange, grey = "#D6E9F8", "#CDEBE1", "#FBE3C2", "#EEEEEE"
    _box(ax, xs[0], y, w, h, grey, "")  # the input: a sketch of a beat inside the box
    ts = np.linspace(0, 1, 200)
    ax.plot(xs[0] + 0.12 + (w - 0.24) * ts, y + 0.45 + 0.7 * _ecg_sketch(ts), color="0.15", lw=1.2)
    ax.text(xs[0] + w / 2, y + 0.2, "input beat", ha="center", va="center", fontsize=9)
    for i, (f, k) in enumerate(zip(filters, kernels, strict=True)):
        _box(ax, xs[i + 1], y, w, h, blue, "")
        cx = xs[i + 1] + w / 2
        ax.text(
            cx,
            y + h - 0.22,
            f"Conv block {i + 1}",
            ha="center",
            va="center",
            fontsize=9.5,
            weight="bold",
        )
        ax.text(
            cx,
            y + h / 2 - 0.14,
            f"Conv1d\n{f} filters, ℓ = {k}\nBatchNorm\nReLU",
            ha="center",
            va="center",
            fontsize=9,
        )
    _box(ax, xs[4], y, w, h, green, "Global\naverage\npooling\n(over time)", fontsize=9)
    _box(
        ax, xs[5], y, w, h, orange, f"Linear\n{filters[-1]} → {len(classes)}\n\nsoftmax", fontsize=9
    )
    _box(ax, xs[6], y, w * 0.9, h, "white", "class\nscores\n\n" + " ".join(classes), fontsize=9)
    shapes = [f"1 × {length}"] + [f"{f} × {length}" for f in filters]
    shapes += [str(filters[-1]), str(len(classes))]
    for i in range(6):
        _arrow(ax, xs[i] + w + 0.03, xs[i + 1] - 0.03, y + h / 2, shapes[i])
    x3 = xs[3] + w / 2  # where CAM and Grad-CAM look
    ax.annotate(
        "feature maps $A_k(t)$ used by CAM\nand Grad-CAM (default layer)",
        xy=(x3, y - 0.03),
        xytext=(x3, y - 0.36),
        ha="center",
        va="top",
        fontsize=8.5,
        color=OKABE_ITO["vermillion"],
        arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO["vermillion"], "lw": 1.0},
    )
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig
