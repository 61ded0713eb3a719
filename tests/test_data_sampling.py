"""tscam.data.sampling.sample_per_class: seeded, capped per class, order kept, no duplicates."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import Beats
from tscam.data.sampling import sample_per_class


@pytest.fixture
def beats():
    y = np.array([0] * 50 + [1] * 3 + [2] * 20 + [4] * 5)
    n = y.size
    return Beats(
        x=np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 187), np.float32),
        y=y,
        record=np.array(["100"] * n),
        sample=np.arange(n) * 10,
        symbol=np.array(["N"] * n),
    )


def test_caps_each_class_keeps_small_classes_whole_and_leaves_out_others(beats):
    s = sample_per_class(beats, 10, seed=1)
    assert s.class_counts() == {"N": 10, "S": 3, "V": 10, "F": 0, "Q": 0}
    assert np.all(np.diff(s.sample) > 0)  # original order, no duplicates
    np.testing.assert_array_equal(s.x[:, 0], s.sample / 10)  # rows stay aligned


def test_same_seed_same_beats_other_seed_other_beats(beats):
    a, b = sample_per_class(beats, 10, seed=1), sample_per_class(beats, 10, seed=1)
    np.testing.assert_array_equal(a.sample, b.sample)
    c = sample_per_class(beats, 10, seed=2)
    assert not np.array_equal(a.sample, c.sample)


def test_errors(beats):
    with pytest.raises(ValueError, match="at least 1"):
        sample_per_class(beats, 0)
    with pytest.raises(ValueError, match="Unknown classes"):
        sample_per_class(beats, 5, classes=("N", "X"))
