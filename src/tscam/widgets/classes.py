"""A live explorer of class averages (needs a running kernel): pick a model, a class, the beats
(all, correctly classified, misclassified), the per-beat normalisation and the spread band; the
class average is recomputed from precomputed maps and redrawn on every change."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from tscam.aggregate import NORMALIZATIONS, SUBSETS, class_average
from tscam.contract import class_names_of
from tscam.plotting.classes import plot_class_average
from tscam.widgets._render import Redraw, figure_png, new_figure

__all__ = ["class_explorer"]

BANDS = {"± 1 std": "std", "10-90 % quantiles": "quantile", "none": None}


def _check(maps: Any, y_true: Any, y_pred: Any) -> tuple[int, dict[str, np.ndarray]]:
    if not isinstance(maps, Mapping) or not maps:
        raise TypeError("maps must be a non-empty dict {model name: maps (n, T)}.")
    n = len(np.asarray(y_true))
    for name, m in maps.items():
        if np.shape(m)[0] != n:
            raise ValueError(f"maps[{name!r}] has {np.shape(m)[0]} rows; y_true has {n} beats.")
    if not isinstance(y_pred, Mapping) or set(y_pred) != set(maps):
        raise TypeError("y_pred must be a dict with the same keys as maps: {model name: (n,)}.")
    return n, {k: np.asarray(v) for k, v in y_pred.items()}


def class_explorer(
    maps: Mapping[str, Any],
    beats_x: Any,
    y_true: Any,
    y_pred: Mapping[str, Any],
    *,
    figsize: tuple[float, float] = (8.0, 4.6),
    dpi: float = 100,
    classes: Sequence[str] | None = None,
    method: str | None = None,
) -> w.VBox:
    """A live explorer of class-average heatmaps, for notebooks with a kernel. Returns the widget.

    ``maps[model]`` holds one heatmap per beat (n, T_map) and ``y_pred[model]`` the model's
    predicted classes (n,); ``beats_x`` (n, T) and ``y_true`` (n,) are shared; ``beats_x`` may be
    a beats object (its ``x``, ``class_names`` and time axis are used). Controls: model,
    class (those with beats in ``y_true``), beats (all, correctly classified, misclassified),
    per-beat normalisation (see :func:`tscam.aggregate.normalize_maps`) and the spread band.
    Each change calls :func:`tscam.aggregate.class_average` and redraws
    :func:`tscam.plotting.plot_class_average`; an empty selection or an error is shown as a
    message, never as a traceback.

    The returned box has attributes ``controls`` (dict), ``image``, ``info`` and ``redraw()``.
    """
    _, preds = _check(maps, y_true, y_pred)
    classes = class_names_of(beats_x, classes)
    yt = np.asarray(y_true)
    counts = np.bincount(yt, minlength=len(classes))
    desc = {"description_width": "initial"}
    names = list(maps)
    model_dd = w.Dropdown(options=names, value=names[0], description="model", style=desc)
    present = [(f"{c} ({k:,})", c) for c, k in zip(classes, counts, strict=False) if k]
    class_dd = w.Dropdown(options=present, value=present[0][1], description="class", style=desc)
    subset_dd = w.Dropdown(options=list(SUBSETS), value="all", description="beats", style=desc)
    norm_dd = w.Dropdown(
        options=list(NORMALIZATIONS), value="max", description="normalise", style=desc
    )
    band_dd = w.Dropdown(options=list(BANDS), value="± 1 std", description="band", style=desc)
    image = w.Image(format="png")
    info = w.HTML()

    def draw() -> None:
        model = model_dd.value
        avg = class_average(
            maps[model],
            beats_x,
            yt,
            preds[model],
            subset=subset_dd.value,
            normalize=norm_dd.value,
            classes=classes,
        )[class_dd.value]
        fig = new_figure(figsize)
        plot_class_average(
            avg,
            ax=fig.subplots(),
            band=BANDS[band_dd.value],
            method=method,
            title=f"{model}: {avg.describe()}",
        )
        image.value = figure_png(fig, dpi=dpi)
        info.value = f"<small>{html.escape(model)} · {html.escape(avg.describe())}</small>"

    redraw = Redraw(draw, info)
    for c in (model_dd, class_dd, subset_dd, norm_dd, band_dd):
        c.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox([model_dd, class_dd, subset_dd]), w.HBox([norm_dd, band_dd]), image, info])
    box.controls = {
        "model": model_dd,
        "class": class_dd,
        "subset": subset_dd,
        "normalize": norm_dd,
        "band": band_dd,
    }
    box.image, box.info, box.redraw = image, info, redraw
    return box
