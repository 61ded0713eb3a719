"""A local, per-segment attribution: what happens to the score when one segment is removed.

The LSTM Grad-CAM value ``L(t)`` credits the hidden state ``h_t``, a summary of segments 1 to t
(a *prefix* of the beat), not segment t alone. :func:`segment_occlusion` answers the local
question directly: for each segment, the drop of the class score when that segment alone is
replaced by a straight line,

    D_c(t) = S_c(x) - S_c(x with segment t bridged).

The straight line joins the last kept sample before the segment to the first one after it (the
nearest of them at the ends of the beat), so the replacement keeps the local level and creates
no flat zero run. The samples before a beat's ``onset`` are never changed and never used as an
end: that is the masked run of the first window design (``fcn-inter-masked``, chapter 8),
exactly 0 after z-scoring, whose length is the beat's RR-timing cue; the course's 88-sample
windows have none (``onset`` 0). Unlike ``L(t)``, ``D_c(t)`` is about segment t only; like every
occlusion, it measures what the model does with an input it never saw in training.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from tscam.cam.checks import check_input, check_target, onset_indices
from tscam.cam.conv import resolve_targets
from tscam.cam.hooks import frozen

__all__ = ["bridge_segment", "segment_occlusion"]


def _onsets(onset: Any, n: int, length: int, device: torch.device) -> torch.Tensor:
    if onset is None:
        return torch.zeros(n, dtype=torch.int64, device=device)
    return onset_indices(onset, n, length, device)


def bridge_segment(x: torch.Tensor, start: int, stop: int, onset: torch.Tensor) -> torch.Tensor:
    """A copy of beats ``x`` (n, C, T) whose samples ``start..stop-1`` at or after each beat's
    ``onset`` (n,) are replaced by a straight line between the nearest kept samples outside."""
    n, c, length = x.shape
    pos = torch.arange(start, stop, device=x.device)  # (L,)
    replace = pos[None, :] >= onset[:, None]  # (n, L): never the masked run
    first = torch.maximum(torch.full_like(onset, start), onset)  # first replaced sample
    left = first - 1
    has_left = left >= onset  # a kept sample before the segment
    left_val = x.gather(2, left.clamp(min=0)[:, None, None].expand(n, c, 1))  # (n, C, 1)
    span = stop - start
    if stop < length:  # a kept sample after the segment: draw the line (or hold it alone)
        right_val = x[:, :, stop : stop + 1]
        w = ((pos[None, :] - left[:, None]).float() / (stop - left[:, None]).float())[:, None]
        line = left_val * (1 - w) + right_val * w
        fill = torch.where(has_left[:, None, None], line, right_val.expand(n, c, span))
    else:  # the last segment: hold the last kept value before it (0 when there is none)
        fill = torch.where(has_left[:, None, None], left_val, 0.0).expand(n, c, span)
    out = x.clone()
    out[:, :, start:stop] = torch.where(replace[:, None, :], fill, x[:, :, start:stop])
    return out


def segment_occlusion(
    model: nn.Module,
    x: torch.Tensor,
    target: Any = None,
    n_segments: int = 11,
    *,
    onset: Any = None,
) -> torch.Tensor:
    """``D_c(t)``, shape (n, n_segments): the drop of the logit of each beat's class (the
    predicted class unless ``target`` is given) when segment t alone is bridged by a straight
    line (see the module docstring). ``onset`` (n,): the masked run before it stays untouched.
    The length of the beats must be a multiple of ``n_segments``."""
    x = check_input(model, x)
    n, _, length = x.shape
    if not isinstance(n_segments, int) or n_segments < 1 or length % n_segments:
        raise ValueError(f"n_segments must divide the length {length}; got {n_segments!r}.")
    seg = length // n_segments
    start = _onsets(onset, n, length, x.device)
    with frozen(model), torch.no_grad():
        logits = model(x)
        targets = resolve_targets(check_target(target, n, x.device), logits)
        rows = torch.arange(n, device=x.device)
        score = logits[rows, targets]
        drops = torch.empty(n, n_segments, device=x.device)
        for s in range(n_segments):
            bridged = bridge_segment(x, s * seg, (s + 1) * seg, start)
            drops[:, s] = score - model(bridged)[rows, targets]
    return drops.detach()
