"""Chapter 3's checkers accept the reference solutions and reject wrong ones with a hint."""

from __future__ import annotations

import pytest
import torch

from tscam.cam import cam
from tscam.exercises import ch03
from tscam.models import FCN, decompose_logits


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = FCN(filters=(16, 24, 12), n_rhythm=4).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics, so eval mode matters
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


def rho_of(model, x, r):
    return torch.as_tensor(decompose_logits(model, x, r).rhythm)


def my_cam(features, weights, target):
    """A loop, as a learner might write it."""
    out = torch.zeros(features.shape[0], features.shape[2])
    for i in range(features.shape[0]):
        for k in range(features.shape[1]):
            out[i] += weights[target[i], k] * features[i, k]
    return out


def test_my_cam_accepts_correct_solutions(model, x):
    assert ch03.check_my_cam(my_cam, model, x).passed
    assert ch03.check_my_cam(ch03.cam_reference, model, x).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda f, w, t: torch.einsum("nk,nkt->nt", w[t], f) / f.shape[2], "differ"),  # the GAP
        (lambda f, w, t: torch.einsum("nk,nkt->nt", w[t], f).relu(), "differ"),  # a ReLU
        (lambda f, w, t: torch.einsum("nk,nkt->nt", w[0].expand(len(t), -1), f), "differ"),
        (lambda f, w, t: f.sum(dim=1, keepdim=True), "shape"),
        (lambda f, w, t: None, "None"),
        (lambda f, w, t: ..., "replace"),
    ],
)
def test_my_cam_rejects_wrong_solutions_with_a_hint(model, x, wrong, words):
    res = ch03.check_my_cam(wrong, model, x)
    assert not res.passed and words in res.message


def test_my_cam_reports_errors_and_missing_functions(model, x):
    def broken(features, weights, target):
        raise NotImplementedError

    assert "not implemented" in ch03.check_my_cam(broken, model, x).message
    assert not ch03.check_my_cam(..., model, x).passed
    with pytest.raises(TypeError):
        ch03.check_my_cam(my_cam, torch.nn.Linear(2, 2), x)


def test_logits_from_cams(model, x, r):
    def right(cams, rho, bias):
        return cams.mean(dim=-1) + rho + bias

    assert ch03.check_logits_from_cams(right, model, x, r).passed
    assert ch03.check_logits_from_cams(
        lambda c, rho, b: (c.mean(-1) + rho + b).tolist(), model, x, r
    ).passed
    res = ch03.check_logits_from_cams(lambda c, rho, b: c.mean(-1) + rho, model, x, r)
    assert not res.passed and "bias" in res.message
    assert not ch03.check_logits_from_cams(
        lambda c, rho, b: c.sum(-1) + rho + b, model, x, r
    ).passed
    assert not ch03.check_logits_from_cams(..., model, x, r).passed
    assert ch03.check_logits_from_cams(lambda c, rho, b: ..., model, x, r).message


def test_logits_from_cams_without_the_rhythm_term_fails(model, x, r):
    # the shortcut of the old, window-only identity y_c = b_c + mean_t M_c(t)
    res = ch03.check_logits_from_cams(lambda c, rho, b: c.mean(-1) + b, model, x, r)
    assert not res.passed and "rhythm" in res.message


def test_logits_from_cams_shortcut_through_the_model_fails(model, x, r):
    # the shortcut: call the model instead of rebuilding the logits from the parts
    shortcut = ch03.check_logits_from_cams(lambda cams, rho, bias: model(x, r), model, x, r)
    assert not shortcut.passed
    # the real case alone would have passed: the made-up parts are what rejects it
    bias = model.classifier.bias.detach()
    cams = torch.stack([cam(model, x, c) for c in range(5)], dim=1)
    with torch.no_grad():
        want = model.eval()(x, r)
    torch.testing.assert_close(
        ch03.logits_from_cams_reference(cams, rho_of(model, x, r), bias), want, rtol=1e-4, atol=1e-4
    )


def test_logits_from_cams_needs_a_rhythm_head(x, r):
    with pytest.raises(TypeError, match="rhythm head"):
        ch03.check_logits_from_cams(lambda c, rho, b: c, FCN(filters=(4, 4, 4)), x, r)
