"""Chapter 5 checkers: each accepts the reference solution (numpy, as a learner writes it) and
rejects typical wrong answers with a hint, never raising."""

from __future__ import annotations

import numpy as np
import torch

from tscam.cam import lstm_grad_cam, lstm_step_gradients
from tscam.exercises import ch05
from tscam.models import LSTMClassifier


def expand(step_maps, length=187):
    return np.repeat(step_maps, length // step_maps.shape[1], axis=1)


def most_relevant_segment(maps, n_segments=11):
    n, T = maps.shape
    return maps.reshape(n, n_segments, T // n_segments).mean(axis=2).argmax(axis=1) + 1


def step_contributions(hidden, grads):
    return np.maximum((hidden * grads).sum(axis=-1), 0.0)


def test_expand_accepts_the_solution_and_rejects_tile():
    assert ch05.check_expand(expand).passed
    wrong = ch05.check_expand(lambda m, length: np.tile(m, (1, length // m.shape[1])))
    assert not wrong.passed and "differ" in wrong.message
    assert not ch05.check_expand(...).passed


def test_expand_reference_matches_numpy_repeat():
    m = np.arange(22.0).reshape(2, 11)
    out = ch05.expand_reference(m, 187)
    assert out.shape == (2, 187)
    np.testing.assert_array_equal(out[:, :17], np.repeat(m[:, :1], 17, axis=1))
    np.testing.assert_array_equal(out[1, -17:], np.full(17, 21.0))


def test_most_relevant_segment_accepts_solution_and_rejects_zero_based_and_samples():
    assert ch05.check_most_relevant_segment(most_relevant_segment).passed
    zero_based = ch05.check_most_relevant_segment(
        lambda m, n_segments=11: most_relevant_segment(m, n_segments) - 1
    )
    assert not zero_based.passed and "case 1" in zero_based.message
    # The sample with the largest value is not the segment with the largest mean.
    by_sample = ch05.check_most_relevant_segment(
        lambda m, n_segments=11: m.argmax(axis=1) // (m.shape[1] // n_segments) + 1
    )
    assert not by_sample.passed


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
    x = torch.randn(3, 1, model.input_length)
    hidden, grads = lstm_step_gradients(model, x)
    ours = step_contributions(hidden.numpy(), grads.numpy())
    np.testing.assert_allclose(
        ours, lstm_grad_cam(model, x, expand=False).numpy(), rtol=1e-5, atol=1e-7
    )
    full = expand(ours, model.input_length)
    np.testing.assert_allclose(full, lstm_grad_cam(model, x).numpy(), rtol=1e-5, atol=1e-7)
    assert most_relevant_segment(full).shape == (3,)
