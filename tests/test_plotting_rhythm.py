"""Figures of the rhythm features and of the logit parts: what they draw, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.plotting import plot_logit_parts, plot_rhythm_by_class, plot_rhythm_sweep

CLASSES = ("N", "S", "V", "F", "Q")


def test_rhythm_by_class_draws_one_box_per_class_with_enough_beats():
    y = np.array([0] * 50 + [1] * 20 + [4] * 2)
    fig = plot_rhythm_by_class(np.random.default_rng(0).normal(size=72), y, CLASSES, label="x")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["N\n50", "S\n20"]
    assert "fewer than 5: Q" in ax.get_xlabel()
    with pytest.raises(ValueError, match="one per beat"):
        plot_rhythm_by_class(np.zeros(3), np.zeros(4, int), CLASSES)


def test_logit_parts_bars_and_their_sum():
    beat, rhythm, bias = np.arange(5.0), -np.ones(5), np.full(5, 0.5)
    fig = plot_logit_parts(beat, rhythm, bias, CLASSES)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, np.concatenate([beat, rhythm, bias]))
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], beat + rhythm + bias)
    with pytest.raises(ValueError, match="one value per class"):
        plot_logit_parts(beat[:3], rhythm, bias, CLASSES)


def test_logit_parts_names_the_window_part_of_each_model():
    beat, rhythm, bias = np.arange(5.0), -np.ones(5), np.full(5, 0.5)
    texts = [
        t.get_text()
        for t in plot_logit_parts(beat, rhythm, bias, CLASSES).axes[0].get_legend().texts
    ]
    assert "window part (mean of the map)" in texts
    fig = plot_logit_parts(beat, rhythm, bias, CLASSES, beat_label="window part (w_c . h_11)")
    assert "window part (w_c . h_11)" in [t.get_text() for t in fig.axes[0].get_legend().texts]
    assert plot_logit_parts(beat, rhythm, bias, CLASSES, legend=False).axes[0].get_legend() is None


def test_rhythm_sweep_draws_one_line_per_class():
    s = np.linspace(-0.2, 0.3, 11)
    lg = np.outer(s, np.arange(5))
    fig = plot_rhythm_sweep(s, lg, CLASSES)
    lines = [ln for ln in fig.axes[0].lines if ln.get_label() in CLASSES]
    assert len(lines) == 5
    np.testing.assert_allclose(lines[2].get_ydata(), 2 * s)
    with pytest.raises(ValueError, match="one row per shift"):
        plot_rhythm_sweep(s, lg[:3], CLASSES)
