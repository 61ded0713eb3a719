"""tscam.aggregate: per-beat normalisation and class averages on maps with known statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tscam.aggregate import averages_to_dict, normalize_maps
from tscam.aggregate import class_average as _class_average
from tscam.data import CLASSES, Beats


def class_average(*args, **kwargs):
    """:func:`tscam.aggregate.class_average` with the course's classes, for the plain arrays
    of these tests (plain arrays carry no class names)."""
    kwargs.setdefault("classes", CLASSES)
    return _class_average(*args, **kwargs)


T = 187


# ---------------------------------------------------------------- normalize_maps


def test_max_divides_each_map_by_its_largest_absolute_value_and_keeps_the_sign():
    maps = np.array([[1.0, 2.0, 4.0], [-4.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    out = normalize_maps(maps, "max")
    np.testing.assert_allclose(out, [[0.25, 0.5, 1.0], [-1.0, 0.5, 0.0], [0.0, 0.0, 0.0]])


def test_minmax_maps_each_map_onto_zero_one_and_constant_maps_to_zero():
    maps = np.array([[2.0, 4.0, 6.0], [-1.0, 1.0, 0.0], [3.0, 3.0, 3.0]])
    out = normalize_maps(maps, "minmax")
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0], [0.0, 1.0, 0.5], [0.0, 0.0, 0.0]])


def test_none_returns_an_independent_copy():
    maps = np.array([[1.0, 5.0]])
    out = normalize_maps(maps, "none")
    out[0, 0] = 99.0
    assert maps[0, 0] == 1.0


def test_normalize_accepts_torch_tensors_also_with_grad():
    t = torch.tensor([[1.0, 3.0]], requires_grad=True)
    np.testing.assert_allclose(normalize_maps(t, "max"), [[1 / 3, 1.0]])


@pytest.mark.parametrize("bad", ["l2", "Max", None])
def test_unknown_normalisation_is_rejected_naming_the_choices(bad):
    with pytest.raises(ValueError, match="minmax"):
        normalize_maps(np.ones((2, 3)), bad)


def test_nan_maps_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        normalize_maps(np.array([[1.0, np.nan]]))


def test_normalisation_gives_every_beat_one_vote():
    # one beat with a 100x larger map dominates the raw mean, not the normalised one
    maps = np.array([[100.0, 0.0], [0.0, 1.0]])
    x = np.zeros((2, 2))
    y = np.array([0, 0])
    raw = class_average(maps, x, y, normalize="none")["N"].mean_map
    fair = class_average(maps, x, y, normalize="max")["N"].mean_map
    np.testing.assert_allclose(raw, [50.0, 0.5])
    np.testing.assert_allclose(fair, [0.5, 0.5])


# ---------------------------------------------------------------- class_average


def _known(rng: np.random.Generator):
    """Per class k: maps c_k + d_k * s_i with s_i = +-1 in equal numbers -> mean c_k, std |d_k|."""
    sizes = {0: 6, 1: 4, 2: 8, 3: 2}  # Q (4) has no beats
    c = {k: rng.normal(size=T) for k in sizes}
    d = {k: rng.uniform(0.5, 2.0, size=T) for k in sizes}
    beat_base = {k: rng.normal(size=T) for k in sizes}
    maps, xs, ys = [], [], []
    for k, n in sizes.items():
        for i in range(n):
            s = 1.0 if i % 2 == 0 else -1.0
            maps.append(c[k] + d[k] * s)
            xs.append(beat_base[k] + 0.3 * s)
            ys.append(k)
    order = rng.permutation(len(ys))  # classes interleaved, as in a real set
    return (np.array(maps)[order], np.array(xs)[order], np.array(ys)[order], sizes, c, d, beat_base)


def test_mean_std_and_beats_of_each_class_match_the_construction():
    maps, x, y, sizes, c, d, base = _known(np.random.default_rng(0))
    out = class_average(maps, x, y, normalize="none")
    assert list(out) == list(CLASSES)
    for k, n in sizes.items():
        a = out[CLASSES[k]]
        assert a.cls == CLASSES[k] and a.n == n
        np.testing.assert_allclose(a.mean_map, c[k], atol=1e-12)
        np.testing.assert_allclose(a.std_map, d[k], atol=1e-12)
        np.testing.assert_allclose(a.mean_beat, base[k], atol=1e-12)
        np.testing.assert_allclose(a.std_beat, 0.3, atol=1e-12)
        assert sorted(a.indices.tolist()) == np.flatnonzero(y == k).tolist()


def test_quantile_maps_are_exact_per_time_step():
    # five beats of class N whose maps are 1, 2, 3, 4, 5 (times a ramp): linear quantiles
    ramp = np.linspace(1.0, 2.0, T)
    maps = np.array([v * ramp for v in (3, 1, 5, 2, 4)])
    out = class_average(
        maps, np.zeros((5, T)), np.zeros(5, int), normalize="none", quantiles=(0.1, 0.5, 0.9)
    )
    q = out["N"].quantile_maps
    assert set(q) == {0.1, 0.5, 0.9}
    np.testing.assert_allclose(q[0.1], 1.4 * ramp)
    np.testing.assert_allclose(q[0.5], 3.0 * ramp)
    np.testing.assert_allclose(q[0.9], 4.6 * ramp)


def test_empty_class_has_n_zero_and_nan_arrays_without_crashing():
    maps, x, y, *_ = _known(np.random.default_rng(1))
    q = class_average(maps, x, y)["Q"]
    assert q.n == 0 and q.empty and q.indices.size == 0
    assert q.mean_map.shape == (T,) and np.isnan(q.mean_map).all()
    assert np.isnan(q.std_beat).all() and all(np.isnan(v).all() for v in q.quantile_maps.values())
    assert "0 beats" in q.describe()


def test_subsets_correct_and_misclassified_split_the_beats():
    y_true = np.array([0, 0, 0, 2, 2, 1])
    y_pred = np.array([0, 2, 0, 2, 0, 1])
    maps = np.arange(6, dtype=float)[:, None] * np.ones((6, 3)) + 1.0
    x = np.zeros((6, 3))
    kw = {"normalize": "none"}
    corr = class_average(maps, x, y_true, y_pred, subset="correct", **kw)
    wrong = class_average(maps, x, y_true, y_pred, subset="misclassified", **kw)
    assert corr["N"].indices.tolist() == [0, 2] and wrong["N"].indices.tolist() == [1]
    assert corr["V"].indices.tolist() == [3] and wrong["V"].indices.tolist() == [4]
    np.testing.assert_allclose(corr["N"].mean_map, [2.0, 2.0, 2.0])  # maps 1 and 3
    assert wrong["S"].n == 0 and corr["S"].n == 1


def test_grouping_by_predicted_class():
    y_true = np.array([0, 0, 1, 2])
    y_pred = np.array([2, 0, 2, 2])
    maps, x = np.ones((4, 2)), np.zeros((4, 2))
    by_pred = class_average(maps, x, y_true, y_pred, by="pred")
    assert by_pred["V"].indices.tolist() == [0, 2, 3] and by_pred["N"].indices.tolist() == [1]
    assert by_pred["S"].n == 0 and by_pred["V"].by == "pred"
    both = class_average(maps, x, y_true, y_pred, by="pred", subset="correct")
    assert both["V"].indices.tolist() == [3]


def test_lstm_step_maps_torch_inputs_and_channel_axis_are_accepted():
    n = 6
    gen = torch.Generator().manual_seed(0)
    maps = torch.rand(n, 11, generator=gen)  # per-segment maps, not expanded
    beats = torch.randn(n, 1, T, generator=gen)  # model input layout
    y = torch.tensor([0, 1, 0, 1, 0, 1])
    out = class_average(maps, beats, y, normalize="none")
    expected_map = maps[1::2].double().mean(0).numpy()
    expected_beat = beats[1::2, 0].double().mean(0).numpy()
    np.testing.assert_allclose(out["S"].mean_map, expected_map, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["S"].mean_beat, expected_beat, rtol=0, atol=1e-12)
    assert out["S"].mean_map.shape == (11,) and out["S"].mean_beat.shape == (T,)


def test_a_beats_object_supplies_beats_and_labels():
    rng = np.random.default_rng(2)
    y = np.array([0, 2, 2, 4])
    beats = Beats(
        x=rng.normal(size=(4, T)).astype(np.float32),
        y=y,
        record=np.array(["100"] * 4),
        sample=np.arange(4),
        symbol=np.array(["N"] * 4),
    )
    out = class_average(rng.random((4, T)), beats)
    assert out["V"].indices.tolist() == [1, 2] and out["Q"].n == 1


def test_dicts_are_plain_and_json_serialisable():
    maps, x, y, *_ = _known(np.random.default_rng(3))
    d = averages_to_dict(class_average(maps, x, y))
    text = json.dumps(d)
    back = json.loads(text)
    assert back["N"]["n"] == 6 and len(back["N"]["mean_map"]) == T
    assert set(back["N"]["quantile_maps"]) == {"0.1", "0.5", "0.9"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"subset": "correct"}, "y_pred"),
        ({"by": "pred"}, "y_pred"),
        ({"subset": "wrong"}, "subset"),
        ({"by": "model"}, "by"),
        ({"normalize": "zscore"}, "minmax"),
        ({"quantiles": (0.5, 1.5)}, "quantiles"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(3, int), **kwargs)


def test_mismatched_shapes_and_labels_raise_clear_errors():
    with pytest.raises(ValueError, match="one map per beat"):
        class_average(np.ones((3, 5)), np.zeros((4, 5)), np.zeros(3, int))
    with pytest.raises(ValueError, match="one label per beat"):
        class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(4, int))
    with pytest.raises(ValueError, match="outside 0..4"):
        class_average(np.ones((3, 5)), np.zeros((3, 5)), np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="shape"):
        class_average(np.ones(5), np.zeros((1, 5)), np.zeros(1, int))
    with pytest.raises(ValueError, match="y_true is required"):
        class_average(np.ones((3, 5)), np.zeros((3, 5)))


def test_plain_arrays_need_class_names_and_get_no_time_axis():
    with pytest.raises(ValueError, match="classes="):
        _class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(3, int))
    out = _class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(3, int), classes=("a",))
    assert list(out) == ["a"] and out["a"].t is None  # drawn by sample index
    t = np.linspace(-0.2, 0.2, 5)
    timed = _class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(3, int), classes="a", t=t)
    np.testing.assert_allclose(timed["a"].t, t)
    with pytest.raises(ValueError, match="t has 4 values"):
        _class_average(np.ones((3, 5)), np.zeros((3, 5)), np.zeros(3, int), classes="a", t=t[:4])


def test_parts_by_class_takes_the_true_class_column_by_hand():
    from types import SimpleNamespace

    from tscam.aggregate import parts_by_class

    beat = np.array([[1.0, 5.0], [3.0, 7.0], [9.0, 2.0], [9.0, 4.0]])
    rhythm = np.array([[0.5, 0.0], [0.5, 0.0], [0.0, 1.0], [0.0, 3.0]])
    parts = SimpleNamespace(beat=beat, rhythm=rhythm, bias=np.zeros((4, 2)))
    y = np.array([0, 0, 1, 1])
    out = parts_by_class(parts, y, ("a", "b"))
    assert out["a"]["beat"].mean == pytest.approx(2.0)  # rows 0, 1, column 0
    assert out["b"]["beat"].mean == pytest.approx(3.0)  # rows 2, 3, column 1
    assert out["b"]["rhythm"].mean == pytest.approx(2.0)
    assert out["a"]["rhythm"].low == out["a"]["rhythm"].high == pytest.approx(0.5)
    assert out["a"]["beat"].low <= 2.0 <= out["a"]["beat"].high
    assert out["b"]["beat"].n == 2
    assert "c" not in parts_by_class(parts, y, ("a", "b", "c"))
    with pytest.raises(ValueError, match="choose from"):
        parts_by_class(parts, y, ("a", "b"), which=("map",))
