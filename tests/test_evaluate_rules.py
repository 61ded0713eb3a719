"""One perturbation rule for every method (occlusion included), ROAD's noisy linear imputation,
curves of several methods in one pass, scipy intervals, the permutation null and the sanity
check on |rho|."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tscam.data import make_synthetic
from tscam.evaluate import (
    attribute,
    curves,
    deletion_curve,
    insertion_curve,
    paired_ci,
    permutation_null,
)
from tscam.evaluate.stats import bootstrap_ci
from tscam.evaluate.study import evaluate_methods
from tscam.models import FCN
from tscam.perturbation import Rule, interpolate


class Linear(nn.Module):
    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0] @ self.weight.T


def test_occlusion_removes_its_windows_under_the_rule():
    torch.manual_seed(3)
    weight = torch.randn(2, 20)
    model, x = Linear(weight), torch.randn(3, 1, 20)
    target = torch.tensor([0, 1, 0])
    w = weight[target]
    # one sample removed by interpolation: the logit drops by w_t (x_t - (x_{t-1} + x_{t+1}) / 2)
    occ = attribute(model, x, "occlusion", target, window=1, stride=1, rule=Rule("interp"))
    filled = x[:, 0].clone()
    filled[:, 1:-1] = (x[:, 0, :-2] + x[:, 0, 2:]) / 2
    filled[:, 0], filled[:, -1] = x[:, 0, 1], x[:, 0, -2]  # the nearest kept value at the ends
    torch.testing.assert_close(occ, w * (x[:, 0] - filled), rtol=1e-4, atol=1e-5)
    # the default rule is a flat line at 0
    zero = attribute(model, x, "occlusion", target, window=1, stride=1)
    torch.testing.assert_close(zero, w * x[:, 0], rtol=1e-4, atol=1e-5)
    # the masked run before the onset is never removed: no drop there
    onset = torch.tensor([5, 0, 3])
    guarded = attribute(model, x, "occlusion", target, window=1, stride=1, rule=Rule(onset=onset))
    assert (guarded[0, :5] == 0).all() and (guarded[2, :3] == 0).all()
    torch.testing.assert_close(guarded[1], zero[1])


def test_noisy_linear_is_interpolation_plus_seeded_noise_on_removed_samples_only():
    x = torch.randn(2, 1, 30)
    keep = torch.rand(2, 30) > 0.4
    torch.testing.assert_close(Rule("noisy_linear", noise=0.0).apply(x, keep), interpolate(x, keep))
    noisy = Rule("noisy_linear", noise=0.1, seed=1).apply(x, keep)
    assert torch.equal(noisy[:, 0][keep], x[:, 0][keep])
    assert not torch.equal(noisy, interpolate(x, keep))
    assert torch.equal(noisy, Rule("noisy_linear", noise=0.1, seed=1).apply(x, keep))
    with pytest.raises(ValueError, match="Unknown baseline"):
        Rule("blur")


@pytest.fixture(scope="module")
def setup():
    data = make_synthetic(16, seed=3)
    torch.manual_seed(0)
    return data, FCN(n_classes=4, filters=(8, 16, 8)).eval()


def test_curves_of_several_methods_at_once_equal_the_curves_one_by_one(setup):
    data, fcn = setup
    x = torch.as_tensor(data.x)[:, None]
    maps = {m: attribute(fcn, x, m) for m in ("grad_cam", "saliency", "random")}
    rule = Rule("interp", onset=torch.as_tensor(np.full(len(x), 3)))
    together = curves("deletion", fcn, x, maps, None, 5, rule, batch_size=7)
    for m, v in maps.items():
        alone = deletion_curve(fcn, x, v, steps=5, baseline="interp", onset=np.full(len(x), 3))
        np.testing.assert_allclose(together[m].probs, alone.probs, rtol=1e-5, atol=1e-6)
    ins = curves("insertion", fcn, x, maps, None, 5, Rule("zero"))
    single = insertion_curve(fcn, x, maps["saliency"], steps=5)
    np.testing.assert_allclose(ins["saliency"].probs, single.probs, rtol=1e-5, atol=1e-6)


def test_study_rows_carry_intervals_the_second_rule_and_abs_sanity(setup):
    data, fcn = setup
    study = evaluate_methods(
        fcn,
        data.x,
        name="f",
        methods=("grad_cam", "occlusion", "random"),
        options={"occlusion": {"window": 17, "stride": 17}},
        steps=4,
        sanity_beats=6,
        also=("noisy_linear",),
    )
    rows = {r["method"]: r for r in study.rows(n_boot=200)}
    g = rows["grad_cam"]
    for key in ("deletion_auc", "insertion_auc", "aopc", "sanity_abs_spearman"):
        low, high = g[f"{key}_ci"]
        assert low <= g[key] <= high, key
    rho = study.results["grad_cam"].sanity_rho
    assert rho.shape == (6,) and g["sanity_abs_spearman"] == pytest.approx(np.abs(rho).mean())
    assert g["sanity_spearman"] == pytest.approx(rho.mean())
    assert "deletion_auc_noisy_linear" in g and g["deletion_auc_noisy_linear_ci"] is not None
    assert "deletion_auc_vs_random_ci" in g and "deletion_auc_vs_random_ci" not in rows["random"]
    # occlusion was computed under the study's rule: the same maps as with Rule("zero") passed
    occ = attribute(fcn, data.x, "occlusion", study.target, window=17, stride=17, rule=Rule())
    torch.testing.assert_close(study.maps("occlusion"), occ)


def test_scipy_intervals_and_the_permutation_null():
    rng = np.random.default_rng(0)
    v = rng.normal(1.0, 1.0, 400)
    low, high = bootstrap_ci(v, n_boot=500)
    assert low < v.mean() < high and high - low < 0.4
    a, b = rng.normal(size=300), rng.normal(size=300)
    d, lo, hi = paired_ci(a + 0.5, a, n_boot=500)  # same beats: the difference is exactly 0.5
    assert d == pytest.approx(0.5) and lo == pytest.approx(0.5) and hi == pytest.approx(0.5)
    d, lo, hi = paired_ci(a, b, n_boot=500)
    assert lo < d < hi
    # two skewed, independent choices among 11 segments agree far more often than 1/11
    p = np.r_[0.7, np.full(10, 0.03)]
    x, y = rng.choice(11, 2000, p=p), rng.choice(11, 2000, p=p)
    null = permutation_null(x, y, n_perm=300)
    assert null.null == pytest.approx((p**2).sum(), abs=0.03) and null.null > 2 / 11
    assert null.low <= null.observed <= null.high and null.pvalue > 0.01
    same = permutation_null(x, x, n_perm=300)
    assert same.observed == 1.0 and same.pvalue < 0.01


def test_the_sanity_verdict_is_on_the_size_of_rho_with_its_interval():
    from tscam.evaluate.study import verdict

    rows = [
        {"model": "A", "method": "cam", "sanity_spearman": -0.45,
         "sanity_abs_spearman": 0.45, "sanity_abs_spearman_ci": (0.40, 0.50)},
        {"model": "A", "method": "grad_cam", "sanity_spearman": 0.1,
         "sanity_abs_spearman": 0.3, "sanity_abs_spearman_ci": (0.2, 0.4)},
        {"model": "A", "method": "saliency", "sanity_spearman": 0.8,
         "sanity_abs_spearman": 0.8, "sanity_abs_spearman_ci": (0.7, 0.9)},
    ]  # fmt: skip
    (text,) = verdict(rows, threshold=0.35)
    # strong anti-correlation (-0.45) fails too; an interval across the threshold is undecided
    assert "Cam and saliency failed the sanity check" in text
    assert "For grad_cam the interval straddles 0.35: undecided." in text


def test_the_sanity_check_of_a_subset_takes_the_rule_of_those_beats(setup):
    data, fcn = setup
    study = evaluate_methods(
        fcn,
        data.x,
        name="f",
        methods=("occlusion",),
        options={"occlusion": {"window": 17, "stride": 17}},
        steps=2,
        baseline="interp",
        onset=np.arange(16) % 5,
        sanity_beats=[1, 4, 7],
    )
    assert study.results["occlusion"].sanity_rho.shape == (3,)


@pytest.mark.parametrize(
    "rule",
    [
        Rule(),
        Rule("interp"),
        Rule("noisy_linear", noise=0.3),
        Rule("mean", mean=np.arange(3 * 12, dtype=np.float32).reshape(3, 12)),
        Rule(np.linspace(-1, 1, 5 * 12, dtype=np.float32).reshape(5, 12)),
        Rule("noisy_linear", onset=torch.tensor([0, 2, 0, 4, 1])),
    ],
    ids=["zero", "interp", "noisy_linear", "mean", "array", "onset"],
)
def test_apply_tiled_is_the_concatenation_of_the_single_calls(rule):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(5, 1, 12, generator=g)
    keeps = torch.rand(4, 5, 12, generator=g) > 0.5
    target = torch.tensor([0, 2, 1, 1, 0])
    want = torch.cat([rule.apply(x, keeps[w], target) for w in range(4)])
    torch.testing.assert_close(rule.apply_tiled(x, keeps, target), want, rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"\(W, 5, 12\)"):
        rule.apply_tiled(x, keeps[:, :3], target)


@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_occlusion_batched_over_windows_equals_one_window_at_a_time(batch_size):
    torch.manual_seed(0)
    model = FCN(n_classes=3, filters=(4, 6, 4)).eval()
    x = torch.randn(6, 1, 20, generator=torch.Generator().manual_seed(1))
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    rule = Rule("noisy_linear", noise=0.2)
    window, stride = 5, 3
    starts = [0, 3, 6, 9, 12, 15]
    total, count = torch.zeros(6, 20), torch.zeros(20)
    with torch.no_grad():
        score = model(x)[torch.arange(6), target]
        for s in starts:  # the definition: one window position at a time
            keep = torch.ones(6, 20, dtype=torch.bool)
            keep[:, s : s + window] = False
            total[:, s : s + window] += (
                score - model(rule.apply(x, keep, target))[torch.arange(6), target]
            )[:, None]
            count[s : s + window] += 1
    from tscam.methods.adapters import occlusion

    occ = occlusion(model, x, target, window, stride, rule, batch_size=batch_size)
    torch.testing.assert_close(occ, total / count, rtol=1e-5, atol=1e-6)
