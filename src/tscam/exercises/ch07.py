"""Checkers for the exercises of chapter 7 (can we trust these heatmaps?).

Each checker runs the learner's function on a few small cases and compares it with the
package's own measure, so a correct answer is one that agrees with :mod:`tscam.evaluate`:
the area under a deletion curve (:meth:`tscam.evaluate.Curve.auc_per_beat`), the relevance
mass (:func:`tscam.evaluate.relevance_mass`) and the Spearman rank correlation
(:func:`tscam.evaluate.spearman`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.evaluate import Curve, relevance_mass, spearman
from tscam.exercises._core import CheckResult, check_callable

__all__ = [
    "auc_reference",
    "check_auc",
    "check_relevance_mass",
    "check_spearman",
    "relevance_mass_reference",
    "spearman_reference",
]


def auc_reference(fractions: np.ndarray, probs: np.ndarray) -> float:
    """Area under one curve ``probs`` (K,) over ``fractions`` (K,), by the trapezoidal rule."""
    f = np.asarray(fractions, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)[None, :]
    curve = Curve("deletion", f, p, np.zeros(1, dtype=np.int64), "zero")
    return float(curve.auc_per_beat()[0])


def relevance_mass_reference(heatmap: np.ndarray, mask: np.ndarray) -> float:
    """Share of the map's positive relevance inside ``mask`` (both (T,)); 0 without any."""
    return float(relevance_mass(np.asarray(heatmap)[None], np.asarray(mask)[None]).per_beat[0])


def spearman_reference(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps (T,), ties given their average rank."""
    return float(spearman(np.asarray(a)[None], np.asarray(b)[None])[0])


def _fractions(length: int, steps: int) -> np.ndarray:
    """The fractions of a deletion curve: round(k / steps * length) samples, over length."""
    return np.rint(np.linspace(0.0, length, steps + 1)) / length


def check_auc(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Exercise: ``fn(fractions, probs)`` returns the area under one deletion curve, the
    probabilities ``probs`` (K,) over the fractions ``fractions`` (K,), by the trapezoidal rule.
    The fractions of a real curve are not exactly evenly spaced (187 samples do not split into
    10 equal steps), so the widths must come from the fractions."""
    rng = np.random.default_rng(2018)
    falling = np.sort(rng.random(11))[::-1]
    cases = [
        (np.linspace(0.0, 1.0, 5), np.array([1.0, 0.5, 0.25, 0.125, 0.0])),
        (_fractions(187, 10), falling),
        (_fractions(187, 20), np.full(21, 0.3)),
        (np.array([0.0, 0.1, 0.5, 1.0]), np.array([0.9, 0.2, 0.1, 0.05])),
    ]
    return check_callable(
        "area under a deletion curve",
        fn,
        cases,
        auc_reference,
        hint="sum over the intervals: width (fractions[k+1] - fractions[k]) times the mean of "
        "the two probabilities at its ends",
        success="this is Curve.auc_per_beat for one beat",
    )


def check_relevance_mass(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Exercise: ``fn(heatmap, mask)`` returns the share of the map's *positive* relevance that
    lies where ``mask`` (bool, same length) is True; 0 for a map without positive values."""
    rng = np.random.default_rng(7)
    t = np.arange(187)
    qrs = (t >= 105) & (t <= 120)
    peak = np.exp(-0.5 * ((t - 112) / 4.0) ** 2)
    cases = [
        (peak, qrs),
        (np.ones(187), qrs),  # a uniform map: the region's share of the beat
        (rng.normal(size=187), qrs),  # signed: only the positive part counts
        (-np.abs(rng.normal(size=50)), rng.random(50) < 0.3),  # nothing positive: 0
        (np.where(qrs, 2.0, 0.0), qrs),  # all inside: 1
    ]
    return check_callable(
        "relevance mass inside the true region",
        fn,
        cases,
        relevance_mass_reference,
        hint="clip the map at 0 (np.clip or np.maximum), then divide the sum inside the mask "
        "by the total sum; return 0 when the total is 0",
        success="a perfect map scores 1, a uniform map the region's share of the beat",
    )


def check_spearman(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Exercise: ``fn(a, b)`` returns the Spearman rank correlation of two maps (T,): the
    Pearson correlation of their ranks, where tied values share their average rank."""
    rng = np.random.default_rng(31)
    a = rng.random(40)
    blocks = np.repeat(rng.random(8), 5)  # piecewise constant, like an occlusion map: ties
    cases = [
        (a, a**3),  # monotone, not linear: exactly 1
        (a, -a),
        (a, rng.random(40)),
        (blocks, a),
        (blocks, np.repeat(rng.random(8), 5)),
    ]
    return check_callable(
        "Spearman rank correlation of two maps",
        fn,
        cases,
        spearman_reference,
        hint="rank both maps (scipy.stats.rankdata gives ties their average rank), then "
        "take the Pearson correlation of the ranks (np.corrcoef)",
        success="the same number as tscam.evaluate.spearman",
    )
