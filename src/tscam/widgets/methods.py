"""A live explorer of one beat under every attribution method (needs a running kernel): pick a
model, a class filter and a beat; the maps of all methods of :mod:`tscam.evaluate` are
recomputed for that beat and drawn in one panel each."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
from torch import nn

from tscam.contract import class_names_of
from tscam.models.inference import predict_logits
from tscam.plotting.evaluation import plot_method_maps
from tscam.widgets._render import BeatSelection, Redraw, figure_png, new_figure, one_beat
from tscam.widgets.explorer import _check

__all__ = ["method_explorer"]

ALL = -1  # value of the "all classes" filter option


def method_explorer(
    models: Mapping[str, nn.Module],
    beats: Any,
    *,
    methods: Sequence[str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    classes: Sequence[str] | None = None,
    ncols: int = 2,
    panel_size: tuple[float, float] = (4.6, 2.3),
    dpi: float = 90,
) -> w.VBox:
    """A live explorer: the same beat under every method. Returns the widget (display it).

    Controls: model (``models``' names), a filter on the true class (classes present in
    ``beats``, named by ``classes``) and the beat. Each change recomputes, for the chosen beat
    and its predicted class, the maps of ``methods`` (default: all of
    :data:`tscam.evaluate.METHODS`; methods that do not apply to a model get a panel saying so)
    with per-method ``options`` (e.g. ``{"occlusion": {"window": 17}}``), and draws them with
    :func:`tscam.plotting.plot_method_maps`. An error is shown as a message, never raised.

    The returned box has attributes ``controls`` (dict), ``image``, ``info`` and ``redraw()``.
    """
    from tscam.evaluate import METHODS, attribute_all

    _check(models, beats)
    methods = tuple(METHODS if methods is None else methods)
    classes = class_names_of(beats, classes)
    y = np.asarray(beats.y)
    names = list(models)
    desc = {"description_width": "initial"}
    model_dd = w.Dropdown(options=names, value=names[0], description="model", style=desc)
    pick = BeatSelection(y, classes, ALL)
    filter_dd, beat_sl = pick.filter, pick.slider
    image = w.Image(format="png")
    info = w.HTML()

    def draw() -> None:
        idx, i = pick.current()
        model = models[model_dd.value]
        x = torch.as_tensor(np.asarray(beats.x[i : i + 1], dtype=np.float32)).unsqueeze(1)
        # the predicted class, with the beat's rhythm for a model with a rhythm head (the maps
        # do not depend on it: the rhythm term is constant over the window)
        pred = int(predict_logits(model, one_beat(beats, i)).argmax(1)[0])
        maps = attribute_all(model, x, pred, methods, options=options)
        shown = {m: (maps[m][0].cpu().numpy() if m in maps else None) for m in methods}
        rows = -(-len(shown) // ncols)
        fig = new_figure((panel_size[0] * ncols, panel_size[1] * rows))
        axes = fig.subplots(rows, ncols, squeeze=False).ravel()
        for extra in axes[len(shown) :]:
            extra.set_visible(False)
        cls = classes[pred] if pred < len(classes) else str(pred)
        plot_method_maps(beats.x[i], shown, axes=axes[: len(shown)], cls=cls, t=beats)
        fig.suptitle(
            f"{model_dd.value}: true class {classes[int(y[i])]}, predicted {cls}; "
            f"every map explains class {cls}"
        )
        image.value = figure_png(fig, dpi=dpi)
        info.value = (
            f"<small>{html.escape(model_dd.value)} · beat {beat_sl.value + 1} of "
            f"{len(idx):,} shown (index {i} in the set)</small>"
        )

    redraw = Redraw(draw, info, "choice")

    pick.connect(redraw)
    model_dd.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox([model_dd, filter_dd, beat_sl]), image, info])
    box.controls = {"model": model_dd, "class_filter": filter_dd, "beat": beat_sl}
    box.image, box.info, box.redraw = image, info, redraw
    return box
