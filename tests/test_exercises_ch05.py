"""Chapter 5 checkers: each accepts the reference solution (as a learner writes it) and rejects
typical wrong answers with a hint, never raising."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.cam import lstm_grad_cam, lstm_step_gradients, segment_occlusion
from tscam.exercises import ch05
from tscam.models import LSTMClassifier


def local_credit(model, x, target):
    rows = torch.arange(len(x))
    with torch.no_grad():
        score = model(x)[rows, target]
        drops = [score - model(ch05.bridged(x, t))[rows, target] for t in range(1, 12)]
    return torch.stack(drops, dim=1)


def step_contributions(hidden, grads):
    return np.maximum((hidden * grads).sum(axis=-1), 0.0)


def test_local_credit_accepts_the_solution():
    result = ch05.check_local_credit(local_credit)
    assert result.passed, result.message


def test_local_credit_rejects_the_prefix_credit_with_a_hint():
    """The tempting shortcut: the LSTM Grad-CAM L(t) read as the credit of segment t."""
    prefix = ch05.check_local_credit(
        lambda m, x, t: lstm_grad_cam(m, x, target=t, expand=False).numpy()
    )
    assert not prefix.passed and "prefix" in prefix.message
    signed = ch05.check_local_credit(
        lambda m, x, t: lstm_grad_cam(m, x, target=t, relu=False, expand=False)
    )
    assert not signed.passed and "prefix" in signed.message
    change = ch05.check_local_credit(
        lambda m, x, t: np.diff(
            lstm_grad_cam(m, x, target=t, relu=False, expand=False).numpy(), axis=1, prepend=0.0
        )
    )
    assert not change.passed and "prefix" in change.message


def test_local_credit_rejects_other_wrong_answers():
    # the logit after bridging instead of its drop
    after = ch05.check_local_credit(
        lambda m, x, t: torch.stack(
            [m(ch05.bridged(x, s))[torch.arange(len(x)), t] for s in range(1, 12)], 1
        ).detach()
    )
    assert not after.passed

    # segments set to zero instead of bridged (another perturbation rule)
    def zeroed(m, x, t):
        rows = torch.arange(len(x))
        out = []
        with torch.no_grad():
            score = m(x)[rows, t]
            for s in range(11):
                z = x.clone()
                z[:, :, 8 * s : 8 * s + 8] = 0
                out.append(score - m(z)[rows, t])
        return torch.stack(out, 1)

    assert not ch05.check_local_credit(zeroed).passed
    assert not ch05.check_local_credit(...).passed
    raising = ch05.check_local_credit(lambda m, x, t: x @ x)
    assert not raising.passed and "raised" in raising.message


def test_memory_lstm_separates_prefix_and_local_credit():
    """Hand-computed: one bump of height 1 over segment 3. The cell state keeps tanh(1) from
    step 3 on, h_11 = tanh(tanh(1)), y_1 = 2 h_11 - 0.5; L(t) = 0 for t < 11 (no recurrent
    weights, c_t held fixed), L(11) = 2 h_11; D(3) = 2 h_11. Bridging segment 2 or 4 draws a
    line from 0 to 1 (or 1 to 0) over 8 samples, mean 4.5 / 9 = 0.5, which adds tanh(0.5) to the
    cell: D = 2 (h_11 - tanh(tanh(1) + tanh(0.5))) < 0 there, and 0 elsewhere."""
    model = ch05.memory_lstm()
    x = ch05.memory_beats([3])
    h11 = np.tanh(np.tanh(1.0))
    with torch.no_grad():
        assert float(model(x)[0, 1]) == pytest.approx(2 * h11 - 0.5, abs=1e-5)
    L = lstm_grad_cam(model, x, target=1, expand=False).numpy()[0]
    np.testing.assert_allclose(L[:10], 0.0, atol=1e-6)
    assert L[10] == pytest.approx(2 * h11, abs=1e-5)
    D = segment_occlusion(model, x, target=1).numpy()[0]
    want = np.zeros(11)
    want[2] = 2 * h11
    want[[1, 3]] = 2 * (h11 - np.tanh(np.tanh(1.0) + np.tanh(0.5)))
    np.testing.assert_allclose(D, want, atol=1e-5)


def test_bridged_replaces_one_segment_by_a_line():
    x = torch.arange(88.0).reshape(1, 1, 88) ** 2
    out = ch05.bridged(x, 2)  # samples 8..15, between x[7] = 49 and x[16] = 256
    np.testing.assert_allclose(out[0, 0, 8:16].numpy(), 49 + (256 - 49) * np.arange(1, 9) / 9)
    assert torch.equal(out[0, 0, :8], x[0, 0, :8]) and torch.equal(out[0, 0, 16:], x[0, 0, 16:])
    last = ch05.bridged(x, 11)  # the last segment holds the value before it
    np.testing.assert_allclose(last[0, 0, 80:].numpy(), np.full(8, 79.0**2))
    with pytest.raises(ValueError, match="segment number"):
        ch05.bridged(x, 0)
    with pytest.raises(ValueError, match="shape"):
        ch05.bridged(x[0], 1)


def test_memory_beats_rejects_bad_segments():
    assert ch05.memory_beats([1, 11]).shape == (2, 1, 88)
    with pytest.raises(ValueError, match="from 1 to 11"):
        ch05.memory_beats([12])


def test_step_contributions_accepts_solution_rejects_missing_relu_and_mean_weights():
    assert ch05.check_step_contributions(step_contributions).passed
    no_relu = ch05.check_step_contributions(lambda h, g: (h * g).sum(axis=-1))
    assert not no_relu.passed
    mean_weights = ch05.check_step_contributions(
        lambda h, g: np.maximum((h * g.mean(axis=1, keepdims=True)).sum(axis=-1), 0)
    )
    assert not mean_weights.passed
    raising = ch05.check_step_contributions(lambda h, g: h @ g)
    assert not raising.passed and "raised" in raising.message


def test_the_solution_reproduces_lstm_grad_cam_on_a_model():
    torch.manual_seed(0)
    model = LSTMClassifier(hidden_size=8).eval()
    x = torch.randn(3, 1, 88)
    hidden, grads = lstm_step_gradients(model, x)
    ours = step_contributions(hidden.numpy(), grads.numpy())
    np.testing.assert_allclose(
        ours, lstm_grad_cam(model, x, expand=False).numpy(), rtol=1e-5, atol=1e-7
    )
