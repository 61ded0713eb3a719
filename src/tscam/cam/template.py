"""The one template of the CAM family: hook the layer, get activations and gradients, weigh,
combine, upsample.

Every method of the family computes a map of the same form, for one sample::

    M(t) = sum_k w_k(t) * A_k(t)          (combine: weights times activations, summed over k)

where ``A_k(t)`` is channel k of the explained layer's output at step t. The methods differ only
in the weights ``w_k(t)``: Grad-CAM averages the gradient over time, HiResCAM keeps it
element-wise, Score-CAM measures the score of the masked input, ... (:mod:`tscam.cam.family`).
So a method is a function ``weigh(A, G) -> w`` of the activations A and the gradients
``G = dS/dA`` (both (n, K, T')), returning weights of shape (n, K, 1) (one per channel) or
(n, K, T') (one per channel and step), and this module does the rest:

- :func:`layer_terms`: A and G in one forward and one backward pass for the whole batch (the
  hooks of :func:`tscam.cam.capture`, removed on exit, also after an error);
- :func:`combine`: ``sum_k w_k(t) A_k(t)``;
- :func:`finish`: the optional ReLU, then the map resized to the input length
  (:func:`upsample_map`; for the LSTM's steps, :func:`tscam.cam.expand_steps`).

For a recurrent model with ``unrolled`` (the LSTM) and no layer, A and G are the hidden states
``h_t`` and their gradients ``dS/dh_t`` through the recurrence
(:func:`tscam.cam.lstm_step_gradients`), read as H channels over the S steps:
``A[:, k, t] = h_t[k]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from tscam.cam.checks import (
    LayerError,
    Target,
    check_activation,
    check_input,
    check_logits,
    check_score,
    check_target,
    layer_name,
    resolve_layer,
    resolve_targets,
    target_scores,
)
from tscam.cam.hooks import capture, frozen
from tscam.cam.lstm import _check_states, _unrolled_terms, expand_steps

__all__ = [
    "Terms",
    "Weigh",
    "combine",
    "finish",
    "layer_activations",
    "layer_terms",
    "upsample_map",
]

Weigh = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``weigh(A, G) -> w``: weights (n, K, 1) or (n, K, T') from activations and gradients."""


def upsample_map(maps: torch.Tensor, length: int) -> torch.Tensor:
    """Resize maps (n, T') to (n, length) by linear interpolation; unchanged if T' == length.

    ``F.interpolate(mode="linear", align_corners=False)`` treats samples as the centres of equal
    cells covering the same time span: map sample j sits at input position
    ``(j + 1/2) * length / T' - 1/2``, so with T' == length sample i sits over input sample i,
    and for a layer of stride 2 map sample j sits between input samples 2j and 2j + 1. Beyond
    the first and last centres the end values are held (no extrapolation).
    """
    if maps.shape[-1] == length:
        return maps
    return F.interpolate(maps[:, None], size=length, mode="linear", align_corners=False)[:, 0]


@dataclass(frozen=True)
class Terms:
    """What a CAM method is computed from: activations ``A`` and gradients ``G`` (n, K, T'),
    detached; the class per sample; the logits of the unperturbed input; whether the steps are
    the LSTM's (then maps are expanded over segments, not interpolated)."""

    A: torch.Tensor
    G: torch.Tensor | None
    targets: torch.Tensor
    logits: torch.Tensor | None
    steps: bool = False


def is_unrolled(model: nn.Module, layer: object) -> bool:
    """Whether the family reads the LSTM's steps: a model with ``unrolled`` and no layer given."""
    return layer is None and callable(getattr(model, "unrolled", None))


def _conv_layer(model: nn.Module, layer: nn.Module | str | None) -> nn.Module:
    module = resolve_layer(model, layer)
    if isinstance(module, nn.RNNBase):
        raise LayerError(
            f"Layer {layer_name(model, module)} is recurrent (its output is (batch, time, "
            "features)): leave layer=None to explain an LSTM with unrolled() over its steps, "
            "or use tscam.cam.naive_lstm_grad_cam."
        )
    return module


def layer_terms(
    model: nn.Module,
    x: torch.Tensor,
    layer: nn.Module | str | None = None,
    target: Target = None,
    score: str = "logit",
) -> Terms:
    """A and ``G = dS/dA`` at ``layer`` (default as in :func:`tscam.cam.grad_cam`), one forward
    and one backward pass for the whole batch: the targets' scores are summed before the
    backward, which is exact because samples do not interact in eval mode."""
    check_score(score)
    if is_unrolled(model, layer):
        x = check_input(model, x)
        targets = check_target(target, len(x), x.device)
        hidden, grads, targets = _unrolled_terms(model, x, targets, score)  # (n, S, H) each
        return Terms(hidden.transpose(1, 2), grads.transpose(1, 2), targets, None, steps=True)
    module = _conv_layer(model, layer)
    x = check_input(model, x)
    targets = check_target(target, len(x), x.device)
    with capture(model, module) as rec:
        logits = check_logits(model(x), len(x))
        check_activation(rec.activations, len(x), rec.calls, rec.name)
        targets = resolve_targets(targets, logits)
        S = target_scores(logits, targets, score)  # (n,): S_i = score of sample i's target
        G = rec.gradient_of(S.sum())  # (n, K, T'); sum is fine: samples are independent
    return Terms(rec.activations.detach(), G, targets, logits.detach())


def layer_activations(
    model: nn.Module,
    x: torch.Tensor,
    layer: nn.Module | str | None = None,
    target: Target = None,
) -> Terms:
    """A at ``layer`` and the targets, from one forward pass without gradients (``G`` is None).
    For the LSTM (``unrolled``, no layer): its hidden states over the steps."""
    x = check_input(model, x)
    targets = check_target(target, len(x), x.device)
    if is_unrolled(model, layer):
        with frozen(model), torch.no_grad():
            logits, states = model.unrolled(x)
            logits = check_logits(logits, len(x))
            hidden = torch.stack(_check_states(states, len(x)), dim=2)  # (n, H, S)
        return Terms(hidden, None, resolve_targets(targets, logits), logits, steps=True)
    module = _conv_layer(model, layer)
    with capture(model, module) as rec, torch.no_grad():
        logits = check_logits(model(x), len(x))
        check_activation(rec.activations, len(x), rec.calls, rec.name)
    return Terms(rec.activations.detach(), None, resolve_targets(targets, logits), logits)


def combine(weights: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """``M(t) = sum_k w_k(t) A_k(t)``: weights (n, K, 1) or (n, K, T'), activations (n, K, T')
    -> maps (n, T')."""
    return (weights * A).sum(dim=1)


def finish(
    maps: torch.Tensor, length: int, relu: bool, upsample: bool, steps: bool
) -> torch.Tensor:
    """The optional ReLU, then maps (n, T') resized to ``length`` (``upsample``): linear
    interpolation (:func:`upsample_map`), or each LSTM step repeated over its segment; float32."""
    if relu:
        maps = F.relu(maps)
    if upsample:
        maps = expand_steps(maps, length) if steps else upsample_map(maps, length)
    return maps.float()
