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
    # hand-computed: 1 + 7 + 4 x 2 + 2 x 2 (block 1 with stride 2)
    assert ch02.receptive_field_reference((8, 5, 3), (2, 1, 1)) == 20

    def right(ks, ss):
        rf, jump = 1, 1
        for k, s in zip(ks, ss, strict=True):
            rf, jump = rf + (k - 1) * jump, jump * s
        return rf

    assert ch02.check_receptive_field(right).passed
    # the shortcut: the stride-1 formula printed above the exercise
    stride_blind = ch02.check_receptive_field(lambda ks, ss: 1 + sum(k - 1 for k in ks))
    assert not stride_blind.passed and "stride" in stride_blind.message

    # a layer's own stride does not widen what it sees
    def own_stride(ks, ss):
        return 1 + sum((k - 1) * s for k, s in zip(ks, ss, strict=True))

    own = ch02.check_receptive_field(own_stride)
    assert not own.passed
    assert not ch02.check_receptive_field(lambda ks, ss: sum(ks)).passed
    assert not ch02.check_receptive_field(...).passed


def test_receptive_field_reference_matches_the_gradient_of_strided_convolutions():
    """The formula is the support of d output(t) / d input in real stacks of convolutions."""
    import torch

    torch.manual_seed(0)
    for kernels, strides in (
        ((8, 5, 3), (1, 1, 1)),
        ((8, 5, 3), (2, 1, 1)),
        ((3, 4, 2), (2, 3, 1)),
    ):
        layers = [torch.nn.Conv1d(1, 2, kernels[0], strides[0])]
        layers += [
            torch.nn.Conv1d(2, 2, k, s) for k, s in zip(kernels[1:], strides[1:], strict=True)
        ]
        net = torch.nn.Sequential(*layers)
        x = torch.randn(1, 1, 200, requires_grad=True)
        net(x)[0, :, 3].sum().backward()
        support = np.flatnonzero(x.grad[0, 0].numpy())
        assert support.size == support.max() - support.min() + 1
        assert ch02.receptive_field_reference(kernels, strides) == support.size


def test_receptive_field_of_the_course_fcn():
    import torch

    torch.manual_seed(0)
    model = FCN().eval()
    x = torch.randn(1, 1, 88, requires_grad=True)
    model.features(x)[0, :, 40].sum().backward()
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
