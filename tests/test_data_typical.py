"""tscam.data.typical: the beat closest to its class mean, preferring correct predictions."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data.typical import class_examples, typical_beats

X = np.array([[0.0, 0], [1, 1], [2, 2], [10, 10], [11, 11], [30, 30]])
Y = np.array([0, 0, 0, 2, 2, 2])


def test_typical_beats_are_closest_to_their_class_mean():
    assert typical_beats(X, Y) == {"N": 1, "V": 4}  # the V mean is (17, 17): beat 4 is closest
    mask = np.array([True, False, True, False, True, True])
    assert typical_beats(X, Y, mask) == {"N": 0, "V": 4}  # ties go to the first beat


def test_typical_beats_errors():
    with pytest.raises(ValueError, match="mask"):
        typical_beats(X, Y, np.ones(3, bool))
    with pytest.raises(ValueError, match="shape"):
        typical_beats(X[:2], Y)
    with pytest.raises(ValueError, match="class indices"):
        typical_beats(X, Y.astype(float))
    with pytest.raises(ValueError, match="outside"):
        typical_beats(X, Y + 4)


def test_class_examples_prefer_correctly_classified_beats():
    pred = np.array([0, 2, 0, 0, 0, 0])  # the typical N beat (1) is wrong; no V beat is right
    ex = class_examples(X, Y, pred)
    assert list(ex) == ["N", "V"]
    assert ex["N"] == 0  # among the correct N beats 0 and 2 (mean (1, 1), tie: the first)
    assert ex["V"] == 4  # no correct V beat: the typical V beat of all V beats
    with pytest.raises(ValueError, match="pred"):
        class_examples(X, Y, pred[:2])
