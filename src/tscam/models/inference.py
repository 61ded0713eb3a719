"""Batched prediction with any of the course's models."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from tscam._tensors import as_beats, eval_mode
from tscam.models.rhythm import check_rhythm

as_input = as_beats
"""Beats as a float32 tensor of shape (n, 1, T) (accepts (n, T) or (n, 1, T), numpy or torch);
the package's one input conversion, :func:`tscam._tensors.as_beats`."""


def model_inputs(
    model: nn.Module, beats: Any, rhythm: Any = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(x, rhythm)`` for ``model``: ``beats`` is a beats object (its ``x`` and, for a model
    with a rhythm head, its ``rhythm``) or an array of windows with ``rhythm`` given apart.
    Raises ``ValueError`` when a model with a rhythm head gets no rhythm features."""
    if rhythm is None and int(getattr(model, "n_rhythm", 0)) and hasattr(beats, "rr"):
        if beats.rr is None:
            raise ValueError(
                f"This {type(model).__name__} adds a rhythm term to its logits and needs the "
                "beats' rhythm features, but these beats carry no RR features (rr=None). Load "
                "them with tscam.data.load_beats, or pass rr= (n, 4) RR intervals in seconds."
            )
        rhythm = beats.rhythm
    is_beats = hasattr(beats, "x") and hasattr(beats, "y")
    windows = beats.x if is_beats else beats
    if is_beats and int(getattr(model, "config", {}).get("in_channels", 1)) == 3:
        if getattr(beats, "template", None) is None:
            raise ValueError(
                "This model reads three channels (the beat, the patient's dominant beat and "
                "their difference), but the beats carry no dominant beats; call "
                "beats.with_template() first."
            )
        windows = beats.tensor(template=True)
    xs = as_beats(windows, allow_empty=True)
    return xs, check_rhythm(model, rhythm, xs.shape[0])


@torch.no_grad()
def predict_logits(
    model: nn.Module, x: Any, rhythm: Any = None, batch_size: int = 1024
) -> torch.Tensor:
    """Logits for every beat, computed in eval mode and in batches (mode restored after).

    ``x`` is a beats object or an array of windows; a model with a rhythm head also needs the
    rhythm features (taken from the beats object, or ``rhythm=``)."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    xs, r = model_inputs(model, x, rhythm)
    out = []
    with eval_mode(model):
        for i in range(0, len(xs), batch_size):
            args = [xs[i : i + batch_size].to(device)]
            if r is not None:
                args.append(r[i : i + batch_size].to(device))
            out.append(model(*args).cpu())
    return torch.cat(out) if out else torch.empty(0)


def predict(model: nn.Module, x: Any, rhythm: Any = None, batch_size: int = 1024) -> np.ndarray:
    """Predicted class index for every beat (see :func:`predict_logits`)."""
    return predict_logits(model, x, rhythm, batch_size).argmax(1).numpy()
