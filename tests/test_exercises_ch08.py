"""Chapter 8 checkers: each accepts the reference solution and rejects the tempting shortcuts
(an intervention computed without the rhythm, with the wrong sign, by shifting the window; a
zero run that grows by the whole shift or a beat not z-scored again)."""

from __future__ import annotations

import numpy as np
import torch

from tscam.data import zscore
from tscam.exercises import ch08
from tscam.models import FCN, decompose_logits


def _timing_effect(model, beats, seconds):
    x = beats.tensor()
    before = decompose_logits(model, x, torch.from_numpy(beats.rhythm))
    after = decompose_logits(model, x, torch.from_numpy(beats.moved(seconds).rhythm))
    return after.beat - before.beat, after.rhythm - before.rhythm


def test_timing_effect_reference_by_hand():
    # A linear rhythm head: the change of the rhythm term is W @ (change of the rhythm input).
    model, beats = ch08._toy_case(8)
    lin = FCN(n_classes=5, filters=(8, 8, 8), n_rhythm=4, rhythm_hidden=0).eval()
    lin.load_state_dict({k: v for k, v in lin.state_dict().items()}, strict=True)
    got = ch08.timing_effect_reference(lin, beats, 0.1)
    dr = beats.moved(0.1).rhythm - beats.rhythm  # (n, 4)
    w = lin.rhythm_head.net.weight.detach().numpy()  # (5, 4)
    np.testing.assert_allclose(got[1], dr @ w.T, atol=1e-5)
    np.testing.assert_array_equal(got[0], 0.0)  # the window is unchanged


def test_timing_effect_accepts_solution():
    result = ch08.check_timing_effect(_timing_effect)
    assert result.passed, result.message


def test_timing_effect_rejects_the_shortcuts():
    def without_rhythm(model, beats, seconds):  # the shortcut: logits of the windows alone
        a = model(beats.tensor()).detach().numpy()
        b = model(beats.moved(seconds).tensor()).detach().numpy()
        return b - a, b - a

    result = ch08.check_timing_effect(without_rhythm)
    assert not result.passed and "without the rhythm" in result.message

    def flipped(model, beats, seconds):
        return _timing_effect(model, beats, -seconds)

    result = ch08.check_timing_effect(flipped)
    assert not result.passed and "sign" in result.message

    def rolled(model, beats, seconds):  # moves the samples instead of the timing
        from dataclasses import replace

        shifted = replace(beats, x=np.roll(beats.x, -int(seconds * 125), axis=1))
        a = decompose_logits(model, beats.tensor(), torch.from_numpy(beats.rhythm))
        b = decompose_logits(
            model, shifted.tensor(), torch.from_numpy(shifted.moved(seconds).rhythm)
        )
        return b.beat - a.beat, b.rhythm - a.rhythm

    result = ch08.check_timing_effect(rolled)
    assert not result.passed and "window part changes" in result.message

    def logits_only(model, beats, seconds):  # the whole logit change put in both parts
        d = _timing_effect(model, beats, seconds)[1]
        return d * 0.5, d * 0.5

    assert not ch08.check_timing_effect(logits_only).passed
    assert not ch08.check_timing_effect(...).passed
    assert not ch08.check_timing_effect(lambda m, b, s: None).passed
    assert not ch08.check_timing_effect(lambda m, b, s: 1 / 0).passed


def _earlier(x, onset, seconds, fs):
    new = onset + int(round(seconds * fs / 2))
    kept = np.arange(x.shape[1])[None, :] >= new[:, None]
    return zscore(np.where(kept, x, 0.0), new)


def test_earlier_masked_reference_by_hand():
    x = zscore(np.arange(20, dtype=np.float32)[None, :] ** 1.5, np.array([4]))
    got = ch08.earlier_masked_reference(x, np.array([4]), 0.08, 125.0)  # 5 more samples zeroed
    assert np.all(got[0, :9] == 0) and np.all(got[0, 9:] != 0)
    kept = got[0, 9:]
    assert abs(kept.mean()) < 1e-5 and abs(kept.std() - 1) < 1e-4


def test_earlier_masked_accepts_solution():
    result = ch08.check_earlier_masked(_earlier)
    assert result.passed, result.message


def test_earlier_masked_rejects_the_shortcuts():
    def whole_shift(x, onset, seconds, fs):  # forgets that the run is half the RR interval
        return _earlier(x, onset, 2 * seconds, fs)

    result = ch08.check_earlier_masked(whole_shift)
    assert not result.passed and "HALF" in result.message

    def no_zscore(x, onset, seconds, fs):
        new = onset + int(round(seconds * fs / 2))
        return np.where(np.arange(x.shape[1])[None, :] >= new[:, None], x, 0.0)

    result = ch08.check_earlier_masked(no_zscore)
    assert not result.passed and "z-scored again" in result.message

    def shrinks(x, onset, seconds, fs):
        return _earlier(x, onset, 0.0, fs)

    result = ch08.check_earlier_masked(shrinks)
    assert not result.passed and "must grow" in result.message
    assert not ch08.check_earlier_masked(lambda x, o, s, f: np.roll(x, 3, axis=1)).passed
    assert not ch08.check_earlier_masked(...).passed
    assert not ch08.check_earlier_masked(lambda x, o, s, f: None).passed


def test_compare_guess():
    measured = {"window part of S": "same", "rhythm term of S": "up"}
    good = ch08.compare_guess({"window part of S": "same", "rhythm term of S": "up"}, measured)
    assert good.passed and "measured up" in good.message
    wrong = ch08.compare_guess({"window part of S": "up", "rhythm term of S": "up"}, measured)
    assert not wrong.passed and "✗" in wrong.message
    assert not ch08.compare_guess(..., measured).passed
    assert not ch08.compare_guess({"rhythm term of S": "up"}, measured).passed  # one missing
    assert not ch08.compare_guess({k: "higher" for k in measured}, measured).passed
    assert ch08.direction_of([0.3, 0.2, -0.1]) == "up"
    assert ch08.direction_of([-0.3, -0.2, 0.1]) == "down"
    assert ch08.direction_of([0.01, -0.01, 0.0]) == "same"


def test_timing_effect_runs_on_given_beats_and_compares_the_guess():
    model, beats = ch08._toy_case(3)
    d = ch08.timing_effect_reference(model, beats, 0.1)
    measured = {"window part": "same", "rhythm term": ch08.direction_of(d[1][:, 1])}

    def check(fn, guess):
        return ch08.check_timing_effect(fn, guess, model=model, beats=beats, seconds=0.1, target=1)

    right = check(_timing_effect, measured)
    assert right.passed and "Your prediction holds" in right.message
    other = "down" if measured["rhythm term"] == "up" else "up"
    wrong = check(_timing_effect, {"window part": "up", "rhythm term": other})
    assert wrong.passed and "differs" in wrong.message and "✗" in wrong.message  # reported
    unfilled = check(_timing_effect, {"window part": ..., "rhythm term": ...})
    assert not unfilled.passed and "prediction first" in unfilled.message
    assert not check(_timing_effect, ...).passed
    assert not check(_timing_effect, {"window part": "higher", "rhythm term": "up"}).passed
    # the unfilled stub of the notebook fails softly (no exception), before any guess is read
    stub = check(lambda m, b, s: None, {"window part": ..., "rhythm term": ...})
    assert not stub.passed


def test_earlier_masked_runs_on_given_beats_and_compares_the_guess():
    from tscam.data import MASKED_SPEC, Beats

    torch.manual_seed(0)
    model = FCN(n_classes=5, filters=(8, 8, 8)).eval()
    x, onset, _, _ = ch08._masked_cases()[0]
    n = x.shape[0]
    beats = Beats(
        x=x,
        y=np.zeros(n, dtype=np.int64),
        record=np.full(n, "toy"),
        sample=np.arange(n, dtype=np.int64),
        symbol=np.full(n, "N"),
        onset=onset,
        spec=MASKED_SPEC,
    )
    from tscam.models import predict_logits

    before = predict_logits(model, x).numpy()[:, 2]
    after = predict_logits(model, ch08.earlier_masked_reference(x, onset, 0.2, 125)).numpy()[:, 2]
    measured = ch08.direction_of(after - before)

    def check(fn, guess):
        return ch08.check_earlier_masked(fn, guess, model=model, beats=beats, seconds=0.2, target=2)

    assert check(_earlier, {"logit": measured}).passed
    other = "down" if measured != "down" else "up"
    assert "✗" in check(_earlier, {"logit": other}).message
    assert not check(_earlier, {"logit": ...}).passed
    assert not check(lambda x, o, s, f: None, {"logit": ...}).passed  # the unfilled stub
