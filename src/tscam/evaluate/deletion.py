"""Deletion and insertion curves along time: is a map faithful to the model?

If a map ranks the samples that matter most for the model first, then *deleting* them first
(replacing them with a baseline) should make the probability of the target class fall fast,
and *inserting* them first into a baseline beat should make it rise fast (Petsiuk et al. 2018;
AOPC after Samek et al. 2017).

For ``steps`` steps, step k perturbs the ``round(k / steps * T)`` most relevant samples of each
beat (ties broken by position: the earlier sample first), so a curve has ``steps + 1`` points
from the unperturbed beat (fraction 0) to the fully replaced one (fraction 1). Each point is the
softmax probability of the target class (the predicted class unless given), per beat.

Baselines (what a deleted sample becomes, and what insertion starts from). The choice matters:
a replacement that the model has never seen can change the prediction by itself.

- ``"zero"``: a flat line at 0, the mean level of a z-scored beat;
- ``"mean"``: a mean beat, passed as ``mean=``: one beat (T,) for all, or one per class
  (classes, T), picked by the target class (see :func:`class_means`);
- ``"interp"``: linear interpolation between the nearest kept samples on either side (the
  nearest one at the ends; 0 when nothing is kept), so a deleted wave becomes a straight line;
- an array: one beat (T,) for all, or one per beat (n, T).

Measures: ``Curve.auc`` (area under the mean curve over the fraction removed/revealed; lower
is better for deletion, higher for insertion) and ``Curve.aopc`` (mean change from the first
point over all points: for deletion ``p_0 - p_k``, for insertion ``p_k - p_0``; higher is
better for both).

Speed: the ranks are computed once; each step builds all perturbed beats at once with a mask
``rank < k`` and runs one batched forward pass without gradients (in chunks of
``batch_size`` beats). The unperturbed pass is shared with finding the target, and the fully
replaced point needs only the distinct baseline rows, so a curve costs ``steps`` full passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from tscam.evaluate._common import (
    as_beats,
    as_maps,
    baseline_rows,
    check_target,
    evaluation,
    logits_of,
    model_device,
)
from tscam.evaluate.methods import random_maps

BASELINES = ("zero", "mean", "interp")
KINDS = ("deletion", "insertion")


@dataclass(frozen=True)
class Curve:
    """A deletion or insertion curve: ``probs[i, k]`` is the target-class probability of beat i
    after step k, where a fraction ``fractions[k]`` of its samples was removed (deletion) or
    revealed (insertion)."""

    kind: str
    fractions: np.ndarray  # (steps + 1,)
    probs: np.ndarray  # (n, steps + 1)
    target: np.ndarray  # (n,)
    baseline: str

    @property
    def mean(self) -> np.ndarray:
        """The curve averaged over beats, shape (steps + 1,)."""
        return self.probs.mean(axis=0)

    def auc_per_beat(self) -> np.ndarray:
        """Area under each beat's curve (trapezoids over ``fractions``), shape (n,)."""
        widths = np.diff(self.fractions)
        return ((self.probs[:, 1:] + self.probs[:, :-1]) / 2 * widths).sum(axis=1)

    @property
    def auc(self) -> float:
        """Area under the mean curve (equal to the mean of the per-beat areas)."""
        return float(self.auc_per_beat().mean())

    @property
    def aopc(self) -> float:
        """Average change from the first point, over steps and beats (higher = more faithful)."""
        change = self.probs - self.probs[:, :1]
        return float((-change if self.kind == "deletion" else change).mean())


def class_means(x: Any, y: Any, n_classes: int | None = None) -> np.ndarray:
    """Mean beat of each class, shape (classes, T): a ``"mean"`` baseline (classes with no beat
    get the mean of all beats)."""
    xs = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=np.float64)
    if xs.ndim == 3 and xs.shape[1] == 1:
        xs = xs[:, 0]
    ys = np.asarray(y).astype(np.int64)
    if xs.ndim != 2 or ys.shape != (xs.shape[0],):
        raise ValueError(f"Expected x (n, T) and y (n,); got {xs.shape} and {ys.shape}.")
    n_classes = int(ys.max()) + 1 if n_classes is None else n_classes
    out = np.tile(xs.mean(axis=0), (n_classes, 1))
    for k in range(n_classes):
        if (ys == k).any():
            out[k] = xs[ys == k].mean(axis=0)
    return out.astype(np.float32)


def ranks(maps: torch.Tensor) -> torch.Tensor:
    """Rank of each sample in its beat's map: 0 = most relevant; ties -> earlier sample first."""
    order = torch.argsort(maps, dim=1, descending=True, stable=True)
    positions = torch.arange(maps.shape[1], device=maps.device).expand_as(order)
    return torch.empty_like(order).scatter_(1, order, positions)


def interpolate(x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Replace the samples where ``known`` (n, T) is False by linear interpolation between the
    nearest known samples (the nearest known value at the ends; 0 where nothing is known)."""
    n, c, length = x.shape
    idx = torch.arange(length, device=x.device).expand(n, length)
    prev = torch.where(known, idx, -1).cummax(dim=1).values
    nxt = torch.where(known, idx, length).flip(1).cummin(dim=1).values.flip(1)
    has_prev, has_next = prev >= 0, nxt < length
    left = x.gather(2, prev.clamp(min=0).unsqueeze(1).expand(n, c, length))
    right = x.gather(2, nxt.clamp(max=length - 1).unsqueeze(1).expand(n, c, length))
    w = (idx - prev).float() / (nxt - prev).clamp(min=1).float()
    w = torch.where(has_prev & has_next, w, has_next.float()).unsqueeze(1)
    filled = (left * (1 - w) + right * w) * (has_prev | has_next).unsqueeze(1)
    return torch.where(known.unsqueeze(1), x, filled)


def _probs(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return logits.softmax(dim=1).gather(1, target[:, None])[:, 0]


def _curve(
    kind: str,
    model: nn.Module,
    x: Any,
    maps: Any,
    target: Any,
    steps: int,
    baseline: Any,
    mean: Any,
    batch_size: int,
) -> Curve:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}.")
    if isinstance(baseline, str) and baseline not in BASELINES:
        raise ValueError(f"Unknown baseline {baseline!r}; use one of {BASELINES} or an array.")
    device = model_device(model)
    xs = as_beats(x, device)
    n, c, length = xs.shape
    rank_all = ranks(as_maps(maps, n, length, device))
    counts = np.rint(np.linspace(0.0, length, steps + 1)).astype(np.int64)
    probs = torch.empty(n, steps + 1, device=device)
    interp = isinstance(baseline, str) and baseline == "interp"
    with evaluation(model), torch.no_grad():
        logits = logits_of(model, xs, batch_size)
        target_t = (
            logits.argmax(1) if target is None else check_target(target, n, logits.shape[1], device)
        )
        p_input = _probs(logits, target_t)
        if interp:  # nothing kept: interpolation has nothing to go on, the beat becomes 0
            rows, index = (
                xs.new_zeros(1, c, length),
                torch.zeros(n, dtype=torch.int64, device=device),
            )
        else:
            rows, index = baseline_rows(xs, baseline, target_t, mean)
        p_base = _probs(logits_of(model, rows, batch_size)[index], target_t)
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            xc, rank, tc = xs[sl], rank_all[sl], target_t[sl]
            base = None if interp else rows[index[sl]]
            for k, m in enumerate(counts):
                full = m == length if kind == "deletion" else m == 0
                none = m == 0 if kind == "deletion" else m == length
                if full or none:
                    probs[sl, k] = (p_base if full else p_input)[sl]
                    continue
                top = rank < int(m)  # the m most relevant samples of every beat
                keep = ~top if kind == "deletion" else top
                xk = interpolate(xc, keep) if interp else torch.where(keep.unsqueeze(1), xc, base)
                probs[sl, k] = _probs(model(xk), tc)
    return Curve(
        kind=kind,
        fractions=counts / length,
        probs=probs.cpu().numpy(),
        target=target_t.cpu().numpy(),
        baseline=baseline if isinstance(baseline, str) else "array",
    )


def deletion_curve(
    model: nn.Module,
    x: Any,
    maps: Any,
    target: Any = None,
    steps: int = 20,
    baseline: Any = "zero",
    *,
    mean: Any = None,
    batch_size: int = 512,
) -> Curve:
    """Target-class probability as the most relevant samples (by ``maps``, (n, T)) are replaced
    by the ``baseline``, in ``steps`` steps from none to all (see the module docstring)."""
    return _curve("deletion", model, x, maps, target, steps, baseline, mean, batch_size)


def insertion_curve(
    model: nn.Module,
    x: Any,
    maps: Any,
    target: Any = None,
    steps: int = 20,
    baseline: Any = "zero",
    *,
    mean: Any = None,
    batch_size: int = 512,
) -> Curve:
    """Target-class probability as the most relevant samples are revealed, in ``steps`` steps,
    in a beat that starts as the ``baseline`` (the mirror of :func:`deletion_curve`)."""
    return _curve("insertion", model, x, maps, target, steps, baseline, mean, batch_size)


def aopc(
    model: nn.Module,
    x: Any,
    maps: Any,
    target: Any = None,
    steps: int = 20,
    baseline: Any = "zero",
    *,
    mean: Any = None,
    batch_size: int = 512,
) -> float:
    """Area over the perturbation curve (Samek et al. 2017): the mean drop of the target-class
    probability over the ``steps + 1`` points of the deletion curve (higher = more faithful)."""
    return deletion_curve(
        model, x, maps, target, steps, baseline, mean=mean, batch_size=batch_size
    ).aopc


def random_curve(
    model: nn.Module,
    x: Any,
    kind: str = "deletion",
    target: Any = None,
    steps: int = 20,
    baseline: Any = "zero",
    *,
    mean: Any = None,
    seed: int = 0,
    batch_size: int = 512,
) -> Curve:
    """The reference curve: samples removed (or revealed) in a random order (seeded)."""
    xs = as_beats(x)
    maps = random_maps(xs.shape[0], xs.shape[2], seed)
    return _curve(kind, model, xs, maps, target, steps, baseline, mean, batch_size)
