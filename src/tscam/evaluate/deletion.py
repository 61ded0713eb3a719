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
- ``"noisy_linear"``: ROAD's noisy linear imputation (Rong et al. 2022): ``"interp"`` plus
  Gaussian noise (``noise``, seeded), a second rule so that no verdict rests on one baseline;
- an array: one beat (T,) for all, or one per beat (n, T).

The rule is :class:`tscam.perturbation.Rule`, the same one occlusion removes its windows with.

Measures: ``Curve.auc`` (area under the mean curve over the fraction removed/revealed; lower
is better for deletion, higher for insertion) and ``Curve.aopc`` (mean change from the first
point over all points: for deletion ``p_0 - p_k``, for insertion ``p_k - p_0``; higher is
better for both).

Rhythm (models with a rhythm head, e.g. the shipped ``fcn-inter``): ``logit_c = window part +
rhythm term + bias``, and the rhythm term depends on the beat's rhythm inputs alone, so
perturbing the window leaves it unchanged. With ``rhythm=`` (one row of rhythm inputs per beat,
``Beats.rhythm``) every probability of a curve is the model's real output, the term added to the
logits of each perturbed beat (:func:`rhythm_offset`); without it, the probabilities are those
of the window part and the bias alone (``model(x)``).

Speed: the ranks are computed once; each step builds all perturbed beats at once with a mask
``rank < k`` and runs one batched forward pass without gradients (in chunks of
``batch_size`` beats). :func:`curves` does this for several methods' maps at once: one forward
pass per step (and chunk) for all methods together. The unperturbed pass is shared with
finding the target, so a curve costs ``steps`` passes.
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
    check_target,
    evaluation,
    logits_of,
    model_device,
    to_numpy,
)
from tscam.evaluate.stats import bootstrap_ci, paired_ci
from tscam.methods.adapters import random_maps
from tscam.perturbation import BASELINES, Rule, interpolate  # noqa: F401  (re-exported)

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
        """Bootstrap percentile interval of :attr:`auc` over the beats
        (:func:`tscam.evaluate.stats.bootstrap_ci`, ``n_boot`` resamples, seeded)."""
        return bootstrap_ci(self.auc_per_beat(), level, n_boot, seed)

    def aopc_per_beat(self) -> np.ndarray:
        """Each beat's mean change from its first point (the AOPC of one beat), shape (n,)."""
        change = self.probs - self.probs[:, :1]
        return (-change if self.kind == "deletion" else change).mean(axis=1)

    @property
    def aopc(self) -> float:
        """Average change from the first point, over steps and beats (higher = more faithful)."""
        change = self.probs - self.probs[:, :1]
        return float((-change if self.kind == "deletion" else change).mean())


def difference_ci(
    a: Curve, b: Curve, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``(difference, low, high)``: the AUC of curve ``a`` minus that of ``b``, computed on the
    same beats, with a paired bootstrap interval (:func:`tscam.evaluate.stats.paired_ci`)."""
    if a.probs.shape[0] != b.probs.shape[0] or not np.array_equal(a.fractions, b.fractions):
        raise ValueError("a and b must be curves of the same beats and fractions.")
    return paired_ci(a.auc_per_beat(), b.auc_per_beat(), level, n_boot, seed)


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


def _probs(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return logits.softmax(dim=1).gather(1, target[:, None])[:, 0]


def rhythm_offset(model: nn.Module, rhythm: Any, n: int, device: Any = None) -> torch.Tensor:
    """The rhythm term of every logit, shape (n, classes), for a model with a rhythm head
    (``model.rhythm_head_term``, see :mod:`tscam.models.rhythm`) and ``rhythm`` (n, inputs):
    what the logits of a beat gain from its timing, the same for every version of its window.
    Raises ``TypeError`` for a model without a rhythm term, ``ValueError`` for a wrong shape."""
    term = getattr(model, "rhythm_head_term", None)
    if term is None:
        raise TypeError(
            f"{type(model).__name__} has no rhythm term (rhythm_head_term): call it without rhythm."
        )
    r = torch.as_tensor(np.asarray(to_numpy(rhythm)), dtype=torch.float32)
    with torch.no_grad():
        return term(r.to(device if device is not None else model_device(model)), n).detach()


def make_rule(baseline: Any = "zero", mean: Any = None, onset: Any = None, **kw: Any) -> Rule:
    """A :class:`tscam.perturbation.Rule` from the curves' arguments (a Rule is passed through)."""
    if isinstance(baseline, Rule):
        return baseline
    if isinstance(baseline, str) and baseline not in BASELINES:
        raise ValueError(f"Unknown baseline {baseline!r}; use one of {BASELINES} or an array.")
    start = None if onset is None else torch.as_tensor(np.asarray(to_numpy(onset)))
    return Rule(baseline, mean, start, **kw)


def curves(
    kind: str,
    model: nn.Module,
    x: Any,
    maps: dict[str, Any],
    target: Any = None,
    steps: int = 20,
    rule: Rule | None = None,
    *,
    batch_size: int = 512,
    seed: int | None = 0,
    rhythm: Any = None,
) -> dict[str, Curve]:
    """Deletion (or insertion) curves of every map in ``maps`` (``{method: (n, T)}``) on the same
    beats, under one perturbation ``rule``: one batched forward pass per step and chunk of
    ``batch_size`` beats for all methods together. ``target`` None: the predicted class.
    ``rhythm`` (n, inputs): the beats' rhythm inputs for a model with a rhythm head; its term
    is added to every logit (unchanged by the perturbation), so the probabilities are the
    model's real outputs and None predicts with it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}.")
    rule = Rule() if rule is None else rule
    device = model_device(model)
    xs = as_beats(x, device)
    n, c, length = xs.shape
    protect = rule.guard(n, length, device)
    names = list(maps)
    rank_all = {
        m: ranks(as_maps(v, n, length, device), seed, masked=protect) for m, v in maps.items()
    }
    counts = np.rint(np.linspace(0.0, length, steps + 1)).astype(np.int64)
    # samples each beat can lose: all T, or the kept ones after the onset
    kept = (
        torch.full((n, 1), length, device=device)
        if protect is None
        else (~protect).sum(dim=1, keepdim=True)
    )
    probs = {m: torch.empty(n, steps + 1, device=device) for m in names}
    per = max(1, batch_size // max(1, len(names)))  # beats per chunk: M x per rows per pass
    offset = None if rhythm is None else rhythm_offset(model, rhythm, n, device)
    with evaluation(model), torch.no_grad():
        logits = logits_of(model, xs, batch_size)
        if offset is not None:
            logits = logits + offset
        target_t = (
            logits.argmax(1) if target is None else check_target(target, n, logits.shape[1], device)
        )
        p_input = _probs(logits, target_t)
        for start in range(0, n, per):
            sl = slice(start, start + per)
            xc, tc, sub = xs[sl], target_t[sl], rule.take(sl)
            for k, m in enumerate(counts):
                if (m == 0 and kind == "deletion") or (m == length and kind == "insertion"):
                    for name in names:
                        probs[name][sl, k] = p_input[sl]
                    continue
                batch = []
                for name in names:
                    # the most relevant round(f_k * kept) samples of every beat
                    top = rank_all[name][sl] < torch.round(kept[sl] * float(m / length))
                    batch.append(sub.apply(xc, ~top if kind == "deletion" else top, tc))
                out_logits = model(torch.cat(batch))
                if offset is not None:
                    out_logits = out_logits + offset[sl].repeat(len(names), 1)
                out = _probs(out_logits, tc.repeat(len(names)))
                for j, name in enumerate(names):
                    probs[name][sl, k] = out[j * xc.shape[0] : (j + 1) * xc.shape[0]]
    return {
        name: Curve(
            kind=kind,
            fractions=counts / length,
            probs=probs[name].cpu().numpy(),
            target=target_t.cpu().numpy(),
            baseline=rule.name,
        )
        for name in names
    }


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
    xs = as_beats(x)
    if onset is not None:
        onset_indices(onset, xs.shape[0], xs.shape[2])  # checked against the beats
    rule = make_rule(baseline, mean, onset)
    return curves(
        kind, model, xs, {"": maps}, target, steps, rule, batch_size=batch_size, seed=seed
    )[""]


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
