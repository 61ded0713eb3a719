"""A live beat browser (needs a running kernel): pick a class and a beat; the beat is redrawn,
with where it comes from, and, given a model, the model's class probabilities beside it."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from tscam.contract import class_names_of
from tscam.plotting.beats import plot_beat
from tscam.plotting.predictions import plot_beat_prediction
from tscam.widgets._render import Redraw, figure_png, new_figure, one_beat

__all__ = ["beat_browser"]


def _check(beats: Any, model: Any) -> None:
    if not (hasattr(beats, "x") and hasattr(beats, "y")) or len(beats.y) == 0:
        raise TypeError("beats must be a non-empty tscam.data.Beats (e.g. load_beats(...)).")
    if model is not None:
        from torch import nn

        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch nn.Module or None, got {type(model).__name__}.")


def _probabilities(model: Any, beat: Any) -> np.ndarray:
    """Softmax of the model's logits for one beat (eval mode; the model's mode is restored):
    ``beat`` is a one-beat beats object (:func:`~tscam.widgets._render.one_beat`), whose rhythm
    features a model with a rhythm head reads too."""
    import torch

    from tscam.models.inference import predict_logits

    return torch.softmax(predict_logits(model, beat), dim=1)[0].numpy()


def beat_browser(
    beats: Any,
    model: Any = None,
    *,
    figsize: tuple[float, float] = (8.0, 3.0),
    dpi: float = 100,
    classes: Sequence[str] | None = None,
) -> w.VBox:
    """A live browser of beats, for notebooks with a kernel. Returns the widget (display it).

    Controls: the true class (only classes present in ``beats``, with their counts) and the beat
    (a slider over the beats of that class). Every change redraws the beat; with a ``model``
    (any classifier of (n, 1, T) beats) the figure also shows its class probabilities. A line
    below says where the beat comes from (record, annotation sample, symbol). An error is
    shown as a message, never as a traceback.

    The returned box has attributes ``controls`` (dict: ``"class"``, ``"beat"``), ``image``
    (the plot, PNG), ``info`` (an HTML line) and ``redraw()``.
    """
    _check(beats, model)
    classes = class_names_of(beats, classes)
    y = np.asarray(beats.y)
    counts = np.bincount(y, minlength=len(classes))
    present = [
        (f"{c} ({n:,})", i) for i, (c, n) in enumerate(zip(classes, counts, strict=False)) if n
    ]
    desc = {"description_width": "initial"}
    class_dd = w.Dropdown(options=present, value=present[0][1], description="class", style=desc)
    beat_sl = w.IntSlider(
        value=0,
        min=0,
        max=int(counts[present[0][1]]) - 1,
        description="beat",
        style=desc,
        continuous_update=False,
    )
    image = w.Image(format="png")
    info = w.HTML()

    def draw() -> None:
        idx = np.flatnonzero(y == class_dd.value)
        i = int(idx[min(beat_sl.value, len(idx) - 1)])
        x = np.asarray(beats.x[i], dtype=np.float32)
        fig = new_figure(figsize)
        if model is None:
            title = f"class {classes[int(y[i])]}, beat {beat_sl.value + 1} of {len(idx):,}"
            plot_beat(x, ax=fig.subplots(), title=title, t=beats)
        else:
            axes = fig.subplots(1, 2, width_ratios=(3.2, 1.0))
            plot_beat_prediction(
                x,
                _probabilities(model, one_beat(beats, i)),
                axes,
                true=int(y[i]),
                classes=classes,
                t=beats,
            )
        image.value = figure_png(fig, dpi=dpi)
        where = ""
        if hasattr(beats, "record") and hasattr(beats, "sample"):
            at, fs = int(beats.sample[i]), getattr(beats, "record_fs", None)
            where = f"record {html.escape(str(beats.record[i]))}, annotation at sample {at:,}" + (
                f" ({fs} Hz: {at / fs:.1f} s)" if fs else ""
            )
            if hasattr(beats, "symbol"):
                where += f", symbol {html.escape(str(beats.symbol[i]))!r}"
            where += "; "
        info.value = (
            f"<small>{where}beat {beat_sl.value + 1} of {len(idx):,} of class "
            f"{classes[int(y[i])]} (index {i} in the set)</small>"
        )

    redraw = Redraw(draw, info, "beat")

    def update_class() -> None:
        beat_sl.value = 0
        beat_sl.max = max(int(counts[class_dd.value]) - 1, 0)

    class_dd.observe(redraw.after(update_class), names="value")
    beat_sl.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox([class_dd, beat_sl]), image, info])
    box.controls = {"class": class_dd, "beat": beat_sl}
    box.image, box.info, box.redraw = image, info, redraw
    return box
