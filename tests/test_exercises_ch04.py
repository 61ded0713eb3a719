"""Chapter 4's checkers accept the reference solutions and reject wrong ones with a hint."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from tscam.exercises import ch04
from tscam.models import FCN, predict_logits


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = FCN(filters=(16, 24, 12)).eval()
    with torch.no_grad():
        for bn in (m.block1[1], m.block2[1], m.block3[1]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
    return m


@pytest.fixture(scope="module")
def x():
    return torch.randn(6, 1, 187, generator=torch.Generator().manual_seed(1))


def my_grad_cam(activations, gradients, relu=True):
    alpha = gradients.mean(dim=2, keepdim=True)  # (n, K, 1)
    maps = (alpha * activations).sum(dim=1)
    return maps.clamp(min=0) if relu else maps


def test_my_grad_cam_accepts_correct_solutions(model, x):
    assert ch04.check_my_grad_cam(my_grad_cam, model, x).passed
    assert ch04.check_my_grad_cam(ch04.grad_cam_reference, model, x).passed


@pytest.mark.parametrize(
    "wrong",
    [
        lambda a, g, relu=True: F.relu((g.sum(2, keepdim=True) * a).sum(1)),  # sum, not mean
        lambda a, g, relu=True: F.relu((g * a).sum(1)),  # no average over time
        lambda a, g, relu=True: F.relu((g.mean(2, keepdim=True) * a).sum(1)),  # ReLU always
        lambda a, g, relu=True: (g.mean(2, keepdim=True) * a).sum(1),  # ReLU never
        lambda a, g, relu=True: (g.mean(2, keepdim=True) * a).mean(1).clamp(min=0),  # mean over k
        lambda a, g: (g.mean(2, keepdim=True) * a).sum(1),  # no relu argument
    ],
)
def test_my_grad_cam_rejects_wrong_solutions(model, x, wrong):
    res = ch04.check_my_grad_cam(wrong, model, x)
    assert not res.passed and res.message


def test_identity_constant(model, x):
    res = ch04.check_identity_constant(lambda length: length, model, x)
    assert res.passed and "time steps" in res.message
    assert ch04.check_identity_constant(lambda n: float(n), model, x).passed
    assert ch04.check_identity_constant(lambda n: torch.tensor(n), model, x).passed
    for wrong in (lambda n: 1, lambda n: 128, lambda n: n * n, lambda n: -n, lambda n: "T"):
        assert not ch04.check_identity_constant(wrong, model, x).passed
    assert "replace" in ch04.check_identity_constant(..., model, x).message
    assert not ch04.check_identity_constant(187, model, x).passed  # a number, not a function


def test_identity_constant_neither_accepts_a_copied_number_nor_leaks_it(model, x):
    # the shortcut: the 187 of this chapter's beats, hard-coded
    res = ch04.check_identity_constant(lambda length: 187, model, x)
    assert not res.passed
    # the hint names the input length that failed, never the factor between the two maps
    assert "factor" not in res.message and "0.6" not in res.message
    assert "for inputs of 120 samples" in res.message
    assert ch04.identity_constant_reference(model, x) == 187


def test_signed_mean(model, x):
    c = 2

    def right(logit, bias, steps):
        return (logit - bias) / steps

    assert ch04.check_signed_mean(right, model, x, c).passed
    assert not ch04.check_signed_mean(lambda y, b, t: y / t, model, x, c).passed  # no bias
    assert not ch04.check_signed_mean(lambda y, b, t: y - b, model, x, c).passed  # no 1/T
    assert not ch04.check_signed_mean(..., model, x, c).passed


def test_signed_mean_shortcut_through_grad_cam_fails(model, x):
    from tscam.cam import grad_cam

    # the shortcut: compute the signed maps and average them, instead of predicting
    def shortcut(logit, bias, steps):
        return grad_cam(model, x, layer="block3", target=2, relu=False).mean(1)

    assert not ch04.check_signed_mean(shortcut, model, x, 2).passed
    T = model.features(x).shape[-1]
    y = predict_logits(model, x)[:, 2]
    torch.testing.assert_close(
        ch04.signed_mean_reference(y, model.classifier.bias[2].detach(), T),
        grad_cam(model, x, layer="block3", target=2, relu=False).mean(1),
        rtol=1e-3,
        atol=1e-5,
    )


def test_checkers_reject_a_model_without_blocks(x):
    with pytest.raises(TypeError, match="FCN"):
        ch04.check_identity_constant(lambda n: n, torch.nn.Linear(3, 3), x)
