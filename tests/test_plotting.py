"""tscam.plotting: every function returns a Figure, draws into a given axes, labels its colour
bar, uses the colour-blind-safe maps, and rejects mismatched inputs clearly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, QuadMesh  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tscam import plotting as P  # noqa: E402
from tscam.aggregate import class_average as _class_average  # noqa: E402
from tscam.data import CLASSES, DEFAULT_SPEC  # noqa: E402


def class_average(*args, **kwargs):
    """:func:`tscam.aggregate.class_average` with the course's classes, for the plain arrays
    of these tests (plain arrays carry no class names)."""
    kwargs.setdefault("classes", CLASSES)
    if np.shape(args[1])[-1] == DEFAULT_SPEC.length:  # the course's window: its time axis
        kwargs.setdefault("t", DEFAULT_SPEC.time_axis())
    return _class_average(*args, **kwargs)


T = DEFAULT_SPEC.length  # the course's beat window
SEG = T // 11  # one of the LSTM's 11 segments
R = DEFAULT_SPEC.r_index


@pytest.fixture
def beat():
    t = np.arange(T)
    return np.exp(-0.5 * ((t - R) / 3.0) ** 2) * 3 + 0.3 * np.sin(t / 15)


@pytest.fixture
def heat():
    t = np.arange(T)
    return np.exp(-0.5 * ((t - (R - 12)) / 10.0) ** 2)


def colorbar_labels(fig: Figure) -> list[str]:
    return [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]


# ---------------------------------------------------------------- single beats


def test_plot_beat_uses_seconds_from_the_r_peak_for_course_beats(beat):
    fig = P.plot_beat(beat, label="a beat", t=SimpleNamespace(t=DEFAULT_SPEC.time_axis()))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), DEFAULT_SPEC.time_axis())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), beat)
    assert "R peak" in ax.get_xlabel() and any(t.get_text() == "R" for t in ax.texts)
    assert ax.get_legend() is not None


def test_plot_beat_uses_sample_index_for_other_lengths_and_draws_into_given_ax():
    fig0, ax = plt.subplots()
    fig = P.plot_beat(np.ones(50), ax=ax)
    assert fig is fig0
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(50))
    assert ax.get_xlabel() == "sample" and not ax.texts  # no R peak mark without a known R


def test_line_heatmap_colours_each_sample_by_its_value(beat, heat):
    fig = P.plot_beat_heatmap(
        beat, heat, cbar_label="Grad-CAM relevance for class V (a.u.)", t=DEFAULT_SPEC.time_axis()
    )
    ax = fig.axes[0]
    (lc,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose(lc.get_array(), heat)
    assert lc.cmap.name == "viridis" and lc.norm.vmin == 0.0
    assert lc.norm.vmax == pytest.approx(heat.max())
    # segment i is centred on sample i (colour and sample aligned)
    segs = lc.get_segments()
    np.testing.assert_allclose([s[1, 0] for s in segs], DEFAULT_SPEC.time_axis())
    assert colorbar_labels(fig) == ["Grad-CAM relevance for class V (a.u.)"]


def test_background_heatmap_fills_one_cell_per_sample(beat, heat):
    fig = P.plot_beat_heatmap(beat, heat, style="background")
    ax = fig.axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    np.testing.assert_allclose(np.ravel(mesh.get_array()), heat)
    assert colorbar_labels(fig) == ["Grad-CAM relevance (a.u.)"]


def test_signed_maps_get_a_diverging_map_centred_at_zero(beat, heat):
    signed = heat - 0.25  # min -0.25, max 0.75
    fig = P.plot_beat_heatmap(beat, signed)
    (lc,) = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert lc.cmap.name == "RdBu_r"
    assert lc.norm.vmin == pytest.approx(-0.75) and lc.norm.vmax == pytest.approx(0.75)
    assert "signed" in colorbar_labels(fig)[0]


def test_fixed_colour_scale_and_no_colorbar(beat, heat):
    fig = P.plot_beat_heatmap(beat, heat, vmax=5.0, colorbar=False)
    (lc,) = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert lc.norm.vmax == 5.0 and colorbar_labels(fig) == []


def test_heatmap_input_errors_are_clear(beat, heat):
    with pytest.raises(ValueError, match=f"heatmap has 50 samples but x has {T}"):
        P.plot_beat_heatmap(beat, heat[:50])
    with pytest.raises(ValueError, match="style"):
        P.plot_beat_heatmap(beat, heat, style="dots")
    with pytest.raises(ValueError, match=r"x\[i\]"):
        P.plot_beat_heatmap(np.ones((3, T)), heat)
    with pytest.raises(ValueError, match="NaN"):
        P.plot_beat_heatmap(beat, np.full(T, np.nan))


def test_relevance_label():
    assert P.relevance_label("Grad-CAM", "V") == "Grad-CAM relevance for class V (a.u.)"
    assert "signed" in P.relevance_label("CAM", signed=True)


# ---------------------------------------------------------------- the 11 segments


def test_segments_picture_has_ten_boundaries_and_numbers_one_to_eleven(beat):
    fig = P.plot_segments(beat, t=DEFAULT_SPEC.time_axis())
    ax = fig.axes[0]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 10
    edges = np.sort([ln.get_xdata()[0] for ln in dashed])
    t = DEFAULT_SPEC.time_axis()
    expected = [(t[SEG * k - 1] + t[SEG * k]) / 2 for k in range(1, 11)]
    np.testing.assert_allclose(edges, expected)
    assert [tx.get_text() for tx in ax.texts] == [str(k) for k in range(1, 12)]
    assert colorbar_labels(fig) == []


def test_segments_shaded_by_a_per_segment_or_expanded_map(beat):
    steps = np.linspace(0, 1, 11)
    for heatmap in (steps, np.repeat(steps, SEG)):
        fig = P.plot_segments(beat, heatmap=heatmap)
        (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
        np.testing.assert_allclose(np.ravel(mesh.get_array()), steps)
        assert "LSTM Grad-CAM" in colorbar_labels(fig)[0]


def test_segments_errors(beat):
    with pytest.raises(ValueError, match="equal segments"):
        P.plot_segments(beat, n_segments=10)
    with pytest.raises(ValueError, match="per segment"):
        P.plot_segments(beat, heatmap=np.ones(12))


# ---------------------------------------------------------------- class averages


@pytest.fixture
def averages(beat, heat):
    rng = np.random.default_rng(0)
    n = 30
    y = np.array([0] * 12 + [1] * 8 + [2] * 10)
    x = beat + 0.2 * rng.normal(size=(n, T))
    maps = np.clip(heat + 0.1 * rng.normal(size=(n, T)), 0, None)
    return class_average(maps, x, y, normalize="none")


def test_class_average_draws_beat_map_spread_and_labelled_colorbar(averages):
    a = averages["V"]
    fig = P.plot_class_average(a)
    beat_ax, map_ax = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert "n = 10" in beat_ax.get_title()
    (lc,) = [c for c in beat_ax.collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose(lc.get_array(), a.mean_map)
    np.testing.assert_allclose(map_ax.lines[0].get_ydata(), a.mean_map)
    assert map_ax.collections  # the spread band
    assert colorbar_labels(fig) == ["mean Grad-CAM relevance for class V (a.u.)"]
    assert map_ax.get_ylabel() == "map"
    short = P.plot_class_average(a, cbar_label="mean map (a.u.)", map_label="map (a.u.)")
    assert colorbar_labels(short) == ["mean map (a.u.)"]
    assert [ax.get_ylabel() for ax in short.axes if ax.get_label() != "<colorbar>"][1] == (
        "map (a.u.)"
    )


def test_class_average_quantile_band_uses_the_outer_quantiles(averages):
    a = averages["N"]
    fig = P.plot_class_average(a, band="quantile", style="background")
    map_ax = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"][1]
    band = map_ax.collections[0]
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(a.quantile_maps[0.1].min())
    assert ys.max() == pytest.approx(a.quantile_maps[0.9].max())


def test_class_average_into_a_given_ax_and_for_an_empty_class(averages):
    fig0, ax = plt.subplots()
    assert P.plot_class_average(averages["S"], ax=ax) is fig0
    assert ax in fig0.axes and len(fig0.axes) == 3  # beat, map below, colour bar
    fig = P.plot_class_average(averages["Q"])
    assert "no beats" in fig.axes[0].texts[0].get_text()


def test_class_average_expands_per_segment_lstm_maps(beat):
    y = np.zeros(4, int)
    a = class_average(np.random.default_rng(0).random((4, 11)), np.tile(beat, (4, 1)), y)["N"]
    fig = P.plot_class_average(a)
    (lc,) = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose(lc.get_array(), np.repeat(a.mean_map, SEG))


def test_class_grid_shows_classes_with_beats_and_names_the_others(averages):
    fig = P.plot_class_grid(averages)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["class N (n = 12)", "class S (n = 8)", "class V (n = 10)"]
    assert "F, Q" in fig.get_supxlabel()
    assert len(colorbar_labels(fig)) == 1
    fig0, axes = plt.subplots(1, 3)
    assert P.plot_class_grid(averages, axes=axes) is fig0
    with pytest.raises(ValueError, match="only 2 axes"):
        P.plot_class_grid(averages, axes=axes[:2])


def test_class_grid_with_no_beats_at_all_raises(averages):
    empty = {k: v for k, v in averages.items() if v.n == 0}
    with pytest.raises(ValueError, match="No class has any beats"):
        P.plot_class_grid(empty)


# ---------------------------------------------------------------- model figures


def test_confusion_matrix_rows_are_fractions_of_the_true_class():
    cm = np.array([[8, 2, 0, 0, 0], [1, 3, 0, 0, 0], [0, 0, 5, 0, 0], [0] * 5, [0, 0, 0, 0, 1]])
    fig = P.plot_confusion(cm, ("N", "S", "V", "F", "Q"))
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "80.0 %\n8" and texts[5] == "25.0 %\n1" and texts[15] == "–"
    assert colorbar_labels(fig) == ["fraction of the true class"]
    fig = P.plot_confusion(cm, CLASSES, normalize=False)
    assert fig.axes[0].texts[0].get_text() == "8"
    with pytest.raises(ValueError, match="5 x 5"):
        P.plot_confusion(np.ones((3, 3)), CLASSES)
    with pytest.raises(ValueError, match="classes="):  # a matrix carries no class names
        P.plot_confusion(cm)


def test_architecture_figure_names_the_blocks():
    fig0, ax = plt.subplots()
    assert P.plot_architecture_fcn(ax=ax, classes=CLASSES) is fig0
    text = " ".join(t.get_text() for t in ax.texts)
    for part in ("128 filters, ℓ = 8", "256 filters, ℓ = 5", "128 filters, ℓ = 3", "softmax"):
        assert part in text
    assert "Global" in text and "BatchNorm" in text
    assert f"1 × {DEFAULT_SPEC.length}" in text  # the input: one beat of the course's window


def test_plot_functions_change_no_global_settings(beat, heat, averages):
    before = dict(matplotlib.rcParams)
    P.plot_beat_heatmap(beat, heat)
    P.plot_segments(beat, heatmap=np.arange(11.0))
    P.plot_class_grid(averages)
    P.plot_architecture_fcn(classes=CLASSES)
    assert dict(matplotlib.rcParams) == before


def test_parts_by_class_draws_one_bar_per_class_and_part_with_intervals():
    from tscam.aggregate import parts_by_class

    beat = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, -1.0], [0.0, -2.0]])
    rhythm = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    parts = SimpleNamespace(beat=beat, rhythm=rhythm, bias=np.zeros((4, 2)))
    avgs = parts_by_class(parts, np.array([0, 0, 1, 1]), ("a", "b"))
    fig = P.plot_parts_by_class(avgs, title="toy")
    ax = fig.axes[0]
    heights = sorted(round(b.get_height(), 6) for b in ax.patches)
    assert heights == [-1.5, 0.0, 1.5, 2.0]  # window a 2, rhythm a 0, window b -1.5, rhythm b 1.5
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a\n2", "b\n2"]
    assert ax.get_title() == "toy" and ax.get_legend() is not None
    plt.close(fig)
    with pytest.raises(ValueError, match="empty"):
        P.plot_parts_by_class({})
