"""Batched prediction with any of the course's models."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tscam._tensors import as_beats, eval_mode

as_input = as_beats
"""Beats as a float32 tensor of shape (n, 1, T) (accepts (n, T) or (n, 1, T), numpy or torch);
the package's one input conversion, :func:`tscam._tensors.as_beats`."""


@torch.no_grad()
def predict_logits(
    model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 1024
) -> torch.Tensor:
    """Logits for every beat, computed in eval mode and in batches (mode restored after)."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    xs = as_beats(x, allow_empty=True)
    with eval_mode(model), torch.no_grad():
        out = [
            model(xs[i : i + batch_size].to(device)).cpu() for i in range(0, len(xs), batch_size)
        ]
    return torch.cat(out) if out else torch.empty(0)


def predict(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 1024) -> np.ndarray:
    """Predicted class index for every beat."""
    return predict_logits(model, x, batch_size).argmax(1).numpy()
