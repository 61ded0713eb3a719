"""tscam.compare: where a map puts its evidence (centre, width) and the QRS width of a beat,
checked on small maps and beats whose answers are computed by hand, and the QRS width on real
MIT-BIH beats (bundle branch block beats are wide, normal beats narrow)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.compare import evidence_shares, evidence_width, map_centre, qrs_bounds, qrs_width


def test_map_centre_is_the_centre_of_mass():
    m = np.array([[0.0, 0, 1, 0], [1, 0, 0, 3], [2, 2, 2, 2]])
    # (0*1 + 3*3) / 4 = 2.25; a flat map has its centre in the middle, 1.5
    np.testing.assert_allclose(map_centre(m), [2.0, 2.25, 1.5])
    t = np.array([-0.2, -0.1, 0.0, 0.1])
    # row 2: (-0.2 + 3 * 0.1) / 4 = 0.025
    np.testing.assert_allclose(map_centre(m, t), [0.0, 0.025, -0.05])
    np.testing.assert_allclose(map_centre(torch.tensor([0.0, 1.0])), [1.0])  # one map, torch


def test_map_centre_not_the_peak():
    m = np.array([0.0, 0, 0, 0, 1, 0, 0, 0, 0, 0.5])  # peak at 4, centre (4 + 4.5) / 1.5
    assert map_centre(m)[0] == pytest.approx(8.5 / 1.5)


def test_map_centre_zero_maps_bad_input():
    assert np.isnan(map_centre(np.zeros((1, 5)))[0])
    with pytest.raises(ValueError, match="non-negative"):
        map_centre(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="one time per sample"):
        map_centre(np.ones((2, 4)), t=np.arange(3))
    with pytest.raises(ValueError, match="increasing"):
        map_centre(np.ones((2, 3)), t=[0.0, 2.0, 1.0])


def test_evidence_width_counts_samples_at_or_above_half_the_peak():
    m = np.array([[0.0, 1, 2, 4, 2, 1], [4, 0, 0, 0, 0, 4], [0, 0, 0, 0, 0, 1]])
    np.testing.assert_allclose(evidence_width(m), [3.0, 2.0, 1.0])  # 2, 4, 2 reach 4 / 2
    t = np.arange(6) * 0.008 - 0.02
    np.testing.assert_allclose(evidence_width(m, t), [0.024, 0.016, 0.008])
    np.testing.assert_allclose(evidence_width(m, level=0.2), [5.0, 2.0, 1.0])  # 1 >= 0.8
    np.testing.assert_allclose(evidence_width(m, level=1.0), [1.0, 2.0, 1.0])


def test_evidence_width_zero_maps_bad_input():
    assert np.isnan(evidence_width(np.zeros(4))[0])
    with pytest.raises(ValueError, match="level"):
        evidence_width(np.ones(4), level=0.0)
    with pytest.raises(ValueError, match="equally spaced"):
        evidence_width(np.ones(4), t=[0.0, 1.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="non-negative"):
        evidence_width(-np.ones(4))


def _triangle(length=20, r=10):
    x = np.zeros(length)
    x[r - 2 : r + 3] = [1.0, 2, 3, 2, 1]  # the QRS: samples r-3 .. r+3 leave the baseline
    return x


def test_qrs_width_of_a_triangle():
    x = _triangle()
    # slopes |x[i+1] - x[i]| are 1 for i = 7 .. 12 (from sample 7 to sample 13): 6 intervals
    assert qrs_width(x, fs=100, r_index=10, search_s=0.05)[0] == pytest.approx(0.06)
    wide = np.zeros(40)
    wide[12:29] = np.concatenate([np.arange(1.0, 10), np.arange(8.0, 0, -1)])  # 17 samples
    # slopes of 1 from i = 11 to i = 28: 18 intervals
    assert qrs_width(wide, fs=100, r_index=20, search_s=0.1)[0] == pytest.approx(0.18)


def test_qrs_bounds_of_a_triangle():
    start, stop = qrs_bounds(
        np.stack([_triangle(), np.zeros(20)]), fs=100, r_index=10, search_s=0.05
    )
    np.testing.assert_array_equal(start, [7, -1])  # the last baseline sample before the rise
    np.testing.assert_array_equal(stop, [13, -1])  # the first baseline sample after the fall


def test_qrs_width_ignores_small_slopes_and_what_lies_outside_the_search():
    x = _triangle(40, 20)
    x[28:38] = np.linspace(0, 0.5, 10)  # a slow wave after the QRS, slopes 0.056 < 0.15
    x[2:5] = 2.0  # a step far before the R peak, outside 0.05 s
    assert qrs_width(x, fs=100, r_index=20, search_s=0.05)[0] == pytest.approx(0.06)
    assert qrs_width(x, fs=100, r_index=20, search_s=0.2)[0] > 0.06  # now the step counts


def test_qrs_width_keeps_the_zeroed_start_out():
    x = _triangle(20, 10)
    x[:6] = 0.0
    x[6] = 4.0  # the first kept sample of a window with a zeroed start: a step from 0 to 4
    assert qrs_width(x, fs=100, r_index=10, search_s=0.05)[0] > 0.06
    assert qrs_width(x, fs=100, r_index=10, search_s=0.05, onset=[7])[0] == pytest.approx(0.06)


def test_qrs_width_flat_beats_and_bad_input():
    assert np.isnan(qrs_width(np.zeros((2, 187)), fs=125, r_index=112)).all()
    with pytest.raises(ValueError, match="onset"):
        qrs_width(np.zeros((2, 187)), fs=125, r_index=112, onset=[0])
    with pytest.raises(ValueError, match="r_index"):
        qrs_width(np.zeros(20), fs=125, r_index=30)
    with pytest.raises(ValueError, match="level"):
        qrs_width(np.zeros(20), fs=125, r_index=10, level=2)
    # plain arrays carry no sampling rate or R peak: asked for, by name
    with pytest.raises(ValueError, match=r"No fs and r_index.*fs=\.\.\., r_index=\.\.\."):
        qrs_bounds(np.zeros((2, 187)))
    with pytest.raises(ValueError, match="No r_index"):
        qrs_width(np.zeros((2, 187)), fs=125)


def test_qrs_width_reads_the_rate_and_r_peak_from_the_beats():
    from tscam.data import SyntheticBeats

    x = np.zeros((1, 40))
    x[0, 18:23] = [0.0, 1.0, 2.0, 1.0, 0.0]  # a triangle around sample 20
    beats = SyntheticBeats(x, np.zeros(1, np.int64), x > 0, ("a",), fs=100, r_index=20)
    assert qrs_width(beats)[0] == pytest.approx(qrs_width(x, fs=100, r_index=20)[0])
    assert qrs_width(beats)[0] == pytest.approx(0.04)
    # an explicit rate wins over the beats' own
    assert qrs_width(beats, fs=50)[0] == pytest.approx(0.08)


def test_qrs_width_real_bundle_branch_block_beats_are_wide(mitdb_dir):
    """On MIT-BIH: left and right bundle branch block beats (L, R) and V beats have a wider
    QRS than the normal beats (N), by this estimate, as the physiology says (QRS >= 120 ms in
    bundle branch block, about 80-100 ms in normal beats)."""
    from tscam.data import AAMI_RECORDS, DEFAULT_SPEC, beat_table
    from tscam.data.beats import zscore

    table = beat_table(mitdb_dir, AAMI_RECORDS)
    rng = np.random.default_rng(0)
    median = {}
    for s in "NLRV":
        idx = rng.choice(np.flatnonzero(table.symbol == s), 500, replace=False)
        x = zscore(table.x[idx], table.onset[idx])
        w = qrs_width(x, fs=DEFAULT_SPEC.fs, r_index=DEFAULT_SPEC.r_index, onset=table.onset[idx])
        median[s] = float(np.nanmedian(w))
    assert 0.05 <= median["N"] <= 0.1, median
    assert min(median["L"], median["R"], median["V"]) >= median["N"] + 0.03, median


def test_evidence_shares_by_hand():
    m = np.array([[1.0, 1, 2, 0, 4, 2], [0, 0, 0, 0, 0, 5], [1, 1, 1, 1, 1, 1]])
    edges = np.array([[2, 4], [1, 5], [3, 3]])
    np.testing.assert_allclose(
        evidence_shares(m, edges), [[0.2, 0.2, 0.6], [0.0, 0.0, 1.0], [0.5, 0.0, 0.5]]
    )
    np.testing.assert_allclose(evidence_shares(m[0], [0, 6]), [[0.0, 1.0, 0.0]])  # one map
    np.testing.assert_allclose(evidence_shares(m, np.zeros((3, 0), int)), np.ones((3, 1)))


def test_evidence_shares_zero_maps_and_bad_edges():
    assert np.isnan(evidence_shares(np.zeros((1, 4)), [[2]])).all()
    with pytest.raises(ValueError, match="one row per map"):
        evidence_shares(np.ones((2, 4)), [[1]])
    with pytest.raises(ValueError, match="increasing"):
        evidence_shares(np.ones((1, 4)), [[3, 2]])
    with pytest.raises(ValueError, match="increasing"):
        evidence_shares(np.ones((1, 4)), [[5]])
    with pytest.raises(ValueError, match="integer"):
        evidence_shares(np.ones((1, 4)), [[1.5]])
