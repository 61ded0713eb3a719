"""Helpers shared by the evaluation modules: input checks, targets, baselines, model mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from tscam._arrays import to_numpy  # noqa: F401  (re-exported for the evaluate modules)
from tscam._tensors import (
    as_beats,  # noqa: F401  (re-exported for the evaluate modules)
    eval_mode,
)
from tscam.cam import checks as cam_checks
from tscam.cam.checks import TargetError
from tscam.methods.registry import is_recurrent
from tscam.perturbation import baseline_rows  # noqa: F401  (re-exported)

ArrayLike = np.ndarray | torch.Tensor


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's parameters (CPU for a model without parameters)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def as_maps(maps: Any, n: int, length: int, device: torch.device | None = None) -> torch.Tensor:
    """Maps as a float32 tensor (n, T), checked against the beats they explain."""
    m = maps.detach() if isinstance(maps, torch.Tensor) else torch.as_tensor(np.asarray(maps))
    m = m.to(torch.float32)
    if m.ndim == 3 and m.shape[1] == 1:
        m = m[:, 0]
    if tuple(m.shape) != (n, length):
        raise ValueError(
            f"maps must have shape (n, T) = ({n}, {length}), one value per sample of each beat; "
            f"got {tuple(m.shape)}. (Expand LSTM segment maps to the beat length first.)"
        )
    if not torch.isfinite(m).all():
        raise ValueError("The maps contain NaN or inf values.")
    return m.to(device) if device is not None else m


@contextlib.contextmanager
def evaluation(model: nn.Module, gradients: bool = False) -> Iterator[None]:
    """Run ``model`` in eval mode and restore its train/eval mode afterwards (also on errors).

    With ``gradients=True`` on CUDA, cuDNN is switched off for models with an RNN: cuDNN can
    backpropagate through an LSTM only in training mode, and we explain the model in eval mode.
    """
    use_cuda = model_device(model).type == "cuda"
    flags = (
        torch.backends.cudnn.flags(enabled=False)
        if gradients and use_cuda and is_recurrent(model)
        else contextlib.nullcontext()
    )
    with eval_mode(model), flags:
        yield


@torch.no_grad()
def logits_of(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Logits (n, classes) of a batch of beats, in chunks of ``batch_size``, without gradients."""
    return torch.cat([model(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)])


def check_target(target: Any, n: int, n_classes: int, device: torch.device) -> torch.Tensor:
    """A class index per beat, shape (n,) int64, from an int or a sequence of n ints, each in
    0..n_classes - 1 (the checks of :mod:`tscam.cam.checks`, shared with the CAM methods)."""
    if target is None:
        raise TargetError("target must be an int or one int per beat here, not None.")
    t = cam_checks.check_target(target, n, device)
    cam_checks.check_target_range(t, n_classes)
    return t.clone()


def resolve_target(
    model: nn.Module, x: torch.Tensor, target: Any = None, batch_size: int = 512
) -> torch.Tensor:
    """``target`` as one class per beat; ``None`` means the class the model predicts."""
    if target is None:
        return logits_of(model, x, batch_size).argmax(1)
    n_classes = logits_of(model, x[:1]).shape[1]
    return check_target(target, x.shape[0], n_classes, x.device)
