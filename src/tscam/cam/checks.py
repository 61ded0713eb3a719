"""Input validation for :mod:`tscam.cam`: every mistake is caught early, with a message that says
what is wrong and how to fix it.

The error classes subclass ``ValueError`` or ``TypeError``, so ``except ValueError`` still works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

Target = None | int | Sequence[int] | np.ndarray | torch.Tensor
"""A class per sample: ``None`` (the predicted class), one int for all, or n ints."""

SCORES = ("logit", "softmax", "log_softmax")


class InputError(ValueError):
    """``x`` has the wrong shape, is empty, or contains NaN or inf."""


class InputTypeError(TypeError):
    """``x`` is not a floating-point ``torch.Tensor``."""


class LayerError(ValueError):
    """The layer is not in the model, or its output is not (batch, channels, time)."""


class TargetError(ValueError):
    """A target class is out of range, or there is not one target per sample."""


class ArchitectureError(TypeError):
    """The model lacks the structure a method needs (e.g. CAM needs features -> GAP -> Linear)."""


def check_input(model: nn.Module, x: object) -> torch.Tensor:
    """``x`` as a detached tensor of shape (n, C, T), in the dtype of the model's parameters.

    Raises :class:`InputTypeError` or :class:`InputError` with the fix in the message.
    """
    how = (
        "Convert beats with `tscam.models.as_input(x)`, which turns a numpy array or tensor of "
        "shape (n, T) or (n, 1, T) into a float32 tensor of shape (n, 1, T)."
    )
    if not isinstance(x, torch.Tensor):
        raise InputTypeError(
            f"x must be a torch.Tensor of shape (n, C, T), got {type(x).__name__}. {how}"
        )
    if not x.is_floating_point():
        raise InputTypeError(
            f"x must be a floating-point tensor, got dtype {x.dtype}. Use x.float()."
        )
    if x.ndim != 3:
        raise InputError(
            f"x must have shape (n, C, T) = (batch, channels, time), got {tuple(x.shape)}. {how}"
        )
    if x.shape[0] == 0 or x.shape[2] == 0:
        raise InputError(f"x is empty (shape {tuple(x.shape)}): give at least one sample.")
    if not bool(torch.isfinite(x).all()):
        bad = (~torch.isfinite(x)).flatten(1).any(1).nonzero().flatten().tolist()
        raise InputError(
            f"x contains NaN or inf in sample(s) {bad[:10]}{' ...' if len(bad) > 10 else ''}: "
            "remove or repair those samples (e.g. torch.nan_to_num) before explaining them."
        )
    first_conv = next((m for m in model.modules() if isinstance(m, nn.Conv1d)), None)
    if first_conv is not None and first_conv.in_channels != x.shape[1]:
        raise InputError(
            f"The model's first Conv1d expects {first_conv.in_channels} input channel(s), but x "
            f"has {x.shape[1]} (shape {tuple(x.shape)}, read as (n, C, T)). {how}"
        )
    param = next(model.parameters(), None)
    if param is not None:
        if param.device != x.device:
            raise InputError(
                f"x is on {x.device} but the model is on {param.device}: move one of them, "
                f"e.g. x = x.to({str(param.device)!r})."
            )
        x = x.to(param.dtype)
    return x.detach()


def check_target(target: Target, n: int, device: torch.device) -> torch.Tensor | None:
    """``target`` as an int64 tensor of n classes on ``device`` (``None`` stays ``None``).

    The range is checked later, by :func:`check_target_range`, once the number of classes is known.
    """
    if target is None:
        return None
    if isinstance(target, bool):
        raise TargetError("target must be None, an int, or n ints; got a bool.")
    if isinstance(target, (int, np.integer)):
        return torch.full((n,), int(target), dtype=torch.int64, device=device)
    if isinstance(target, torch.Tensor):
        t = target.detach()
    elif isinstance(target, (Sequence, np.ndarray)) and not isinstance(target, str):
        t = torch.as_tensor(np.asarray(target))
    else:
        raise TargetError(
            f"target must be None (predicted class), an int, or a sequence of n ints; "
            f"got {type(target).__name__}."
        )
    if t.ndim == 0:
        t = t.reshape(1).expand(n)
    if t.is_floating_point() or t.dtype == torch.bool or t.is_complex():
        raise TargetError(f"target classes must be integers, got dtype {t.dtype}.")
    if t.ndim != 1 or t.shape[0] != n:
        raise TargetError(
            f"target must hold one class per sample: expected shape ({n},), got {tuple(t.shape)}. "
            "Give one int for all samples, or a sequence of n ints."
        )
    return t.to(device=device, dtype=torch.int64)


def check_target_range(targets: torch.Tensor, n_classes: int) -> None:
    """Every target must be a class index in [0, n_classes)."""
    bad = ((targets < 0) | (targets >= n_classes)).nonzero().flatten()
    if len(bad):
        i = int(bad[0])
        raise TargetError(
            f"target class {int(targets[i])} (sample {i}) is out of range: the model has "
            f"{n_classes} classes, so targets must lie in 0..{n_classes - 1}."
        )


def target_scores(
    logits: torch.Tensor, targets: torch.Tensor, score: str = "logit"
) -> torch.Tensor:
    """S_i: sample i's score for its own target class, shape (n,)."""
    if score == "softmax":
        scores = logits.softmax(dim=1)
    elif score == "log_softmax":
        scores = logits.log_softmax(dim=1)
    else:
        scores = logits
    return scores.gather(1, targets[:, None])[:, 0]


def resolve_targets(targets: torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor:
    """The given targets (range-checked), or the predicted class of each sample."""
    if targets is None:
        return logits.detach().argmax(dim=1)
    check_target_range(targets, logits.shape[1])
    return targets


def check_score(score: str) -> None:
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}.")


def check_logits(logits: object, n: int) -> torch.Tensor:
    """The model's output must be class scores of shape (n, n_classes)."""
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[0] != n:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ArchitectureError(
            f"The model must return class scores of shape (n, n_classes) = ({n}, ...); got {shape}."
        )
    return logits


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names of the Conv1d layers and of the modules that contain one (e.g. 'block2')."""
    return [
        name
        for name, module in model.named_modules()
        if name and any(isinstance(m, nn.Conv1d) for m in module.modules())
    ]


def layer_name(model: nn.Module, layer: nn.Module) -> str:
    """The dotted name of ``layer`` inside ``model`` (for messages)."""
    return next((name for name, m in model.named_modules() if m is layer), type(layer).__name__)


def resolve_layer(model: nn.Module, layer: nn.Module | str | None) -> nn.Module:
    """The module to explain: ``layer`` itself, its dotted name, or the model's default.

    Default: ``model.last_conv_block`` if the model has it, else the last ``nn.Conv1d``.
    """
    available = conv_layer_names(model)
    if layer is None:
        default = getattr(model, "last_conv_block", None)
        if isinstance(default, nn.Module):
            return default
        convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
        if not convs:
            raise LayerError(
                f"{type(model).__name__} has no Conv1d layer, so there is no default layer for "
                "Grad-CAM: pass layer= (a module of the model or its dotted name)."
            )
        return convs[-1]
    if isinstance(layer, str):
        modules = dict(model.named_modules())
        if layer not in modules or layer == "":
            raise LayerError(
                f"The model has no layer named {layer!r}. Conv layers available: {available}."
            )
        return modules[layer]
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()):
            raise LayerError(
                f"The given {type(layer).__name__} is not a layer of this model (a copy, or a "
                f"layer of another model?). Conv layers available: {available}."
            )
        return layer
    raise LayerError(
        f"layer must be an nn.Module, a dotted name or None, got {type(layer).__name__}."
    )


def check_activation(activations: torch.Tensor | None, n: int, calls: int, layer: str) -> None:
    """The hooked layer ran exactly once and produced (n, channels, time)."""
    if activations is None or calls == 0:
        raise LayerError(
            f"Layer {layer} did not run in the model's forward pass: pick another layer."
        )
    if calls > 1:
        raise LayerError(
            f"Layer {layer} ran {calls} times in one forward pass (a shared module): Grad-CAM "
            "needs a layer that runs once. Pick a layer that is not reused."
        )
    if activations.ndim != 3 or activations.shape[0] != n:
        raise LayerError(
            f"The output of layer {layer} has shape {tuple(activations.shape)}; Grad-CAM needs "
            f"(batch, channels, time) = ({n}, C, T'). Pick a convolutional layer or block."
        )


def onset_indices(onset: Any, n: int, length: int, device: Any = None) -> torch.Tensor:
    """``onset`` (n,) as an int64 tensor: each beat's first kept sample (the samples before it,
    the masked previous beat, are never to be perturbed). Raises ValueError for a wrong shape,
    a non-integer dtype or an index outside the beat."""
    arr = np.asarray(onset.detach().cpu() if isinstance(onset, torch.Tensor) else onset)
    if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"onset must hold one integer index per beat, shape ({n},); got "
            f"{arr.dtype} of shape {arr.shape}."
        )
    if n and (arr.min() < 0 or arr.max() >= length):
        raise ValueError(
            f"onset must lie in 0..{length - 1} (a sample of the beat); got "
            f"{int(arr.min())}..{int(arr.max())}."
        )
    return torch.as_tensor(arr, dtype=torch.int64, device=device)
