"""tscam.compare: per-segment summaries, peaks, correlations, shares and typical beats, checked
on maps whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.compare import (
    peak_agreement,
    peak_segments,
    row_correlation,
    segment_means,
    top_share,
    typical_beats,
)


def test_segment_means_of_an_expanded_map_returns_its_steps():
    steps = np.random.default_rng(0).random((3, 11))
    np.testing.assert_allclose(segment_means(np.repeat(steps, 17, axis=1)), steps)
    np.testing.assert_allclose(segment_means(steps), steps)  # already per segment
    np.testing.assert_allclose(segment_means(torch.ones(2, 187)), np.ones((2, 11)))


def test_segment_means_averages_each_block_of_samples():
    m = np.zeros(12)
    m[3] = 4.0  # segment 0 of 3 (samples 0-3)
    m[8:12] = 1.0  # segment 2
    np.testing.assert_allclose(segment_means(m, 3), [[1.0, 0.0, 1.0]])


def test_segment_means_rejects_lengths_that_do_not_divide():
    with pytest.raises(ValueError, match="equal segments"):
        segment_means(np.ones((2, 186)))
    with pytest.raises(ValueError, match="NaN"):
        segment_means(np.full((1, 187), np.nan))


def test_peak_segments_uses_segment_means_not_single_samples():
    m = np.zeros((2, 187))
    m[0, 120] = 5.0  # one tall sample in segment 7 (0-based)
    m[0, 17:34] = 0.5  # segment 1: mean 0.5 > 5 / 17
    m[1, -1] = 1.0
    np.testing.assert_array_equal(peak_segments(m), [1, 10])


def test_row_correlation_known_values_and_constant_rows():
    a = np.array([[1.0, 2, 3, 4], [1, 2, 3, 4], [1, 1, 1, 1]])
    b = np.array([[2.0, 4, 6, 8], [4, 3, 2, 1], [1, 2, 3, 4]])
    r = row_correlation(a, b)
    np.testing.assert_allclose(r[:2], [1.0, -1.0])
    assert np.isnan(r[2])
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 11)), rng.normal(size=(5, 11))
    want = [np.corrcoef(x[i], y[i])[0, 1] for i in range(5)]
    np.testing.assert_allclose(row_correlation(x, y), want)
    with pytest.raises(ValueError, match="same shape"):
        row_correlation(np.ones((2, 187)), np.ones((2, 11)))


def test_peak_agreement_counts_maps_peaking_where_the_reference_peaks():
    ref = np.zeros(11)
    ref[4] = 1.0
    maps = np.zeros((4, 11))
    maps[[0, 1, 2], 4] = 1.0
    maps[3, 9] = 1.0
    assert peak_agreement(maps, ref) == pytest.approx(0.75)
    assert np.isnan(peak_agreement(np.zeros((0, 11)), ref))
    with pytest.raises(ValueError, match="length"):
        peak_agreement(maps, np.zeros(187))


def test_top_share_is_the_fraction_for_equal_beats_and_near_one_for_one_giant():
    equal = np.ones((20, 5))
    assert top_share(equal, 0.1) == pytest.approx(0.1)
    giant = np.ones((20, 5))
    giant[7] *= 1000
    assert top_share(giant, 0.1) > 0.98
    assert np.isnan(top_share(np.zeros((3, 4))))
    with pytest.raises(ValueError, match="non-negative"):
        top_share(-np.ones((2, 3)))
    with pytest.raises(ValueError, match="fraction"):
        top_share(equal, 0.0)


def test_typical_beats_picks_the_beat_nearest_the_class_mean_within_the_mask():
    x = np.array([[0.0, 0], [1, 1], [2, 2], [10, 10], [11, 11]])
    y = np.array([0, 0, 0, 2, 2])
    names = ("N", "S", "V")
    assert typical_beats(x, y, classes=names) == {"N": 1, "V": 3}  # ties go to the first
    among = np.array([True, False, True, False, False])
    # N: beat 1 is excluded, beats 0 and 2 are equally near (first wins); V: none allowed -> all
    assert typical_beats(x, y, among, names) == {"N": 0, "V": 3}
    with pytest.raises(ValueError, match="one label per beat"):
        typical_beats(x, y[:3], classes=names)
    with pytest.raises(ValueError, match="classes="):  # plain arrays carry no class names
        typical_beats(x, y)


def test_peak_agreement_null_by_hand():
    from tscam.compare import peak_agreement_null

    # 6 beats of 11 segments; class 1 = beats 3, 4, 5; reference peaks in segment 2
    maps = np.zeros((6, 11))
    peaks = [2, 2, 7, 2, 2, 9]  # class 1: 2 of 3 peak in 2; all beats: 4 of 6
    maps[np.arange(6), peaks] = 1.0
    y = np.array([0, 0, 0, 1, 1, 1])
    ref = np.zeros(11)
    ref[2] = 1.0
    res = peak_agreement_null(maps, y, 1, ref, n_perm=4000)
    assert res.observed == pytest.approx(2 / 3)
    assert res.null == pytest.approx(4 / 6, abs=0.02)  # the share of all beats peaking in 2
    assert res.low <= res.null <= res.high
    with pytest.raises(ValueError, match="class index 3"):
        peak_agreement_null(maps, y, 3, ref)
    with pytest.raises(ValueError, match="one label per map"):
        peak_agreement_null(maps, y[:4], 1, ref)
