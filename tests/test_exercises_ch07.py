"""Chapter 7 checkers: each accepts the reference solution (numpy, as a learner writes it) and
rejects typical wrong answers with a hint, never raising."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from tscam.exercises import ch07


def auc(fractions, probs):
    return float(np.sum(np.diff(fractions) * (probs[1:] + probs[:-1]) / 2))


def relevance_mass(heatmap, mask):
    positive = np.clip(heatmap, 0, None)
    total = positive.sum()
    return float(positive[mask].sum() / total) if total > 0 else 0.0


def spearman(a, b):
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def test_auc_accepts_the_trapezoids_and_rejects_mean_and_uniform_widths():
    assert ch07.check_auc(auc).passed
    mean = ch07.check_auc(lambda f, p: float(np.mean(p)))
    assert not mean.passed and "case 1" in mean.message
    # Evenly spaced widths are wrong for 88 samples in 10 steps (and for case 4).
    uniform = ch07.check_auc(lambda f, p: float(np.sum((p[1:] + p[:-1]) / 2) / (len(p) - 1)))
    assert not uniform.passed
    left_sums = ch07.check_auc(lambda f, p: float(np.sum(np.diff(f) * p[:-1])))
    assert not left_sums.passed
    assert not ch07.check_auc(...).passed


def test_auc_reference_is_the_trapezoidal_rule():
    f = np.array([0.0, 0.25, 1.0])
    p = np.array([1.0, 0.5, 0.0])
    assert ch07.auc_reference(f, p) == pytest.approx(0.25 * 0.75 + 0.75 * 0.25)


def test_relevance_mass_accepts_solution_and_rejects_unclipped_and_nan():
    assert ch07.check_relevance_mass(relevance_mass).passed
    unclipped = ch07.check_relevance_mass(lambda h, m: float(h[m].sum() / h.sum()))
    assert not unclipped.passed
    # Clipping right but dividing 0 by 0 gives NaN for the map without positive values.
    with np.errstate(invalid="ignore"):
        nan = ch07.check_relevance_mass(
            lambda h, m: float(np.clip(h, 0, None)[m].sum() / np.clip(h, 0, None).sum())
        )
    assert not nan.passed and "NaN" in nan.message
    absolute = ch07.check_relevance_mass(lambda h, m: float(np.abs(h)[m].sum() / np.abs(h).sum()))
    assert not absolute.passed


def test_relevance_mass_reference_scores_perfect_and_uniform_maps():
    mask = np.zeros(100, dtype=bool)
    mask[10:30] = True
    assert ch07.relevance_mass_reference(mask.astype(float), mask) == pytest.approx(1.0)
    assert ch07.relevance_mass_reference(np.ones(100), mask) == pytest.approx(0.2)
    assert ch07.relevance_mass_reference(-np.ones(100), mask) == 0.0


def test_spearman_accepts_solution_and_rejects_pearson_and_ordinal_ranks():
    assert ch07.check_spearman(spearman).passed
    pearson = ch07.check_spearman(lambda a, b: float(np.corrcoef(a, b)[0, 1]))
    assert not pearson.passed and "case 1" in pearson.message

    def ordinal(a, b):  # ranks by argsort: ties broken by position, not averaged
        ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
        return float(np.corrcoef(ra, rb)[0, 1])

    wrong = ch07.check_spearman(ordinal)
    assert not wrong.passed and "case 4" in wrong.message
    raising = ch07.check_spearman(lambda a, b: a @ b.T @ None)
    assert not raising.passed and "raised" in raising.message


def test_spearman_reference_matches_scipy():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = np.repeat(rng.random(6), 3), rng.random(18)
    assert ch07.spearman_reference(a, b) == pytest.approx(spearmanr(a, b).statistic)


def sanity_verdict(rho, threshold):
    low, high = ch07.bootstrap_ci(np.abs(rho))
    if low > threshold:
        return "fail"
    return "pass" if high <= threshold else "undecided"


def test_sanity_cases_cover_every_verdict():
    verdicts = [ch07.sanity_verdict_reference(r, t) for r, t in ch07.sanity_cases()]
    assert verdicts == ["fail", "pass", "fail", "fail", "undecided"]


def test_sanity_verdict_accepts_solution_and_rejects_the_shortcuts():
    assert ch07.check_sanity_verdict(sanity_verdict).passed

    def signed(rho, threshold):  # the tempting shortcut: the signed mean, with its interval
        low, high = ch07.bootstrap_ci(rho)
        if low > threshold:
            return "fail"
        return "pass" if high <= threshold else "undecided"

    wrong = ch07.check_sanity_verdict(signed)
    assert not wrong.passed and "case 1" in wrong.message and "np.abs" in wrong.message

    def mean_only(rho, threshold):  # the size, but no interval
        return "fail" if np.abs(rho).mean() > threshold else "pass"

    wrong = ch07.check_sanity_verdict(mean_only)
    assert not wrong.passed and "case 5" in wrong.message and "interval" in wrong.message
    assert not ch07.check_sanity_verdict(lambda r, t: "maybe").passed
    assert not ch07.check_sanity_verdict(lambda r, t: 1 / 0).passed
    assert not ch07.check_sanity_verdict(...).passed


def test_sanity_verdict_reference_by_hand():
    assert ch07.sanity_verdict_reference(np.full(10, -0.9), 0.5) == "fail"
    assert ch07.sanity_verdict_reference(np.full(10, 0.1), 0.5) == "pass"
