"""Checkers for the exercises of chapter 4 (Grad-CAM).

1. :func:`check_my_grad_cam`: Grad-CAM from a layer's activations and gradients (as recorded by
   :func:`tscam.cam.capture`), compared with :func:`tscam.cam.grad_cam` at every block.
2. :func:`check_logit_from_map`: a logit rebuilt from the signed last-block Grad-CAM of its
   class, the rhythm term and the bias (the map is CAM / T, so it *adds up* to the window part);
   checked on real beats and on made-up maps of other lengths.
3. :func:`check_my_hires_cam`: HiResCAM (gradient times activation, summed over channels) from
   recorded activations and gradients, compared with :func:`tscam.cam.hires_cam` at every block;
   Grad-CAM's time-averaged gradient passes only at the last block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tscam.cam import capture, grad_cam, hires_cam
from tscam.exercises._core import CheckResult, check_callable
from tscam.models import decompose_logits

__all__ = [
    "check_logit_from_map",
    "check_my_grad_cam",
    "check_my_hires_cam",
    "grad_cam_reference",
    "hires_cam_reference",
    "logit_from_map_reference",
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


def logit_from_map_reference(signed_map: Any, rhythm_term: Any, bias: Any) -> torch.Tensor:
    """The logit from the signed last-block Grad-CAM of its class: the map is ``M_c(t) / T``,
    so its *sum* over time is the window part ``(1/T) sum_t M_c(t)``; then
    ``y_c = sum_t L_c(t) + rho_c(r) + b_c``. Shapes: (n, T), (n,), scalar or (n,) -> (n,)."""
    m = torch.as_tensor(signed_map)
    return m.sum(dim=-1) + torch.as_tensor(rhythm_term) + torch.as_tensor(bias)


def check_logit_from_map(
    fn: Callable[..., Any], model: nn.Module, x: Any, rhythm: Any, target: int
) -> CheckResult:
    """Exercise 2: ``fn(signed_map, rhythm_term, bias)`` rebuilds each beat's logit of a class
    from its signed Grad-CAM map at the last block (``relu=False``, shape (n, T)), the beat's
    rhythm term of the class (n,) and the class's bias. Checked on (up to 40 of) the beats ``x``
    with their ``rhythm`` for class ``target`` and for each beat's predicted class (against
    ``model(x, rhythm)``), and on made-up maps of other lengths with made-up rhythm terms and
    biases: a call to the model, a hard-coded T, the mean instead of the sum, or a forgotten
    rhythm term cannot pass."""
    _require_model(model, x)
    if not int(getattr(model, "n_rhythm", 0)):
        raise TypeError("model must have a rhythm head (n_rhythm > 0), e.g. fcn-inter.")
    x = x[:40]
    r = torch.as_tensor(np.asarray(rhythm, dtype=np.float32))[:40]
    with torch.no_grad():
        logits = model.eval()(x, r)
    rho = torch.as_tensor(decompose_logits(model, x, r).rhythm)
    bias = model.classifier.bias.detach()
    rows = torch.arange(len(x))
    cases, scale = [], 1.0
    for targets in (torch.full((len(x),), int(target)), logits.argmax(dim=1)):
        signed = grad_cam(model, x, layer="block3", target=targets, relu=False)
        args = (signed, rho[rows, targets], bias[targets])
        want = logits[rows, targets]
        if not torch.allclose(logit_from_map_reference(*args), want, rtol=1e-4, atol=1e-3):
            raise RuntimeError("the Grad-CAM identity does not hold: please report this.")
        cases.append(args)
        scale = max(scale, float(want.abs().max()))
    generator = torch.Generator().manual_seed(44)
    for n, length in ((5, 50), (3, 131)):
        made_up = torch.randn(n, length, generator=generator) * 0.05
        cases.append(
            (
                made_up,
                torch.randn(n, generator=generator),
                float(torch.randn(1, generator=generator)),
            )
        )
    return check_callable(
        "the logit from its Grad-CAM map",
        fn,
        cases,
        logit_from_map_reference,
        rtol=1e-4,
        atol=1e-4 * scale,
        hint="at the last block the signed Grad-CAM map is CAM / T, and the logit is the mean of "
        "CAM plus the rhythm term plus the bias; what does the map add up to over time?",
        success="the signed map at the last block adds up to the window part of the logit: "
        "y_c = sum_t L_c(t) + rho_c(r) + b_c, whatever the length T",
    )


def hires_cam_reference(
    activations: torch.Tensor, gradients: torch.Tensor, relu: bool = True
) -> torch.Tensor:
    """HiResCAM: ``ReLU(sum_k G_k(t) A_k(t))``, the gradient element-wise, not averaged: (n, T')."""
    maps = (gradients * activations).sum(dim=1)
    return F.relu(maps) if relu else maps


def check_my_hires_cam(fn: Callable[..., Any], model: nn.Module, x: Any) -> CheckResult:
    """Exercise 3: ``fn(activations, gradients, relu=True)`` returns HiResCAM maps (n, T'):
    ``sum_k dS/dA_k(t) A_k(t)``, with the ReLU only when ``relu`` is true. Checked at block3,
    block2 and block1 of ``model`` on (up to 8 of) the beats ``x`` against
    :func:`tscam.cam.hires_cam`. Grad-CAM (the gradient averaged over time) passes at block3,
    where the gradient is the same at every t, but not at the earlier blocks."""
    _require_model(model, x)
    x = x[:8]
    cases, scale = [], 0.0
    for layer, target, relu in (
        ("block3", None, True),
        ("block2", None, True),
        ("block1", 0, False),
        ("block2", 2, False),
    ):
        A, G = _recorded(model, x, layer, target)
        want = hires_cam(model, x, layer=layer, target=target, relu=relu, upsample=False)
        tol = 1e-5 * float(want.abs().max()) + 1e-12
        if not torch.allclose(hires_cam_reference(A, G, relu), want, rtol=1e-4, atol=tol):
            raise RuntimeError(
                "hires_cam_reference disagrees with tscam.cam.hires_cam: report this."
            )
        cases.append({"activations": A, "gradients": G, "relu": relu})
        scale = max(scale, float(want.abs().max()))
    return check_callable(
        "HiResCAM from activations and gradients",
        fn,
        cases,
        hires_cam_reference,
        rtol=1e-4,
        atol=1e-5 * max(scale, 1e-12),
        hint="HiResCAM does not average the gradient over time: multiply the gradient and the "
        "activation at every channel and time step, then sum over channels; ReLU only if relu",
        success="your maps equal tscam.cam.hires_cam's at all three blocks, with and without ReLU",
    )
