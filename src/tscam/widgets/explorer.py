"""A live explorer (needs a running kernel): pick a model, a method, a target class, a class
filter and a beat; the heatmap is recomputed and redrawn on every change."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
from torch import nn

from tscam import methods as registry
from tscam.contract import class_names_of
from tscam.models.inference import predict_logits
from tscam.plotting import plot_beat_heatmap, relevance_label
from tscam.widgets._render import BeatSelection, Redraw, figure_png, new_figure, one_beat

#: ``fn(model, x, target, relu) -> maps (n, T)``.
MapFn = Callable[[nn.Module, torch.Tensor, Any, bool], torch.Tensor]
PREDICTED = -1  # value of the "predicted class" target option

__all__ = ["MapFn", "available_methods", "explorer"]


def _map_fn(name: str, options: dict[str, Any], relu_option: str | None) -> MapFn:
    from tscam.evaluate import attribute

    def fn(m: nn.Module, x: torch.Tensor, t: Any, r: bool) -> torch.Tensor:
        opts = dict(options, **({relu_option: r} if relu_option else {}))
        return attribute(m, x, name, t, **opts)

    return fn


def available_methods(model: nn.Module) -> dict[str, tuple[MapFn, bool]]:
    """The methods that apply to ``model``: ``{label: (fn, uses_relu)}``, read from the
    registry :mod:`tscam.methods`: every registered method with ``in_explorer`` whose
    ``applies(model)`` holds, with its explorer entries (CAM for conv nets only, Grad-CAM at each
    block ``block1``, ``block2``, ... of a conv net, LSTM Grad-CAM and its naive version for an
    LSTM, and any method registered since).
    """
    return {label: (fn, uses_relu) for label, (fn, uses_relu, _) in _entries(model).items()}


def _entries(model: nn.Module) -> dict[str, tuple[MapFn, bool, bool]]:
    """``{label: (fn, uses_relu, signed)}``: ``signed``, whether the maps can be negative with the
    ReLU off (or, for methods without a ReLU option, with their default options)."""
    methods: dict[str, tuple[MapFn, bool, bool]] = {}
    for entry in registry.registered():
        if not (entry.in_explorer and entry.applies(model)):
            continue
        uses_relu = entry.relu_option is not None
        for label, options in entry.explorer_entries(model).items():
            fn = _map_fn(entry.name, options, entry.relu_option)
            methods[label] = (fn, uses_relu, uses_relu or entry.signed)
    return methods


def _rate(beats: Any) -> str:
    """`` (360 Hz)``: the rate of the records ``sample`` counts in, when the beats say it."""
    fs = getattr(beats, "record_fs", None)
    return f" ({fs} Hz)" if fs else ""


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
    classes: Sequence[str] | None = None,
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
    classes = class_names_of(beats, classes)
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
    pick = BeatSelection(y, classes, PREDICTED)
    filter_dd, beat_sl = pick.filter, pick.slider
    image = w.Image(format="png")
    info = w.HTML()
    state: dict[str, Any] = {"methods": {}}

    def set_methods() -> None:
        state["methods"] = _entries(models[model_dd.value])
        labels = list(state["methods"])
        keep = method_dd.value if method_dd.value in labels else labels[0]
        method_dd.options = labels
        method_dd.value = keep
        relu_cb.disabled = not state["methods"][keep][1]

    def draw() -> None:
        idx, i = pick.current()
        model = models[model_dd.value]
        fn, uses_relu, can_be_signed = state["methods"][method_dd.value]
        relu_cb.disabled = not uses_relu
        x = torch.as_tensor(np.asarray(beats.x[i : i + 1], dtype=np.float32)).unsqueeze(1)
        prob = torch.softmax(predict_logits(model, one_beat(beats, i)), dim=1)[0]
        pred = int(prob.argmax())
        target = pred if target_dd.value == PREDICTED else int(target_dd.value)
        heat = fn(model, x, target, relu_cb.value)[0].detach().cpu().numpy()
        signed = can_be_signed and not (uses_relu and relu_cb.value)
        label = relevance_label(method_dd.value, classes[target], signed=signed)
        fig = new_figure(figsize)
        plot_beat_heatmap(
            beats.x[i],
            heat,
            t=beats,
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
            where = f"record {beats.record[i]}, sample {int(beats.sample[i]):,}{_rate(beats)}; "
        info.value = (
            f"<small>{html.escape(model_dd.value)} · {html.escape(method_dd.value)} · "
            f"{where}beat {beat_sl.value + 1} of {len(idx):,} shown "
            f"(index {i} in the set)</small>"
        )

    redraw = Redraw(draw, info, "choice")

    set_methods()
    model_dd.observe(redraw.after(set_methods), names="value")
    pick.connect(redraw)
    for c in (method_dd, target_dd, relu_cb):
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
