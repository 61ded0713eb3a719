"""Chapter 6 checkers: each accepts the reference solution and rejects the tempting shortcuts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tscam.exercises import ch06


def chance_by_shuffling(peaks, y, k, segment, n=2000):
    rng = np.random.default_rng(0)
    shares = []
    for _ in range(n):
        yy = rng.permutation(y)
        shares.append(np.mean(peaks[yy == k] == segment))
    return np.mean(shares)


def test_chance_level_reference_by_hand():
    y = np.array([0, 0, 1, 1, 1])
    peaks = np.array([3, 3, 3, 5, 3])
    # 4 of the 5 beats peak in segment 3, whatever their label
    assert ch06.chance_level_reference(peaks, y, 1, 3) == 0.8
    assert abs(chance_by_shuffling(peaks, y, 1, 3) - 0.8) < 0.02


def test_chance_level_accepts_shuffling_and_the_exact_share():
    assert ch06.check_chance_level(chance_by_shuffling).passed
    assert ch06.check_chance_level(lambda peaks, y, k, s: np.mean(peaks == s)).passed


def test_chance_level_rejects_one_over_k_and_the_observed_share():
    assert not ch06.check_chance_level(lambda peaks, y, k, s: 1 / 11).passed
    assert not ch06.check_chance_level(lambda peaks, y, k, s: np.mean(peaks[y == k] == s)).passed
    # the share among the other classes only (the class itself left out) is not the null either
    assert not ch06.check_chance_level(lambda peaks, y, k, s: np.mean(peaks[y != k] == s)).passed
    assert not ch06.check_chance_level(...).passed


def _parts():
    # 6 beats, 3 classes (N, S, V); true classes below
    beat = np.array(
        [
            [2.0, 1.0, 0.0],  # S: window says N; rhythm +1.5 for S -> S wins (rescued)
            [2.0, 1.0, 0.0],  # S: rhythm +0.5 for S, not enough -> still N
            [0.0, 3.0, 0.0],  # S: right without rhythm, rhythm adds more -> right anyway
            [1.0, 0.0, 0.0],  # N: right; rhythm pushes S -> wrong (harmed)
            [0.0, 0.0, 2.0],  # V: right
            [1.0, 0.0, 0.5],  # V: rhythm for V -> rescued V (other class)
        ]
    )
    rhythm = np.array(
        [
            [0.0, 1.5, 0.0],
            [0.0, 0.5, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 2.0, 0.0],
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
        ]
    )
    bias = np.zeros((6, 3))
    padded = [np.pad(a, ((0, 0), (0, 2)), constant_values=-9.0) for a in (beat, rhythm, bias)]
    y = np.array([1, 1, 1, 0, 2, 2])
    return SimpleNamespace(beat=padded[0], rhythm=padded[1], bias=padded[2]), y


def test_rescued_reference_by_hand():
    parts, y = _parts()
    np.testing.assert_array_equal(ch06.rescued_by_rhythm_reference(parts, y, "S"), [0])
    np.testing.assert_array_equal(ch06.rescued_by_rhythm_reference(parts, y, "V"), [5])


def test_rescued_accepts_indices_and_mask():
    parts, y = _parts()
    assert ch06.check_rescued_by_rhythm(np.array([0]), parts, y, "S").passed
    mask = np.zeros(6, dtype=bool)
    mask[0] = True
    assert ch06.check_rescued_by_rhythm(mask, parts, y, "S").passed


def test_rescued_rejects_the_shortcuts():
    parts, y = _parts()
    s = 1
    positive_rhythm = np.flatnonzero((y == s) & (parts.rhythm[:, s] > 0))  # [0, 1, 2]
    correct = np.flatnonzero((y == s) & ((parts.beat + parts.rhythm).argmax(1) == s))  # [0, 2]
    changed = np.flatnonzero(
        (parts.beat + parts.rhythm).argmax(1) != parts.beat.argmax(1)
    )  # [0, 3, 5]: any beat whose label the rhythm changes
    for shortcut in (positive_rhythm, correct, changed):
        assert not ch06.check_rescued_by_rhythm(shortcut, parts, y, "S").passed
    assert not ch06.check_rescued_by_rhythm(..., parts, y, "S").passed
    assert not ch06.check_rescued_by_rhythm(None, parts, y, "S").passed
