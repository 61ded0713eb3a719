"""Deletion and insertion curves along time: is a map faithful to the model?

If a map ranks the samples that matter most for the model first, then *deleting* them first
(replacing them with a baseline) should make the probability of the target class fall fast,
and *inserting* them first into a baseline beat should make it rise fast (Petsiuk et al. 2018;
AOPC after Samek et al. 2017).

For ``steps`` steps, step k perturbs the ``round(k / steps * T)`` most relevant samples of each
beat, so a curve has ``steps + 1`` points from the unperturbed beat (fraction 0) to the fully
replaced one (fraction 1). Each point is the softmax probability of the target class (the
predicted class unless given), per beat.

Ties (equal map values, e.g. the many exact zeros of a map after a ReLU) are broken at random,
seeded by ``seed``: the same maps and seed always give the same order. Breaking them by
position would delete the start of the beat first whenever a map runs out of positive values.

``onset`` (one index per beat, as ``Beats.onset``): the samples before it are the masked run of
the previous beat, exactly 0 in every z-scored beat. They are never ranked, deleted or inserted:
they stay as they are, and step k perturbs ``round(k / steps * kept)`` of the ``kept = T -
onset`` samples of the beat. Without it, a zero baseline would "delete" samples that are
already 0, and replacing the earliest kept samples by 0 would lengthen the zero run, which
makes the beat look premature: the timing cue of class S.

Baselines (what a deleted sample becomes, and what insertion starts from). The choice matters:
a replacement that the model has never seen can change the prediction by itself.

- ``"zero"``: a flat line at 0, the mean level of a z-scored beat;
- ``"mean"``: a mean beat, passed as ``mean=``: one beat (T,) for all, or one per class
  (classes, T), picked by the target class (see :func:`class_means`);
- ``"interp"``: linear interpolation between the nearest kept samples on either side (the
  nearest one at the ends; 0 when nothing is kept), so a deleted wave becomes a straight line;
  with ``onset``, the masked run is not used as a neighbour (a deleted sample next to it takes
  the nearest kept value, not a ramp down to 0);
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

from tscam.cam.checks import onset_indices
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

    def auc_ci(self, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
        """Bootstrap percentile interval of :attr:`auc` over the beats (resampled with
        replacement, ``n_boot`` times, seeded): ``(low, high)``."""
        return bootstrap_ci(self.auc_per_beat(), level, n_boot, seed)

    @property
    def aopc(self) -> float:
        """Average change from the first point, over steps and beats (higher = more faithful)."""
        change = self.probs - self.probs[:, :1]
        return float((-change if self.kind == "deletion" else change).mean())


def bootstrap_ci(
    values: Any, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval ``(low, high)`` of the mean of ``values`` (n,): the means
    of ``n_boot`` resamples with replacement (seeded), cut at ``(1 - level) / 2`` and
    ``(1 + level) / 2``. For a paired comparison of two methods on the same beats, pass the
    per-beat differences (see :func:`difference_ci`)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"values must be finite numbers, at least one; got {v.size} values.")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}.")
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive int, got {n_boot!r}.")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def difference_ci(
    a: Curve, b: Curve, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``(difference, low, high)``: the AUC of curve ``a`` minus that of ``b``, computed on the
    same beats, with a paired bootstrap interval (the beats are resampled together)."""
    if a.probs.shape[0] != b.probs.shape[0] or not np.array_equal(a.fractions, b.fractions):
        raise ValueError("a and b must be curves of the same beats and fractions.")
    diff = a.auc_per_beat() - b.auc_per_beat()
    return (float(diff.mean()), *bootstrap_ci(diff, level, n_boot, seed))


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


def ranks(
    maps: torch.Tensor, seed: int | None = 0, *, masked: torch.Tensor | None = None
) -> torch.Tensor:
    """Rank of each sample in its beat's map (n, T): 0 = most relevant.

    Ties are broken at random, seeded by ``seed`` (the same maps and seed give the same ranks);
    ``seed=None`` breaks them by position, the earlier sample first. Samples where ``masked``
    (n, T) bool is True are ranked after all others, whatever their value."""
    n, length = maps.shape
    if seed is None:
        perm = torch.arange(length, device=maps.device).expand(n, length)
    else:
        generator = torch.Generator().manual_seed(int(seed))
        perm = torch.rand(n, length, generator=generator).argsort(dim=1).to(maps.device)
    # sort a shuffled copy (stable): equal values keep their shuffled, i.e. random, order
    order = perm.gather(1, torch.argsort(maps.gather(1, perm), dim=1, descending=True, stable=True))
    if masked is not None:
        last = masked.gather(1, order).to(torch.int8)
        order = order.gather(1, torch.argsort(last, dim=1, stable=True))
    positions = torch.arange(length, device=maps.device).expand_as(order)
    return torch.empty_like(order).scatter_(1, order, positions)


def masked_run(onset: Any, n: int, length: int, device: Any = None) -> torch.Tensor:
    """(n, T) bool, True before each beat's ``onset`` (n,): the masked run of the previous beat,
    never to be perturbed. Raises ValueError for a wrong shape or an index outside the beat."""
    start = onset_indices(onset, n, length, device)
    return torch.arange(length, device=device)[None, :] < start[:, None]


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
    onset: Any = None,
    seed: int | None = 0,
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
    protect = None if onset is None else masked_run(onset, n, length, device)
    rank_all = ranks(as_maps(maps, n, length, device), seed, masked=protect)
    counts = np.rint(np.linspace(0.0, length, steps + 1)).astype(np.int64)
    # samples each beat can lose: all T, or the kept ones after the onset
    kept = (
        torch.full((n, 1), length, device=device)
        if protect is None
        else (~protect).sum(dim=1, keepdim=True)
    )
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
            guard = None if protect is None else protect[sl]
            for k, m in enumerate(counts):
                full = m == length if kind == "deletion" else m == 0
                none = m == 0 if kind == "deletion" else m == length
                if none or (full and guard is None):
                    probs[sl, k] = (p_base if full else p_input)[sl]
                    continue
                # the most relevant round(f_k * kept) samples of every beat
                top = rank < torch.round(kept[sl] * float(m / length))
                keep = ~top if kind == "deletion" else top
                if guard is not None:
                    keep = keep | guard  # the masked run stays as it is
                if interp:
                    known = keep if guard is None else keep & ~guard
                    xk = interpolate(xc, known)
                    if guard is not None:
                        xk = torch.where(guard.unsqueeze(1), xc, xk)
                else:
                    xk = torch.where(keep.unsqueeze(1), xc, base)
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
    onset: Any = None,
    seed: int | None = 0,
) -> Curve:
    """Target-class probability as the most relevant samples (by ``maps``, (n, T)) are replaced
    by the ``baseline``, in ``steps`` steps from none to all (see the module docstring; ``seed``
    breaks ties, ``onset`` protects the masked run)."""
    return _curve(
        "deletion", model, x, maps, target, steps, baseline, mean, batch_size, onset, seed
    )


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
    onset: Any = None,
    seed: int | None = 0,
) -> Curve:
    """Target-class probability as the most relevant samples are revealed, in ``steps`` steps,
    in a beat that starts as the ``baseline`` (the mirror of :func:`deletion_curve`)."""
    return _curve(
        "insertion", model, x, maps, target, steps, baseline, mean, batch_size, onset, seed
    )


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
    onset: Any = None,
    seed: int | None = 0,
) -> float:
    """Area over the perturbation curve (Samek et al. 2017): the mean drop of the target-class
    probability over the ``steps + 1`` points of the deletion curve (higher = more faithful)."""
    return deletion_curve(
        model,
        x,
        maps,
        target,
        steps,
        baseline,
        mean=mean,
        batch_size=batch_size,
        onset=onset,
        seed=seed,
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
    onset: Any = None,
) -> Curve:
    """The reference curve: samples removed (or revealed) in a random order (seeded)."""
    xs = as_beats(x)
    maps = random_maps(xs.shape[0], xs.shape[2], seed)
    return _curve(kind, model, xs, maps, target, steps, baseline, mean, batch_size, onset, seed)
