"""Torch helpers shared by prediction, explanation and evaluation (models and cam do not import
each other, so what both need lives here).

- :func:`as_beats`, the one conversion of user beats to a tensor: ``tscam.models.as_input`` is
  this function under its public name, and the evaluation modules call it at their entry points.
  (The explanation functions of ``tscam.cam`` take tensors only and check them with
  ``tscam.cam.checks.check_input``, whose errors point to ``as_input``.)
- :func:`eval_mode`, the one way to run a model in eval mode and give every module its mode back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["as_beats", "eval_mode"]


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode; each module's train/eval mode restored on exit (also after an error)."""
    modes = [(m, m.training) for m in model.modules()]
    try:
        if any(training for _, training in modes):
            model.eval()
        yield model
    finally:
        for m, training in modes:
            if m.training != training:  # only what changed (a module's setattr is not free)
                m.training = training


def as_beats(
    x: Any, device: torch.device | str | None = None, *, allow_empty: bool = False
) -> torch.Tensor:
    """Beats as a detached float32 tensor of shape (n, channels, T); (n, T) gets a channel axis.

    Accepts a numpy array, a nested list or a tensor. Raises ``ValueError``, naming the shape or
    the bad beats, for other shapes, for no beats at all (unless ``allow_empty``) and for NaN or
    inf values.
    """
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    t = t.to(torch.float32)
    if t.ndim == 2:
        t = t.unsqueeze(1)
    if t.ndim != 3 or (t.shape[0] == 0 and not allow_empty):
        raise ValueError(
            f"Expected beats of shape (n, T) or (n, channels, T) with n >= 1; got {tuple(t.shape)}."
        )
    if not bool(torch.isfinite(t).all()):
        bad = (~torch.isfinite(t)).flatten(1).any(1).nonzero().flatten().tolist()
        raise ValueError(
            f"The beats contain NaN or inf values (beat(s) {bad[:10]}"
            f"{' ...' if len(bad) > 10 else ''}); remove or repair those beats first."
        )
    return t.to(device) if device is not None else t
