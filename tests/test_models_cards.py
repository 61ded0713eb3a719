"""tscam.models.cards.cards_table: the numbers of the table are those of the cards."""

from __future__ import annotations

import json

import pytest

from tscam.models.cards import cards_table


def _card(name: str, split: str, se_s: float | None, n: int) -> dict:
    per_class = {c: {"sensitivity": 0.9, "ppv": 0.8, "f1": 0.85, "support": 10} for c in "NSVFQ"}
    per_class["S"]["sensitivity"] = se_s
    return {
        "name": name,
        "classes": list("NSVFQ"),
        "data": {"split": split},
        "metrics": {"accuracy": 0.9876, "macro_f1": 0.5, "per_class": per_class, "n": n},
    }


@pytest.fixture
def cards_dir(tmp_path):
    for card in (_card("a-inter", "inter", 0.25, 49_673), _card("a-intra", "intra", None, 20_130)):
        (tmp_path / f"{card['name']}.json").write_text(json.dumps(card))
    return tmp_path


def test_table_has_one_column_per_model_and_the_cards_numbers(cards_dir):
    table = cards_table(["a-inter", "a-intra"], directory=cards_dir)
    lines = table.splitlines()
    assert lines[0] == "| | `a-inter` | `a-intra` |"
    assert lines[1] == "|---|---:|---:|"
    rows = {line.split(" | ")[0].strip("| "): line for line in lines[2:]}
    assert rows["split"] == "| split | inter-patient | intra-patient |"
    assert rows["test beats"] == "| test beats | 49,673 | 20,130 |"
    assert rows["accuracy"] == "| accuracy | 98.8 % | 98.8 % |"
    assert rows["Se S"] == "| Se S | 25.0 % | n/a |"
    assert rows["PPV F"] == "| PPV F | 80.0 % | 80.0 % |"
    assert "Se Q" not in rows  # default classes: N, S, V, F
    assert len(lines) == 2 + 4 + 2 * 4


def test_table_rejects_bad_requests(cards_dir):
    with pytest.raises(ValueError, match="at least one"):
        cards_table([], directory=cards_dir)
    with pytest.raises(ValueError, match="No pretrained model"):
        cards_table(["nope"], directory=cards_dir)
    with pytest.raises(ValueError, match="no classes"):
        cards_table(["a-inter"], classes=("X",), directory=cards_dir)
