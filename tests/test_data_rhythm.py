"""RR features and the rhythm input, checked against hand-computed values; their bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import (
    BEAT_SPEC,
    MASKED_SPEC,
    RHYTHM_INPUTS,
    RR_FEATURES,
    Beats,
    neighbour_counts,
    neighbour_in_window,
    rhythm_inputs,
    rr_features,
)


def test_rr_features_by_hand():
    # R peaks at 0, 1, 2, 2.5, 4 s (fs = 1 Hz: samples are seconds)
    rr = rr_features(np.array([0, 1, 2, 2.5, 4]), fs=1.0, local_beats=3, long_beats=301)
    assert rr.shape == (5, len(RR_FEATURES)) and rr.dtype == np.float32
    pre = [1, 1, 1, 0.5, 1.5]  # the first beat takes its post_rr
    post = [1, 1, 0.5, 1.5, 1.5]  # the last beat takes its pre_rr
    np.testing.assert_allclose(rr[:, 0], pre)
    np.testing.assert_allclose(rr[:, 1], post)
    # local: mean pre_rr of beats i-1, i, i+1 (clipped at the ends)
    local = [np.mean(pre[0:2]), np.mean(pre[0:3]), np.mean(pre[1:4]), np.mean(pre[2:5]),
             np.mean(pre[3:5])]  # fmt: skip
    np.testing.assert_allclose(rr[:, 2], local, rtol=1e-6)
    # long span covers the whole record: the median pre_rr
    np.testing.assert_allclose(rr[:, 3], np.median(pre))


def test_long_span_slides_inside_the_record():
    pre = np.random.default_rng(0).uniform(0.5, 1.5, 30)
    t = np.concatenate([[0], np.cumsum(pre[1:])])  # the first beat's pre_rr is its post_rr
    rr = rr_features(t * 100, fs=100, long_beats=7)
    p = rr[:, 0].astype(float)
    want = [np.median(p[min(max(i - 3, 0), 30 - 7) :][:7]) for i in range(30)]
    np.testing.assert_allclose(rr[:, 3], want, rtol=1e-6)


def test_long_span_median_follows_the_patient_and_ignores_an_ectopic_beat():
    t = np.arange(0, 1000, 0.8)  # 0.8 s rhythm for 1000 s
    t = np.sort(np.concatenate([t[:600], [t[599] + 0.4], t[600:] + 0.2]))  # one early beat
    rr = rr_features(t * 360, fs=360)
    early = 600
    np.testing.assert_allclose(rr[early, 0], 0.4, rtol=1e-6)
    np.testing.assert_allclose(rr[:, 3], 0.8, rtol=1e-6)  # median: unmoved by the early beat
    r = rhythm_inputs(rr)
    assert r[early, 0] == pytest.approx(np.log(0.5))  # pre_rr / avg_rr
    assert np.all(np.isfinite(r))
    assert abs(r[10]).max() < 1e-6  # a beat at the patient's own rate: all zeros


def test_rhythm_inputs_are_the_documented_log_ratios():
    rr = np.array([[0.5, 1.0, 0.8, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(
        rhythm_inputs(rr)[0], np.log([0.5 / 1.0, 1.0 / 1.0, 0.8 / 1.0, 0.5 / 0.8]), rtol=1e-6
    )
    assert len(RHYTHM_INPUTS) == 4


@pytest.mark.parametrize(
    ("samples", "match"),
    [
        (np.array([5]), "at least two beats"),
        (np.array([], dtype=int), "at least two beats"),
        (np.array([3, 2, 5]), "strictly increasing"),
        (np.zeros((2, 2)), "1-D"),
    ],
)
def test_rr_features_refuse_bad_input(samples, match):
    with pytest.raises(ValueError, match=match):
        rr_features(samples, fs=360)


def test_a_record_of_two_beats_has_defined_features():
    rr = rr_features(np.array([100, 460]), fs=360)
    np.testing.assert_allclose(rr, np.ones((2, 4)))


@pytest.mark.parametrize(
    "rr", [np.ones((3, 3)), np.array([[1, 1, np.nan, 1]]), np.array([[1, 0, 1, 1]])]
)
def test_rhythm_inputs_refuse_bad_tables(rr):
    with pytest.raises(ValueError, match="RR"):
        rhythm_inputs(rr)


def _beats(rr):
    n = 2
    return Beats(
        np.zeros((n, 88), np.float32), np.zeros(n, np.int64), np.array(["100"] * n),
        np.arange(n), np.array(["N"] * n), rr=rr, spec=BEAT_SPEC,
    )  # fmt: skip


def test_beats_without_rr_have_no_rhythm_and_say_how_to_get_it():
    with pytest.raises(ValueError, match="no RR features"):
        _ = _beats(None).rhythm
    with pytest.raises(ValueError, match=r"rr must have shape \(2, 4\)"):
        _beats(np.ones((3, 4)))
    b = _beats(np.ones((2, 4), np.float32))
    assert b.rhythm.shape == (2, 4) and b.subset([1]).rr.shape == (1, 4)


def test_neighbour_in_window_uses_the_window_edges():
    # BEAT_SPEC: 0.288 s before, 0.408 s after the R peak
    rr = np.array(
        [[0.8, 0.8, 0.8, 0.8], [0.28, 0.8, 0.8, 0.8], [0.8, 0.40, 0.8, 0.8], [0.3, 0.41, 1, 1]]
    )
    np.testing.assert_array_equal(neighbour_in_window(rr, BEAT_SPEC), [False, True, True, False])
    # the masked window hides the previous beat: only the next one can intrude (0.592 s after)
    np.testing.assert_array_equal(neighbour_in_window(rr, MASKED_SPEC), [False, False, True, True])


def test_neighbour_counts_per_class_for_the_beats_window_or_another():
    rr = np.array(
        [[0.8, 0.8, 0.8, 0.8], [0.28, 0.8, 0.8, 0.8], [0.8, 0.40, 0.8, 0.8], [0.3, 0.41, 1, 1]]
    )
    beats = Beats(
        np.zeros((4, 88), np.float32), np.array([0, 1, 1, 2]), np.array(["100"] * 4),
        np.arange(4), np.array(["N", "A", "A", "V"]), rr=rr, spec=BEAT_SPEC,
    )  # fmt: skip
    # by hand: beat 1 (S) has the previous R at 0.28 s <= 0.288 s, beat 2 (S) the next at 0.40 s
    assert neighbour_counts(beats) == {"N": (0, 1), "S": (2, 2), "V": (0, 1), "F": (0, 0),
                                       "Q": (0, 0)}  # fmt: skip
    # the same beats in the masked 187-sample window: only the next R peak (<= 0.592 s) counts
    masked = neighbour_counts(beats, MASKED_SPEC)
    assert masked["S"] == (1, 2) and masked["V"] == (1, 1) and masked["N"] == (0, 1)
    with pytest.raises(ValueError, match="no RR features"):
        neighbour_counts(_beats(None))


def test_moving_a_beat_changes_its_two_intervals_only():
    from tscam.data import move_beat

    rr = np.array([[0.8, 0.8, 0.8, 0.8], [0.6, 1.0, 0.8, 0.8]], dtype=np.float32)
    moved = move_beat(rr, 0.2)  # 0.2 s earlier
    np.testing.assert_allclose(moved[:, :2], [[0.6, 1.0], [0.4, 1.2]], rtol=1e-6)
    np.testing.assert_array_equal(moved[:, 2:], rr[:, 2:])
    np.testing.assert_array_equal(rr[0], np.float32([0.8] * 4))  # the input is not changed
    with pytest.raises(ValueError, match="neighbouring R peak"):
        move_beat(rr, 0.7)
    b = _beats(rr).moved(-0.1)
    np.testing.assert_allclose(b.rr[:, 0], [0.9, 0.7], rtol=1e-6)
    with pytest.raises(ValueError, match="no RR features"):
        _beats(None).moved(0.1)
