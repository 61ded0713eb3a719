"""Chapter 2 checkers accept the reference solutions and reject wrong answers with a hint."""

from __future__ import annotations

import numpy as np

from tscam.exercises import ch02
from tscam.metrics import classification_report
from tscam.models import FCN


def test_conv_params():
    ok = ch02.check_conv_params(lambda i, o, k: i * o * k + o)
    assert ok.passed and "164,096" in ok.message
    forgot_bias = ch02.check_conv_params(lambda i, o, k: i * o * k)
    assert not forgot_bias.passed and "bias" in forgot_bias.message
    assert not ch02.check_conv_params(...).passed
    small = FCN(filters=(4, 6, 2), kernels=(3, 3, 3))
    assert ch02.check_conv_params(lambda i, o, k: i * o * k + o, small).passed
    assert ch02.conv_params_reference(4, 6, 3) == 4 * 6 * 3 + 6


def test_conv_params_cannot_be_copied_from_the_table():
    # the shortcut: the count printed in the parameter table above the exercise
    model = FCN()
    from_table = sum(p.numel() for p in model.block2[0].parameters())
    assert not ch02.check_conv_params(lambda i, o, k: from_table, model).passed
    assert not ch02.check_conv_params(from_table, model).passed  # a number is not a function


def test_receptive_field():
    assert ch02.receptive_field_reference((8, 5, 3)) == 14
    assert ch02.check_receptive_field(lambda ks: 1 + sum(k - 1 for k in ks)).passed
    summed = ch02.check_receptive_field(lambda ks: sum(ks))
    assert not summed.passed and "k - 1" in summed.message
    assert not ch02.check_receptive_field(lambda ks: sum(ks) - len(ks)).passed  # off by one
    assert not ch02.check_receptive_field(...).passed


def test_receptive_field_reference_matches_the_gradient_of_a_real_fcn():
    """The formula is the support of d output(t) / d input in the course's FCN."""
    import torch

    torch.manual_seed(0)
    model = FCN().eval()
    x = torch.randn(1, 1, 187, requires_grad=True)
    model.features(x)[0, :, 100].sum().backward()
    support = np.flatnonzero(x.grad[0, 0].numpy())
    assert support.size == support.max() - support.min() + 1 == 14
    assert ch02.receptive_field_reference(model.config["kernels"]) == support.size


def test_se_ppv():
    def right(cm, k):
        cm = np.asarray(cm)
        return cm[k, k] / cm[k].sum(), cm[k, k] / cm[:, k].sum()

    def swapped(cm, k):
        se, ppv = right(cm, k)
        return ppv, se

    assert ch02.check_se_ppv(right).passed
    res = ch02.check_se_ppv(swapped)
    assert not res.passed and "row k" in res.message
    assert not ch02.check_se_ppv(lambda cm, k: right(np.asarray(cm).T, k)).passed  # transposed
    assert not ch02.check_se_ppv(...).passed


def test_se_ppv_reference_agrees_with_the_metrics_of_a_labelled_set():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 500), rng.integers(0, 5, 500)
    report = classification_report(y_true, y_pred, ("a", "b", "c", "d", "e"))
    for k, c in enumerate(report["classes"]):
        se, ppv = ch02.se_ppv_reference(report["confusion"], k)
        assert se == report["per_class"][c]["sensitivity"]
        assert ppv == report["per_class"][c]["ppv"]
