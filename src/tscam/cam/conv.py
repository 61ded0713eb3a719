"""CAM and Grad-CAM for 1-D convolutional networks.

Notation (one sample; the code does a whole batch at once): the explained layer outputs feature
maps ``A_k(t)``, k = 1..K channels, t = 1..T' time steps; ``y_c`` is the logit of class c.

CAM (Zhou et al. 2016), for a network ``features -> global average pooling -> Linear``::

    y_c = b_c + sum_k w_ck * (1/T) sum_t A_k(t)      (the network)
    M_c(t) = sum_k w_ck * A_k(t)                      (the class activation map)

so that ``y_c = b_c + mean_t M_c(t)``: the map says where in time the score is earned.

Grad-CAM (Selvaraju et al. 2019), for any layer of any differentiable network::

    alpha_k = (1/T') sum_t dS/dA_k(t)                 (channel weights: time-averaged gradient)
    L(t)    = ReLU( sum_k alpha_k * A_k(t) )          (the map; relu=False keeps the sign)

For the FCN at its last block, dy_c/dA_k(t) = w_ck / T, hence Grad-CAM = ReLU(CAM) / T exactly.

Which score S? The logit y_c by default. The softmax p_c = exp(y_c) / sum_j exp(y_j) couples
the classes: dp_c/dA depends on every other class's score, and it vanishes as p_c -> 1
(dp_c/dy_c = p_c (1 - p_c)), so confidently classified beats get near-zero, noisy maps.
``score="softmax"`` and ``score="log_softmax"`` are there to show this.
"""

from __future__ import annotations

import torch
from torch import nn

from tscam.cam.checks import (
    ArchitectureError,
    Target,
    check_input,
    check_target,
    resolve_targets,
)
from tscam.cam.hooks import frozen
from tscam.cam.lstm import lstm_grad_cam
from tscam.cam.template import combine, finish, is_unrolled, layer_terms, upsample_map

__all__ = ["cam", "grad_cam", "grad_cam_weights", "upsample_map"]


def cam(model: nn.Module, x: torch.Tensor, target: Target = None) -> torch.Tensor:
    """Class activation maps ``M_c(t) = sum_k w_ck A_k(t)``, shape (n, T): no bias, ReLU, scaling.

    ``model`` must have ``features(x)`` -> (n, K, T) whose time average feeds ``classifier``
    (an ``nn.Linear``), like :class:`tscam.models.FCN`. ``target``: None (each sample's predicted
    class), one int, or n ints. Runs in eval mode (restored after); returns float32 on x's device.
    """
    classifier = getattr(model, "classifier", None)
    if not callable(getattr(model, "features", None)) or not isinstance(classifier, nn.Linear):
        raise ArchitectureError(
            f"CAM needs a model with features(x) -> (n, channels, time), global average pooling, "
            f"and an nn.Linear `classifier`; {type(model).__name__} lacks them. Use "
            "tscam.cam.grad_cam, which works for any layer of any differentiable model."
        )
    x = check_input(model, x)
    targets = check_target(target, len(x), x.device)
    with frozen(model), torch.no_grad():
        A = model.features(x)  # (n, K, T)
        if A.ndim != 3 or A.shape[1] != classifier.in_features:
            raise ArchitectureError(
                f"features(x) has shape {tuple(A.shape)}, but CAM needs (n, K, T) with K = "
                f"{classifier.in_features} (the classifier's inputs). Use tscam.cam.grad_cam."
            )
        logits = classifier(A.mean(dim=2))  # y_c = b_c + sum_k w_ck mean_t A_k(t)
        _check_gap(model, x, logits)
        targets = resolve_targets(targets, logits)
        w = classifier.weight[targets]  # (n, K): w_ck for each sample's class c
        maps = torch.einsum("nk,nkt->nt", w, A)  # M_c(t) = sum_k w_ck A_k(t), (n, T)
    return maps.float()


def _check_gap(model: nn.Module, x: torch.Tensor, logits: torch.Tensor) -> None:
    """CAM is only exact if the model's output is classifier(mean_t features): test one sample."""
    expected = model(x[:1])
    tol = 1e-4 * max(1.0, float(expected.abs().max()))
    if expected.shape != logits[:1].shape or not torch.allclose(expected, logits[:1], atol=tol):
        raise ArchitectureError(
            f"{type(model).__name__}'s output is not classifier(mean over time of features(x)): "
            "CAM needs global average pooling followed by the Linear classifier. "
            "Use tscam.cam.grad_cam instead."
        )


def grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: nn.Module | str | None = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "logit",
) -> torch.Tensor:
    """Grad-CAM maps ``ReLU(sum_k alpha_k A_k(t))``, ``alpha_k = mean_t dS/dA_k(t)``: shape (n, T).

    ``layer``: a module of ``model`` or its dotted name (e.g. ``"block2"``); default
    ``model.last_conv_block`` (else the last Conv1d). For a recurrent model with ``unrolled``
    (the LSTM) and no layer, this is :func:`tscam.cam.lstm_grad_cam` (``upsample`` -> ``expand``).
    ``target``: None (predicted class), one int, or n ints, one per sample.
    ``relu=False`` keeps negative evidence. ``upsample=True`` resizes maps of another length
    to the input length (see :func:`upsample_map`); else maps have the layer's length T'.
    ``score``: "logit" (default), "softmax" or "log_softmax". Not the softmax by default: it
    couples the classes (its gradient depends on every other class's score) and saturates, so
    confidently predicted beats get vanishing gradients and flat maps (see the module docstring).

    One forward and one backward pass for the whole batch: the targets' scores are summed before
    the backward, which is exact because samples do not interact in eval mode. The backward runs
    from the scores to the layer only (see :mod:`tscam.cam.hooks`). Returns float32 on x's device.
    """
    if is_unrolled(model, layer):
        return lstm_grad_cam(model, x, target=target, relu=relu, expand=upsample, score=score)
    terms = layer_terms(model, x, layer, target, score)
    alpha = grad_cam_weights(terms.A, terms.G)  # alpha_k = mean_t dS/dA_k(t), (n, K, 1)
    maps = combine(alpha, terms.A)  # sum_k alpha_k A_k(t), (n, T')
    return finish(maps, x.shape[-1], relu, upsample, steps=False)


def grad_cam_weights(A: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """Grad-CAM's channel weights ``alpha_k = mean_t dS/dA_k(t)``, shape (n, K, 1)."""
    return G.mean(dim=2, keepdim=True)
