"""Attribution methods: shapes, oracles on hand-built models, and no state left behind."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tscam.data import DEFAULT_SPEC
from tscam.evaluate import (
    METHODS,
    Attributions,
    MethodNotApplicable,
    applicable,
    attribute,
    attribute_all,
)
from tscam.models import FCN, LSTMClassifier

T = DEFAULT_SPEC.length  # the course's beat window, also the default LSTM's input length

FAST = {"integrated_gradients": {"n_steps": 8}, "occlusion": {"stride": 17}}


def small_fcn() -> FCN:
    torch.manual_seed(0)
    return FCN(n_classes=4, filters=(8, 16, 8)).eval()


def small_lstm() -> LSTMClassifier:
    torch.manual_seed(1)
    return LSTMClassifier(n_classes=4, hidden_size=8).eval()


def beats(n: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 1, T, generator=torch.Generator().manual_seed(seed))


class Linear(nn.Module):
    """logits = x @ W.T: every attribution method has a closed form here."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0] @ self.weight.T


def hooks_of(model: nn.Module) -> int:
    return sum(
        len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
        for m in model.modules()
    )


@pytest.mark.parametrize("make", [small_fcn, small_lstm], ids=["fcn", "lstm"])
def test_every_method_gives_finite_maps_of_the_input_shape(make):
    model, x = make(), beats()
    maps = attribute_all(model, x, options=FAST)
    assert isinstance(maps, Attributions)
    expected = [m for m in METHODS if applicable(model, m)]
    assert list(maps) == expected
    for method, m in maps.items():
        assert m.shape == (6, T), method
        assert m.dtype == torch.float32 and not m.requires_grad
        assert torch.isfinite(m).all(), method
        if method != "random":
            assert m.abs().sum() > 0, method
    assert maps.target.shape == (6,)
    if isinstance(model, LSTMClassifier):
        assert "cam" in maps.skipped and "cam" not in maps


def test_cam_on_lstm_is_a_clear_error():
    with pytest.raises(MethodNotApplicable, match="grad_cam"):
        attribute(small_lstm(), beats(), "cam")
    with pytest.raises(MethodNotApplicable):
        attribute_all(small_lstm(), beats(), methods=("cam",), strict=True)
    # a model without GAP -> Linear: CAM is skipped with the reason, the rest still works
    flat = nn.Sequential(nn.Flatten(), nn.Linear(T, 3))
    maps = attribute_all(flat, beats(), methods=("cam", "saliency"))
    assert list(maps) == ["saliency"] and "cam" in maps.skipped
    with pytest.raises(ValueError, match="Unknown attribution method"):
        attribute(small_fcn(), beats(), "lime")
    with pytest.raises(ValueError, match="NaN"):
        attribute(small_fcn(), torch.full((2, 1, T), float("nan")), "saliency")
    with pytest.raises(ValueError, match="target"):
        attribute(small_fcn(), beats(), "saliency", target=7)
    with pytest.raises(ValueError, match="stride"):
        attribute(small_fcn(), beats(), "occlusion", window=5, stride=9)


@pytest.mark.parametrize("make", [small_fcn, small_lstm], ids=["fcn", "lstm"])
def test_no_state_leaks_between_calls(make):
    model, x = make(), beats()
    model.train()  # a model left in training mode must stay there
    model.lstm.requires_grad_(False) if isinstance(model, LSTMClassifier) else None
    flags = [p.requires_grad for p in model.parameters()]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x_before = x.clone()
    first = attribute_all(model, x, options=FAST)
    second = attribute_all(model, x, options=FAST)
    for method in first:
        torch.testing.assert_close(first[method], second[method], rtol=0, atol=0)
    assert model.training
    assert [p.requires_grad for p in model.parameters()] == flags
    assert all(p.grad is None for p in model.parameters())
    assert hooks_of(model) == 0
    assert not x.requires_grad and torch.equal(x, x_before)
    for k, v in model.state_dict().items():  # BatchNorm statistics untouched (eval mode)
        assert torch.equal(v, state[k]), k
    # explained in eval mode: same maps as for the model switched to eval by the caller
    torch.testing.assert_close(attribute(model.eval(), x, "saliency"), first["saliency"])


def test_saliency_and_occlusion_and_ig_match_closed_forms():
    torch.manual_seed(3)
    weight = torch.randn(3, T)
    model, x = Linear(weight), beats(4)
    target = torch.tensor([0, 1, 2, 1])
    w = weight[target]
    torch.testing.assert_close(attribute(model, x, "saliency", target), w.abs())
    torch.testing.assert_close(attribute(model, x, "saliency", target, abs=False), w)
    # window of one sample set to 0: the logit drops by w_t * x_t
    occ = attribute(model, x, "occlusion", target, window=1, stride=1)
    torch.testing.assert_close(occ, w * x[:, 0], rtol=1e-4, atol=1e-5)
    # IG of a linear model: (x - baseline) * w, exactly
    ig = attribute(model, x, "integrated_gradients", target, n_steps=4)
    torch.testing.assert_close(ig, x[:, 0] * w, rtol=1e-4, atol=1e-5)
    means = torch.randn(3, T)
    ig_mean = attribute(model, x, "integrated_gradients", target, baseline="mean", mean=means)
    torch.testing.assert_close(ig_mean, (x[:, 0] - means[target]) * w, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="mean="):
        attribute(model, x, "integrated_gradients", target, baseline="mean")


def test_integrated_gradients_completeness_on_the_fcn():
    model, x = small_fcn(), beats(3)
    target = torch.tensor([0, 1, 3])
    ig = attribute(model, x, "integrated_gradients", target, n_steps=64)
    with torch.no_grad():
        logits = model(x).gather(1, target[:, None])[:, 0]
        base = model(torch.zeros_like(x)).gather(1, target[:, None])[:, 0]
    torch.testing.assert_close(ig.sum(1), logits - base, rtol=0.02, atol=2e-3)


def test_targets_default_to_prediction_and_are_honoured():
    model, x = small_fcn(), beats(5)
    with torch.no_grad():
        predicted = model(x).argmax(1)
    default = attribute(model, x, "saliency")
    torch.testing.assert_close(default, attribute(model, x, "saliency", predicted))
    other = (predicted + 1) % 4
    assert not torch.allclose(default, attribute(model, x, "saliency", other))
    one = attribute(model, x, "saliency", 2)
    torch.testing.assert_close(one, attribute(model, x, "saliency", [2] * 5))


def test_random_maps_are_seeded_and_batching_does_not_change_maps():
    model, x = small_fcn(), beats(5)
    a = attribute(model, x, "random", seed=4)
    torch.testing.assert_close(a, attribute(small_lstm(), x, "random", seed=4))
    assert not torch.equal(a, attribute(model, x, "random", seed=5))
    for method in ("saliency", "grad_cam", "occlusion"):
        opts = FAST.get(method, {})
        whole = attribute(model, x, method, **opts)
        chunked = attribute(model, x, method, batch_size=2, **opts)
        torch.testing.assert_close(whole, chunked, rtol=1e-5, atol=1e-6)
