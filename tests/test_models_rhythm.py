"""The rhythm head: every logit splits exactly into the window's part, the rhythm term and the
bias; the maps do not change with it; bad rhythm input gets a clear error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam import cam as C
from tscam.data import BEAT_SPEC, Beats
from tscam.models import (
    FCN,
    LSTMClassifier,
    RhythmHead,
    decompose_logits,
    predict,
    predict_logits,
)


def _trained_like(model: torch.nn.Module) -> torch.nn.Module:
    """Random BatchNorm statistics, so eval mode is not the identity."""
    torch.manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model.eval()


MODELS = {
    "fcn": lambda: FCN(n_rhythm=4),
    "fcn-linear-rhythm": lambda: FCN(n_rhythm=4, rhythm_hidden=0),
    "lstm": lambda: LSTMClassifier(n_rhythm=4, segment_length=8),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_logits_are_beat_plus_rhythm_plus_bias(name):
    torch.manual_seed(0)
    model = _trained_like(MODELS[name]())
    x, r = torch.randn(16, 1, 88), torch.randn(16, 4)
    parts = decompose_logits(model, x, r)
    with torch.no_grad():
        logits = model(x, r).numpy()
        no_rhythm = model(x).numpy()
    np.testing.assert_allclose(parts.beat + parts.rhythm + parts.bias, logits, atol=1e-5, rtol=0)
    np.testing.assert_allclose(parts.logits, logits, atol=1e-5, rtol=0)
    # model(x) alone is the window's part plus the bias
    np.testing.assert_allclose(parts.beat + parts.bias, no_rhythm, atol=1e-5, rtol=0)
    assert np.all(parts.bias == parts.bias[:1])  # one bias for every beat


def test_fcn_window_part_is_the_mean_of_the_cam():
    torch.manual_seed(0)
    model = _trained_like(FCN(n_rhythm=4)).double()
    x, r = torch.randn(8, 1, 88, dtype=torch.float64), torch.randn(8, 4, dtype=torch.float64)
    parts = decompose_logits(model, x, r)
    maps = C.cam(model, x, target=torch.arange(8) % 5)  # (n, T), the CAM of each target
    beat = parts.beat[np.arange(8), np.arange(8) % 5]
    np.testing.assert_allclose(maps.mean(1).numpy(), beat, atol=1e-5, rtol=0)


def test_rhythm_term_is_zero_at_the_patients_own_rate():
    head = RhythmHead(4, 5, hidden=16)
    torch.nn.init.normal_(head.net[0].bias)
    torch.testing.assert_close(head(torch.zeros(3, 4)), torch.zeros(3, 5), atol=1e-6, rtol=0)
    assert head(torch.randn(3, 4)).abs().sum() > 0


def test_grad_cam_identity_holds_with_a_rhythm_head():
    """The rhythm term has no gradient with respect to the window: Grad-CAM at the last block
    is still ReLU(CAM)/T, and the gradient of the full logit equals that of model(x)."""
    torch.manual_seed(0)
    model = _trained_like(FCN(n_rhythm=4))
    x, r = torch.randn(6, 1, 88), torch.randn(6, 4)
    target = torch.tensor([0, 1, 2, 3, 4, 1])
    gc = C.grad_cam(model, x, target=target)
    torch.testing.assert_close(gc, torch.relu(C.cam(model, x, target=target)) / 88, atol=1e-6,
                               rtol=0)  # fmt: skip
    xa = x.clone().requires_grad_()
    (g_full,) = torch.autograd.grad(model(xa, r)[torch.arange(6), target].sum(), xa)
    xb = x.clone().requires_grad_()
    (g_beat,) = torch.autograd.grad(model(xb)[torch.arange(6), target].sum(), xb)
    torch.testing.assert_close(g_full, g_beat, atol=1e-6, rtol=0)


def _beats(n=4, rr=True):
    rng = np.random.default_rng(0)
    return Beats(
        rng.standard_normal((n, 88)).astype(np.float32), np.zeros(n, np.int64),
        np.array(["100"] * n), np.arange(n), np.array(["N"] * n),
        rr=rng.uniform(0.5, 1.2, (n, 4)).astype(np.float32) if rr else None, spec=BEAT_SPEC,
    )  # fmt: skip


def test_predict_takes_the_rhythm_from_the_beats():
    torch.manual_seed(0)
    model = _trained_like(FCN(n_rhythm=4))
    beats = _beats()
    want = model(torch.from_numpy(beats.x)[:, None], torch.from_numpy(beats.rhythm))
    torch.testing.assert_close(predict_logits(model, beats), want.detach())
    np.testing.assert_array_equal(predict(model, beats.x, beats.rhythm), want.argmax(1).numpy())


def test_bad_rhythm_input_gets_a_clear_error():
    model = _trained_like(FCN(n_rhythm=4))
    beats = _beats()
    with pytest.raises(ValueError, match="needs the beats' rhythm features"):
        predict(model, beats.x)
    with pytest.raises(ValueError, match="no RR features"):
        predict(model, _beats(rr=False))
    with pytest.raises(ValueError, match=r"rhythm must have shape \(4, 4\)"):
        predict(model, beats.x, np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"rhythm must have shape \(4, 4\)"):
        model(torch.zeros(4, 1, 88), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="NaN or inf for beat"):
        predict(model, beats.x, np.full((4, 4), np.nan, np.float32))
    with pytest.raises(ValueError, match="NaN or inf for beat"):
        predict(model, beats.x, np.full((4, 4), np.inf, np.float32))


def test_a_model_without_rhythm_head_refuses_rhythm_and_the_decomposition():
    model = FCN().eval()
    with pytest.raises(ValueError, match="has no rhythm head"):
        decompose_logits(model, torch.zeros(2, 1, 88), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="no rhythm head"):
        predict(model, np.zeros((2, 88), np.float32), np.zeros((2, 4), np.float32))
    # a model without a rhythm head predicts from beats objects (their rhythm is not used)
    assert predict(model, _beats()).shape == (4,)


def test_logit_parts_over_a_timing_counterfactual():
    from tscam.models import logit_parts_over

    torch.manual_seed(0)
    model = _trained_like(FCN(n_rhythm=4))
    beats = _beats(3)
    dts = [-0.1, 0.0, 0.2]
    parts = logit_parts_over(model, beats.x, [beats.moved(dt).rhythm for dt in dts])
    assert parts.beat.shape == (3, 3, 5)
    np.testing.assert_allclose(parts.beat[0], parts.beat[2], atol=1e-6)  # the same window
    now = decompose_logits(model, beats.x, beats.rhythm)
    np.testing.assert_allclose(parts.rhythm[1], now.rhythm, atol=1e-6)
    with pytest.raises(ValueError, match="rhythms is empty"):
        logit_parts_over(model, beats.x, [])


def test_decompose_logits_in_batches_is_the_same():
    torch.manual_seed(0)
    model = _trained_like(FCN(n_rhythm=4))
    beats = _beats(5)
    whole = decompose_logits(model, beats.x, beats.rhythm)
    for size in (1, 2, 5, 64):
        batched = decompose_logits(model, beats.x, beats.rhythm, batch_size=size)
        for f in ("beat", "rhythm", "bias"):
            np.testing.assert_allclose(getattr(batched, f), getattr(whole, f), atol=1e-5)
    with pytest.raises(ValueError, match="batch_size"):
        decompose_logits(model, beats.x, beats.rhythm, batch_size=0)
    with pytest.raises(ValueError, match="shape"):  # checked on all beats, not per batch
        decompose_logits(model, beats.x, beats.rhythm[:4], batch_size=2)
