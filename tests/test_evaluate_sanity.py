"""Cascading randomisation: layers really change, the caller's model does not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from tscam.data import DEFAULT_SPEC
from tscam.evaluate import cascade, cascading_randomization, default_layers, spearman
from tscam.models import FCN, LSTMClassifier

T = DEFAULT_SPEC.length  # the course's beat window, also the default LSTM's input length


def small_fcn() -> FCN:
    torch.manual_seed(0)
    return FCN(n_classes=4, filters=(8, 16, 8)).eval()


def beats(n: int = 5) -> torch.Tensor:
    return torch.randn(n, 1, T, generator=torch.Generator().manual_seed(0))


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_cascade_randomises_top_down_and_leaves_the_original_alone():
    model = small_fcn()
    before = snapshot(model)
    layers = default_layers(model)
    assert layers == ("classifier", "block3", "block2", "block1")
    rng_state = torch.get_rng_state()
    weight_of = {layer: f"{layer}.0.weight" for layer in layers} | {
        "classifier": "classifier.weight"
    }
    for i, (name, randomized) in enumerate(cascade(model, seed=3)):
        assert name == layers[i] and randomized is not model
        state = randomized.state_dict()
        for layer, key in weight_of.items():
            changed = not torch.equal(state[key], before[key])
            assert changed == (layer in layers[: i + 1]), (name, layer)
    assert torch.equal(torch.get_rng_state(), rng_state)  # global RNG untouched
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert [n for n, _ in cascade(model, layers=["block1"])] == ["block1"]
    with pytest.raises(ValueError, match="not found"):
        list(cascade(model, layers=["block9"]))


def test_randomisation_is_seeded():
    model = small_fcn()
    a = [snapshot(m)["block2.0.weight"] for _, m in cascade(model, seed=1)]
    b = [snapshot(m)["block2.0.weight"] for _, m in cascade(model, seed=1)]
    c = [snapshot(m)["block2.0.weight"] for _, m in cascade(model, seed=2)]
    assert torch.equal(a[-1], b[-1]) and not torch.equal(a[-1], c[-1])


def test_spearman_matches_scipy_and_edge_cases():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 30))
    a[:, :5] = 0.0  # ties
    b = rng.normal(size=(4, 30))
    expected = [spearmanr(a[i], b[i]).statistic for i in range(4)]
    np.testing.assert_allclose(spearman(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(spearman(a, a), 1.0)
    np.testing.assert_allclose(spearman(a, -a), -1.0)
    assert spearman(a, np.zeros_like(a)).tolist() == [0.0] * 4


def test_cascading_randomization_results():
    model, x = small_fcn(), beats()
    before = snapshot(model)
    steps = cascading_randomization(model, x, "grad_cam")
    assert [name for name, _ in steps] == ["classifier", "block3", "block2", "block1"]
    assert all(-1.0 <= rho <= 1.0 for _, rho in steps)
    assert steps == cascading_randomization(model, x, "grad_cam")  # deterministic
    # maps that ignore the model never change: the check must flag them (correlation 1)
    assert all(rho == pytest.approx(1.0) for _, rho in cascading_randomization(model, x, "random"))
    # a gradient map of a destroyed model no longer ranks samples like the original
    final = cascading_randomization(model, x, "saliency", absolute=True)[-1][1]
    assert final < 0.9
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_lstm_layers():
    torch.manual_seed(0)
    model = LSTMClassifier(n_classes=3, hidden_size=8)
    before = snapshot(model)
    steps = cascading_randomization(model, beats(3), "saliency")
    assert [name for name, _ in steps] == ["head", "lstm"]
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
