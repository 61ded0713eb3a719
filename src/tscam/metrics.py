"""Classification metrics reported the way heartbeat classification reports them (AAMI EC57):
per-class sensitivity and positive predictive value, with accuracy, macro-F1 and the confusion
matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tscam.contract import class_names_of


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of beats of true class i predicted as class j."""
    y_true, y_pred = np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape.")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes**2).reshape(
        n_classes, n_classes
    )


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str] | None = None
) -> dict[str, Any]:
    """All metrics of the course in one dict.

    ``classes`` names the class indices of the labels (e.g. ``beats.class_names``); required,
    since label arrays do not carry their class names.

    - ``accuracy``: fraction of beats classified correctly.
    - ``per_class[c]``: ``sensitivity`` (recall, TP / (TP + FN)), ``ppv`` (precision,
      TP / (TP + FP)), ``f1`` and ``support``; a ratio with a zero denominator is ``None``.
    - ``macro_f1``: mean F1 over the classes that occur in ``y_true`` (a class with no true
      beats, such as Q in some splits, would otherwise count as 0 or be undefined).
    - ``confusion``: rows true class, columns predicted class (list of lists).
    """
    classes = class_names_of(y_true, classes)
    k = len(classes)
    cm = confusion_matrix(y_true, y_pred, k)
    tp = np.diag(cm).astype(float)
    per_class: dict[str, dict[str, Any]] = {}
    f1s = []
    for i, c in enumerate(classes):
        support = int(cm[i].sum())
        se = _ratio(tp[i], cm[i].sum())
        ppv = _ratio(tp[i], cm[:, i].sum())
        f1 = _ratio(2 * tp[i], cm[i].sum() + cm[:, i].sum())
        per_class[c] = {"sensitivity": se, "ppv": ppv, "f1": f1, "support": support}
        if support > 0:
            f1s.append(f1 or 0.0)
    n = int(cm.sum())
    return {
        "accuracy": float(tp.sum() / n) if n else None,
        "macro_f1": float(np.mean(f1s)) if f1s else None,
        "per_class": per_class,
        "confusion": cm.tolist(),
        "classes": list(classes),
        "n": n,
    }


def format_report(report: dict[str, Any]) -> str:
    """A small plain-text table of a report (for logs and model cards)."""
    pct = lambda v: "  n/a" if v is None else f"{100 * v:5.1f}"  # noqa: E731
    lines = [f"accuracy {pct(report['accuracy'])} %   macro-F1 {pct(report['macro_f1'])} %"]
    lines.append("class  support   Se %   PPV %")
    for c, m in report["per_class"].items():
        lines.append(f"{c:>5}  {m['support']:7d}  {pct(m['sensitivity'])}  {pct(m['ppv'])}")
    return "\n".join(lines)
