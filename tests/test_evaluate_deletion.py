"""Deletion and insertion curves on models whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tscam.evaluate import (
    Curve,
    aopc,
    class_means,
    deletion_curve,
    insertion_curve,
    interpolate,
    random_curve,
    ranks,
)

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
    assert ranks(maps).tolist() == [[3, 0, 2, 1], [0, 1, 2, 3]]


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
