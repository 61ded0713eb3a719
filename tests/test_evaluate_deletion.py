"""Deletion and insertion curves on models whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tscam.evaluate import (
    Curve,
    aopc,
    bootstrap_ci,
    class_means,
    deletion_curve,
    difference_ci,
    insertion_curve,
    interpolate,
    masked_run,
    random_curve,
    ranks,
)
from tscam.evaluate.study import perturb

T, K = 187, 60  # beat length; the one sample the model looks at


class OneSample(nn.Module):
    """Two classes; logit of class 0 = w * x[..., K], logit of class 1 = 0."""

    def __init__(self, w: float = 4.0) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        score = self.w * x[:, 0, K]
        return torch.stack([score, torch.zeros_like(score)], dim=1)


def beats(n: int = 16) -> torch.Tensor:
    x = torch.randn(n, 1, T, generator=torch.Generator().manual_seed(0))
    x[:, 0, K] = 2.0  # p(class 0) = sigmoid(8) ~ 0.9997 on every beat
    return x


def map_pointing_at(k: int, n: int = 16) -> torch.Tensor:
    maps = torch.rand(n, T, generator=torch.Generator().manual_seed(1))
    maps[:, k] = 2.0
    return maps


def test_deleting_the_decisive_sample_first_drops_at_the_first_step():
    model, x = OneSample(), beats()
    curve = deletion_curve(model, x, map_pointing_at(K), target=0, steps=20)
    assert isinstance(curve, Curve) and curve.kind == "deletion"
    assert curve.probs.shape == (16, 21) and curve.fractions.shape == (21,)
    assert curve.fractions[0] == 0 and curve.fractions[-1] == 1
    np.testing.assert_allclose(curve.probs[:, 0], 1 / (1 + np.exp(-8)), rtol=1e-5)
    np.testing.assert_allclose(curve.probs[:, 1:], 0.5, atol=1e-6)  # x[K] -> 0: logit 0
    # a map pointing elsewhere keeps the sample until the end
    late = deletion_curve(model, x, -map_pointing_at(K), target=0, steps=20)
    assert (late.probs[:, :-1] > 0.99).all() and np.allclose(late.probs[:, -1], 0.5)
    # a random order removes it later on average
    rand = random_curve(model, x, target=0, steps=20, seed=0)
    assert curve.auc < rand.auc < late.auc
    assert curve.aopc > rand.aopc > late.aopc
    assert aopc(model, x, map_pointing_at(K), target=0) == pytest.approx(curve.aopc)
    np.testing.assert_allclose(curve.aopc, (1 - 1 / 21) * (curve.probs[0, 0] - 0.5), rtol=1e-6)


def test_insertion_is_the_mirror():
    model, x = OneSample(), beats()
    curve = insertion_curve(model, x, map_pointing_at(K), target=0, steps=20)
    assert curve.kind == "insertion"
    np.testing.assert_allclose(curve.probs[:, 0], 0.5, atol=1e-6)  # all baseline
    assert (curve.probs[:, 1:] > 0.999).all()  # revealed at the first step
    late = insertion_curve(model, x, -map_pointing_at(K), target=0, steps=20)
    assert (late.probs[:, :-1] < 0.5 + 1e-6).all()
    rand = random_curve(model, x, kind="insertion", target=0, steps=20)
    assert curve.auc > rand.auc > late.auc


def test_baselines_mean_array_and_interp():
    model, x = OneSample(), beats(4)
    maps = map_pointing_at(K, 4)
    means = np.zeros((2, T), np.float32)
    means[0, K] = -1.0  # the class-0 mean beat: logit -4 at K
    curve = deletion_curve(model, x, maps, target=0, steps=4, baseline="mean", mean=means)
    np.testing.assert_allclose(curve.probs[:, 1:], 1 / (1 + np.exp(4)), rtol=1e-5)
    one = np.zeros(T, np.float32)
    one[K] = 0.5
    curve = deletion_curve(model, x, maps, target=0, steps=4, baseline=one)
    np.testing.assert_allclose(curve.probs[:, 1:], 1 / (1 + np.exp(-2)), rtol=1e-5)
    # interp: x[K] becomes the mean of its two neighbours
    curve = deletion_curve(model, x, maps, target=0, steps=T, baseline="interp")
    expected = (x[:, 0, K - 1] + x[:, 0, K + 1]) / 2
    np.testing.assert_allclose(curve.probs[:, 1], torch.sigmoid(4 * expected), rtol=1e-5)
    np.testing.assert_allclose(curve.probs[:, -1], 0.5, atol=1e-6)  # nothing left: 0
    with pytest.raises(ValueError, match="mean="):
        deletion_curve(model, x, maps, baseline="mean")
    with pytest.raises(ValueError, match="baseline"):
        deletion_curve(model, x, maps, baseline="blur")


def test_interpolate_fills_gaps_linearly():
    x = torch.arange(10, dtype=torch.float32).reshape(1, 1, 10) ** 2
    known = torch.zeros(1, 10, dtype=torch.bool)
    known[0, [2, 6]] = True
    out = interpolate(x, known)[0, 0]
    expected = torch.tensor([4, 4, 4, 12, 20, 28, 36, 36, 36, 36], dtype=torch.float32)
    torch.testing.assert_close(out, expected)
    assert torch.equal(interpolate(x, torch.zeros(1, 10, dtype=torch.bool)), torch.zeros_like(x))
    assert torch.equal(interpolate(x, torch.ones(1, 10, dtype=torch.bool)), x)


def test_ranks_order_and_ties():
    maps = torch.tensor([[0.1, 0.9, 0.5, 0.9], [1.0, 1.0, 1.0, 1.0]])
    assert ranks(maps, seed=None).tolist() == [[3, 0, 2, 1], [0, 1, 2, 3]]  # by position
    r = ranks(maps)
    assert r[0, 0] == 3 and r[0, 2] == 2 and sorted(r[0, [1, 3]].tolist()) == [0, 1]
    assert sorted(r[1].tolist()) == [0, 1, 2, 3]


def test_ties_are_broken_at_random_reproducibly():
    # a ReLU map: a few positive samples, then 180 exact zeros (as Grad-CAM often is)
    maps = torch.zeros(50, T)
    maps[:, 100:107] = torch.arange(7, 0, -1, dtype=torch.float32)
    a, b = ranks(maps, seed=3), ranks(maps, seed=3)
    assert torch.equal(a, b)  # seeded: the same ranks every time
    assert not torch.equal(a, ranks(maps, seed=4))
    # the positive samples come first, in order of value, whatever the seed
    assert torch.equal(a[:, 100:107], torch.arange(7).expand(50, 7))
    # the zeros after them are in a random order: the earliest samples are not deleted first
    next_ten = (a >= 7) & (a < 17)
    assert next_ten[:, :10].float().mean() < 0.2  # by position it would be 1.0
    first = torch.nonzero(a == 7)[:, 1]  # the first zero deleted, per beat
    assert len(set(first.tolist())) > 25  # spread over the beat, not always sample 0
    # masked samples go last, even with the largest values
    masked = torch.zeros(50, T, dtype=torch.bool)
    masked[:, :30] = True
    high = maps.clone()
    high[:, :30] = 100.0
    rm = ranks(high, seed=3, masked=masked)
    assert (rm[:, :30] >= T - 30).all() and (rm[:, 30:] < T - 30).all()


def test_masked_run_is_never_touched():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(T, 3))
    x = torch.randn(6, 1, T)
    onset = np.array([0, 10, 40, 60, 0, 90])
    guard = masked_run(onset, 6, T)
    x[guard.unsqueeze(1)] = 0.0  # the masked run of a real beat is exactly 0
    seen = []
    model.register_forward_hook(lambda m, i, o: seen.append(i[0].detach().clone()))
    maps = torch.rand(6, T)
    maps[guard] = 10.0  # the map points at the masked run: it must still be left alone
    means = np.full((3, T), 5.0, dtype=np.float32)
    for fn in (deletion_curve, insertion_curve):
        for baseline in ("zero", "mean", "interp"):
            seen.clear()
            curve = fn(
                model, x, maps, target=0, steps=5, baseline=baseline, mean=means, onset=onset
            )
            assert curve.probs.shape == (6, 6)
            for xb in seen:
                if xb.shape[0] == 6:
                    assert (xb[:, 0][guard] == 0).all(), (fn.__name__, baseline)
    # the kept samples are replaced in full at the last deletion step
    seen.clear()
    deletion_curve(model, x, maps, target=0, steps=5, baseline="mean", mean=means, onset=onset)
    assert (seen[-1][:, 0][~guard] == 5.0).all()
    # interpolation next to the masked run takes the nearest kept value, not a ramp from 0
    beat = torch.zeros(1, 1, T)
    beat[0, 0, 40:] = 3.0
    deleted, replaced = perturb(
        beat, -torch.arange(T, dtype=torch.float32)[None], 0.1, "interp", onset=np.array([40])
    )
    assert replaced[0, :40].sum() == 0 and replaced[0, 40:55].all()
    assert torch.equal(deleted[0, 0, :40], torch.zeros(40))
    assert (deleted[0, 0, 40:] == 3.0).all()
    with pytest.raises(ValueError, match="onset"):
        deletion_curve(model, x, maps, onset=np.array([0, 1]))
    with pytest.raises(ValueError, match="onset"):
        deletion_curve(model, x, maps, onset=np.full(6, T))


def test_batching_and_repeated_calls_give_identical_curves():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(1, 4, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * T, 3)
    )
    model.train()
    x = torch.randn(7, 1, T)
    maps = torch.rand(7, T)
    a = deletion_curve(model, x, maps, steps=5, batch_size=512)
    b = deletion_curve(model, x, maps, steps=5, batch_size=3)
    np.testing.assert_allclose(a.probs, b.probs, rtol=1e-5, atol=1e-6)
    c = deletion_curve(model, x, maps, steps=5)
    np.testing.assert_array_equal(a.probs, c.probs)
    assert model.training  # mode restored
    assert all(p.grad is None for p in model.parameters())


def test_curve_measures_by_hand_and_input_errors():
    probs = np.array([[1.0, 0.5, 0.0], [0.8, 0.8, 0.2]])
    c = Curve("deletion", np.array([0.0, 0.5, 1.0]), probs, np.zeros(2, np.int64), "zero")
    np.testing.assert_allclose(c.auc_per_beat(), [0.5, 0.65])
    assert c.auc == pytest.approx(0.575)
    assert c.aopc == pytest.approx(((0 + 0.5 + 1) + (0 + 0 + 0.6)) / 6)
    model, x = OneSample(), beats(3)
    with pytest.raises(ValueError, match="maps must have shape"):
        deletion_curve(model, x, torch.rand(3, 100))
    with pytest.raises(ValueError, match="NaN"):
        deletion_curve(model, x, torch.full((3, T), float("nan")))
    with pytest.raises(ValueError, match="steps"):
        deletion_curve(model, x, torch.rand(3, T), steps=0)


def test_class_means():
    x = np.array([[0.0, 2.0], [2.0, 4.0], [5.0, 5.0]])
    y = np.array([0, 0, 2])
    np.testing.assert_allclose(class_means(x, y, 3), [[1, 3], [7 / 3, 11 / 3], [5, 5]])


def test_bootstrap_intervals_cover_the_mean_and_shrink_with_more_beats():
    rng = np.random.default_rng(0)
    small, large = rng.normal(0.5, 0.1, 20), rng.normal(0.5, 0.1, 2000)
    lo_s, hi_s = bootstrap_ci(small)
    lo_l, hi_l = bootstrap_ci(large)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 5  # about sqrt(100) = 10 times narrower
    # a normal-theory interval of the mean is close to the bootstrap one
    se = large.std(ddof=1) / np.sqrt(large.size)
    np.testing.assert_allclose(
        [lo_l, hi_l], [large.mean() - 1.96 * se, large.mean() + 1.96 * se], atol=se / 2
    )
    assert bootstrap_ci(small, seed=1) == bootstrap_ci(small, seed=1)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(small, level=1.5)
    with pytest.raises(ValueError, match="finite"):
        bootstrap_ci([])
    # paired: a curve minus itself is exactly 0; curves of other beats are refused
    model, x = OneSample(), beats()
    good = deletion_curve(model, x, map_pointing_at(K), target=0, steps=10)
    bad = deletion_curve(model, x, -map_pointing_at(K), target=0, steps=10)
    assert difference_ci(good, good) == (0.0, 0.0, 0.0)
    d, lo, hi = difference_ci(good, bad)
    assert lo <= d <= hi < 0  # deleting the decisive sample first: a clearly lower AUC
    lo1, hi1 = good.auc_ci()
    assert lo1 <= good.auc <= hi1
    with pytest.raises(ValueError, match="same beats"):
        difference_ci(good, deletion_curve(model, x[:3], map_pointing_at(K, 3), target=0, steps=10))
