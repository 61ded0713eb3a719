"""tscam.plotting.evaluation: curves, sanity lines, method panels, grouped scores, perturbed
beats and shaded regions draw what they are given, label it, and reject bad input clearly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from tscam import plotting as P  # noqa: E402
from tscam.evaluate import Curve  # noqa: E402

T = 187


@pytest.fixture
def beat():
    t = np.arange(T)
    return np.exp(-0.5 * ((t - 112) / 3.0) ** 2) * 3


def colorbar_labels(fig) -> list[str]:
    return [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]


def _curve(values, kind="deletion"):
    f = np.linspace(0, 1, len(values))
    return Curve(kind, f, np.asarray(values, dtype=float)[None], np.zeros(1, int), "zero")


def test_method_labels_and_styles():
    assert P.method_label("grad_cam") == "Grad-CAM"
    assert P.method_label("integrated_gradients") == "Integrated Gradients"
    assert P.method_label("something") == "something"
    from tscam.plotting.evaluation import method_style

    assert method_style("random")["ls"] == "--"
    styles = {(s["color"], str(s["ls"])) for s in map(method_style, P.METHOD_LABELS)}
    assert len(styles) == len(P.METHOD_LABELS)  # every method looks different


def test_plot_curves_draws_one_line_per_method_with_its_area_in_the_legend():
    curves = {"grad_cam": _curve([1.0, 0.5, 0.0]), "random": (np.array([0, 0.5, 1]), [1, 1, 1])}
    fig = P.plot_curves(curves, title="FCN")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.5, 0.0])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["Grad-CAM (AUC 0.50)", "random (AUC 1.00)"]
    assert ax.lines[1].get_linestyle() == "--"
    assert "removed" in ax.get_xlabel() and ax.get_title() == "FCN"
    fig = P.plot_curves({"saliency": _curve([0, 1], "insertion")}, show_auc=False)
    assert "revealed" in fig.axes[0].get_xlabel()
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["saliency"]


def test_plot_curves_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        P.plot_curves({})
    with pytest.raises(TypeError, match="fractions"):
        P.plot_curves({"a": "not a curve"})
    with pytest.raises(ValueError, match="samples"):
        P.plot_curves({"a": (np.linspace(0, 1, 3), np.ones(4))})


def test_plot_sanity_starts_at_one_and_labels_the_layers():
    results = {
        "grad_cam": [("classifier", 0.4), ("block3", 0.1)],
        "random": [("classifier", 1.0), ("block3", 1.0)],
    }
    fig = P.plot_sanity(results, threshold=0.5, title="FCN")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.4, 0.1])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["intact", "+ classifier", "+ block3"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Grad-CAM" in legend and "threshold 0.5" in legend
    with pytest.raises(ValueError, match="same randomised layers"):
        P.plot_sanity({"a": [("x", 0.1)], "b": [("y", 0.2)]})


def test_shade_region_spans_each_run_of_the_mask():
    fig, ax = plt.subplots()
    mask = np.zeros(T, dtype=bool)
    mask[10:20] = True
    mask[100:101] = True
    t = np.arange(T) / 125 - 112 / 125  # plain arrays carry no time axis: it is given
    spans = P.shade_region(ax, mask, t, label="truth")
    assert len(spans) == 2
    left, width = spans[0].get_x(), spans[0].get_width()
    assert left == pytest.approx(t[10] - 0.5 / 125)
    assert left + width == pytest.approx(t[19] + 0.5 / 125)
    assert [s.get_label() for s in spans][0] == "truth"
    with pytest.raises(ValueError, match="boolean"):
        P.shade_region(ax, np.full(T, 0.5))
    # without a time axis the runs are drawn over sample indices
    assert P.shade_region(ax, mask)[0].get_x() == pytest.approx(10 - 0.5)


def test_plot_method_maps_one_panel_per_method_and_a_note_where_it_does_not_apply(beat):
    signed = np.linspace(-1, 1, T)
    maps = {"grad_cam": np.linspace(0, 1, T), "integrated_gradients": signed, "cam": None}
    mask = np.zeros(T, dtype=bool)
    mask[100:120] = True
    fig = P.plot_method_maps(beat, maps, cls="V", mask=mask, title_prefix="FCN: ")
    main = [a for a in fig.axes if a.get_label() != "<colorbar>" and a.get_visible()]
    assert [a.get_title() for a in main] == [
        "FCN: Grad-CAM, class V",
        "FCN: Integrated Gradients, class V",
        "FCN: CAM",
    ]
    labels = colorbar_labels(fig)
    assert labels[0] == "Grad-CAM (a.u.)" and labels[1].startswith("Integrated Gradients (a.u.)")
    assert "against" in labels[1]  # signed map: the diverging scale is explained
    assert len(labels) == 2  # no colour bar for the method that does not apply
    assert any("not applicable" in t.get_text() for t in main[2].texts)
    assert all(any(isinstance(c, LineCollection) for c in a.collections) for a in main[:2])
    assert all(a.patches for a in main)  # the region is shaded in every panel
    with pytest.raises(ValueError, match="one axes per map"):
        P.plot_method_maps(beat, maps, axes=[main[0]])


def test_plot_grouped_scores_draws_bars_marks_missing_values_and_the_reference():
    scores = {"cam": {"FCN": 0.5, "LSTM": None}, "grad_cam": {"FCN": 0.4, "LSTM": 0.2}}
    fig = P.plot_grouped_scores(scores, reference=0.2, reference_label="uniform", ylabel="mass")
    ax = fig.axes[0]
    heights = sorted(p.get_height() for p in ax.patches)
    np.testing.assert_allclose(heights, [0.2, 0.4, 0.5])
    assert [t.get_text() for t in ax.texts] == ["n/a"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["CAM", "Grad-CAM"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == ["FCN", "LSTM", "uniform"]  # each bar labelled once
    with pytest.raises(ValueError, match="non-empty"):
        P.plot_grouped_scores({})


def test_plot_perturbed_shows_original_input_and_replaced_samples(beat):
    replaced = np.zeros(T, dtype=bool)
    replaced[105:120] = True
    perturbed = np.where(replaced, 0.0, beat)
    fig = P.plot_perturbed(beat, perturbed, replaced, title="zero")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), perturbed)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["replaced samples", "original beat", "model input"]
    with pytest.raises(ValueError, match="samples"):
        P.plot_perturbed(beat, perturbed[:-1], replaced)


def test_legends_can_go_outside_or_away():
    curves = {"grad_cam": _curve([1.0, 0.5, 0.0])}
    ax = P.plot_curves(curves, legend="outside").axes[0]
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1
    assert P.plot_curves(curves, legend=False).axes[0].get_legend() is None
    sanity = P.plot_sanity({"saliency": [("head", 0.1)]}, legend=False)
    assert sanity.axes[0].get_legend() is None
