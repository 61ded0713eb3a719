"""Localisation against ground truth, on synthetic beats whose class is decided by a known region.

- :func:`relevance_mass`: the fraction of a map's *positive* relevance that falls inside the
  true region (Arras et al. 2022). A map spread evenly over the beat scores the region's share
  of the beat; a perfect map scores 1.
- :func:`pointing_game`: a hit when the map's maximum lies inside the region, or within
  ``tolerance`` samples of it (Zhang et al. 2018).
- :func:`chance_level`: the score of each map against the region of *another* beat (a
  permutation null: the pairing of maps and masks shuffled), the chance level of a score;
- :func:`fit_synthetic`: trains a small model on :func:`tscam.data.synthetic.make_synthetic`
  beats in seconds, so each method can be scored on a model with a known answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from tscam.evaluate._common import as_beats, evaluation, logits_of, model_device, to_numpy
from tscam.evaluate.stats import Null, permutation_null


@dataclass(frozen=True)
class Score:
    """A score per beat (``per_beat``, shape (n,)) and its mean over the beats."""

    per_beat: np.ndarray
    mean: float


def _maps_and_mask(maps: Any, mask: Any) -> tuple[np.ndarray, np.ndarray]:
    m = to_numpy(maps).astype(np.float64)
    g = to_numpy(mask)
    if m.ndim == 3 and m.shape[1] == 1:
        m = m[:, 0]
    if m.ndim != 2 or g.shape != m.shape:
        raise ValueError(f"maps and mask must both have shape (n, T); got {m.shape} and {g.shape}.")
    if g.dtype != bool:
        if not np.isin(g, (0, 1)).all():
            raise ValueError("mask must be boolean (True inside the ground-truth region).")
        g = g.astype(bool)
    if not np.isfinite(m).all():
        raise ValueError("The maps contain NaN or inf values.")
    return m, g


def relevance_mass(maps: Any, mask: Any) -> Score:
    """Fraction of each map's positive relevance inside ``mask`` (n, T); 0 for a map with no
    positive relevance at all (it points at nothing)."""
    m, g = _maps_and_mask(maps, mask)
    positive = np.clip(m, 0.0, None)
    total = positive.sum(axis=1)
    inside = (positive * g).sum(axis=1)
    per_beat = np.divide(inside, total, out=np.zeros_like(total), where=total > 0)
    return Score(per_beat, float(per_beat.mean()))


def pointing_game(maps: Any, mask: Any, tolerance: int = 0) -> Score:
    """1 for a beat whose map peaks inside ``mask`` (or within ``tolerance`` samples of it), else
    0. The first maximum counts; a constant map points nowhere and misses."""
    m, g = _maps_and_mask(maps, mask)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0 samples, got {tolerance}.")
    peak = m.argmax(axis=1)
    distance = np.abs(np.arange(m.shape[1])[None, :] - peak[:, None])
    hit = ((distance <= tolerance) & g).any(axis=1)
    hit &= m.max(axis=1) > m.min(axis=1)
    per_beat = hit.astype(np.float64)
    return Score(per_beat, float(per_beat.mean()))


def score_matrix(maps: Any, mask: Any, score: str = "relevance_mass") -> np.ndarray:
    """``M[i, j]``: the ``score`` (``"relevance_mass"`` or ``"pointing_game"``) of map i against
    the region of beat j, shape (n, n); its diagonal is the per-beat score of
    :func:`relevance_mass` / :func:`pointing_game`."""
    m, g = _maps_and_mask(maps, mask)
    if score == "relevance_mass":
        positive = np.clip(m, 0.0, None)
        total = positive.sum(axis=1, keepdims=True)
        return np.divide(
            positive @ g.T.astype(np.float64),
            total,
            out=np.zeros((m.shape[0], g.shape[0])),
            where=total > 0,
        )
    if score == "pointing_game":
        peak = m.argmax(axis=1)
        varies = m.max(axis=1) > m.min(axis=1)
        return (g[:, peak].T & varies[:, None]).astype(np.float64)
    raise ValueError(f"score must be 'relevance_mass' or 'pointing_game', got {score!r}.")


def chance_level(
    maps: Any,
    mask: Any,
    score: str = "relevance_mass",
    *,
    n_perm: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Null:
    """The chance level of a localisation ``score`` for these maps and regions: a permutation
    null (:func:`tscam.evaluate.stats.permutation_null`) where each map is scored against the
    region of another beat, the pairing shuffled ``n_perm`` times (seeded). It keeps what a
    uniform map ignores: where the maps of this method tend to peak and where the regions tend
    to lie. Returns a :class:`tscam.evaluate.stats.Null` (``observed``: the mean score,
    ``null``: the chance level, ``low``/``high``, ``pvalue``)."""
    matrix = score_matrix(maps, mask, score)
    n = matrix.shape[0]

    def statistic(i: np.ndarray, j: np.ndarray, axis: int = -1) -> np.ndarray:
        return matrix[i.astype(np.int64), j.astype(np.int64)].mean(axis=axis)

    index = np.arange(n)
    return permutation_null(index, index, statistic, n_perm=n_perm, level=level, seed=seed)


def _xy(data: Any) -> tuple[Any, Any]:
    if hasattr(data, "x") and hasattr(data, "y"):
        return data.x, data.y
    if isinstance(data, tuple | list) and len(data) == 2:
        return data[0], data[1]
    raise TypeError("data must have .x and .y (e.g. SyntheticBeats) or be a pair (x, y).")


def fit_synthetic(
    model: nn.Module,
    data: Any,
    epochs: int = 10,
    lr: float = 1e-2,
    seed: int = 0,
    *,
    batch_size: int = 64,
    threads: int | None = 1,
) -> nn.Module:
    """Train ``model`` in place on ``data`` (``SyntheticBeats`` or a pair ``(x, y)``) with Adam
    and cross-entropy; returns it in eval mode. The shuffling is seeded with ``seed``; the
    initial weights are the model's own (seed them when you build it). ``threads``: torch's
    intra-op threads while training (restored afterwards; None leaves the setting alone). One by
    default: the small models train faster on one thread (the steps are too small to share, and
    on a busy machine a second thread mostly waits: 2 s instead of 15 s measured for ``FCN(
    n_classes=4, filters=(16, 32, 16))``, 1,500 beats, 4 epochs), and the trained weights do not
    depend on the machine's number of cores."""
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive int or None, got {threads!r}.")
    x, y = _xy(data)
    device = model_device(model)
    xs = as_beats(x, device)
    ys = torch.as_tensor(np.asarray(to_numpy(y)), dtype=torch.int64, device=device)
    if ys.shape != (xs.shape[0],):
        raise ValueError(
            f"Expected one label per beat: {xs.shape[0]} beats, labels {tuple(ys.shape)}."
        )
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        model.train()
        for _ in range(epochs):
            order = torch.randperm(xs.shape[0], generator=generator).to(device)
            for i in range(0, xs.shape[0], batch_size):
                batch = order[i : i + batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(xs[batch]), ys[batch]).backward()
                optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    finally:
        torch.set_num_threads(previous)
    return model.eval()


def accuracy(model: nn.Module, data: Any, batch_size: int = 512) -> float:
    """Fraction of beats of ``data`` (``.x``/``.y`` or ``(x, y)``) the model classifies right."""
    x, y = _xy(data)
    xs = as_beats(x, model_device(model))
    with evaluation(model):
        pred = logits_of(model, xs, batch_size).argmax(1).cpu().numpy()
    return float((pred == np.asarray(to_numpy(y))).mean())
