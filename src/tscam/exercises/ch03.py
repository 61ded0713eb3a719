"""Checkers for the exercises of chapter 3 (class activation maps, CAM).

1. :func:`check_my_cam`: a from-scratch CAM, ``my_cam(features, weights, target)``, compared
   with :func:`tscam.cam.cam` on the learner's model and beats and on a small random FCN.
2. :func:`check_logits_from_cams`: a function that rebuilds every class's logit from its CAM,
   its rhythm term and the bias, ``y_c = mean_t M_c(t) + rho_c(r) + b_c``, checked on the
   model's CAMs (against its own logits) and on made-up parts that come from no model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from tscam.cam import cam, frozen
from tscam.exercises._core import CheckResult, check_callable
from tscam.models import FCN, decompose_logits

__all__ = [
    "cam_reference",
    "check_logits_from_cams",
    "check_my_cam",
    "logits_from_cams_reference",
]


def cam_reference(
    features: torch.Tensor, weights: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """``M_c(t) = sum_k w_ck A_k(t)`` for each sample's class ``c = target[i]``: (n, T)."""
    return torch.einsum("nk,nkt->nt", weights[target], features)


def _require_fcn(model: Any, x: Any) -> None:
    if not (
        callable(getattr(model, "features", None))
        and isinstance(getattr(model, "classifier", None), nn.Linear)
    ):
        raise TypeError("model must be an FCN (features -> GAP -> Linear), e.g. fcn-inter.")
    if not isinstance(x, torch.Tensor) or x.ndim != 3:
        raise TypeError("x must be a tensor of beats of shape (n, 1, T), e.g. beats.tensor().")


def _case(model: nn.Module, x: torch.Tensor, target: Any) -> tuple[tuple, torch.Tensor]:
    """The learner's arguments (features, weights, targets) and tscam.cam.cam's answer."""
    with frozen(model), torch.no_grad():
        features = model.features(x)
        logits = model(x)
    weights = model.classifier.weight.detach()
    if target is None:
        targets = logits.argmax(dim=1)
    else:
        targets = torch.full((len(x),), int(target), dtype=torch.int64)
    want = cam(model, x, targets)
    return (features, weights, targets), want


def check_my_cam(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any], model: nn.Module, x: Any
) -> CheckResult:
    """Exercise 1: ``fn(features, weights, target)`` returns the class activation maps.

    ``features``: (n, K, T), ``model.features(x)``; ``weights``: (C, K),
    ``model.classifier.weight``; ``target``: (n,) int64, one class per beat. Expected: (n, T),
    ``M(t) = sum_k weights[target[i], k] * features[i, k, t]``. Checked on ``model`` and ``x``
    (predicted classes, then class 2 = V for all beats) and on a small random FCN with other
    sizes, each against :func:`tscam.cam.cam`.
    """
    _require_fcn(model, x)
    x = x[:16]
    generator = torch.Generator().manual_seed(3)
    small = FCN(n_classes=3, filters=(6, 10, 7), kernels=(5, 3, 3))
    with torch.no_grad():
        for p in small.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.5)
    x_small = torch.randn(4, 1, 40, generator=generator)
    cases, wanted = [], []
    for m, xs, target in ((model, x, None), (model, x, 2), (small, x_small, None)):
        args, want = _case(m, xs, target)
        # the reference below is what the learner's function is compared with: guard that it
        # agrees with the package's CAM (a failure here is a bug in the course, not the answer)
        if not torch.allclose(cam_reference(*args), want, rtol=1e-4, atol=1e-4):
            raise RuntimeError("cam_reference disagrees with tscam.cam.cam: please report this.")
        cases.append(args)
        wanted.append(want)
    return check_callable(
        "CAM from scratch",
        fn,
        cases,
        cam_reference,
        rtol=1e-4,
        atol=1e-4,
        hint="for beat i, take the weight row of its class, weights[target[i]] (K values), "
        "multiply each feature map features[i, k] by its weight and sum over k",
        success="your maps equal tscam.cam.cam's on the shipped model and on a random FCN",
    )


def logits_from_cams_reference(
    cams: torch.Tensor, rhythm_term: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """``y_c = mean_t M_c(t) + rho_c(r) + b_c``: CAMs (n, C, T), rhythm terms (n, C) and biases
    (C,) -> logits (n, C)."""
    return torch.as_tensor(cams).mean(dim=-1) + torch.as_tensor(rhythm_term) + torch.as_tensor(bias)


def check_logits_from_cams(
    fn: Callable[..., Any], model: nn.Module, x: Any, rhythm: Any
) -> CheckResult:
    """Exercise 2: ``fn(cams, rhythm_term, bias)`` rebuilds the logits (n, C) from the CAMs of
    every class, ``cams`` (n, C, T) with ``cams[:, c] = cam(model, x, target=c)``, the rhythm
    terms ``rho_c(r)`` of each beat (n, C) and the classifier's ``bias`` (C,). Checked on the
    first 40 beats of ``x`` with their ``rhythm`` features (the result must equal the model's
    logits ``model(x, rhythm)``) and on made-up CAMs, rhythm terms and biases that come from no
    model, so that only the identity ``y_c = mean_t M_c(t) + rho_c(r) + b_c`` passes, not a call
    to the model; a function that leaves out the rhythm term fails on the real beats."""
    _require_fcn(model, x)
    if not int(getattr(model, "n_rhythm", 0)):
        raise TypeError("model must have a rhythm head (n_rhythm > 0), e.g. fcn-inter.")
    x = x[:40]
    r = torch.as_tensor(np.asarray(rhythm, dtype=np.float32))[:40]
    with frozen(model), torch.no_grad():
        n_classes = model.classifier.out_features
        cams = torch.stack([cam(model, x, target=c) for c in range(n_classes)], dim=1)
        bias = model.classifier.bias.detach().clone()
        want = model(x, r)
    rho = torch.as_tensor(decompose_logits(model, x, r).rhythm)
    if not torch.allclose(logits_from_cams_reference(cams, rho, bias), want, rtol=1e-4, atol=1e-3):
        raise RuntimeError("the CAM identity does not hold for this model: please report this.")
    generator = torch.Generator().manual_seed(16)
    cases = [
        (cams, rho, bias),
        (
            torch.randn(3, 4, 50, generator=generator),
            torch.randn(3, 4, generator=generator),
            torch.randn(4, generator=generator),
        ),
        (
            torch.randn(2, 5, 88, generator=generator) * 3,
            torch.randn(2, 5, generator=generator) * 2,
            torch.zeros(5),
        ),
    ]
    scale = float(want.abs().max()) if want.numel() else 1.0
    return check_callable(
        "logits from CAMs",
        fn,
        cases,
        logits_from_cams_reference,
        rtol=1e-4,
        atol=1e-4 * max(scale, 1.0),
        hint="for each beat and class: the mean over time (the last axis) of the CAM, plus "
        "that beat's rhythm term of the class, plus the bias of the class; shape (n, C)",
        success="the mean of each CAM plus the rhythm term plus the bias is the logit, for "
        "every class and beat",
    )
