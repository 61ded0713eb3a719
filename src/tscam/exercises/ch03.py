"""Checkers for the exercises of chapter 3 (class activation maps, CAM).

1. :func:`check_my_cam`: a from-scratch CAM, ``my_cam(features, weights, target)``, compared
   with :func:`tscam.cam.cam` on the learner's model and beats and on a small random FCN.
2. :func:`check_logits_from_cams`: every class's logit rebuilt from its CAM and the bias,
   ``y_c = b_c + mean_t M_c(t)``, compared with the model's own logits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from tscam.cam import cam, frozen
from tscam.exercises._core import CheckResult, check_array_close, check_callable
from tscam.models import FCN, predict_logits

__all__ = ["cam_reference", "check_logits_from_cams", "check_my_cam"]


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


def check_logits_from_cams(answer: Any, model: nn.Module, x: Any) -> CheckResult:
    """Exercise 2: ``answer`` (n, C) holds, for every beat of ``x`` and every class c, the logit
    rebuilt from CAM alone: ``b_c + mean_t M_c(t)``. Compared with the model's logits."""
    _require_fcn(model, x)
    want = predict_logits(model, x)
    scale = float(want.abs().max()) if want.numel() else 1.0
    return check_array_close(
        "logits from CAMs",
        answer,
        want,
        rtol=1e-4,
        atol=1e-4 * max(scale, 1.0),
        hint="for each class c: the mean over time of cam(model, x, target=c), plus "
        "model.classifier.bias[c]; stack the classes as columns, shape (n, C)",
        success="the mean of each CAM plus the bias is the model's logit, for every class",
    )
