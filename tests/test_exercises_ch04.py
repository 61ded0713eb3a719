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
    T = model.features(x).shape[-1]
    res = ch04.check_identity_constant(T, model, x)
    assert res.passed and str(T) in res.message
    assert ch04.check_identity_constant(float(T), model, x).passed
    assert ch04.check_identity_constant(torch.tensor(T), model, x).passed
    for wrong in (1, 128, T * T, -T, "T"):
        assert not ch04.check_identity_constant(wrong, model, x).passed
    assert "factor" in ch04.check_identity_constant(128, model, x).message
    assert "replace" in ch04.check_identity_constant(..., model, x).message


def test_signed_mean(model, x):
    T = model.features(x).shape[-1]
    c = 2
    y = predict_logits(model, x)[:, c]
    right = (y - model.classifier.bias[c].detach()) / T
    assert ch04.check_signed_mean(right, model, x, c).passed
    assert not ch04.check_signed_mean(y / T, model, x, c).passed  # forgot the bias
    assert not ch04.check_signed_mean(right * T, model, x, c).passed  # forgot 1/T
    assert not ch04.check_signed_mean(right, model, x, 0).passed  # another class
    assert not ch04.check_signed_mean(..., model, x, c).passed


def test_checkers_reject_a_model_without_blocks(x):
    with pytest.raises(TypeError, match="FCN"):
        ch04.check_identity_constant(187, torch.nn.Linear(3, 3), x)
