"""Chapter 6 checkers: each accepts the reference solution and rejects a wrong one."""

from __future__ import annotations

import numpy as np

from tscam.exercises import ch06


def minmax_class_mean(maps, y, k):
    m = maps[y == k]
    lo = m.min(axis=1, keepdims=True)
    span = m.max(axis=1, keepdims=True) - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (m - lo) / safe, 0.0).mean(axis=0)


def test_minmax_class_mean_accepts_solution():
    assert ch06.check_minmax_class_mean(minmax_class_mean).passed


def test_minmax_class_mean_rejects_max_normalisation_and_forgotten_constant_case():
    by_max = ch06.check_minmax_class_mean(
        lambda maps, y, k: (maps[y == k] / np.abs(maps[y == k]).max(axis=1, keepdims=True)).mean(0)
    )
    assert not by_max.passed

    def nan_for_constant(maps, y, k):
        m = maps[y == k]
        lo = m.min(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return ((m - lo) / (m.max(axis=1, keepdims=True) - lo)).mean(axis=0)

    result = ch06.check_minmax_class_mean(nan_for_constant)
    assert not result.passed and "case 3" in result.message
    assert not ch06.check_minmax_class_mean(lambda maps, y, k: maps.mean(0)).passed


def test_minmax_reference_is_a_mean_of_rows_in_zero_one():
    rng = np.random.default_rng(0)
    maps, y = rng.normal(size=(6, 9)), np.array([1, 1, 1, 0, 0, 2])
    ref = ch06.minmax_class_mean_reference(maps, y, 1)
    np.testing.assert_allclose(ref, minmax_class_mean(maps, y, 1))
    assert ref.shape == (9,) and ref.min() >= 0 and ref.max() <= 1


def test_misclassified_accepts_indices_in_any_order_and_masks():
    y_true = np.array([2, 2, 0, 2, 1, 2])
    y_pred = np.array([2, 0, 0, 1, 1, 2])
    np.testing.assert_array_equal(ch06.misclassified_reference(y_true, y_pred, "V"), [1, 3])
    assert ch06.check_misclassified(np.array([3, 1]), y_true, y_pred, "V").passed
    assert ch06.check_misclassified([1, 3], y_true, y_pred).passed
    mask = (y_true == 2) & (y_pred != 2)
    assert ch06.check_misclassified(mask, y_true, y_pred, "V").passed


def test_misclassified_rejects_all_errors_and_the_correct_ones():
    y_true = np.array([2, 2, 0, 2, 1, 2])
    y_pred = np.array([2, 0, 0, 1, 0, 2])
    every_error = np.flatnonzero(y_true != y_pred)  # includes the S beat at 4
    assert not ch06.check_misclassified(every_error, y_true, y_pred, "V").passed
    correct = np.flatnonzero((y_true == 2) & (y_pred == 2))
    assert not ch06.check_misclassified(correct, y_true, y_pred, "V").passed
    assert not ch06.check_misclassified(..., y_true, y_pred, "V").passed
    assert not ch06.check_misclassified(None, y_true, y_pred, "V").passed
