"""Checkers for the exercises of chapter 2 (the FCN baseline)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tscam.exercises._core import CheckResult, check_callable

__all__ = [
    "check_conv_params",
    "conv_params_reference",
    "check_receptive_field",
    "check_se_ppv",
    "receptive_field_reference",
    "se_ppv_reference",
]


def conv_params_reference(in_channels: int, out_channels: int, kernel_size: int) -> int:
    """Trainable parameters of a ``Conv1d(in_channels, out_channels, kernel_size)`` with bias."""
    return int(in_channels) * int(out_channels) * int(kernel_size) + int(out_channels)


def check_conv_params(fn: Callable[[int, int, int], Any], model: Any = None) -> CheckResult:
    """Exercise 1: ``fn(in_channels, out_channels, kernel_size)`` returns the number of
    trainable parameters of a 1-D convolution with a bias. Checked on convolutions of many sizes
    (a number copied from a table cannot pass) and on the block-2 convolution of ``model`` (a
    fresh :class:`tscam.models.FCN` when None), whose count PyTorch gives."""
    if model is None:
        from tscam.models import FCN

        model = FCN()
    conv = model.block2[0]
    k = conv.kernel_size[0]
    expected = int(sum(p.numel() for p in conv.parameters()))
    if conv_params_reference(conv.in_channels, conv.out_channels, k) != expected:
        raise RuntimeError("conv_params_reference disagrees with PyTorch: please report this.")
    cases = [
        (conv.in_channels, conv.out_channels, k),
        (1, 128, 8),
        (3, 2, 1),
        (16, 7, 5),
        (64, 64, 3),
    ]
    return check_callable(
        "parameters of a convolution",
        fn,
        cases,
        conv_params_reference,
        rtol=0,
        atol=0,
        hint=(
            "each of the out_channels filters has in_channels x kernel_size weights, and each "
            "filter has one bias"
        ),
        success=(
            f"block 2: {conv.in_channels} x {conv.out_channels} x {k} weights + "
            f"{conv.out_channels} biases = {expected:,}, and every other size is right too"
        ),
    )


def receptive_field_reference(kernels: Sequence[int], strides: Sequence[int] | None = None) -> int:
    """Receptive field (in input samples) of a stack of undilated convolutions with these
    kernel lengths and strides (default: stride 1 everywhere). Layer ``l`` widens the view by
    ``(kernel_l - 1)`` steps of its input, and one step of its input spans the product of the
    strides of the layers below it: ``R = 1 + sum_l (kernel_l - 1) * prod_{m < l} stride_m``."""
    strides = [1] * len(kernels) if strides is None else list(strides)
    if len(strides) != len(kernels):
        raise ValueError("give one stride per kernel.")
    rf, jump = 1, 1
    for k, s in zip(kernels, strides, strict=True):
        rf += (int(k) - 1) * jump
        jump *= int(s)
    return rf


def check_receptive_field(fn: Callable[[Sequence[int], Sequence[int]], Any]) -> CheckResult:
    """Exercise 2: ``fn(kernels, strides)`` returns the receptive field, in input samples, of a
    stack of convolutions with these kernel lengths and strides (no dilation, no pooling).
    Checked on stacks with strides above 1 in lower layers, where the stride-1 formula
    ``1 + sum(k - 1)`` (printed above the exercise) is wrong."""
    cases = [
        ((8, 5, 3), (1, 1, 1)),
        ((8, 5, 3), (2, 1, 1)),
        ((3, 3, 3), (2, 2, 1)),
        ((7, 7, 7, 7), (1, 2, 1, 3)),
        ((2, 9), (4, 1)),
        ((5,), (3,)),
    ]
    return check_callable(
        "receptive field of stacked strided convolutions",
        fn,
        cases,
        receptive_field_reference,
        rtol=0,
        atol=0,
        hint=(
            "a layer of kernel length k adds k - 1 steps of ITS input; after a stride s below "
            "it, one such step spans s input samples (strides of all lower layers multiply). "
            "The stride of a layer does not change what that layer itself sees"
        ),
        success="your function gives the receptive field of any stack of strided convolutions",
    )


def se_ppv_reference(confusion: Any, k: int) -> np.ndarray:
    """``[sensitivity, PPV]`` of class ``k`` as :func:`tscam.metrics.classification_report`
    computes them, from a confusion matrix (rows: true class, columns: predicted class)."""
    from tscam.metrics import classification_report

    cm = np.asarray(confusion, dtype=np.int64)
    n = cm.shape[0]
    y_true = np.repeat(np.repeat(np.arange(n), n), cm.ravel())
    y_pred = np.repeat(np.tile(np.arange(n), n), cm.ravel())
    classes = [str(i) for i in range(n)]
    m = classification_report(y_true, y_pred, classes)["per_class"][str(k)]
    return np.array([m["sensitivity"], m["ppv"]])


def _confusions() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(2004)
    a = rng.integers(1, 60, size=(5, 5))
    a[np.diag_indices(5)] += 400
    b = rng.integers(0, 30, size=(5, 5)) + 1
    c = np.array([[50, 3], [7, 20]])
    return [(a, 2), (a, 0), (b, 3), (c, 1)]


def check_se_ppv(fn: Callable[[Any, int], Any]) -> CheckResult:
    """Exercise 3: ``fn(confusion, k)`` returns ``(sensitivity, ppv)`` of class ``k`` from a
    confusion matrix whose rows are the true and columns the predicted classes."""
    return check_callable(
        "sensitivity and PPV from a confusion matrix",
        fn,
        _confusions(),
        se_ppv_reference,
        hint=(
            "sensitivity = TP / (all beats truly of class k: row k); "
            "PPV = TP / (all beats predicted as class k: column k)"
        ),
        success="your function agrees with tscam.metrics.classification_report",
    )
