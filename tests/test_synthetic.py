"""The synthetic beats: shapes, determinism, ground-truth regions, learnability."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.data.synthetic import (
    SYNTHETIC_CLASSES,
    SYNTHETIC_R_INDEX,
    SyntheticBeats,
    make_synthetic,
)


def test_shapes_dtypes_and_balance():
    d = make_synthetic(101, seed=0)
    assert isinstance(d, SyntheticBeats)
    assert d.x.shape == (101, 187) and d.x.dtype == np.float32
    assert d.y.shape == (101,) and d.y.dtype == np.int64
    assert d.mask.shape == (101, 187) and d.mask.dtype == bool
    assert d.class_names == SYNTHETIC_CLASSES
    counts = np.bincount(d.y, minlength=4)
    assert counts.max() - counts.min() <= 1
    assert d.tensor().shape == (101, 1, 187) and d.tensor().dtype == torch.float32
    # z-scored per beat like the real beats
    np.testing.assert_allclose(d.x.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(d.x.std(axis=1), 1, atol=1e-4)


def test_deterministic_under_seed():
    a, b, c = make_synthetic(40, seed=5), make_synthetic(40, seed=5), make_synthetic(40, seed=6)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.x, c.x)


def test_masks_non_empty_and_where_the_class_is_decided():
    d = make_synthetic(400, seed=1, normalize="none", noise=0.0)
    assert d.mask.any(axis=1).all()
    r = SYNTHETIC_R_INDEX
    idx = np.arange(187)
    for k, name in enumerate(d.class_names):
        beats = d.of_class(k)
        assert len(beats) == 100
        first = np.where(beats.mask, idx, 999).min(axis=1)
        last = np.where(beats.mask, idx, -1).max(axis=1)
        if name == "no P wave":
            assert (last < r - 8).all()  # before the QRS
        elif name == "wide QRS":
            assert beats.mask[:, r].all() and ((last - first) >= 22).all()
        elif name == "inverted T":
            assert (first > r + 10).all()
            t_values = np.where(beats.mask, beats.x, np.inf).min(axis=1)
            assert (t_values < -0.15).all()  # the T wave inside the mask is negative
        else:  # normal: P, QRS and T regions
            assert beats.mask[:, r].all() and (first < r - 20).all() and (last > r + 20).all()
    # without its P wave the P region of a noiseless beat is flat
    no_p = d.of_class("no P wave")
    normal = d.of_class("normal")
    p_region_normal = normal.x[:, r - 33 : r - 17].max(axis=1)
    p_region_no_p = no_p.x[:, r - 33 : r - 17].max(axis=1)
    assert p_region_no_p.max() < 0.05 < 0.1 < p_region_normal.min()


def test_subset_of_classes_and_errors():
    d = make_synthetic(30, classes=("normal", "inverted T"))
    assert d.class_names == ("normal", "inverted T") and set(d.y) == {0, 1}
    assert len(d.subset(slice(0, 7))) == 7
    assert d.region_fraction().shape == (30,)
    with pytest.raises(ValueError, match="classes"):
        make_synthetic(10, classes=("normal", "ventricular"))
    with pytest.raises(ValueError, match="length"):
        make_synthetic(10, length=100)
    with pytest.raises(ValueError, match="n must"):
        make_synthetic(0)


def test_small_fcn_learns_synthetic_beats():
    from tscam.evaluate import accuracy, fit_synthetic
    from tscam.models import FCN

    torch.manual_seed(0)
    model = FCN(n_classes=4, filters=(16, 32, 16))
    fit_synthetic(model, make_synthetic(2000, seed=0), epochs=10)
    assert not model.training
    assert accuracy(model, make_synthetic(600, seed=123)) > 0.9
