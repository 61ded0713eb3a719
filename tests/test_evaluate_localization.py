"""Ground-truth scores and the comparison table."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.data.synthetic import make_synthetic
from tscam.evaluate import comparison_table, format_table, pointing_game, relevance_mass
from tscam.models import FCN, LSTMClassifier


@pytest.fixture
def data():
    return make_synthetic(12, seed=2)


def test_perfect_map_scores_one(data):
    perfect = data.mask.astype(np.float32)
    assert relevance_mass(perfect, data.mask).mean == 1.0
    assert pointing_game(perfect, data.mask).mean == 1.0
    inverse = (~data.mask).astype(np.float32)
    assert relevance_mass(inverse, data.mask).mean == 0.0
    assert pointing_game(inverse, data.mask).mean == 0.0
    # negative relevance inside the region does not count as relevance
    signed = np.where(data.mask, -1.0, 0.5)
    assert relevance_mass(signed, data.mask).mean == 0.0


def test_uniform_map_scores_the_region_fraction(data):
    uniform = np.ones_like(data.x)
    score = relevance_mass(uniform, data.mask)
    np.testing.assert_allclose(score.per_beat, data.mask.mean(axis=1))
    assert score.mean == pytest.approx(data.region_fraction().mean())
    noisy = torch.rand(12, 187, generator=torch.Generator().manual_seed(0)) + 1.0
    assert relevance_mass(noisy, data.mask).mean == pytest.approx(score.mean, abs=0.03)
    assert pointing_game(uniform, data.mask).mean == 0.0  # a constant map points nowhere


def test_pointing_game_hits_and_tolerance():
    mask = np.zeros((3, 20), bool)
    mask[:, 8:12] = True
    maps = np.zeros((3, 20))
    maps[0, 10] = 1.0  # inside
    maps[1, 14] = 1.0  # 3 samples after the region
    maps[2, 0] = 1.0  # far away
    assert pointing_game(maps, mask).per_beat.tolist() == [1.0, 0.0, 0.0]
    assert pointing_game(maps, mask, tolerance=3).per_beat.tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="shape"):
        relevance_mass(maps, mask[:, :10])


def test_comparison_table(data):
    torch.manual_seed(0)
    models = {
        "fcn": FCN(n_classes=4, filters=(8, 16, 8)),
        "lstm": LSTMClassifier(n_classes=4, segment_length=17, hidden_size=8),
    }
    methods = ("cam", "grad_cam", "saliency", "random")
    rows = comparison_table(
        models, data.x, methods, target=data.y, mask=data.mask, steps=4, sanity_beats=4
    )
    assert [(r["model"], r["method"]) for r in rows] == [
        ("fcn", "cam"),
        ("fcn", "grad_cam"),
        ("fcn", "saliency"),
        ("fcn", "random"),
        ("lstm", "grad_cam"),
        ("lstm", "saliency"),
        ("lstm", "random"),
    ]
    for r in rows:
        for key in ("deletion_auc", "insertion_auc", "relevance_mass", "pointing_game"):
            assert 0.0 <= r[key] <= 1.0, (r, key)
        assert -1.0 <= r["sanity_spearman"] <= 1.0 and -1.0 <= r["aopc"] <= 1.0
    random_rows = [r for r in rows if r["method"] == "random"]
    assert all(r["sanity_spearman"] == pytest.approx(1.0) for r in random_rows)
    text = format_table(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + len(rows) and lines[0].startswith("| model | method |")
    assert "relevance mass" in lines[0] and "| fcn | cam |" in lines[2]
    plain = comparison_table(models["fcn"], data.x, ("saliency",), steps=2, sanity=False)
    assert plain[0]["relevance_mass"] is None and plain[0]["model"] == "FCN"
    assert "n/a" in format_table(plain, columns=["method", "sanity_spearman"])
