"""Record-wise cross-validation: folds of whole records, the pooled score, the operating point,
and a short run end to end on real beats (the recipe of the shipped models, in miniature)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tscam.crossval import choose_offsets, cross_validate, ds1_beats, pooled_score, record_folds
from tscam.data import BEAT_SPEC, DS1, load_beats


def test_folds_are_whole_records_that_share_the_rare_classes(mitdb_dir):
    beats = ds1_beats(BEAT_SPEC, mitdb_dir)
    folds = record_folds(beats, 4)
    flat = [r for f in folds for r in f]
    assert sorted(flat) == sorted(DS1) and len(flat) == len(set(flat))  # a partition of DS1
    assert record_folds(beats, 4) == folds  # deterministic
    for f in folds:
        y = beats.y[np.isin(beats.record, f)]
        assert (y == 1).sum() > 0 and (y == 2).sum() > 0  # every fold holds S and V beats
    with pytest.raises(ValueError, match="k must be between 2"):
        record_folds(beats, 1)


def test_pooled_score_is_macro_f1_over_the_classes_with_enough_beats():
    y = np.array([0] * 50 + [1] * 30 + [3] * 5)
    logits = np.zeros((85, 5))
    logits[np.arange(85), y] = 1  # all right...
    logits[50:60, 1], logits[50:60, 0] = 0, 1  # ...but 10 S beats called N
    # N: P 50/60, R 1 -> F1 100/110; S: P 1, R 20/30 -> F1 0.8; class 3 (5 beats) is left out
    assert pooled_score(logits, y) == pytest.approx((100 / 110 + 0.8) / 2)


def test_offsets_move_the_operating_point_where_the_score_is_best():
    rng = np.random.default_rng(0)
    y = np.array([0] * 900 + [1] * 100)
    logits = np.zeros((1000, 5))
    logits[:, 0] = 1.0
    logits[:, 1] = np.where(y == 1, 0.5, -0.5) + rng.normal(0, 0.3, 1000)  # S under N: missed
    assert pooled_score(logits, y) < 0.6
    off = choose_offsets(logits, y)
    assert off[0] == 0 and off[1] > 0 and np.all(off[2:] == 0)  # too few beats: not moved
    assert pooled_score(logits + off, y) > 0.9


def test_cross_validation_and_refit_end_to_end(mitdb_dir, tmp_path):
    from tscam.train import main, train

    res = cross_validate(
        "lstm", k=2, epochs=2, data_dir=mitdb_dir, progress=False, max_train_beats=600,
        batch_size=64,
    )  # fmt: skip
    assert len(res["pooled_score_per_epoch"]) == 2 and res["stop_after"] in (1, 2)
    assert res["pooled_report"]["n"] == res["n_beats"]  # every DS1 beat predicted once
    assert len(res["offsets"]) == 5 and res["offsets"][0] == 0
    cv = tmp_path / "cv.json"
    cv.write_text(json.dumps(res))
    out = train(
        "lstm", "inter", epochs=res["epochs"], data_dir=mitdb_dir, max_train_beats=600,
        evaluate_test=False, progress=False, spec=BEAT_SPEC, rhythm=True, refit=True,
        stop_after=res["stop_after"], offsets=res["offsets"], batch_size=64,
    )  # fmt: skip
    assert out.config["refit"] and out.config["window"]["length"] == 88
    assert len(out.history) == res["stop_after"] and out.model.n_rhythm == 4
    # its card says how it was chosen, and shows the pooled out-of-fold report as validation
    from tscam.models import load_pretrained, model_card
    from tscam.models.cards import card_markdown
    from tscam.train import save_pretrained

    out.config["cross_validation"] = res
    save_pretrained(out, "tiny", tmp_path)
    card = model_card("tiny", tmp_path)
    assert card["cross_validation"]["offsets"] == res["offsets"]
    assert card["val_metrics"] == json.loads(json.dumps(res["pooled_report_offsets"]))
    assert card["data"]["window"]["length"] == 88 and len(card["data"]["rhythm_inputs"]) == 4
    assert "nothing masked" in card["data"]["preprocessing"]
    page = card_markdown(card)
    assert "## Cross-validation on DS1" in page and "no validation part" in page
    assert load_pretrained("tiny", tmp_path).n_rhythm == 4
    # the one look at the test part reads the model's own window and rhythm input
    from tscam.train import evaluate_test_once

    tested = evaluate_test_once("tiny", tmp_path, mitdb_dir, progress=False)
    assert tested["metrics"]["n"] == len(load_beats("inter", "test", mitdb_dir, spec=BEAT_SPEC))
    with pytest.raises(ValueError, match="the test is done once"):
        evaluate_test_once("tiny", tmp_path, mitdb_dir, progress=False)
    # the command line reads the same file and refuses one of another model
    with pytest.raises(SystemExit, match="another model"):
        main(["--model", "fcn", "--rhythm", "--cv", str(cv), "--out", str(tmp_path)])
