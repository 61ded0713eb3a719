"""Checkers for the exercises of chapter 4 (Grad-CAM).

1. :func:`check_my_grad_cam`: Grad-CAM from a layer's activations and gradients (as recorded by
   :func:`tscam.cam.capture`), compared with :func:`tscam.cam.grad_cam` at every block.
2. :func:`check_identity_constant`: the constant T in Grad-CAM = ReLU(CAM) / T, as a function
   of the input length (checked on several lengths, by the identity itself).
3. :func:`check_signed_mean`: the time average of the signed map (no ReLU), predicted from the
   logits, the bias and T alone (checked on real and made-up numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tscam.cam import cam, capture, grad_cam
from tscam.exercises._core import CheckResult, check, check_callable
from tscam.models import predict_logits

__all__ = [
    "check_identity_constant",
    "check_my_grad_cam",
    "check_signed_mean",
    "grad_cam_reference",
    "identity_constant_reference",
    "signed_mean_reference",
]

LAYERS = ("block1", "block2", "block3")


def grad_cam_reference(
    activations: torch.Tensor, gradients: torch.Tensor, relu: bool = True
) -> torch.Tensor:
    """``ReLU(sum_k alpha_k A_k(t))`` with ``alpha_k = mean_t dS/dA_k(t)``: (n, T')."""
    alpha = gradients.mean(dim=2)  # (n, K)
    maps = torch.einsum("nk,nkt->nt", alpha, activations)
    return F.relu(maps) if relu else maps


def _require_model(model: Any, x: Any) -> None:
    if not isinstance(model, nn.Module) or not all(hasattr(model, b) for b in LAYERS):
        raise TypeError("model must be an FCN with blocks block1..block3, e.g. fcn-inter.")
    if not isinstance(x, torch.Tensor) or x.ndim != 3:
        raise TypeError("x must be a tensor of beats of shape (n, 1, T), e.g. beats.tensor().")


def _recorded(
    model: nn.Module, x: torch.Tensor, layer: str, target: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Activations and gradients of the target logit at ``layer``, as capture records them."""
    with capture(model, layer) as rec:
        logits = model(x)
        targets = logits.argmax(1) if target is None else torch.full((len(x),), target)
        rec.gradient_of(logits.gather(1, targets[:, None]).sum())
    return rec.activations.detach(), rec.gradients.detach()


def check_my_grad_cam(fn: Callable[..., Any], model: nn.Module, x: Any) -> CheckResult:
    """Exercise 1: ``fn(activations, gradients, relu=True)`` returns Grad-CAM maps (n, T').

    ``activations`` and ``gradients``: (n, K, T'), a layer's output A and dS/dA. Checked at
    block1, block2 and block3 of ``model`` on (up to 8 of) the beats ``x``, for the predicted
    class and for class 0 (N), with and without the ReLU, against :func:`tscam.cam.grad_cam`.
    """
    _require_model(model, x)
    x = x[:8]
    cases, scale = [], 0.0
    for layer, target, relu in (
        ("block3", None, True),
        ("block2", None, True),
        ("block1", 0, True),
        ("block3", 0, False),
        ("block2", None, False),
    ):
        A, G = _recorded(model, x, layer, target)
        want = grad_cam(model, x, layer=layer, target=target, relu=relu)
        tol = 1e-5 * float(want.abs().max()) + 1e-12
        if not torch.allclose(grad_cam_reference(A, G, relu), want, rtol=1e-4, atol=tol):
            raise RuntimeError("grad_cam_reference disagrees with tscam.cam.grad_cam: report this.")
        cases.append({"activations": A, "gradients": G, "relu": relu})
        scale = max(scale, float(want.abs().max()))
    return check_callable(
        "Grad-CAM from activations and gradients",
        fn,
        cases,
        grad_cam_reference,
        rtol=1e-4,
        atol=1e-5 * max(scale, 1e-12),
        hint="alpha = gradients.mean(dim=2) (one weight per channel and beat); then the weighted "
        "sum over channels, sum_k alpha[:, k, None] * activations[:, k]; ReLU only if relu=True",
        success="your maps equal tscam.cam.grad_cam's at all three blocks, with and without ReLU",
    )


def _last_block_maps(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return grad_cam(model, x, layer="block3"), F.relu(cam(model, x))


def identity_constant_reference(model: nn.Module, x: torch.Tensor) -> int:
    """T of ``grad_cam(model, x) == relu(cam(model, x)) / T``: the time steps of the last
    block, which global average pooling averages over."""
    with torch.no_grad():
        return int(model.features(x).shape[-1])


def check_identity_constant(fn: Callable[[int], Any], model: nn.Module, x: Any) -> CheckResult:
    """Exercise 2: ``fn(length)`` returns the number T such that ``grad_cam(model, x) ==
    relu(cam(model, x)) / T`` for beats of ``length`` samples. Checked on the beats ``x`` and
    on inputs of other lengths (the FCN accepts any length), each time by testing the identity
    itself; a failing case says which length, not which number to use."""
    _require_model(model, x)
    generator = torch.Generator().manual_seed(4)
    inputs = [x[:8]] + [torch.randn(4, 1, n, generator=generator) for n in (120, 64, 301)]
    if fn is Ellipsis or fn is None:
        return check("the constant T of the identity", Ellipsis)
    if not callable(fn):
        return check(
            "the constant T of the identity",
            False,
            hint="write a function of the input length, e.g. def identity_constant(length): ...",
        )

    def holds() -> Any:
        for xs in inputs:
            length = int(xs.shape[-1])
            gc, relu_cam = _last_block_maps(model, xs)
            want = identity_constant_reference(model, xs)
            scale = float(gc.abs().max())
            if not torch.allclose(relu_cam / want, gc, rtol=1e-4, atol=1e-5 * max(scale, 1e-12)):
                raise RuntimeError("the Grad-CAM identity does not hold: please report this.")
            answer = fn(length)
            if answer is Ellipsis:
                return answer  # an unfilled stub: "replace the `...`"
            assert answer is not None, "got None: did you forget to `return` the result?"
            t = float(np.asarray(answer, dtype=float))
            assert np.isfinite(t) and t > 0, f"T must be a positive number, got {answer!r}"
            ok = torch.allclose(relu_cam / t, gc, rtol=1e-4, atol=1e-5 * max(scale, 1e-12))
            assert ok, (
                f"for inputs of {length} samples, relu(cam) / T with T = {t:g} is not "
                "grad_cam; ask what global average pooling averages over at the last block, "
                "and how many time steps the FCN's blocks keep"
            )
        return True

    return check(
        "the constant T of the identity",
        holds,
        success="T is the number of time steps of the last block, which GAP averages over; "
        "'same' padding and no pooling keep as many as the input has, so dy_c/dA_k(t) = w_ck / T",
    )


def signed_mean_reference(logit: Any, bias: Any, steps: Any) -> torch.Tensor:
    """Mean over time of the signed last-block Grad-CAM of a class: ``(y_c - b_c) / T``."""
    return (torch.as_tensor(logit) - torch.as_tensor(bias)) / torch.as_tensor(steps)


def check_signed_mean(fn: Callable[..., Any], model: nn.Module, x: Any, target: int) -> CheckResult:
    """Exercise 3: ``fn(logit, bias, T)`` predicts, from the logits of class ``target`` (n,),
    its bias and the number of time steps T of the last block, the time average of the signed
    Grad-CAM map at the last block (``relu=False``) of each beat, shape (n,). Checked on the
    beats ``x`` against the maps themselves, and on made-up logits, biases and T that come from
    no model (a function that computes the maps of ``x`` cannot pass)."""
    _require_model(model, x)
    signed = grad_cam(model, x, layer="block3", target=target, relu=False)
    want = signed.mean(dim=1)
    logits = predict_logits(model, x)[:, target]
    bias = float(model.classifier.bias[target].detach())
    steps = identity_constant_reference(model, x[:1])
    if not torch.allclose(
        signed_mean_reference(logits, bias, steps),
        want,
        rtol=1e-3,
        atol=1e-4 * max(float(want.abs().max()), 1e-12),
    ):
        raise RuntimeError("the signed-mean identity does not hold: please report this.")
    generator = torch.Generator().manual_seed(38)
    cases = [
        (logits, bias, steps),
        (torch.randn(5, generator=generator) * 4, 0.7, 50),
        (torch.randn(3, generator=generator), -1.5, 9),
    ]
    return check_callable(
        "the mean of the signed map",
        fn,
        cases,
        signed_mean_reference,
        rtol=1e-3,
        atol=1e-6,
        hint="the signed map is CAM / T, and the mean of CAM over time is y_c - b_c",
        success="without the ReLU the map keeps the whole score: its mean is (y_c - b_c) / T",
    )
