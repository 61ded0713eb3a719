"""A model's answers and its training: a beat beside its class probabilities (softmax), and the
validation scores per epoch from a training history (e.g. a model card's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from tscam.contract import class_names_of
from tscam.plotting._base import as_1d, axes_or_new, root_figure, scaled
from tscam.plotting.beats import AMPLITUDE_LABEL, plot_beat
from tscam.plotting.colors import OKABE_ITO, class_colors

__all__ = ["plot_beat_prediction", "plot_training_history"]

#: Labels of the validation scores of ``tscam.train`` histories.
HISTORY_LABELS = {
    "val_accuracy": "validation accuracy",
    "val_macro_f1": "validation macro-F1",
    "val_selection_f1": "validation macro-F1 (N, S, V, F)",
}


def plot_beat_prediction(
    x: Any,
    probs: Any,
    axes: Any = None,
    *,
    true: int | str | None = None,
    classes: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str | None = AMPLITUDE_LABEL,
    t: Any = None,
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """A beat (left) and the model's class probabilities as horizontal bars (right).

    ``probs`` has one value per class (e.g. ``softmax(logits)`` of this beat), each in [0, 1].
    The predicted class (largest probability) is drawn in its class colour (``colors[name]``,
    else by class index, :func:`tscam.plotting.colors.class_colors`), the others in grey;
    ``true`` (index or name) is marked "true" beside its bar. The default title says the true
    and the predicted class. ``axes`` is a pair (beat axes, bar axes) or None for a new figure.
    ``t``: the time axis, or the beats ``x`` comes from (their time axis and, unless
    ``classes`` is given, their class names). Returns the figure.
    """
    p = as_1d(probs, "probs")
    classes = class_names_of(t, classes)
    k = len(classes)
    if p.shape[0] != k:
        raise ValueError(f"probs has {p.shape[0]} values but there are {k} classes {classes}.")
    if np.any(p < -1e-6) or np.any(p > 1 + 1e-6):
        raise ValueError(
            "probs must be probabilities in [0, 1]; apply softmax to the logits first "
            "(torch.softmax(logits, dim=1))."
        )
    ti = None if true is None else (classes.index(true) if isinstance(true, str) else int(true))
    if ti is not None and not 0 <= ti < k:
        raise ValueError(f"true={true!r} is not a class index 0..{k - 1} or a name in {classes}.")
    if axes is None:
        fig, axes = plt.subplots(
            1,
            2,
            figsize=scaled((8.0, 2.8)),
            width_ratios=(3.2, 1.0),
            layout="constrained",
        )
    ax_beat, ax_bar = list(np.ravel(axes))[:2]
    fig = root_figure(ax_beat)
    pred = int(np.argmax(p))
    if title is None:
        head = f"true {classes[ti]}, " if ti is not None else ""
        title = f"{head}predicted {classes[pred]} (p = {p[pred]:.2f})"
    plot_beat(x, ax=ax_beat, title=title, ylabel=ylabel, t=t)
    own = class_colors(classes, colors)
    bars = [own[c] if i == pred else "0.75" for i, c in enumerate(classes)]
    pos = np.arange(k)
    ax_bar.barh(pos, p, color=bars, height=0.7)
    ax_bar.set_yticks(pos, list(classes))
    ax_bar.invert_yaxis()
    ax_bar.set_xlim(0, 1.3)  # room for the values right of the bars
    ax_bar.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
    ax_bar.set_xlabel("probability")
    ax_bar.set_title("model output", fontsize="medium")
    for i, v in enumerate(p):
        ax_bar.text(v + 0.03, i, f"{v:.2f}", va="center", ha="left", fontsize="small")
    if ti is not None:
        ax_bar.set_yticks(pos, [f"{c} (true)" if i == ti else c for i, c in enumerate(classes)])
    return fig


def plot_training_history(
    history: Sequence[Mapping[str, float]],
    ax: Any = None,
    *,
    metrics: Sequence[str] = ("val_accuracy", "val_selection_f1"),
    best_epoch: int | None = None,
    title: str | None = None,
    loss: bool = False,
) -> Figure:
    """Validation scores per epoch from a training history (``TrainResult.history`` or a model
    card's ``card["training"]["history"]``: one dict per epoch with ``"epoch"`` and the scores),
    in percent; ``best_epoch`` (the epoch kept) is marked. ``loss=True`` adds the mean training
    loss of each epoch (``"loss"``) on a second y-axis, on the right. Returns the figure."""
    if not history:
        raise ValueError("history is empty: it needs one dict per epoch.")
    missing = [m for m in ("epoch", *metrics, *(("loss",) if loss else ())) if m not in history[0]]
    if missing:
        raise ValueError(f"history entries lack {missing}; they have {sorted(history[0])}.")
    fig, ax = axes_or_new(ax, figsize=(6.0, 3.2))
    epochs = np.array([h["epoch"] for h in history])
    colors = [OKABE_ITO[c] for c in ("blue", "vermillion", "bluish green", "reddish purple")]
    for j, m in enumerate(metrics):
        values = 100 * np.array([h[m] for h in history], dtype=float)
        ax.plot(
            epochs,
            values,
            marker="o",
            ms=3,
            color=colors[j % len(colors)],
            label=HISTORY_LABELS.get(m, m),
        )
    if best_epoch is not None:
        ax.axvline(best_epoch, color="0.35", ls=":", lw=1.0, label=f"epoch kept ({best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation score (%)")
    handles, labels = ax.get_legend_handles_labels()
    if loss:
        right = ax.twinx()
        right.plot(epochs, [h["loss"] for h in history], color="0.25", ls="--", lw=1.2,
                   label="training loss (right axis)")  # fmt: skip
        right.set_ylabel("training loss")
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.set_xticks(epochs if len(epochs) <= 12 else ax.get_xticks())
    ax.set_xlim(epochs.min() - 0.5, epochs.max() + 0.5)
    ax.legend(handles, labels, fontsize="small", loc="best", framealpha=0.85, edgecolor="none")
    if title:
        ax.set_title(title)
    return fig
