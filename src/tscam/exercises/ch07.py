"""Checkers for the exercises of chapter 7 (can we trust these heatmaps?).

Each checker runs the learner's function on a few small cases and compares it with the
package's own measure, so a correct answer is one that agrees with :mod:`tscam.evaluate`:
the area under a deletion curve (:meth:`tscam.evaluate.Curve.auc_per_beat`), the relevance
mass (:func:`tscam.evaluate.relevance_mass`), the Spearman rank correlation
(:func:`tscam.evaluate.spearman`) and the chapter's sanity rule on the size of that correlation,
with its bootstrap interval (:func:`tscam.evaluate.bootstrap_ci`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tscam.evaluate import Curve, bootstrap_ci, relevance_mass, spearman
from tscam.exercises._core import CheckResult, check_callable

__all__ = [
    "auc_reference",
    "check_auc",
    "check_relevance_mass",
    "check_sanity_verdict",
    "check_spearman",
    "relevance_mass_reference",
    "sanity_cases",
    "sanity_verdict_reference",
    "spearman_reference",
]

VERDICTS = ("fail", "pass", "undecided")


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
    The fractions of a real curve are not exactly evenly spaced (88 samples do not split into
    10 equal steps), so the widths must come from the fractions."""
    rng = np.random.default_rng(2018)
    falling = np.sort(rng.random(11))[::-1]
    cases = [
        (np.linspace(0.0, 1.0, 5), np.array([1.0, 0.5, 0.25, 0.125, 0.0])),
        (_fractions(88, 10), falling),
        (_fractions(88, 20), np.full(21, 0.3)),
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


def sanity_verdict_reference(rho: np.ndarray, threshold: float) -> str:
    """The chapter's sanity rule for one method: ``"fail"`` when the 95 % bootstrap interval of
    the mean ``|rho|`` (:func:`tscam.evaluate.bootstrap_ci`) lies entirely above ``threshold``,
    ``"pass"`` when it lies entirely at or below it, ``"undecided"`` when it straddles it."""
    low, high = bootstrap_ci(np.abs(np.asarray(rho, dtype=np.float64)))
    if low > threshold:
        return "fail"
    return "pass" if high <= threshold else "undecided"


def sanity_cases() -> list[tuple[np.ndarray, float]]:
    """The checker's cases ``(rho (40,), threshold)``: reversed maps, a clear pass, a clear
    fail, maps whose sign flips from beat to beat, and an interval that straddles the
    threshold."""
    rng = np.random.default_rng(2018)
    n = 40
    signs = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    straddle = np.abs(rng.normal(0.0, 0.25, n))
    straddle += 0.5 - straddle.mean()  # mean |rho| exactly at the threshold
    return [
        (np.clip(rng.normal(-0.7, 0.1, n), -1, 1), 0.5),  # reversed: the signed mean is -0.7
        (np.clip(rng.normal(0.05, 0.15, n), -1, 1), 0.5),  # unrelated maps: a clear pass
        (np.clip(rng.normal(0.9, 0.05, n), -1, 1), 0.5),  # unchanged maps: a clear fail
        (signs * np.clip(rng.normal(0.8, 0.05, n), 0, 1), 0.3),  # signs flip: mean about 0
        (signs * straddle, 0.5),  # the interval contains the threshold
    ]


def check_sanity_verdict(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    """Exercise: ``fn(rho, threshold)`` returns ``"fail"``, ``"pass"`` or ``"undecided"`` for
    one method's per-beat Spearman correlations ``rho`` between its maps of the intact and of
    the fully randomised model, by the size of the correlation and its 95 % interval (see
    :func:`sanity_verdict_reference`). Rejects a rule on the signed correlation (it passes
    reversed maps) and a rule on the mean alone (it decides where the interval cannot)."""
    name = "the sanity rule on |rho| with its interval"
    if fn is Ellipsis or fn is None:
        return CheckResult(name, False, "define the function first, then run this cell again")
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    cases = sanity_cases()
    for i, (rho, threshold) in enumerate(cases, start=1):
        want = sanity_verdict_reference(rho, threshold)
        try:
            got = fn(rho.copy(), threshold)
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(name, False, f"case {i} of {len(cases)}: raised {exc!r}")
        if got not in VERDICTS:
            return CheckResult(
                name, False, f"case {i} of {len(cases)}: return one of {VERDICTS}, got {got!r}"
            )
        if got != want:
            hint = (
                "maps reversed by the randomisation still follow the input: use np.abs(rho)"
                if i in (1, 4)
                else "decide by the interval (tscam.evaluate.bootstrap_ci), not by the mean alone"
            )
            return CheckResult(
                name,
                False,
                f"case {i} of {len(cases)} (mean rho {rho.mean():+.2f}, mean |rho| "
                f"{np.abs(rho).mean():.2f}, threshold {threshold}): expected {want!r}, got "
                f"{got!r}. {hint}",
            )
    return CheckResult(
        name,
        True,
        "a reversed map fails as an unchanged one does; an interval that straddles "
        "the threshold decides nothing",
    )
