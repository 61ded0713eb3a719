"""Intervals and chance levels from scipy: bootstrap (paired where two methods are measured on the
same beats) and a permutation null.

- :func:`bootstrap_ci`: percentile interval of the mean of per-beat values
  (``scipy.stats.bootstrap``);
- :func:`paired_ci`: interval of the mean difference of two measures on the same beats (the
  beats resampled together: ``scipy.stats.bootstrap(..., paired=True)``);
- :func:`permutation_null`: the chance level of an agreement statistic between two per-beat
  quantities, from the pairs shuffled across beats (``scipy.stats.permutation_test``'s
  pairings resampling): it keeps each side's own distribution (e.g. two models that both peak
  in one segment most of the time agree far more often than ``1/k`` by chance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Null", "agreement", "bootstrap_ci", "paired_ci", "permutation_null"]


def _values(values: Any, name: str = "values") -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"{name} must be finite numbers, at least one; got {v.size} values.")
    return v


def _check(level: float, n_boot: int) -> None:
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}.")
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive int, got {n_boot!r}.")


def bootstrap_ci(
    values: Any, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval ``(low, high)`` of the mean of ``values`` (n,), from
    ``scipy.stats.bootstrap`` with ``n_boot`` resamples (seeded). A single value, or values all
    equal, give the interval ``(mean, mean)``."""
    v = _values(values)
    _check(level, n_boot)
    if v.size == 1 or np.all(v == v[0]):
        return float(v.mean()), float(v.mean())
    res = stats.bootstrap(
        (v,),
        np.mean,
        confidence_level=level,
        n_resamples=n_boot,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_ci(
    a: Any, b: Any, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``(mean(a - b), low, high)`` for two measures ``a``, ``b`` (n,) of the same beats: a paired
    percentile bootstrap (``scipy.stats.bootstrap(..., paired=True)``, the beats resampled
    together)."""
    va, vb = _values(a, "a"), _values(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"a and b must hold one value per beat each; got {va.size}, {vb.size}.")
    _check(level, n_boot)
    diff = va - vb
    if diff.size == 1 or np.all(diff == diff[0]):
        return float(diff.mean()), float(diff.mean()), float(diff.mean())
    res = stats.bootstrap(
        (va, vb),
        lambda x, y, axis=-1: np.mean(x - y, axis=axis),
        paired=True,
        vectorized=True,
        confidence_level=level,
        n_resamples=n_boot,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    ci = res.confidence_interval
    return float(diff.mean()), float(ci.low), float(ci.high)


def agreement(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Fraction of beats where ``a`` and ``b`` are equal (e.g. the peak segments of two maps)."""
    return np.mean(np.asarray(a) == np.asarray(b), axis=axis)


@dataclass(frozen=True)
class Null:
    """A permutation null: the ``observed`` statistic, the ``null`` mean (the chance level),
    its ``low``/``high`` quantiles at ``level``, and the one-sided ``pvalue`` of observing at
    least ``observed`` by chance."""

    observed: float
    null: float
    low: float
    high: float
    pvalue: float


def permutation_null(
    a: Any,
    b: Any,
    statistic: Callable[..., Any] = agreement,
    n_perm: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Null:
    """The chance level of ``statistic(a, b)`` for per-beat quantities ``a``, ``b`` (n,): the
    pairs are shuffled across beats (``scipy.stats.permutation_test(...,
    permutation_type="pairings")``, ``n_perm`` resamples, seeded), which keeps the distribution
    of each side. The default statistic is :func:`agreement` (same value on the same beat)."""
    va, vb = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    if va.size != vb.size or va.size < 2:
        raise ValueError(f"a and b need one value per beat, at least 2; got {va.size}, {vb.size}.")
    if not isinstance(n_perm, int) or n_perm < 1:
        raise ValueError(f"n_perm must be a positive int, got {n_perm!r}.")
    res = stats.permutation_test(
        (va, vb),
        statistic,
        permutation_type="pairings",
        vectorized=True,
        n_resamples=n_perm,
        alternative="greater",
        random_state=np.random.default_rng(seed),
    )
    dist = np.asarray(res.null_distribution, dtype=np.float64)
    low, high = np.quantile(dist, [(1 - level) / 2, (1 + level) / 2])
    return Null(
        float(res.statistic), float(dist.mean()), float(low), float(high), float(res.pvalue)
    )
