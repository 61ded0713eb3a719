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
    assert rows["Se Q"] == "| Se Q | 90.0 % | 90.0 % |"  # default: the card's own classes
    assert len(lines) == 2 + 4 + 2 * 5
    chosen = cards_table(["a-inter"], classes=("N", "S"), directory=cards_dir).splitlines()
    assert [r.split(" | ")[0].strip("| ") for r in chosen[6:]] == ["Se N", "Se S", "PPV N", "PPV S"]


def test_table_rejects_bad_requests(cards_dir):
    with pytest.raises(ValueError, match="at least one"):
        cards_table([], directory=cards_dir)
    with pytest.raises(ValueError, match="No pretrained model"):
        cards_table(["nope"], directory=cards_dir)
    with pytest.raises(ValueError, match="no classes"):
        cards_table(["a-inter"], classes=("X",), directory=cards_dir)


def _counted_card(name: str, split: str) -> dict:
    """A card whose confusion matrix fixes the class counts: N 80, S 10, V 8, F 2, Q 0."""
    per_class = {
        "N": {"sensitivity": 0.95, "ppv": 0.9, "f1": 0.924, "support": 80},
        "S": {"sensitivity": 0.5, "ppv": 0.25, "f1": 1 / 3, "support": 10},
        "V": {"sensitivity": 0.875, "ppv": 0.7, "f1": 0.7778, "support": 8},
        "F": {"sensitivity": 0.0, "ppv": None, "f1": None, "support": 2},
        "Q": {"sensitivity": None, "ppv": None, "f1": None, "support": 0},
    }
    return {
        "name": name,
        "classes": list("NSVFQ"),
        "data": {"split": split},
        "metrics": {"accuracy": 0.88, "macro_f1": 0.5, "per_class": per_class, "n": 100},
    }


def test_comparison_table_baseline_models_and_published_rows(tmp_path):
    from tscam.data.published import SCORED_CLASSES, PublishedResult, published_results
    from tscam.models.cards import comparison_table, majority_baseline

    for name, split in (("m-inter", "inter"), ("m-intra", "intra")):
        (tmp_path / f"{name}.json").write_text(json.dumps(_counted_card(name, split)))
    base = majority_baseline(_counted_card("x", "inter"), SCORED_CLASSES)
    # always N: accuracy 80 %, N Se 100 / PPV 80, F1_N = 2 * 80 / 180; macro over N S V F
    assert base["accuracy"] == pytest.approx(80.0)
    assert base["macro_f1"] == pytest.approx(100 * (2 * 0.8 / 1.8) / 4)
    paper = PublishedResult(
        "Paper 2000", "paper2000", "inter", "91",
        se={"N": "90", "S": "80", "V": "70", "F": "60"},
        ppv={"N": "99.0", "S": "40", "V": "70", "F": "10"},
    )  # fmt: skip
    table = comparison_table(["m-inter"], [paper], SCORED_CLASSES, tmp_path).splitlines()
    assert table[0].startswith("| model | accuracy | macro-F1 (N, S, V, F) | Se N | PPV N |")
    assert table[2] == (
        "| always N (majority baseline) | 80.0 | 22.2 | 100.0 | 80.0 | 0.0 | n/a | 0.0 | n/a "
        "| 0.0 | n/a |"
    )
    # the model row: card numbers in percent; macro-F1 over N, S, V, F (F's undefined F1 is 0);
    # an undefined PPV is n/a (not applicable), not n/r (not reported)
    macro = 100 * (0.924 + 1 / 3 + 0.7778 + 0) / 4
    assert table[3] == (
        f"| `m-inter` (this course) | 88.0 | {macro:.1f} | 95.0 | 90.0 | 50.0 | 25.0 | 87.5 | "
        "70.0 | 0.0 | n/a |"
    )
    # published numbers appear exactly as published (precision kept), F1 computed from Se/PPV
    f1 = [2 * a * b / (a + b) for a, b in ((90, 99), (80, 40), (70, 70), (60, 10))]
    assert table[4] == (
        f"| Paper 2000 {{cite}}`paper2000` | 91 | {sum(f1) / 4:.1f} | 90 | 99.0 | 80 | 40 | 70 "
        "| 70 | 60 | 10 |"
    )
    # without classes: the card's own (Q too, whose undefined PPV is n/a)
    whole = comparison_table(["m-inter"], directory=tmp_path).splitlines()
    assert whole[0].startswith("| model | accuracy | macro-F1 (N, S, V, F, Q) |")
    assert len(whole) == 4
    with pytest.raises(ValueError, match="one split"):
        comparison_table(["m-inter", "m-intra"], directory=tmp_path)
    with pytest.raises(ValueError, match="split must be"):
        published_results("both")
    # the shipped list: de Chazal and at least two later inter-patient results, with sources
    inter = published_results("inter")
    assert inter[0].cite == "dechazal2004" and len(inter) >= 3
    assert all(p.source and p.protocol for p in published_results("intra") + inter)


def test_scored_classes_come_from_the_card():
    from tscam.models.cards import scored_classes

    card = _counted_card("m", "inter")  # supports N 80, S 10, V 8, F 2, Q 0
    assert scored_classes(card, min_support=5) == ["N", "S", "V"]
    assert scored_classes(card) == ["N"]  # at least 20 test beats
    assert scored_classes({**card, "scored_classes": ["S", "V"]}) == ["S", "V"]
    other = {**card, "classes": ["a", "b"], "metrics": None}
    assert scored_classes(other) == ["a", "b"]  # no test metrics: every class of the card


def _ablation_dir(tmp_path):
    from tscam.models.cards import ablation_table  # noqa: F401

    def card(name, se_s, n=1000):
        per = {c: {"sensitivity": 0.9, "ppv": 0.8, "f1": 0.85, "support": 10} for c in "NSVFQ"}
        per["S"] = {"sensitivity": se_s, "ppv": None, "f1": None, "support": 10}
        metrics = {"accuracy": 0.9, "macro_f1": 0.1, "per_class": per, "n": n}
        return {
            "name": name,
            "classes": list("NSVFQ"),
            "data": {"split": "inter"},
            "metrics": metrics,
        }

    for c in (card("w", 0.0), card("wr", 0.5), card("other", 0.5, n=999)):
        (tmp_path / f"{c['name']}.json").write_text(json.dumps(c))
    return tmp_path


def test_ablation_table_rows_are_the_cards(tmp_path):
    from tscam.models.cards import ablation_table

    d = _ablation_dir(tmp_path)
    lines = ablation_table([("window only", "w"), ("window + rhythm", "wr")], "NSVF", d).split("\n")
    assert lines[0] == (
        "| input | model | accuracy | Se N | PPV N | Se S | PPV S | Se V | PPV V | Se F | PPV F "
        "| macro-F1 (N, S, V, F) |"
    )
    assert lines[1] == "|---|---" + "|---:" * 10 + "|"
    # macro-F1 over N, S, V, F from the per-class F1 (S's undefined F1 counts 0): 3 x 0.85 / 4
    assert lines[2] == (
        "| window only | `w` | 90.0 | 90.0 | 80.0 | 0.0 | n/a | 90.0 | 80.0 | 90.0 | 80.0 | 63.7 |"
    )
    assert lines[3].startswith("| window + rhythm | `wr` | 90.0 | 90.0 | 80.0 | 50.0 | n/a |")
    assert len(lines) == 4


def test_ablation_table_refuses_different_test_parts(tmp_path):
    from tscam.models.cards import ablation_table

    d = _ablation_dir(tmp_path)
    with pytest.raises(ValueError, match="differ in split or number of test beats"):
        ablation_table([("a", "w"), ("b", "other")], "NSVF", d)
    with pytest.raises(ValueError, match="at least one"):
        ablation_table([], "NSVF", d)


def test_cards_table_macro_f1_is_over_the_scored_classes(cards_dir):
    rows = {line.split(" | ")[0].strip("| "): line for line in cards_table(
        ["a-inter"], list("NSVF"), directory=cards_dir).splitlines()[2:]}  # fmt: skip
    # S's sensitivity is 0.25 but its stored f1 is 0.85, as for every class: mean 85 %
    assert rows["macro-F1 (N, S, V, F)"] == "| macro-F1 (N, S, V, F) | 85.0 % |"
