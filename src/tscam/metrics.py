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


def class_margin(logits: Any, k: int) -> np.ndarray:
    """The score of class ``k`` used for its precision-recall curve: its logit minus the largest
    logit of the other classes, ``y_k - max_{j != k} y_j``, one value per beat. A beat is
    predicted as ``k`` (argmax of the logits) exactly when its margin is above 0, so threshold 0
    is the model's own decision; a constant added to ``y_k`` (a logit offset) shifts every margin
    by that constant."""
    lg = np.asarray(logits, dtype=np.float64)
    if lg.ndim != 2 or lg.shape[1] < 2:
        raise ValueError(f"logits must have shape (n, n_classes >= 2); got {lg.shape}.")
    if not 0 <= k < lg.shape[1]:
        raise ValueError(f"class index k={k} is out of range for {lg.shape[1]} classes.")
    others = np.delete(lg, k, axis=1)
    return lg[:, k] - others.max(axis=1)


def precision_recall(scores: Any, positive: Any) -> dict[str, np.ndarray]:
    """Precision-recall curve of a score: for every threshold ``h`` among the distinct scores
    (largest first), the beats with ``score >= h`` are called positive; ``recall`` (sensitivity)
    = TP / all positives, ``precision`` (PPV) = TP / all called. Returns ``threshold``,
    ``precision`` and ``recall`` arrays of one length (recall rises along them)."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    pos = np.asarray(positive, dtype=bool).ravel()
    if s.shape != pos.shape:
        raise ValueError(f"scores {s.shape} and positive {pos.shape} differ in shape.")
    if not pos.any():
        raise ValueError("positive has no True entry: the recall of a curve needs positives.")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or inf.")
    order = np.argsort(-s, kind="stable")
    s, pos = s[order], pos[order]
    tp, called = np.cumsum(pos), np.arange(1, s.size + 1)
    last = np.r_[s[1:] != s[:-1], True]  # the last beat of each run of equal scores
    return {
        "threshold": s[last],
        "precision": tp[last] / called[last],
        "recall": tp[last] / pos.sum(),
    }


def recall_precision_at(scores: Any, positive: Any, threshold: float = 0.0) -> tuple[float, float]:
    """``(recall, precision)`` when the beats with ``score > threshold`` are called positive
    (with :func:`class_margin` and threshold 0: the model's argmax decision). Precision is
    ``nan`` when no beat is called."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    pos = np.asarray(positive, dtype=bool).ravel()
    if s.shape != pos.shape:
        raise ValueError(f"scores {s.shape} and positive {pos.shape} differ in shape.")
    called = s > threshold
    tp = int(np.sum(called & pos))
    return tp / max(int(pos.sum()), 1), (tp / int(called.sum()) if called.any() else float("nan"))


def class_by_record(
    y_true: Any, y_pred: Any, record: Any, k: int, min_beats: int = 1
) -> list[dict[str, Any]]:
    """Class ``k`` record by record: one row per record with at least ``min_beats`` beats of
    class ``k``, most such beats first: ``record``, ``beats`` (of class ``k``), ``found``
    (of them predicted ``k``), ``called`` (beats of any class predicted ``k``), ``sensitivity``
    (found / beats) and ``ppv`` (found / called; ``None`` when none is called)."""
    y, p, rec = (np.asarray(a).ravel() for a in (y_true, y_pred, record))
    if not y.shape == p.shape == rec.shape:
        raise ValueError("y_true, y_pred and record must have one entry per beat each.")
    rows = []
    for r in np.unique(rec):
        m = rec == r
        beats = int(np.sum(y[m] == k))
        if beats < min_beats:
            continue
        found = int(np.sum((y[m] == k) & (p[m] == k)))
        called = int(np.sum(p[m] == k))
        rows.append(
            {
                "record": r.item() if hasattr(r, "item") else r,
                "beats": beats,
                "found": found,
                "called": called,
                "sensitivity": found / beats,
                "ppv": _ratio(found, called),
            }
        )
    return sorted(rows, key=lambda row: (-row["beats"], str(row["record"])))
