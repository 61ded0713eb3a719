"""The shipped models with a rhythm head (issue 17): card and weights, the exact split of their
logits on real beats, and their test metrics reproduced."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import DS1, WindowSpec, load_beats
from tscam.metrics import classification_report
from tscam.models import (
    PRETRAINED,
    decompose_logits,
    load_pretrained,
    model_card,
    predict,
    predict_logits,
)
from tscam.models.cards import card_markdown
from tscam.models.pretrained import weights_dir

RHYTHM_DIR = weights_dir()
shipped = sorted(PRETRAINED)


def test_the_four_rhythm_models_are_shipped():
    assert shipped == sorted(PRETRAINED)


@pytest.mark.parametrize("name", shipped)
def test_card_weights_and_page(name):
    card = model_card(name, RHYTHM_DIR)
    assert (RHYTHM_DIR / card["weights_file"]).stat().st_size <= 2 * 2**20
    assert (RHYTHM_DIR / f"{name}.md").read_text() == card_markdown(card)
    assert card["config"]["n_rhythm"] == 4 and len(card["data"]["rhythm_inputs"]) == 4
    spec = WindowSpec.from_dict(card["data"]["window"])
    assert spec.length == 88 and not spec.mask_previous
    model = load_pretrained(name, RHYTHM_DIR)
    assert not model.training and model.n_rhythm == 4
    if card["data"]["split"] == "inter":  # chosen by record-wise cross-validation on DS1
        cv = card["cross_validation"]
        assert cv["stop_after"] == card["training"]["epochs_run"]
        assert sorted(r for f in cv["folds"] for r in f) == sorted(DS1)  # whole records


@pytest.mark.parametrize("name", shipped)
def test_logits_split_exactly_on_real_beats(name, mitdb_dir):
    card = model_card(name, RHYTHM_DIR)
    spec = WindowSpec.from_dict(card["data"]["window"])
    beats = load_beats(card["data"]["split"], "test", mitdb_dir, spec=spec).subset(slice(0, 256))
    model = load_pretrained(name, RHYTHM_DIR)
    parts = decompose_logits(model, beats.x, beats.rhythm)
    np.testing.assert_allclose(parts.logits, predict_logits(model, beats).numpy(), atol=1e-5)


@pytest.mark.parametrize("name", shipped)
def test_card_metrics_are_reproduced_on_the_test_split(name, mitdb_dir):
    card = model_card(name, RHYTHM_DIR)
    spec = WindowSpec.from_dict(card["data"]["window"])
    beats = load_beats(card["data"]["split"], "test", mitdb_dir, spec=spec)
    got = classification_report(
        beats.y, predict(load_pretrained(name, RHYTHM_DIR), beats), beats.class_names
    )
    want = card["metrics"]
    assert want, f"{name} was not evaluated on its test part"
    assert got["n"] == want["n"]
    assert got["accuracy"] == pytest.approx(want["accuracy"], abs=0.0005)
    disagreements = np.abs(np.array(got["confusion"]) - np.array(want["confusion"])).sum()
    assert disagreements <= max(2, 0.001 * want["n"])
