"""The rhythm term of a logit, and the exact split of every logit into its parts.

The course's models see a beat twice: its shape, through the window, and its timing, through a
few rhythm numbers (``Beats.rhythm``: logs of RR ratios, 0 for a beat at the patient's own rate).
The two meet only in a sum. For the FCN,

    logit_c = mean_t CAM_c(t) + rhythm_c + b_c,

where ``CAM_c(t) = sum_k w_ck A_k(t)`` (the class activation map of Zhou et al. 2016),
``rhythm_c = g_c(r) - g_c(0)`` depends on the rhythm numbers ``r`` alone (``g`` a small network
of them) and ``b_c`` is the classifier's bias. For the LSTM the first part is ``w_c . h_T``, the
head applied to the last hidden state. Because the rhythm term does not depend on the window,
its gradient with respect to the window (and to any feature map) is zero: every map of the
course (CAM, Grad-CAM, saliency, ...) is the same with or without it, and it moves a logit by
the same amount for every sample of the window. ``rhythm_c`` is 0 for a beat that comes at the
patient's own rate, so it reads as "what the timing adds".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "LogitParts",
    "RhythmHead",
    "RhythmTermMixin",
    "check_rhythm",
    "decompose_logits",
    "logit_parts_over",
]


class RhythmHead(nn.Module):
    """``r (n, n_inputs) -> (n, n_classes)``: a small network of the rhythm numbers alone,
    shifted so that a beat at the patient's own rate (``r = 0``) gets 0 for every class.
    ``hidden=0`` makes it linear (without bias)."""

    def __init__(self, n_inputs: int, n_classes: int, hidden: int = 16) -> None:
        super().__init__()
        self.n_inputs = n_inputs
        if hidden:
            self.net: nn.Module = nn.Sequential(
                nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, n_classes, bias=False)
            )
        else:
            self.net = nn.Linear(n_inputs, n_classes, bias=False)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return self.net(r) - self.net(r.new_zeros(1, self.n_inputs))


class RhythmTermMixin:
    """What the FCN and the LSTM share about their rhythm term: the model has ``rhythm_head``
    (a :class:`RhythmHead`, or None) and ``output_layer`` (the ``nn.Linear`` that gives the
    window's part of the logits and the bias)."""

    rhythm_head: RhythmHead | None
    output_layer: nn.Linear

    def rhythm_head_term(self, rhythm: torch.Tensor, n: int) -> torch.Tensor:
        """``rhythm_c`` for ``n`` beats (checked: shape (n, n_rhythm), finite)."""
        r = check_rhythm(self, rhythm, n)  # type: ignore[arg-type]
        assert self.rhythm_head is not None and r is not None
        return self.rhythm_head(r.to(self.output_layer.weight))

    def with_rhythm(self, logits: torch.Tensor, rhythm: torch.Tensor | None) -> torch.Tensor:
        """``logits`` plus the rhythm term (unchanged when ``rhythm`` is None)."""
        if rhythm is None:
            return logits
        return logits + self.rhythm_head_term(rhythm, logits.shape[0])

    def parts_of(
        self, pooled: torch.Tensor, rhythm: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(w_c . pooled, rhythm_c, b_c)`` for the input ``pooled`` (n, K) of the output layer."""
        layer = self.output_layer
        return pooled @ layer.weight.T, self.rhythm_head_term(rhythm, pooled.shape[0]), layer.bias


def check_rhythm(model: nn.Module, rhythm: torch.Tensor | None, n: int) -> torch.Tensor | None:
    """The rhythm input a model needs for ``n`` beats, checked: shape (n, n_rhythm), finite.
    ``None`` for a model without a rhythm head (which refuses a rhythm input)."""
    n_rhythm = int(getattr(model, "n_rhythm", 0))
    name = type(model).__name__
    if not n_rhythm:
        if rhythm is not None:
            raise ValueError(
                f"This {name} has no rhythm head (n_rhythm=0): it reads the window only. "
                "Call it without rhythm features."
            )
        return None
    if rhythm is None:
        raise ValueError(
            f"This {name} adds a rhythm term to its logits and needs the beats' rhythm features: "
            f"call model(x, rhythm) with rhythm of shape (n, {n_rhythm}), e.g. beats.rhythm of "
            "tscam.data.load_beats (or pass the Beats object itself to tscam.models.predict)."
        )
    r = rhythm if isinstance(rhythm, torch.Tensor) else torch.as_tensor(np.asarray(rhythm))
    if r.ndim != 2 or r.shape != (n, n_rhythm):
        raise ValueError(
            f"rhythm must have shape ({n}, {n_rhythm}) (one row per beat, {n_rhythm} features); "
            f"got {tuple(r.shape)}."
        )
    if not bool(torch.isfinite(r).all()):
        bad = (~torch.isfinite(r)).any(1).nonzero().flatten().tolist()
        raise ValueError(
            f"rhythm contains NaN or inf for beat(s) {bad[:10]}: compute it from positive RR "
            "intervals (tscam.data.rhythm_inputs)."
        )
    return r if r.is_floating_point() else r.to(torch.float32)


@dataclass(frozen=True)
class LogitParts:
    """The three parts of each logit, each (n, n_classes): ``beat + rhythm + bias == logits``.

    ``beat`` is what the window contributes (for the FCN the mean over time of the class
    activation map, ``mean_t CAM_c(t)``); ``rhythm`` what the timing adds (0 at the patient's
    own rate); ``bias`` the classifier's bias, the same for every beat."""

    beat: np.ndarray
    rhythm: np.ndarray
    bias: np.ndarray

    @property
    def logits(self) -> np.ndarray:
        return self.beat + self.rhythm + self.bias


@torch.no_grad()
def decompose_logits(
    model: nn.Module, x: torch.Tensor, rhythm: torch.Tensor, batch_size: int | None = None
) -> LogitParts:
    """Split the logits of a model with a rhythm head (``model.logit_parts``) into
    :class:`LogitParts` for a batch of beats ``x`` and their ``rhythm`` features.
    ``batch_size`` (optional) computes them in batches of that many beats, so that many beats
    fit in memory (the result is the same)."""
    if not int(getattr(model, "n_rhythm", 0)) or not hasattr(model, "logit_parts"):
        raise ValueError(
            f"{type(model).__name__} has no rhythm head, so its logits have no rhythm part to "
            "split off: decompose_logits needs a model built with n_rhythm > 0 (the shipped "
            "fcn-inter, fcn-intra, lstm-inter and lstm-intra)."
        )
    from tscam._tensors import as_beats, eval_mode

    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    xs = as_beats(x).to(dtype)
    n = xs.shape[0]
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None; got {batch_size!r}.")
    r = check_rhythm(model, rhythm, n)  # checked once for all beats, before any batch
    step = batch_size or max(n, 1)
    with eval_mode(model):
        chunks = [
            model.logit_parts(xs[i : i + step], r[i : i + step]) for i in range(0, max(n, 1), step)
        ]
    beat, rhythm_term = (torch.cat([c[j] for c in chunks]) for j in (0, 1))
    bias = chunks[0][2]
    return LogitParts(
        beat.numpy(),
        rhythm_term.numpy(),
        np.broadcast_to(bias.numpy(), (n, bias.shape[-1])).copy(),
    )


def logit_parts_over(model: nn.Module, x: torch.Tensor, rhythms: Sequence[Any]) -> LogitParts:
    """:func:`decompose_logits` of the same beats ``x`` under each rhythm input of ``rhythms``
    (a counterfactual of timing alone, e.g. ``[beats.moved(dt).rhythm for dt in dts]``): arrays
    of shape (len(rhythms), n, n_classes). Only the rhythm part changes from one to the next."""
    if len(rhythms) == 0:
        raise ValueError("rhythms is empty: give at least one rhythm input of shape (n, n_rhythm).")
    parts = [decompose_logits(model, x, r) for r in rhythms]
    return LogitParts(
        *(np.stack([getattr(p, f) for p in parts]) for f in ("beat", "rhythm", "bias"))
    )
