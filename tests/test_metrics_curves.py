"""class_margin, precision_recall, recall_precision_at and class_by_record, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.metrics import class_by_record, class_margin, precision_recall, recall_precision_at


def test_class_margin_is_the_logit_minus_the_largest_other():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.5, 2.5]])
    np.testing.assert_allclose(class_margin(logits, 1), [-1.0, 2.0, -1.0])
    np.testing.assert_allclose(class_margin(logits, 0), [1.0, -3.0, -1.5])
    # above 0 exactly where the argmax is the class
    rng = np.random.default_rng(0)
    lg = rng.normal(size=(500, 5))
    for k in range(5):
        assert np.array_equal(class_margin(lg, k) > 0, lg.argmax(1) == k)
    # an offset on the class shifts every margin by it
    shifted = lg.copy()
    shifted[:, 2] += 0.7
    np.testing.assert_allclose(class_margin(shifted, 2), class_margin(lg, 2) + 0.7)


def test_class_margin_refuses_bad_input():
    with pytest.raises(ValueError, match="shape"):
        class_margin(np.zeros(3), 0)
    with pytest.raises(ValueError, match="out of range"):
        class_margin(np.zeros((2, 3)), 3)


def test_precision_recall_by_hand():
    # scores 0.9 (pos), 0.8 (neg), 0.8 (pos), 0.1 (neg): thresholds 0.9, 0.8, 0.1
    curve = precision_recall([0.1, 0.8, 0.9, 0.8], [False, True, True, False])
    np.testing.assert_allclose(curve["threshold"], [0.9, 0.8, 0.1])
    np.testing.assert_allclose(curve["recall"], [0.5, 1.0, 1.0])
    np.testing.assert_allclose(curve["precision"], [1.0, 2 / 3, 0.5])


def test_precision_recall_refuses_bad_input():
    with pytest.raises(ValueError, match="positive"):
        precision_recall([0.1, 0.2], [False, False])
    with pytest.raises(ValueError, match="shape"):
        precision_recall([0.1, 0.2], [True])
    with pytest.raises(ValueError, match="NaN"):
        precision_recall([np.nan, 0.2], [True, False])


def test_recall_precision_at_is_a_point_of_the_argmax_decision():
    scores = np.array([-1.0, 0.5, 2.0, 0.0, 3.0])
    pos = np.array([True, True, False, True, True])
    # called: 0.5, 2.0, 3.0 (0.0 is not above 0); TP 2 of 4 positives, 2 of 3 called
    assert recall_precision_at(scores, pos) == (0.5, 2 / 3)
    rec, prec = recall_precision_at(scores, pos, threshold=10)
    assert rec == 0 and np.isnan(prec)
    rng = np.random.default_rng(1)
    lg, y = rng.normal(size=(300, 4)), rng.integers(0, 4, 300)
    rec, prec = recall_precision_at(class_margin(lg, 1), y == 1)
    pred = lg.argmax(1)
    assert rec == np.sum((pred == 1) & (y == 1)) / np.sum(y == 1)
    assert prec == np.sum((pred == 1) & (y == 1)) / np.sum(pred == 1)


def test_class_by_record_by_hand():
    record = np.array(["a", "a", "a", "b", "b", "c"])
    y = np.array([1, 1, 0, 1, 0, 0])
    pred = np.array([1, 0, 1, 0, 0, 1])
    rows = class_by_record(y, pred, record, 1)
    assert [r["record"] for r in rows] == ["a", "b"]  # c has no beat of class 1
    a, b = rows
    assert (a["beats"], a["found"], a["called"]) == (2, 1, 2)
    assert a["sensitivity"] == 0.5 and a["ppv"] == 0.5
    assert (b["beats"], b["found"], b["called"], b["ppv"]) == (1, 0, 0, None)
    assert len(class_by_record(y, pred, record, 1, min_beats=2)) == 1
    with pytest.raises(ValueError, match="one entry per beat"):
        class_by_record(y, pred[:-1], record, 1)
