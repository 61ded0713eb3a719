"""Feature maps: what a convolutional layer computes along a beat, as an image.

A layer of the FCN outputs K feature maps ``A_k(t)``, one row per channel k. CAM weighs these
rows by the classifier's weights ``w_ck`` and sums them; this figure shows a few rows under the
beat, on the same time axis, so that the sum can be pictured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tscam._arrays import to_numpy
from tscam.plotting._base import (
    add_colorbar,
    as_1d,
    axes_or_new,
    sample_edges,
    time_axis,
)
from tscam.plotting.beats import AMPLITUDE_LABEL, plot_beat
from tscam.plotting.colors import relevance_cmap

__all__ = ["plot_feature_maps", "pick_channels"]

FEATURE_LABEL = "activation $A_k(t)$ (a.u.)"


def _as_2d(a: Any, name: str) -> np.ndarray:
    arr = to_numpy(a, float)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(
            f"{name} must be the feature maps of one beat, shape (K, T) (channels, time); got "
            f"shape {arr.shape}. For beat i of a batch of shape (n, K, T), pass features[i]."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf values.")
    return arr


def pick_channels(features: Any, weights: Any = None, n: int = 8) -> np.ndarray:
    """Which channels to show. With ``weights``: the ``ceil(n/2)`` channels with the largest
    (most positive) weights and the ``floor(n/2)`` with the smallest (most negative), ordered
    from the most positive weight to the most negative, so that evidence for and against a class
    both appear. Without weights: the ``n`` most active channels (largest mean activation)."""
    A = _as_2d(features, "features")
    n = max(1, min(int(n), A.shape[0]))
    if weights is None:
        return np.argsort(-A.mean(axis=1), kind="stable")[:n]
    w = as_1d(weights, "weights")
    if w.shape[0] != A.shape[0]:
        raise ValueError(f"weights has {w.shape[0]} values but features has {A.shape[0]} channels.")
    order = np.argsort(-w, kind="stable")  # most positive first
    return np.concatenate([order[: (n + 1) // 2], order[len(order) - n // 2 :]])


def plot_feature_maps(
    x: Any,
    features: Any,
    channels: Any = None,
    weights: Any = None,
    ax: Axes | None = None,
    *,
    n_channels: int = 8,
    cmap: str | None = None,
    cbar_label: str = FEATURE_LABEL,
    title: str | None = None,
    weight_name: str = "w",
    t: Any = None,
) -> Figure:
    """The beat ``x`` (T,) on top and feature maps ``features`` (K, T') of one beat below it, one
    row per channel, on the same time axis (maps of another length are spread over the beat's
    time span). Returns the figure.

    ``channels``: the channels to show, top to bottom (default: :func:`pick_channels` with
    ``weights`` and ``n_channels``). ``weights`` (K,): e.g. ``model.classifier.weight[c]``; each
    row is then labelled with its channel and weight (``k = 17, w = +0.31``). The image uses the
    sequential colormap (``viridis``) from 0 (or the minimum) to the maximum, with a colour bar.
    ``ax``: its slot is split into the beat (top) and the image (bottom). ``t``: the beat's
    time axis (an array, or beats that carry ``.t``); default: the sample index.
    """
    x = as_1d(x, "x")
    A = _as_2d(features, "features")
    if channels is None:
        channels = pick_channels(A, weights, n_channels)
    channels = np.asarray(channels, dtype=int).reshape(-1)
    if channels.size == 0 or channels.min() < 0 or channels.max() >= A.shape[0]:
        raise ValueError(f"channels must be indices in 0..{A.shape[0] - 1}; got {channels}.")
    w = None if weights is None else as_1d(weights, "weights")
    if w is not None and w.shape[0] != A.shape[0]:
        raise ValueError(f"weights has {w.shape[0]} values but features has {A.shape[0]} channels.")

    fig, ax_top = axes_or_new(ax, figsize=(7.0, 4.6))
    spec = ax_top.get_subplotspec()
    if spec is None:
        raise ValueError("ax must be a subplot (e.g. from plt.subplots) so that it can be split.")
    gs = spec.subgridspec(2, 1, height_ratios=(1.0, 1.4), hspace=0.05)
    ax_top.set_subplotspec(gs[0])
    ax_img = fig.add_subplot(gs[1], sharex=ax_top)

    tt, xlabel, r_at_zero = time_axis(x.shape[0], t)
    plot_beat(x, ax=ax_top, ylabel=AMPLITUDE_LABEL, mark_r=r_at_zero, title=title, t=t)
    ax_top.tick_params(labelbottom=False)
    ax_top.set_xlabel("")

    edges = sample_edges(tt)
    rows = A[channels]
    lo = min(0.0, float(rows.min()))
    hi = float(rows.max()) if float(rows.max()) > lo else lo + 1.0
    image = ax_img.imshow(
        rows,
        aspect="auto",
        interpolation="nearest",
        cmap=relevance_cmap(False, cmap),
        vmin=lo,
        vmax=hi,
        extent=(float(edges[0]), float(edges[-1]), len(channels) - 0.5, -0.5),
    )
    ax_img.set_yticks(np.arange(len(channels)))
    if w is None:
        ax_img.set_yticklabels([f"k = {k}" for k in channels])
    else:
        ax_img.set_yticklabels([f"k = {k}, {weight_name} = {w[k]:+.2f}" for k in channels])
    ax_img.set_ylabel("channel")
    ax_img.set_xlabel(xlabel)
    if r_at_zero:
        ax_img.axvline(0.0, color="white", lw=0.9, ls=":")
    add_colorbar(image, [ax_top, ax_img], cbar_label)
    return fig
