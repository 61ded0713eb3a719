"""Record-wise cross-validation on DS1: the epoch count and the operating point of a recipe.

``python -m tscam.crossval --model fcn --rhythm --out cv-fcn.json`` splits the 22 DS1 records
into folds of whole records (:func:`record_folds`), trains one model per fold on the other
folds and keeps its logits on the held-out records after every epoch. The held-out logits of
all folds together (every DS1 beat predicted by a model that never saw its patient) give, per
epoch, one pooled score: macro-F1 over the classes with at least ``min_support`` beats (N, S,
V and F; pooled, F has about 400 beats from several records, not the few dozen of one
validation set). The recipe's epoch count is the best pooled epoch; its operating point is a
logit offset per class (:func:`choose_offsets`), chosen on the same pooled logits. The final
model is then trained on all DS1 records with that recipe (``python -m tscam.train --refit
--cv cv-fcn.json``) and the test records (DS2) are used once, at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tscam.data import (
    BEAT_SPEC,
    CLASSES,
    DEFAULT_SPEC,
    DS1,
    RHYTHM_INPUTS,
    Beats,
    WindowSpec,
    concat_beats,
    load_beats,
)
from tscam.metrics import classification_report

__all__ = ["choose_offsets", "cross_validate", "ds1_beats", "pooled_score", "record_folds"]


def record_folds(beats: Beats, k: int = 4) -> list[tuple[str, ...]]:
    """``k`` folds of whole records, dealt so that each holds a share of every rare class:
    records sorted by their S, then V, then F beats, dealt in a snake order (1..k, k..1, ...)."""
    records = sorted(set(beats.record.tolist()))
    if not 2 <= k <= len(records):
        raise ValueError(
            f"k must be between 2 and the number of records ({len(records)}); got {k}."
        )
    counts = {r: np.bincount(beats.y[beats.record == r], minlength=len(CLASSES)) for r in records}
    order = sorted(records, key=lambda r: (-counts[r][1], -counts[r][2], -counts[r][3], r))
    folds: list[list[str]] = [[] for _ in range(k)]
    for i, r in enumerate(order):
        lap, pos = divmod(i, k)
        folds[pos if lap % 2 == 0 else k - 1 - pos].append(r)
    return [tuple(sorted(f)) for f in folds]


def pooled_score(logits: np.ndarray, y: np.ndarray, min_support: int = 20) -> float:
    """Macro-F1 of ``argmax(logits)`` over the classes with at least ``min_support`` beats."""
    lg = np.asarray(logits)
    report = classification_report(y, lg.argmax(1), [str(c) for c in range(lg.shape[1])])
    f1 = [m["f1"] or 0.0 for m in report["per_class"].values() if m["support"] >= min_support]
    return float(np.mean(f1)) if f1 else 0.0


def choose_offsets(
    logits: np.ndarray,
    y: np.ndarray,
    grid: Sequence[float] = tuple(np.round(np.arange(-3.0, 3.01, 0.25), 2)),
    rounds: int = 2,
    min_support: int = 20,
) -> np.ndarray:
    """Offsets added to the logits (0 for class 0, N) that maximise :func:`pooled_score`,
    one class at a time over ``grid``, ``rounds`` times (coordinate ascent from 0)."""
    logits = np.asarray(logits, dtype=np.float64)
    k = logits.shape[1]
    counts = np.bincount(y, minlength=k)
    off = np.zeros(k)
    for _ in range(rounds):
        for c in range(1, k):
            if counts[c] < min_support:
                continue
            scores = []
            for g in grid:
                trial = off.copy()
                trial[c] = g
                scores.append(pooled_score(logits + trial, y, min_support))
            off[c] = grid[int(np.argmax(scores))]
    return off


def ds1_beats(spec: WindowSpec = DEFAULT_SPEC, data_dir: str | Path | None = None) -> Beats:
    """Every beat of the 22 DS1 records (the inter-patient training and validation parts)."""
    beats = concat_beats(
        [load_beats("inter", part, data_dir, spec=spec) for part in ("train", "val")]
    )
    assert set(beats.record.tolist()) <= set(DS1)
    return beats


def cross_validate(
    model: str = "fcn",
    k: int = 4,
    spec: WindowSpec = BEAT_SPEC,
    rhythm: bool = True,
    epochs: int | None = None,
    data_dir: str | Path | None = None,
    template: bool = False,
    progress: bool = True,
    max_train_beats: int | None = None,
    **recipe: Any,
) -> dict[str, Any]:
    """Run the record-wise cross-validation of one recipe (see the module docstring).

    ``recipe`` takes the keyword options of :func:`tscam.train.fit` (``batch_size``, ``lr``,
    ``weight_power``, ``label_smoothing``, ``seed``, ...). Returns a JSON-ready dict: the folds,
    the pooled score per epoch, the chosen ``stop_after`` epoch and ``offsets``, the pooled
    report at that epoch with and without the offsets, and the wall time."""
    from tscam.train import DEFAULTS, _subsample, fit

    d = DEFAULTS[model]
    epochs = epochs or d["epochs"]
    recipe.setdefault("batch_size", d["batch_size"])
    recipe.setdefault("lr", d["lr"])
    config: dict[str, Any] = dict(recipe.pop("model_config", None) or {})
    if model == "lstm":
        config.setdefault("segment_length", spec.length // config.get("n_segments", 11))
    if rhythm:
        config.setdefault("n_rhythm", len(RHYTHM_INPUTS))
    if template:
        config["in_channels"] = 3
    beats = ds1_beats(spec, data_dir)
    if template:  # each record's dominant beat, from its own beats (no labels)
        beats = beats.with_template()
    folds = record_folds(beats, k)
    t0 = time.perf_counter()
    oof = np.zeros((epochs, len(beats), len(CLASSES)), dtype=np.float32)
    ran = epochs
    fold_scores = []
    for i, held in enumerate(folds):
        test = np.isin(beats.record, held)
        train_b = _subsample(beats.subset(~test), max_train_beats, recipe.get("seed", 0))
        out = fit(
            model, train_b, beats.subset(test), epochs=epochs, model_config=config,
            progress=progress, select=False, desc=f"{model} fold {i + 1}/{k}", **recipe,
        )  # fmt: skip
        ran = min(ran, len(out["val_logits"]))
        for e, lg in enumerate(out["val_logits"]):
            oof[e, test] = lg
        fold_scores.append([pooled_score(lg, beats.y[test]) for lg in out["val_logits"]])
    scores = [pooled_score(oof[e], beats.y) for e in range(ran)]
    best = int(np.argmax(scores))
    offsets = choose_offsets(oof[best], beats.y)
    return {
        "model": model,
        "rhythm": rhythm,
        "template": template,
        "window": {"length": spec.length, "r_index": spec.r_index, "masked": spec.mask_previous},
        "k": k,
        "folds": [list(f) for f in folds],
        "epochs": epochs,
        "recipe": {kk: v for kk, v in recipe.items() if kk != "progress"},
        "model_config": config,
        "pooled_score_per_epoch": [round(v, 5) for v in scores],
        "fold_score_per_epoch": [[round(v, 5) for v in f] for f in fold_scores],
        "stop_after": best + 1,
        "offsets": [round(float(v), 4) for v in offsets],
        "pooled_report": classification_report(beats.y, oof[best].argmax(1), beats.class_names),
        "pooled_report_offsets": classification_report(
            beats.y, (oof[best] + offsets).argmax(1), beats.class_names
        ),
        "n_beats": len(beats),
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tscam.crossval", description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=("fcn", "lstm"), default="fcn")
    p.add_argument("--folds", type=int, default=4)
    p.add_argument("--window", choices=("beat", "masked"), default="beat")
    p.add_argument("--no-rhythm", action="store_true", help="the window only, no rhythm head")
    p.add_argument("--epochs", type=int)
    p.add_argument(
        "--template", action="store_true",
        help="three input channels: the beat, its record's dominant beat and their difference",
    )  # fmt: skip
    p.add_argument("--weight-power", type=float, default=0.5)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int)
    p.add_argument("--max-train-beats", type=int, help="train on a random subset (quick runs)")
    p.add_argument("--data-dir")
    p.add_argument("--out", required=True, help="JSON file for the result")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    import torch

    if a.threads:
        torch.set_num_threads(a.threads)
    from tscam.data import MASKED_SPEC

    res = cross_validate(
        a.model, a.folds, BEAT_SPEC if a.window == "beat" else MASKED_SPEC, not a.no_rhythm,
        a.epochs, a.data_dir, a.template, progress=not a.no_progress,
        max_train_beats=a.max_train_beats,
        weight_power=a.weight_power, label_smoothing=a.label_smoothing, seed=a.seed,
    )  # fmt: skip
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    print(
        f"stop after epoch {res['stop_after']}, offsets {res['offsets']}, pooled macro-F1 "
        f"{max(res['pooled_score_per_epoch']):.4f} ({res['wall_time_s']:.0f} s) -> {a.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
