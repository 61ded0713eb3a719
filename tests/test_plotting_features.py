"""tscam.plotting.features: the beat over an image of feature maps, aligned in time, with a
labelled colour bar; channels picked by weight or activity."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from tscam.data import DEFAULT_SPEC  # noqa: E402
from tscam.plotting import plot_feature_maps  # noqa: E402
from tscam.plotting.features import pick_channels  # noqa: E402


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    beat = np.sin(np.arange(DEFAULT_SPEC.length) / 10)
    features = rng.random((12, DEFAULT_SPEC.length))
    features[5] += 3.0  # the most active channel
    weights = np.linspace(-1, 1, 12)
    weights[2] = -5.0  # the largest |weight|, and negative
    return beat, features, weights


def test_pick_channels_by_weight_and_by_activity(data):
    _, A, w = data
    assert pick_channels(A, w, n=3).tolist() == [11, 10, 2]  # two most positive, most negative
    assert pick_channels(A, w, n=4).tolist() == [11, 10, 0, 2]  # ordered from + to -
    assert pick_channels(A, None, n=1).tolist() == [5]
    assert len(pick_channels(A, w, n=100)) == 12
    with pytest.raises(ValueError, match="channels"):
        pick_channels(A, w[:5])


def test_feature_map_figure_aligns_the_image_with_the_beat(data):
    beat, A, w = data
    t = DEFAULT_SPEC.time_axis()  # plain arrays carry no time axis: it is given
    fig = plot_feature_maps(beat, torch.tensor(A)[None], weights=w, n_channels=4, title="t", t=t)
    top, img_ax = fig.axes[0], fig.axes[1]
    image = img_ax.images[0]
    assert image.get_array().shape == (4, DEFAULT_SPEC.length)
    np.testing.assert_allclose(image.get_array()[3], A[2])  # the most negative weight last
    np.testing.assert_allclose(image.get_array()[0], A[11])  # the most positive first
    left, right = image.get_extent()[:2]
    assert left < t[0] < t[-1] < right and abs(right - t[-1]) < 0.01
    np.testing.assert_allclose(top.lines[0].get_xdata(), t)
    labels = [tick.get_text() for tick in img_ax.get_yticklabels()]
    assert labels[-1] == "k = 2, w = -5.00"
    bars = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "A_k(t)" in bars[0].get_ylabel()


def test_feature_map_figure_with_given_channels_and_errors(data):
    beat, A, _ = data
    fig, ax = plt.subplots()
    out = plot_feature_maps(beat, A, channels=[1, 7], ax=ax)
    assert out is fig and fig.axes[1].images[0].get_array().shape == (2, DEFAULT_SPEC.length)
    assert fig.axes[1].get_yticklabels()[0].get_text() == "k = 1"
    with pytest.raises(ValueError, match="channels"):
        plot_feature_maps(beat, A, channels=[12])
    with pytest.raises(ValueError, match=r"\(K, T\)"):
        plot_feature_maps(beat, A[0])
    with pytest.raises(ValueError, match="weights"):
        plot_feature_maps(beat, A, weights=np.ones(3))


def test_feature_map_figure_changes_no_global_settings(data):
    beat, A, w = data
    before = dict(matplotlib.rcParams)
    plot_feature_maps(beat, A, weights=w)
    assert dict(matplotlib.rcParams) == before
