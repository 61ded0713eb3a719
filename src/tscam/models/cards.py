"""Model cards: the one module that owns their format.

A model ``NAME`` is three files: ``NAME.pt`` (the ``state_dict``), ``NAME.json`` (the card: model,
data, training settings and curves, validation and test metrics, the weights' SHA-256) and
``NAME.md`` (the same card as a readable page). :func:`write_model_files` writes the three
atomically (``tscam.train`` calls it), :func:`card_markdown` renders a card,
:func:`tscam.models.model_card` reads one, and :func:`cards_table` puts several side by side.

Used by chapter 2 to put the intra- and inter-patient results next to each other::

    from IPython.display import Markdown
    from tscam.models.cards import cards_table
    Markdown(cards_table(["fcn-inter", "fcn-intra"]))

Every number comes from the cards (``metrics``: the evaluation on the test part, done once
after training); nothing is recomputed here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tscam.models.pretrained import model_card

__all__ = [
    "ablation_table",
    "card_markdown",
    "cards_table",
    "comparison_table",
    "macro_f1_of",
    "majority_baseline",
    "scored_classes",
    "write_model_files",
]

#: A class with fewer test beats than this is left out of a card's summary macro-F1 (its F1
#: would swing with a handful of beats); training selects its epoch by the same rule.
MIN_SCORED_SUPPORT = 20


def scored_classes(card: dict[str, Any], min_support: int = MIN_SCORED_SUPPORT) -> list[str]:
    """The classes a card's summary macro-F1 is taken over: ``card["scored_classes"]`` if the
    card names them, else the card's classes (``card["classes"]``) with at least
    ``min_support`` beats in its test metrics (all of them when it has no test metrics)."""
    if card.get("scored_classes"):
        return list(card["scored_classes"])
    per = (card.get("metrics") or {}).get("per_class")
    if not per:
        return list(card["classes"])
    return [c for c in card["classes"] if per[c]["support"] >= min_support]


def _over(report: dict[str, Any], min_support: int = MIN_SCORED_SUPPORT) -> str:
    """``"N, S, V"``: the classes of a report with at least ``min_support`` beats."""
    return ", ".join(c for c, v in report["per_class"].items() if v["support"] >= min_support)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these files are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def card_markdown(card: dict[str, Any]) -> str:
    """The model card as a readable Markdown page."""
    m = card.get("metrics")
    pct = lambda v: "n/a" if v is None else f"{100 * v:.2f}"  # noqa: E731
    tr = card["training"]
    lines = [
        f"# Model card: `{card['name']}`",
        "",
        f"{card['description']}",
        "",
        "| | |",
        "|---|---|",
        f"| architecture | `{card['architecture']}` {json.dumps(card['config'])} |",
        f"| parameters | {card['n_parameters']:,} |",
        f"| data | {card['data']['database']}, lead {card['data']['lead']} |",
        f"| split | {card['data']['split']}: {card['data']['split_description']} |",
        f"| preprocessing | {card['data']['preprocessing']} |",
        f"| classes | {', '.join(card['classes'])} (AAMI EC57) |",
        f"| train / val / test beats | {tr['n_train']:,} / {tr['n_val']:,} / "
        f"{m['n'] if m else 0:,} |",
        (
            f"| epochs (schedule; trained) | {tr['epochs']}; {tr['best_epoch']} (chosen by "
            "cross-validation) |"
            if card.get("cross_validation")
            else f"| epochs (schedule; trained) | {tr['epochs']}; {tr['best_epoch']} (fixed "
            "beforehand, no validation part) |"
            if not tr.get("n_val")
            else f"| epochs (best on validation) | {tr['epochs']} ({tr['best_epoch']}) |"
        ),
        f"| batch size, learning rate, seed | {tr['batch_size']}, {tr['lr']}, {tr['seed']} |",
        f"| class weights ({' '.join(card['classes'])}) | {tr['class_weights']} |",
        f"| sampling | {tr.get('sampling', 'every beat, every epoch')}; "
        f"{tr.get('beats_per_epoch', tr['n_train']):,} beats per epoch |",
        f"| wall time, hardware | {tr['wall_time_s']:.0f} s on {tr['hardware']} "
        f"(torch {tr['torch']}) |",
        f"| weights | `{card['weights_file']}`, SHA-256 `{card['sha256']}` |",
    ]
    history = tr.get("history") or []
    cv = card.get("cross_validation")
    if cv:
        lines += [
            "",
            "## Cross-validation on DS1",
            "",
            f"{cv['k']} folds of whole records ({'; '.join(', '.join(f) for f in cv['folds'])}). "
            f"Pooled out-of-fold macro-F1 over {_over(card['val_metrics'])} after each of the "
            f"{cv['epochs']} "
            "epochs (%): "
            + ", ".join(f"{100 * v:.1f}" for v in cv["pooled_score_per_epoch"])
            + f". Kept: {cv['stop_after']} epochs; logit offsets {cv['offsets']}.",
        ]
    if history and "val_accuracy" not in history[0]:
        lines += [
            "",
            "## Training history",
            "",
            "Mean training loss of each epoch (trained on all DS1 records: no validation part).",
            "",
            "| epoch | training loss | elapsed (s) |",
            "|---:|---:|---:|",
        ]
        lines += [
            f"| {h['epoch']} | {h['loss']:.4f} | {h.get('elapsed_s', float('nan')):.0f} |"
            for h in history
        ]
    elif history:
        lines += [
            "",
            "## Training history",
            "",
            "Mean training loss of each epoch and the scores on the validation part after it "
            "(the epoch kept is the one with the best selection macro-F1).",
            "",
            "| epoch | training loss | val accuracy (%) | val macro-F1, selection (%) "
            "| elapsed (s) |",
            "|---:|---:|---:|---:|---:|",
        ]
        for h in history:
            kept = " (kept)" if h["epoch"] == tr["best_epoch"] else ""
            lines.append(
                f"| {h['epoch']}{kept} | {h['loss']:.4f} | {pct(h['val_accuracy'])} | "
                f"{pct(h.get('val_selection_f1', h['val_macro_f1']))} | "
                f"{h.get('elapsed_s', float('nan')):.0f} |"
            )
    notes = card.get("notes") or []
    if notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    if not m:
        return "\n".join([*lines, "", "Not evaluated on the test part yet.", ""])
    lines += [
        "",
        f"## Test metrics ({card['data']['test_description']})",
        "",
        f"Accuracy **{pct(m['accuracy'])} %**, macro-F1 over {', '.join(scored_classes(card))} "
        f"**{pct(macro_f1_of(m, scored_classes(card)))} %** (over all "
        f"{len(m['per_class'])} classes, as in the `macro_f1` field: {pct(m['macro_f1'])} %).",
        "",
        "| class | support | sensitivity (%) | PPV (%) |",
        "|---|---:|---:|---:|",
    ]
    for c, v in m["per_class"].items():
        lines.append(f"| {c} | {v['support']:,} | {pct(v['sensitivity'])} | {pct(v['ppv'])} |")
    lines += ["", "Confusion matrix (rows: true class, columns: predicted class):", ""]
    lines.append("| | " + " | ".join(card["classes"]) + " |")
    lines.append("|---" * (len(card["classes"]) + 1) + "|")
    for c, row in zip(card["classes"], m["confusion"], strict=True):
        lines.append(f"| **{c}** | " + " | ".join(f"{v:,}" for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_model_files(
    directory: Path | str, name: str, weights: bytes, card: dict[str, Any]
) -> None:
    """Write ``NAME.pt``, ``NAME.json`` and ``NAME.md`` into ``directory``, each atomically
    (a crash leaves the old file or the new one, never half of one)."""
    directory = Path(directory)
    _atomic_write_bytes(directory / f"{name}.pt", weights)
    _atomic_write_bytes(directory / f"{name}.json", (json.dumps(card, indent=1) + "\n").encode())
    _atomic_write_bytes(directory / f"{name}.md", card_markdown(card).encode())


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def cards_table(
    names: Sequence[str],
    classes: Sequence[str] | None = None,
    directory: Path | str | None = None,
) -> str:
    """A Markdown table with one column per model in ``names`` and one row per measure: the
    split, the number of test beats, accuracy, macro-F1 (over the first card's
    :func:`scored_classes` among ``classes``, named in the row), then the sensitivity (Se) and
    the positive predictive value (PPV) of each class in ``classes`` (default: the first card's
    ``classes``), in percent ("n/a" where a ratio is undefined). ``directory`` is passed to
    :func:`model_card`."""
    if not names:
        raise ValueError("names must list at least one model, e.g. ['fcn-inter', 'fcn-intra'].")
    cards = {n: model_card(n, directory) for n in names}
    classes = list(next(iter(cards.values()))["classes"]) if classes is None else list(classes)
    for n, card in cards.items():
        if not card.get("metrics"):
            raise ValueError(f"The card of {n!r} has no test metrics (trained without a test).")
        unknown = [c for c in classes if c not in card["metrics"]["per_class"]]
        if unknown:
            raise ValueError(
                f"The card of {n!r} has no classes {unknown}; it has {card['classes']}."
            )

    first = next(iter(cards.values()))
    scored = [c for c in scored_classes(first) if c in classes] or classes

    def metric(card: dict[str, Any], c: str, key: str) -> str:
        return _pct(card["metrics"]["per_class"][c][key])

    rows: list[tuple[str, list[str]]] = [
        ("split", [f"{c['data']['split']}-patient" for c in cards.values()]),
        ("test beats", [f"{c['metrics']['n']:,}" for c in cards.values()]),
        ("accuracy", [_pct(c["metrics"]["accuracy"]) for c in cards.values()]),
        (
            f"macro-F1 ({', '.join(scored)})",
            [_pct(macro_f1_of(c["metrics"], scored)) for c in cards.values()],
        ),
    ]
    rows += [(f"Se {k}", [metric(c, k, "sensitivity") for c in cards.values()]) for k in classes]
    rows += [(f"PPV {k}", [metric(c, k, "ppv") for c in cards.values()]) for k in classes]
    lines = [
        "| | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---" + "|---:" * len(names) + "|",
    ]
    lines += [f"| {label} | " + " | ".join(values) + " |" for label, values in rows]
    return "\n".join(lines)


def _f1(se: float | str | None, ppv: float | str | None) -> float | None:
    if se is None or ppv is None:
        return None
    se, ppv = float(se), float(ppv)
    return 0.0 if se + ppv == 0 else 2 * se * ppv / (se + ppv)


def macro_f1_of(metrics: dict[str, Any], classes: Sequence[str]) -> float:
    """Mean F1 (fraction) over ``classes`` of a card's metrics; a class with an undefined F1
    (no beat predicted, none present) counts as 0."""
    return sum(metrics["per_class"][c]["f1"] or 0.0 for c in classes) / len(classes)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/r" if value is None else f"{value:.{digits}f}"


def majority_baseline(card: dict[str, Any], classes: Sequence[str] | None = None) -> dict[str, Any]:
    """Metrics (percent) of a classifier that answers the most frequent class for every beat of
    the test part described by ``card`` (class counts from its test metrics): Se and PPV of
    each class in ``classes`` (default: the card's ``classes``) and the macro-F1 over them."""
    classes = list(card["classes"]) if classes is None else list(classes)
    per = card["metrics"]["per_class"]
    n = card["metrics"]["n"]
    top = max(per, key=lambda c: per[c]["support"])
    share = 100 * per[top]["support"] / n
    se = {c: (100.0 if c == top else 0.0) for c in classes}
    ppv = {c: (share if c == top else None) for c in classes}
    f1 = [(_f1(se[c], ppv[c]) or 0.0) for c in classes]
    return {"accuracy": share, "se": se, "ppv": ppv, "macro_f1": sum(f1) / len(f1), "class": top}


def comparison_table(
    names: Sequence[str],
    published: Sequence[Any] = (),
    classes: Sequence[str] | None = None,
    directory: Path | str | None = None,
) -> str:
    """A Markdown table, one row per model: the majority-class baseline on the test part of the
    first card, the shipped models in ``names`` (their cards' test metrics), then the
    ``published`` results the caller passes (objects with ``label``, ``cite``, ``accuracy`` and
    ``se`` / ``ppv`` dicts by class name, such as :class:`tscam.data.published.PublishedResult`,
    as published).

    Columns: accuracy, macro-F1 over ``classes`` (default: the first card's ``classes``; for
    published rows computed from their Se and
    PPV where the paper gives all of them, else "n/r": not reported), and Se / PPV of each class,
    all in percent; "n/a" marks a PPV that is undefined (no beat called that class). Every row
    of the shipped models must come from the same split."""
    if not names:
        raise ValueError("names must list at least one shipped model, e.g. ['fcn-inter'].")
    cards = [model_card(n, directory) for n in names]
    classes = list(cards[0]["classes"]) if classes is None else list(classes)
    splits = {c["data"]["split"] for c in cards}
    if len(splits) != 1:
        raise ValueError(f"all models must come from one split; got {sorted(splits)}.")
    if any(not c.get("metrics") for c in cards):
        raise ValueError("every card needs test metrics; evaluate the model on its test part.")
    header = ["model", "accuracy", f"macro-F1 ({', '.join(classes)})"]
    header += [f"{k} {c}" for c in classes for k in ("Se", "PPV")]
    rows = []
    base = majority_baseline(cards[0], classes)
    rows.append(
        [f"always {base['class']} (majority baseline)", _fmt(base["accuracy"]),
         _fmt(base["macro_f1"])]
        + [v for c in classes
           for v in (_fmt(base["se"][c]),
                     "n/a" if base["ppv"][c] is None else _fmt(base["ppv"][c]))]
    )  # fmt: skip
    for name, card in zip(names, cards, strict=True):
        m = card["metrics"]
        per = m["per_class"]
        pct = [
            None if per[c][k] is None else 100 * per[c][k]
            for c in classes
            for k in ("sensitivity", "ppv")
        ]
        rows.append(
            [
                f"`{name}` (this course)",
                _fmt(100 * m["accuracy"]),
                _fmt(100 * macro_f1_of(m, classes)),
            ]
            + ["n/a" if v is None else _fmt(v) for v in pct]
        )
    for p in published:
        f1s = [_f1(p.se.get(c), p.ppv.get(c)) for c in classes]
        macro = None if any(v is None for v in f1s) else sum(f1s) / len(f1s)
        rows.append(
            [f"{p.label} {{cite}}`{p.cite}`", p.accuracy or "n/r", _fmt(macro)]
            + [v or "n/r" for c in classes for v in (p.se.get(c), p.ppv.get(c))]
        )
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ablation_table(
    rows: Sequence[tuple[str, str]],
    classes: Sequence[str],
    directory: Path | str | None = None,
) -> str:
    """A Markdown ablation table from model cards: one row per ``(label, model name)`` in
    ``rows`` (e.g. ``[("window only", "fcn-inter-beat"), ("window + rhythm", "fcn-inter")]``),
    columns accuracy, Se and PPV of each class in ``classes`` and the macro-F1 over ``classes``
    (percent, one decimal; "n/a" for an undefined PPV), from each card's test metrics. Every
    model must come from the same split and be tested on the same number of beats (one test
    part), or a ``ValueError`` says which differs."""
    if not rows:
        raise ValueError("rows must list at least one (label, model name) pair.")
    classes = list(classes)
    if not classes:
        raise ValueError("classes must name at least one class, e.g. SCORED_CLASSES.")
    cards = [(label, name, model_card(name, directory)) for label, name in rows]
    for _, name, card in cards:
        if not card.get("metrics"):
            raise ValueError(f"The card of {name!r} has no test metrics (trained without a test).")
        missing = [c for c in classes if c not in card["metrics"]["per_class"]]
        if missing:
            raise ValueError(f"The card of {name!r} has no classes {missing}.")
    tested = {(c["data"]["split"], c["metrics"]["n"]) for _, _, c in cards}
    if len(tested) != 1:
        raise ValueError(
            "an ablation compares models on one test part; these cards differ in split or "
            f"number of test beats: {sorted(tested)}."
        )
    header = ["input", "model", "accuracy"]
    header += [f"{k} {c}" for c in classes for k in ("Se", "PPV")]
    header += [f"macro-F1 ({', '.join(classes)})"]
    lines = ["| " + " | ".join(header) + " |", "|---|---" + "|---:" * (len(header) - 2) + "|"]
    for label, name, card in cards:
        m = card["metrics"]
        per = m["per_class"]
        cells = [label, f"`{name}`", _fmt(100 * m["accuracy"])]
        for c in classes:
            for key in ("sensitivity", "ppv"):
                v = per[c][key]
                cells.append("n/a" if v is None else _fmt(100 * v))
        cells.append(_fmt(100 * macro_f1_of(m, classes)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
