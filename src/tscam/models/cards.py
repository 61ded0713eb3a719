"""Model cards side by side: one Markdown table of the test metrics of several shipped models.

Used by chapter 2 to put the intra- and inter-patient results next to each other::

    from IPython.display import Markdown
    from tscam.models.cards import cards_table
    Markdown(cards_table(["fcn-inter", "fcn-intra"]))

Every number comes from the cards (``metrics``: the evaluation on the test part, done once
after training); nothing is recomputed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tscam.models.pretrained import model_card

__all__ = ["cards_table"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def cards_table(
    names: Sequence[str],
    classes: Sequence[str] = ("N", "S", "V", "F"),
    directory: Path | str | None = None,
) -> str:
    """A Markdown table with one column per model in ``names`` and one row per measure: the
    split, the number of test beats, accuracy, macro-F1, then the sensitivity (Se) and the
    positive predictive value (PPV) of each class in ``classes``, in percent ("n/a" where a
    ratio is undefined). ``directory`` is passed to :func:`model_card`."""
    if not names:
        raise ValueError("names must list at least one model, e.g. ['fcn-inter', 'fcn-intra'].")
    cards = {n: model_card(n, directory) for n in names}
    for n, card in cards.items():
        if not card.get("metrics"):
            raise ValueError(f"The card of {n!r} has no test metrics (trained without a test).")
        unknown = [c for c in classes if c not in card["metrics"]["per_class"]]
        if unknown:
            raise ValueError(
                f"The card of {n!r} has no classes {unknown}; it has {card['classes']}."
            )

    def metric(card: dict[str, Any], c: str, key: str) -> str:
        return _pct(card["metrics"]["per_class"][c][key])

    rows: list[tuple[str, list[str]]] = [
        ("split", [f"{c['data']['split']}-patient" for c in cards.values()]),
        ("test beats", [f"{c['metrics']['n']:,}" for c in cards.values()]),
        ("accuracy", [_pct(c["metrics"]["accuracy"]) for c in cards.values()]),
        ("macro-F1", [_pct(c["metrics"]["macro_f1"]) for c in cards.values()]),
    ]
    rows += [(f"Se {k}", [metric(c, k, "sensitivity") for c in cards.values()]) for k in classes]
    rows += [(f"PPV {k}", [metric(c, k, "ppv") for c in cards.values()]) for k in classes]
    lines = [
        "| | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---" + "|---:" * len(names) + "|",
    ]
    lines += [f"| {label} | " + " | ".join(values) + " |" for label, values in rows]
    return "\n".join(lines)
