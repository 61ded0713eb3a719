"""Chapter 4's checkers accept the reference solutions and reject wrong ones with a hint."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from tscam.exercises import ch04
from tscam.models import FCN


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = FCN(filters=(16, 24, 12), n_rhythm=4).eval()
    with torch.no_grad():
        for bn in (m.block1[1], m.block2[1], m.block3[1]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
    return m


@pytest.fixture(scope="module")
def x():
    return torch.randn(6, 1, 88, generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="module")
def r():
    return torch.randn(6, 4, generator=torch.Generator().manual_seed(2)) * 0.3


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


def test_logit_from_map(model, x, r):
    def right(signed_map, rho, bias):
        return signed_map.sum(dim=-1) + rho + bias

    assert ch04.check_logit_from_map(right, model, x, r, 2).passed
    assert ch04.check_logit_from_map(ch04.logit_from_map_reference, model, x, r, 2).passed
    res = ch04.check_logit_from_map(right, model, x, r, 2)
    assert "whatever the length" in res.message
    assert not ch04.check_logit_from_map(..., model, x, r, 2).passed


@pytest.mark.parametrize(
    "wrong",
    [
        lambda m, rho, b: m.mean(-1) + rho + b,  # the mean: forgets that the map is CAM / T
        lambda m, rho, b: m.mean(-1) * 88 + rho + b,  # T of this course's beats, hard-coded
        lambda m, rho, b: m.sum(-1) + b,  # the rhythm term forgotten
        lambda m, rho, b: m.sum(-1) + rho,  # the bias forgotten
        lambda m, rho, b: m.clamp(min=0).sum(-1) + rho + b,  # a ReLU: the negative part lost
        lambda m, rho, b: m.sum(-1) * m.shape[-1] + rho + b,  # times T once more
    ],
)
def test_logit_from_map_rejects_shortcuts(model, x, r, wrong):
    res = ch04.check_logit_from_map(wrong, model, x, r, 2)
    assert not res.passed and res.message


def test_logit_from_map_shortcut_through_the_model_fails(model, x, r):
    # the shortcut: the model's own logits of the class, ignoring the map
    def shortcut(signed_map, rho, bias):
        with torch.no_grad():
            return model(x, r)[: len(signed_map), 2]

    assert not ch04.check_logit_from_map(shortcut, model, x, r, 2).passed
    # the identity itself holds on this model (float32)
    from tscam.cam import grad_cam
    from tscam.models import decompose_logits

    signed = grad_cam(model, x, layer="block3", target=2, relu=False)
    rho = torch.as_tensor(decompose_logits(model, x, r).rhythm[:, 2])
    with torch.no_grad():
        want = model(x, r)[:, 2]
    torch.testing.assert_close(
        ch04.logit_from_map_reference(signed, rho, model.classifier.bias[2].detach()),
        want,
        rtol=1e-4,
        atol=1e-5,
    )


def test_my_hires_cam(model, x):
    def right(activations, gradients, relu=True):
        maps = (gradients * activations).sum(dim=1)
        return maps.clamp(min=0) if relu else maps

    assert ch04.check_my_hires_cam(right, model, x).passed
    assert ch04.check_my_hires_cam(ch04.hires_cam_reference, model, x).passed
    assert not ch04.check_my_hires_cam(..., model, x).passed


def test_my_hires_cam_rejects_grad_cam(model, x):
    # the shortcut: Grad-CAM (gradient averaged over time) is right at block 3 only
    res = ch04.check_my_hires_cam(ch04.grad_cam_reference, model, x)
    assert not res.passed and res.message
    assert not ch04.check_my_hires_cam(
        lambda a, g, relu=True: F.relu((g * a).sum(1)), model, x
    ).passed  # ReLU always
    assert not ch04.check_my_hires_cam(
        lambda a, g, relu=True: (g * a).mean(1).clamp(min=0) if relu else (g * a).mean(1),
        model,
        x,
    ).passed  # mean over channels


def test_checkers_reject_a_model_without_blocks(x, r):
    with pytest.raises(TypeError, match="FCN"):
        ch04.check_logit_from_map(lambda m, rho, b: m, torch.nn.Linear(3, 3), x, r, 2)
    with pytest.raises(TypeError, match="rhythm head"):
        ch04.check_logit_from_map(lambda m, rho, b: m, FCN(filters=(4, 4, 4)), x, r, 2)
