"""Stored test logits: written with the card's SHA-256, refused when the weights change."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tscam.models import WeightsError
from tscam.models.outputs import load_test_logits, logits_path, write_test_logits


@pytest.fixture
def card_dir(tmp_path):
    card = {"name": "m", "classes": ["a", "b", "c"], "sha256": "ab" * 32, "metrics": {"n": 4}}
    (tmp_path / "m.json").write_text(json.dumps(card))
    return tmp_path


def test_written_logits_read_back(card_dir):
    lg = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
    path = write_test_logits("m", lg, card_dir)
    assert path == logits_path("m", card_dir) and path.name == "m.test-logits.npz"
    back = load_test_logits("m", card_dir)
    assert back.dtype == np.float32 and np.array_equal(back, lg.astype(np.float32))


def test_wrong_shape_missing_and_stale_logits_are_refused(card_dir):
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        write_test_logits("m", np.zeros((5, 3)), card_dir)
    with pytest.raises(WeightsError, match="store_test_logits"):
        load_test_logits("m", card_dir)
    write_test_logits("m", np.zeros((4, 3)), card_dir)
    card = json.loads((card_dir / "m.json").read_text())
    card["sha256"] = "cd" * 32  # the model was retrained
    (card_dir / "m.json").write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="other weights"):
        load_test_logits("m", card_dir)
