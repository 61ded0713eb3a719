"""A live explorer (needs a running kernel): pick a model, a method, a target class, a class
filter and a beat; the heatmap is recomputed and redrawn on every change."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import numpy as np
import torch
from torch import nn

from tscam.data.records import CLASSES
from tscam.plotting import plot_beat_heatmap, relevance_label
from tscam.widgets._render import beat_selector, error_html, figure_png, new_figure

#: ``fn(model, x, target, relu) -> maps (n, T)``.
MapFn = Callable[[nn.Module, torch.Tensor, Any, bool], torch.Tensor]
PREDICTED = -1  # value of the "predicted class" target option

__all__ = ["MapFn", "available_methods", "explorer"]


def available_methods(model: nn.Module) -> dict[str, tuple[MapFn, bool]]:
    """The methods that apply to ``model``: ``{label: (fn, uses_relu)}``.

    An LSTM (a model with ``unrolled``) gets LSTM Grad-CAM and the naive version; a conv net gets
    CAM (if it has ``features`` and a linear ``classifier``) and Grad-CAM at each of its blocks
    ``block1``, ``block2``, ... (or at its default layer if it has no such blocks).
    """
    from tscam import cam as C

    if callable(getattr(model, "unrolled", None)):
        return {
            "LSTM Grad-CAM": (lambda m, x, t, r: C.lstm_grad_cam(m, x, target=t, relu=r), True),
            "naive LSTM Grad-CAM (nn.LSTM output)": (
                lambda m, x, t, r: C.naive_lstm_grad_cam(m, x, target=t, relu=r),
                True,
            ),
        }
    methods: dict[str, tuple[MapFn, bool]] = {}
    if callable(getattr(model, "features", None)) and isinstance(
        getattr(model, "classifier", None), nn.Linear
    ):
        methods["CAM"] = (lambda m, x, t, r: C.cam(m, x, target=t), False)
    blocks = [name for name, _ in model.named_children() if name.startswith("block")]
    for name in blocks:
        methods[f"Grad-CAM {name}"] = (
            lambda m, x, t, r, name=name: C.grad_cam(m, x, layer=name, target=t, relu=r),
            True,
        )
    if not blocks:
        methods["Grad-CAM"] = (lambda m, x, t, r: C.grad_cam(m, x, target=t, relu=r), True)
    return methods


def _check(models: Mapping[str, nn.Module], beats: Any) -> None:
    if not isinstance(models, Mapping) or not models:
        raise TypeError("models must be a non-empty dict {name: model}, e.g. {'FCN': fcn}.")
    for name, m in models.items():
        if not isinstance(m, nn.Module):
            raise TypeError(f"models[{name!r}] is a {type(m).__name__}, not a torch nn.Module.")
    if not (hasattr(beats, "x") and hasattr(beats, "y")) or len(beats.y) == 0:
        raise TypeError("beats must be non-empty beats with .x and .y (e.g. load_beats(...)).")


def explorer(
    models: Mapping[str, nn.Module],
    beats: Any,
    *,
    style: str = "line",
    figsize: tuple[float, float] = (8.0, 3.4),
    dpi: float = 100,
    classes: tuple[str, ...] = CLASSES,
) -> w.VBox:
    """A live explorer of heatmaps, for notebooks with a kernel. Returns the widget (display it).

    Controls: model (``models``' names), method (only those that apply to the chosen model, see
    :func:`available_methods`), target class (each beat's predicted class, or a fixed class),
    ReLU (off: signed maps; not used by CAM, then disabled), a filter on the true class (classes
    present in ``beats``, with counts), and the beat (a slider over the filtered beats). Any
    change redraws the figure; an error is shown as a message, never as a traceback.

    The returned box has attributes ``controls`` (dict of the control widgets), ``image`` (the
    plot, PNG), ``info`` (an HTML line about the beat) and ``redraw()``.
    """
    _check(models, beats)
    y = np.asarray(beats.y)
    names = list(models)
    desc = {"description_width": "initial"}
    model_dd = w.Dropdown(options=names, value=names[0], description="model", style=desc)
    method_dd = w.Dropdown(description="method", style=desc)
    target_dd = w.Dropdown(
        options=[("predicted class", PREDICTED)] + [(c, i) for i, c in enumerate(classes)],
        value=PREDICTED,
        description="explain class",
        style=desc,
    )
    relu_cb = w.Checkbox(value=True, description="ReLU (off: signed map)", indent=False)
    filter_dd, beat_sl = beat_selector(y, classes, PREDICTED)
    image = w.Image(format="png")
    info = w.HTML()
    state: dict[str, Any] = {"quiet": False, "methods": {}}

    def selected() -> np.ndarray:
        k = filter_dd.value
        return np.arange(len(y)) if k == PREDICTED else np.flatnonzero(y == k)

    def set_methods() -> None:
        state["methods"] = available_methods(models[model_dd.value])
        labels = list(state["methods"])
        keep = method_dd.value if method_dd.value in labels else labels[0]
        method_dd.options = labels
        method_dd.value = keep
        relu_cb.disabled = not state["methods"][keep][1]

    def redraw(*_: Any) -> None:
        if state["quiet"]:
            return
        try:
            idx = selected()
            i = int(idx[min(beat_sl.value, len(idx) - 1)])
            model = models[model_dd.value]
            fn, uses_relu = state["methods"][method_dd.value]
            relu_cb.disabled = not uses_relu
            x = torch.as_tensor(np.asarray(beats.x[i : i + 1], dtype=np.float32)).unsqueeze(1)
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    prob = torch.softmax(model(x), dim=1)[0]
            finally:
                model.train(was_training)
            pred = int(prob.argmax())
            target = pred if target_dd.value == PREDICTED else int(target_dd.value)
            heat = fn(model, x, target, relu_cb.value)[0].detach().cpu().numpy()
            signed = not uses_relu or not relu_cb.value
            label = relevance_label(method_dd.value, classes[target], signed=signed)
            fig = new_figure(figsize)
            plot_beat_heatmap(
                beats.x[i],
                heat,
                ax=fig.subplots(),
                style=style,
                signed=signed,
                cbar_label=label,
                title=f"true {classes[int(y[i])]}, predicted {classes[pred]} "
                f"(p = {float(prob[pred]):.2f}); map for class {classes[target]}",
            )
            image.value = figure_png(fig, dpi=dpi)
            where = ""
            if hasattr(beats, "record") and hasattr(beats, "sample"):
                where = f"record {beats.record[i]}, sample {int(beats.sample[i]):,} (360 Hz); "
            info.value = (
                f"<small>{html.escape(model_dd.value)} · {html.escape(method_dd.value)} · "
                f"{where}beat {beat_sl.value + 1} of {len(idx):,} shown "
                f"(index {i} in the set)</small>"
            )
        except Exception as err:  # shown to the user instead of a traceback
            info.value = error_html("choice", err)

    def on_model(_: Any) -> None:
        state["quiet"] = True
        try:
            set_methods()
        finally:
            state["quiet"] = False
        redraw()

    def on_filter(_: Any) -> None:
        state["quiet"] = True
        try:
            beat_sl.value = 0
            beat_sl.max = max(len(selected()) - 1, 0)
        finally:
            state["quiet"] = False
        redraw()

    state["quiet"] = True
    set_methods()
    state["quiet"] = False
    model_dd.observe(on_model, names="value")
    filter_dd.observe(on_filter, names="value")
    for c in (method_dd, target_dd, relu_cb, beat_sl):
        c.observe(redraw, names="value")
    redraw()

    box = w.VBox(
        [
            w.HBox([model_dd, method_dd]),
            w.HBox([target_dd, relu_cb]),
            w.HBox([filter_dd, beat_sl]),
            image,
            info,
        ]
    )
    box.controls = {
        "model": model_dd,
        "method": method_dd,
        "target": target_dd,
        "relu": relu_cb,
        "class_filter": filter_dd,
        "beat": beat_sl,
    }
    box.image, box.info, box.redraw = image, info, redraw
    return box
