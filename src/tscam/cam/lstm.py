"""Grad-CAM over the time steps of an LSTM, and the naive version that fails.

The LSTM reads a beat as S steps (11 segments of 8 samples); ``h_t`` (H numbers) is its hidden
state after step t. Grad-CAM treats the steps as the time axis and the hidden units as channels::

    alpha_tk = dS/dh_t[k]                              (each step's own gradient)
    L(t)     = ReLU( sum_k alpha_tk * h_t[k] )          (one value per step)

and ``expand=True`` repeats L(t) over the samples of segment t (a map of the input length,
constant over each segment). L(t) is the first-order contribution of step t's state to the
score. This per-step weighting (``weighting="step"``, the default) is the course's choice: an
LSTM's hidden state at step t summarises the whole prefix up to t, so the gradient at step t,
not an average over steps, says how much that summary matters. ``weighting="mean"`` is the
literal transfer of Grad-CAM's spatial average, ``alpha_k = (1/S) sum_t dS/dh_t[k]``.

The pitfall. ``dS/dh_t`` must be the derivative *through the recurrence*: h_t feeds step t+1,
which feeds step t+2, ... up to the score. ``nn.LSTM`` computes all steps in one fused call and
returns ``output[:, t]`` as copies; the classifier reads only ``output[:, -1]``, so autograd sees
no path from the score to ``output[:, t]`` for t < S-1, and that gradient is exactly zero.
:func:`naive_lstm_grad_cam` hooks ``output`` to show it: only the last step's gradient is
non-zero, so the naive map is exactly zero before the last segment (with ``weighting="mean"``
it is not zero, but all its weights come from the last step alone).

:func:`lstm_grad_cam` instead uses the model's ``unrolled(x)``, which runs the same recurrence
step by step and returns the states ``(h_0, ..., h_{S-1})`` as a tuple: every h_t is an
autograd node that the next step consumes, and ``torch.autograd.grad(score, states)`` gives
all the ``dS/dh_t`` at once. A model that also has ``state_gradients(x, seed)``
(:class:`tscam.models.LSTMClassifier`) gives the same values from the backward pass written out
(:mod:`tscam.models.lstm_backward`), without recording the steps for autograd; that path is
used when it is there, and the tests check the two against each other.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn import functional as F

from tscam.cam.checks import (
    ArchitectureError,
    Target,
    check_input,
    check_logits,
    check_score,
    check_target,
    resolve_targets,
    target_scores,
)
from tscam.cam.hooks import capture, frozen

WEIGHTINGS = ("mean", "step")


def lstm_step_gradients(
    model: nn.Module,
    x: torch.Tensor,
    target: Target = None,
    score: str = "logit",
    naive: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hidden states ``h_t`` and gradients ``dS/dh_t``, both (n, S, H), float32 on x's device.

    ``naive=False``: through the recurrence, from ``model.state_gradients`` if the model has it,
    else by autograd through ``model.unrolled``. ``naive=True``: with respect
    to the output tensor of ``model.lstm`` in ``model.forward`` (zero for every step but the last).
    """
    check_score(score)
    x = check_input(model, x)
    targets = check_target(target, len(x), x.device)
    hidden, grads, _ = (_naive_terms if naive else _unrolled_terms)(model, x, targets, score)
    return hidden.float(), grads.float()


def _unrolled_terms(
    model: nn.Module, x: torch.Tensor, targets: torch.Tensor | None, score: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hidden states and gradients (n, S, H) through the recurrence, and the targets (n,)."""
    if not callable(getattr(model, "unrolled", None)):
        raise ArchitectureError(
            f"lstm_grad_cam needs a model with unrolled(x) -> (logits, per-step hidden states), "
            f"like tscam.models.LSTMClassifier; {type(model).__name__} has none."
        )
    if callable(getattr(model, "state_gradients", None)):
        return _written_out_terms(model, x, targets, score)
    with frozen(model), torch.enable_grad():
        # No parameter requires grad, so let the input do it: autograd then records the recurrence.
        logits, states = model.unrolled(x.requires_grad_())
        logits = check_logits(logits, len(x))
        states = _check_states(states, len(x))
        targets = resolve_targets(targets, logits)
        S = target_scores(logits, targets, score)  # (n,)
        grads = torch.autograd.grad(S.sum(), states)  # dS/dh_t, t = 0..S-1
    return torch.stack(states, dim=1).detach(), torch.stack(grads, dim=1), targets


def _written_out_terms(
    model: nn.Module, x: torch.Tensor, targets: torch.Tensor | None, score: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """As :func:`_unrolled_terms`, from ``model.state_gradients`` (the backward pass written
    out, :mod:`tscam.models.lstm_backward`): the same values, no autograd graph of the steps."""
    resolved: list[torch.Tensor] = []

    def seed(logits: torch.Tensor) -> torch.Tensor:  # dS/dlogits
        logits = check_logits(logits, len(x))
        resolved.append(resolve_targets(targets, logits))
        with torch.enable_grad():
            leaf = logits.detach().requires_grad_()
            S = target_scores(leaf, resolved[0], score)
            return torch.autograd.grad(S.sum(), leaf)[0]

    with frozen(model):
        _, hidden, grads = model.state_gradients(x, seed)
    if not resolved:
        raise ArchitectureError(
            f"{type(model).__name__}.state_gradients(x, seed) must call seed(logits) once, as "
            "tscam.models.LSTMClassifier does."
        )
    ok = all(isinstance(v, torch.Tensor) and v.ndim == 3 for v in (hidden, grads))
    if not ok or hidden.shape != grads.shape or hidden.shape[0] != len(x):
        raise ArchitectureError(
            "model.state_gradients(x, seed) must return (logits, states, gradients) with states "
            "and gradients of shape (n, S, H), as tscam.models.LSTMClassifier does."
        )
    return hidden, grads, resolved[0]


def _check_states(states: object, n: int) -> tuple[torch.Tensor, ...]:
    ok = (
        isinstance(states, (tuple, list))
        and len(states) > 0
        and all(isinstance(h, torch.Tensor) and h.ndim == 2 and h.shape[0] == n for h in states)
    )
    if not ok:
        raise ArchitectureError(
            "model.unrolled(x) must return (logits, states) with states a tuple of the per-step "
            "hidden states h_t, each of shape (n, H), as tscam.models.LSTMClassifier does."
        )
    return tuple(states)


def _naive_terms(
    model: nn.Module, x: torch.Tensor, targets: torch.Tensor | None, score: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lstm = getattr(model, "lstm", None)
    if not isinstance(lstm, nn.RNNBase):
        raise ArchitectureError(
            f"naive_lstm_grad_cam needs a model whose `lstm` attribute is an nn.LSTM; "
            f"{type(model).__name__} has none."
        )
    # cuDNN refuses an RNN backward in eval mode; off on the GPU (no effect on the CPU).
    no_cudnn = torch.backends.cudnn.flags(enabled=False) if x.is_cuda else contextlib.nullcontext()
    with no_cudnn, capture(model, lstm) as rec:
        logits = check_logits(model(x), len(x))
        targets = resolve_targets(targets, logits)
        S = target_scores(logits, targets, score)
        grads = rec.gradient_of(S.sum())  # dS/d output[:, t]: zero for every t but the last
    return rec.activations.detach(), grads, targets


def step_maps(
    hidden: torch.Tensor, grads: torch.Tensor, relu: bool = True, weighting: str = "step"
) -> torch.Tensor:
    """Maps over steps (n, S) from hidden states and gradients (n, S, H)."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}.")
    if weighting == "mean":
        alpha = grads.mean(dim=1, keepdim=True)  # alpha_k = mean_t dS/dh_t[k], (n, 1, H)
    else:
        alpha = grads  # alpha_tk = dS/dh_t[k], (n, S, H)
    maps = torch.linalg.vecdot(alpha, hidden)  # sum_k alpha_k h_t[k], (n, S)
    return F.relu(maps) if relu else maps


def expand_steps(maps: torch.Tensor, length: int) -> torch.Tensor:
    """Repeat each step's value over its segment: (n, S) -> (n, length), length = S * segment."""
    steps = maps.shape[1]
    if length % steps:
        raise ValueError(f"Cannot expand {steps} steps to {length} samples: not a multiple.")
    return maps.repeat_interleave(length // steps, dim=1)


def lstm_grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    target: Target = None,
    relu: bool = True,
    expand: bool = True,
    score: str = "logit",
    weighting: str = "step",
) -> torch.Tensor:
    """Grad-CAM over LSTM steps, gradients through the recurrence (``model.unrolled``).

    ``ReLU(sum_k alpha_tk h_t[k])`` with ``alpha_tk = dS/dh_t[k]`` (``weighting="mean"``:
    ``alpha_k = mean_t dS/dh_t[k]`` for every step). Shape (n, S), or (n, T) with
    ``expand=True`` (each step repeated over its segment). ``target`` and ``score`` as in
    :func:`tscam.cam.grad_cam`.
    """
    hidden, grads = lstm_step_gradients(model, x, target, score, naive=False)
    maps = step_maps(hidden, grads, relu, weighting)
    return expand_steps(maps, x.shape[-1]) if expand else maps


def naive_lstm_grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    target: Target = None,
    relu: bool = True,
    expand: bool = True,
    score: str = "logit",
    weighting: str = "step",
) -> torch.Tensor:
    """The same formula, hooked on ``nn.LSTM``'s output: shows the pitfall (module docstring).

    ``dS/d output[:, t] = 0`` for t < S-1, so the map is exactly zero before the last segment
    (with ``weighting="mean"`` only the last step informs the weights).
    """
    hidden, grads = lstm_step_gradients(model, x, target, score, naive=True)
    maps = step_maps(hidden, grads, relu, weighting)
    return expand_steps(maps, x.shape[-1]) if expand else maps
