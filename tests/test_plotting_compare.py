"""tscam.plotting.compare: grouped step bars, maps side by side and class-average profiles draw
what they are given, label it, and change no global settings."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

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


T = 187


@pytest.fixture
def beat():
    t = np.arange(T)
    return np.exp(-0.5 * ((t - 112) / 3.0) ** 2) * 3


def colorbar_labels(fig: Figure) -> list[str]:
    return [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]


def test_step_values_draws_one_bar_per_step_and_series_and_marks_zeros():
    naive = np.zeros(11)
    naive[-1] = 2.0
    fig = P.plot_step_values({"naive": naive, "unrolled": np.arange(1.0, 12.0)}, ylabel="norm")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 22
    np.testing.assert_allclose(heights[:11], naive)
    assert [t.get_text() for t in ax.texts].count("0") == 10
    assert list(ax.get_xticks()) == list(range(1, 12))
    assert ax.get_ylabel() == "norm" and ax.get_legend() is not None
    with pytest.raises(ValueError, match="same number of steps"):
        P.plot_step_values({"a": np.ones(11), "b": np.ones(5)})
    with pytest.raises(ValueError, match="non-empty"):
        P.plot_step_values({})


def test_maps_side_by_side_uses_segments_for_step_maps_and_lines_for_sample_maps(beat):
    fig = P.plot_maps_side_by_side(
        beat, {"FCN": np.linspace(0, 1, T), "LSTM": np.arange(11.0)}, cls="V", suptitle="beat"
    )
    main = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert [a.get_title() for a in main] == ["FCN", "LSTM"]
    assert any(isinstance(c, LineCollection) for c in main[0].collections)
    assert any(isinstance(c, QuadMesh) for c in main[1].collections)
    labels = colorbar_labels(fig)
    assert labels == ["Grad-CAM, class V (a.u.)", "LSTM Grad-CAM, class V (a.u.)"]
    with pytest.raises(ValueError, match="samples"):
        P.plot_maps_side_by_side(beat, {"bad": np.ones(50)})


@pytest.fixture
def groups(beat):
    rng = np.random.default_rng(0)
    x = beat + 0.1 * rng.normal(size=(30, T))
    y = np.repeat([0, 2, 3], 10)
    maps = np.abs(rng.normal(size=(30, 11)))
    maps[:10, 3] += 5.0
    return {norm: class_average(maps, x, y, normalize=norm) for norm in ("none", "max", "minmax")}


def test_average_profiles_one_panel_per_class_one_line_per_variant(groups):
    fig = P.plot_average_profiles(groups, classes=["N", "V", "S"])
    panels = [a for a in fig.axes if a.get_title().startswith("class")]
    assert [a.get_title() for a in panels] == ["class N", "class V", "class S"]
    n_panel = panels[0]
    lines = [ln for ln in n_panel.get_lines() if ln.get_label().startswith(("none", "max", "min"))]
    assert len(lines) == 3
    for ln in lines:  # rescaled: every profile peaks at 1, drawn over 187 samples
        assert len(ln.get_ydata()) == T
        assert np.nanmax(np.abs(ln.get_ydata())) == pytest.approx(1.0)
        assert "(n = 10)" in ln.get_label()
    # the peak sits in segment 4 (index 3) for class N
    y = lines[0].get_ydata()
    assert 3 * 17 <= int(np.argmax(y)) < 4 * 17
    assert any("no beats" in t.get_text() for t in panels[2].texts)


def test_average_profiles_without_rescale_keeps_units(groups):
    fig = P.plot_average_profiles({"none": groups["none"]}, classes=["N"], rescale=False)
    ax = next(a for a in fig.axes if a.get_title() == "class N")
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("none"))
    np.testing.assert_allclose(line.get_ydata(), np.repeat(groups["none"]["N"].mean_map, 17))
    assert "(a.u.)" in ax.get_ylabel()


def test_compare_plots_change_no_global_settings(beat, groups):
    before = dict(matplotlib.rcParams)
    P.plot_step_values({"a": np.ones(11)})
    P.plot_maps_side_by_side(beat, {"m": np.ones(11)})
    P.plot_average_profiles(groups)
    assert dict(matplotlib.rcParams) == before


def test_maps_side_by_side_vmax_fixes_one_panels_colour_scale(beat):
    steps = np.arange(11.0)
    fig = P.plot_maps_side_by_side(beat, {"a": steps, "b": steps}, vmax={"b": 4.0})
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    meshes = [c for a in panels for c in a.collections if isinstance(c, QuadMesh)]
    assert [m.norm.vmax for m in meshes] == [10.0, 4.0]


def test_average_profiles_label_and_given_axes(groups):
    fig, axes = plt.subplots(2, 2)
    out = P.plot_average_profiles(
        {"max": groups["max"]}, axes=axes[0], classes=["N", "V"], label="FCN"
    )
    assert out is fig
    assert [a.get_title() for a in axes[0]] == ["FCN: class N", "FCN: class V"]
    with pytest.raises(ValueError, match="axes"):
        P.plot_average_profiles(groups, axes=axes[1][:1], classes=["N", "V"])
