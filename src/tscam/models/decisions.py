"""Decisions made on validation: the record-wise cross-validation results (:mod:`tscam.crossval`)
of recipes tried on DS1, kept with the package in ``weights/cv/NAME.json``.

A design is adopted or not from these numbers alone; the test patients (DS2) are never used
for it. ``fcn-inter`` is the shipped recipe (window + rhythm head), the run the shipped model
was trained from; ``fcn-inter-rerun`` the same recipe run again with a later version of the
package (how much one run varies); ``fcn-inter-dominant`` the same recipe with the patient's
dominant beat as two more input channels (:mod:`tscam.data.dominant`), on the same folds, not
adopted (chapter 2 shows why).

:func:`operating_point` reads what a recipe would ship: the pooled out-of-fold predictions at
its chosen epoch, with and without the logit offsets chosen on them; :func:`cv_table` puts
recipes side by side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tscam.models.cards import macro_f1_of
from tscam.models.pretrained import weights_dir

__all__ = ["cv_dir", "cv_result", "cv_table", "operating_point"]


def cv_dir() -> Path:
    """The folder of the stored cross-validation results."""
    return weights_dir() / "cv"


def cv_result(name: str, directory: str | Path | None = None) -> dict[str, Any]:
    """The stored cross-validation result ``NAME.json`` (the output of ``python -m
    tscam.crossval``). Raises ``FileNotFoundError`` naming the results that exist."""
    folder = Path(directory) if directory is not None else cv_dir()
    path = folder / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.json"))
        raise FileNotFoundError(f"No cross-validation result {name!r} in {folder}; known: {known}.")
    return json.loads(path.read_text())


def operating_point(result: dict[str, Any], classes: Sequence[str]) -> dict[str, Any]:
    """What a cross-validated recipe would ship, from its pooled out-of-fold predictions: the
    chosen epoch, macro-F1 over ``classes`` at that epoch without offsets (``selection_f1``, the
    selection score) and with the offsets (``operating_f1``, the operating point), the accuracy
    and the per-class sensitivity and PPV at the operating point, the per-class F1 without
    (``f1_selection``) and with the offsets (``f1``), and each fold's score at the chosen epoch
    (no offsets)."""
    at = result["pooled_report_offsets"]
    e = result["stop_after"] - 1
    return {
        "epoch": result["stop_after"],
        "epochs": result["epochs"],
        "offsets": list(result["offsets"]),
        "selection_f1": macro_f1_of(result["pooled_report"], classes),
        "operating_f1": macro_f1_of(at, classes),
        "accuracy": at["accuracy"],
        "per_class": {
            c: (at["per_class"][c]["sensitivity"], at["per_class"][c]["ppv"]) for c in classes
        },
        "f1_selection": {c: result["pooled_report"]["per_class"][c]["f1"] or 0.0 for c in classes},
        "f1": {c: at["per_class"][c]["f1"] or 0.0 for c in classes},
        "fold_scores": [f[e] for f in result["fold_score_per_epoch"]],
        "folds": [list(f) for f in result["folds"]],
        "n_beats": result["n_beats"],
    }


def cv_table(
    rows: Sequence[tuple[str, str]], classes: Sequence[str], directory: str | Path | None = None
) -> str:
    """A Markdown table of cross-validated recipes on the same folds, one row per
    ``(label, result name)``: epoch, selection score, the operating point (macro-F1, accuracy,
    Se / PPV per class) and the per-fold scores, in percent. Raises ``ValueError`` when the
    results were not computed on the same folds (they could not be compared)."""
    results = [(label, cv_result(name, directory)) for label, name in rows]
    folds = {json.dumps(r["folds"]) for _, r in results}
    if len(folds) > 1:
        raise ValueError(
            "These cross-validation results use different folds; compare like with like."
        )
    cs = list(classes)
    head = (
        ["input", "epoch", f"macro-F1 ({', '.join(cs)}), chosen epoch",
         "macro-F1 at the operating point", "accuracy at the operating point"]
        + [f"Se / PPV {c}" for c in cs]
        + ["per fold, chosen epoch"]
    )  # fmt: skip
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--"] + ["--:"] * (len(head) - 1)) + "|",
    ]
    for label, r in results:
        op = operating_point(r, cs)
        cells = [
            label,
            f"{op['epoch']} of {op['epochs']}",
            f"{100 * op['selection_f1']:.1f}",
            f"{100 * op['operating_f1']:.1f}",
            f"{100 * op['accuracy']:.1f}",
        ]
        for c in cs:
            se, ppv = op["per_class"][c]
            cells.append(f"{100 * se:.1f} / " + ("n/a" if ppv is None else f"{100 * ppv:.1f}"))
        cells.append(", ".join(f"{100 * v:.1f}" for v in op["fold_scores"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
