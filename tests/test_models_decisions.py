"""Decisions made on validation (tscam.models.decisions): the stored cross-validation results
are those behind the shipped card, and the table reads them correctly."""

from __future__ import annotations

import json

import pytest

from tscam.models import model_card
from tscam.models.decisions import cv_result, cv_table, operating_point


def _report(f1: dict[str, float], acc: float) -> dict:
    return {
        "accuracy": acc,
        "per_class": {c: {"f1": v, "sensitivity": v / 2, "ppv": v} for c, v in f1.items()},
    }


def _result(folds=(("a",), ("b",))) -> dict:
    return {
        "folds": [list(f) for f in folds], "epochs": 3, "stop_after": 2, "offsets": [0, -1],
        "pooled_report": _report({"N": 0.9, "S": 0.3}, 0.8),
        "pooled_report_offsets": _report({"N": 0.8, "S": 0.6}, 0.7),
        "fold_score_per_epoch": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "n_beats": 10,
    }  # fmt: skip


def test_operating_point_by_hand():
    op = operating_point(_result(), ["N", "S"])
    assert op["epoch"] == 2 and op["fold_scores"] == [0.2, 0.5]
    assert op["selection_f1"] == pytest.approx(0.6)
    assert op["operating_f1"] == pytest.approx(0.7) and op["accuracy"] == 0.7
    assert op["per_class"]["S"] == (0.3, 0.6)
    assert op["f1_selection"] == {"N": 0.9, "S": 0.3} and op["f1"] == {"N": 0.8, "S": 0.6}


def test_cv_table_compares_only_results_on_the_same_folds(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_result()))
    (tmp_path / "b.json").write_text(json.dumps(_result()))
    (tmp_path / "c.json").write_text(json.dumps(_result(folds=(("a", "b"),))))
    lines = cv_table([("one", "a"), ("two", "b")], ["N", "S"], tmp_path).split("\n")
    assert len(lines) == 4 and lines[2].startswith("| one | 2 of 3 | 60.0 | 70.0 | 70.0 |")
    assert "30.0 / 60.0" in lines[2] and lines[2].endswith("| 20.0, 50.0 |")
    with pytest.raises(ValueError, match="different folds"):
        cv_table([("one", "a"), ("three", "c")], ["N"], tmp_path)
    with pytest.raises(FileNotFoundError, match=r"known: \['a', 'b', 'c'\]"):
        cv_result("nope", tmp_path)


def test_the_stored_results_are_those_of_the_shipped_recipe_and_its_dominant_beat_variant():
    shipped, card = cv_result("fcn-inter"), model_card("fcn-inter")["cross_validation"]
    for key in ("folds", "pooled_score_per_epoch", "stop_after", "offsets", "k", "epochs"):
        assert shipped[key] == card[key], key
    dominant = cv_result("fcn-inter-dominant")
    assert dominant["template"] is True and dominant["model_config"]["in_channels"] == 3
    assert "template" not in shipped or shipped["template"] is False
    # the same folds, recipe, epochs and beats: like with like
    for key in ("folds", "recipe", "epochs", "n_beats", "rhythm", "window"):
        assert dominant[key] == shipped[key], key


def test_the_rerun_is_the_shipped_recipe_run_again():
    shipped, rerun = cv_result("fcn-inter"), cv_result("fcn-inter-rerun")
    assert "template" in rerun and rerun["template"] is False
    for key in ("folds", "recipe", "epochs", "n_beats", "rhythm", "window", "model_config", "k"):
        assert rerun[key] == shipped[key], key
