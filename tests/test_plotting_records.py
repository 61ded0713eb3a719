"""Figures of chapters 1 and 2 (tscam.plotting.records, tscam.plotting.predictions): each draws
what it is given, where it belongs, and rejects inputs it cannot draw with a clear message."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tscam import plotting as P  # noqa: E402
from tscam.aggregate import class_average  # noqa: E402
from tscam.data import CLASSES, MASKED_SPEC  # noqa: E402
from tscam.data.raw import RecordExcerpt  # noqa: E402
from tscam.plotting import CLASS_PALETTE  # noqa: E402

T = MASKED_SPEC.time_axis()  # seconds relative to the R peak of the 187-sample masked window


def _excerpt() -> RecordExcerpt:
    fs, start = 360, 720
    t = np.arange(1800)
    return RecordExcerpt(
        record="100",
        lead="MLII",
        fs=fs,
        start=start,
        signal=np.sin(t / 20.0),
        ann_sample=np.array([800, 1100, 1500, 2300]),
        ann_symbol=np.array(["N", "A", "V", "N"]),
        ann_class=np.array(["N", "S", "V", "N"]),
        leads=("MLII", "V5"),
        units="mV",
        record_samples=650_000,
        comments=(),
    )


def test_record_excerpt_draws_signal_and_symbols_coloured_by_class():
    ex = _excerpt()
    fig = P.plot_record_excerpt(ex)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), (720 + np.arange(1800)) / 360)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), ex.signal)
    symbols = [t for t in ax.texts if t.get_text() in {"N", "A", "V"}]
    assert [t.get_text() for t in symbols] == ["N", "A", "V", "N"]
    np.testing.assert_allclose([t.get_position()[0] for t in symbols], ex.ann_sample / 360)
    assert to_hex(symbols[1].get_color()) == CLASS_PALETTE[CLASSES.index("S")].lower()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["class N", "class S", "class V"]  # only the classes present
    assert ax.get_ylabel() == "lead MLII (mV)" and "record" in ax.get_xlabel()
    # a caller's colour wins over the palette
    mine = P.plot_record_excerpt(ex, colors={"S": "#123456"}).axes[0]
    assert to_hex([t for t in mine.texts if t.get_text() == "A"][0].get_color()) == "#123456"


def test_beat_window_marks_waves_previous_r_and_rr():
    x = np.zeros(187)
    x[112] = 5.0
    fig = P.plot_beat_window(x, prev_r=-0.8, t=T)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for name in P.records.TYPICAL_WAVES:
        assert name in texts
    assert "RR = 0.80 s" in texts and "previous R" in texts
    verticals = [line.get_xdata() for line in ax.lines if len(line.get_xdata()) == 2]
    assert any(np.allclose(v, [-0.8, -0.8]) for v in verticals)
    spans = [p for p in ax.patches if p.get_x() is not None]
    assert len(spans) >= len(P.records.TYPICAL_WAVES)
    bare = P.plot_beat_window(x, waves=None)
    assert not any(t.get_text() == "QRS" for t in bare.axes[0].texts)
    assert bare.axes[0].get_xlabel() == "sample"  # no time axis given: sample indices
    with pytest.raises(ValueError, match="pass t="):
        P.plot_beat_window(x)  # the waves are in seconds


def test_beat_window_rejects_a_previous_r_outside_the_window():
    with pytest.raises(ValueError, match="outside the window"):
        P.plot_beat_window(np.zeros(187), prev_r=-(MASKED_SPEC.seconds_before + 0.1), t=T)
    with pytest.raises(ValueError, match="outside the window"):
        P.plot_beat_window(np.zeros(187), prev_r=0.2, t=T)


def test_class_means_draw_mean_and_band_per_class_with_beats():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 187))
    y = np.array([0] * 20 + [2] * 10)
    avgs = class_average(np.zeros_like(x), x, y, classes=CLASSES, t=T)
    fig = P.plot_class_means(avgs)
    panels = [a for a in fig.axes if a.lines]
    assert len(panels) == 2  # N and V; S, F, Q have no beats
    np.testing.assert_allclose(panels[1].lines[0].get_ydata(), x[20:].mean(0))
    assert panels[1].get_title() == "class V (n = 10)"
    assert to_hex(panels[1].lines[0].get_color()) == CLASS_PALETTE[2].lower()  # V: index 2
    recoloured = P.plot_class_means(avgs, colors={"V": "#654321"})
    assert to_hex([a for a in recoloured.axes if a.lines][1].lines[0].get_color()) == "#654321"
    band = panels[0].collections[0].get_paths()[0].vertices[:, 1]
    mean, std = x[:20].mean(0), x[:20].std(0)
    assert band.max() == pytest.approx((mean + std).max())
    assert "no beats: class S, F, Q" in fig._supxlabel.get_text()
    with pytest.raises(ValueError, match="nothing to draw"):
        P.plot_class_means({c: a for c, a in avgs.items() if a.n == 0})


def test_split_records_bars_count_beats_per_record_up_and_down():
    splits = {
        "leaky": {"train": ["1", "1", "2", "3"], "test": ["1", "3", "3"]},
        "clean": {"train": ["1", "1", "2"], "test": ["3", "3", "3"]},
    }
    fig = P.plot_split_records(splits, records=["1", "2", "3"])
    leaky, clean = fig.axes[:2]
    heights = [p.get_height() for p in leaky.patches]
    assert heights == [2, 1, 1, -1, 0, -2]
    assert leaky.get_title() == "leaky: 2 of 3 records in both train and test"
    assert clean.get_title() == "clean: 0 of 3 records in both train and test"
    assert [t.get_text() for t in clean.get_xticklabels()] == ["1", "2", "3"]
    assert leaky.get_ylim() == clean.get_ylim() == pytest.approx((-3.3, 3.3))  # one scale
    with pytest.raises(ValueError, match="lacks the part"):
        P.plot_split_records({"x": {"train": ["1"]}})


def test_beat_prediction_draws_probabilities_and_marks_the_classes():
    p = np.array([0.1, 0.7, 0.1, 0.05, 0.05])
    fig = P.plot_beat_prediction(np.zeros(187), p, true="N", classes=CLASSES)
    ax_beat, ax_bar = fig.axes[:2]
    assert [b.get_width() for b in ax_bar.patches] == pytest.approx(p.tolist())
    assert to_hex(ax_bar.patches[1].get_facecolor()) == CLASS_PALETTE[1].lower()
    assert to_hex(ax_bar.patches[0].get_facecolor()) != CLASS_PALETTE[0].lower()
    assert [t.get_text() for t in ax_bar.get_yticklabels()][0] == "N (true)"
    assert ax_beat.get_title() == "true N, predicted S (p = 0.70)"


def test_beat_prediction_rejects_logits_and_wrong_lengths():
    with pytest.raises(ValueError, match="softmax"):
        P.plot_beat_prediction(np.zeros(187), np.array([3.0, -1.0, 0.0, 0.0, 0.0]), classes=CLASSES)
    with pytest.raises(ValueError, match="5 classes"):
        P.plot_beat_prediction(np.zeros(187), np.array([0.5, 0.5]), classes=CLASSES)
    with pytest.raises(ValueError, match="not a class"):
        P.plot_beat_prediction(np.zeros(187), np.full(5, 0.2), true=7, classes=CLASSES)
    with pytest.raises(ValueError, match="classes="):  # plain arrays carry no class names
        P.plot_beat_prediction(np.zeros(187), np.full(5, 0.2))


def test_class_counts_bars_are_the_counts_grouped_by_set():
    counts = {"DS1": {"N": 100, "S": 10, "V": 20, "F": 3, "Q": 1}, "DS2": {"N": 90, "V": 5}}
    fig = P.plot_class_counts(counts)
    ax = fig.axes[0]
    heights = [int(p.get_height()) for p in ax.patches]
    assert heights == [100, 10, 20, 3, 1, 90, 0, 5, 0, 0]
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["DS1", "DS2"]
    assert "100" in [t.get_text() for t in ax.texts]
    linear = P.plot_class_counts({"all": counts["DS1"]}, log=False).axes[0]
    assert linear.get_yscale() == "linear" and linear.get_legend() is None
    with pytest.raises(ValueError, match="set name"):
        P.plot_class_counts({})


def test_training_history_draws_scores_in_percent_and_marks_the_epoch_kept():
    history = [
        {"epoch": e, "val_accuracy": a, "val_selection_f1": f}
        for e, a, f in [(1, 0.5, 0.2), (2, 0.8, 0.6), (3, 0.7, 0.5)]
    ]
    fig = P.plot_training_history(history, best_epoch=2)
    ax = fig.axes[0]
    acc, f1, kept = ax.lines
    np.testing.assert_allclose(acc.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(acc.get_ydata(), [50, 80, 70])
    np.testing.assert_allclose(f1.get_ydata(), [20, 60, 50])
    np.testing.assert_allclose(kept.get_xdata(), [2, 2])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-1] == "epoch kept (2)" and "validation accuracy" in labels
    with pytest.raises(ValueError, match="lack"):
        P.plot_training_history([{"epoch": 1}])
    with pytest.raises(ValueError, match="empty"):
        P.plot_training_history([])


def test_training_history_draws_the_loss_on_a_second_axis():
    history = [
        {"epoch": e, "val_selection_f1": f, "loss": loss}
        for e, f, loss in [(1, 0.2, 1.5), (2, 0.6, 0.9), (3, 0.5, 0.7)]
    ]
    fig = P.plot_training_history(history, metrics=("val_selection_f1",), loss=True)
    left, right = fig.axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), [20, 60, 50])
    np.testing.assert_allclose(right.lines[0].get_ydata(), [1.5, 0.9, 0.7])  # not in percent
    assert right.get_ylabel() == "training loss"
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == ["validation macro-F1 (N, S, V, F)", "training loss (right axis)"]
    with pytest.raises(ValueError, match="loss"):
        P.plot_training_history([{"epoch": 1, "val_selection_f1": 0.5}],
                                metrics=("val_selection_f1",), loss=True)  # fmt: skip


def test_beat_window_shades_the_masked_start():
    x = np.zeros(187)
    x[112] = 5.0
    fig = P.plot_beat_window(x, onset=60, prev_r=-0.8, t=T)
    ax = fig.axes[0]
    assert "set to 0 (previous beat)" in [t.get_text() for t in ax.texts]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    t = MASKED_SPEC.time_axis()
    x0 = hatched[0].get_x()
    assert x0 < t[0] and x0 + hatched[0].get_width() == pytest.approx((t[59] + t[60]) / 2)
    unmasked = P.plot_beat_window(x, onset=0, t=T).axes[0]
    assert not [p for p in unmasked.patches if p.get_hatch()]
    with pytest.raises(ValueError, match="onset"):
        P.plot_beat_window(x, onset=200, t=T)


def test_rr_series_draws_each_interval_and_rings_the_marked_beat():
    t = np.array([1.0, 1.8, 2.2, 3.4, 4.2])
    rr = np.array([0.8, 0.8, 0.4, 1.2, 0.8])
    fig = P.plot_rr_series(t, rr, local_rr=np.full(5, 0.8), avg_rr=np.full(5, 0.8), marked=[2],
                           marked_label="premature beat", title="record 100")  # fmt: skip
    ax = fig.axes[0]
    dots, ring = ax.collections[0], ax.collections[-1]
    np.testing.assert_allclose(dots.get_offsets(), np.column_stack([t, rr]))
    np.testing.assert_allclose(ring.get_offsets(), [[2.2, 0.4]])
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "premature beat" in labels and "local RR (mean of 10 beats)" in labels
    assert fig.get_size_inches()[0] <= 6.7
    mask = P.plot_rr_series(t, rr, marked=rr < 0.5).axes[0].collections[-1]
    np.testing.assert_allclose(mask.get_offsets(), [[2.2, 0.4]])
    with pytest.raises(ValueError, match="one per beat"):
        P.plot_rr_series(t, rr[:3])
    with pytest.raises(ValueError, match="marked indices"):
        P.plot_rr_series(t, rr, marked=[7])


def test_chapter_one_figures_fit_the_text_column_by_default():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(25, 88))
    t88 = (np.arange(88) - 36) / 125
    avgs = class_average(np.zeros_like(x), x, np.arange(25) % 5, classes=CLASSES, t=t88)
    grid = P.plot_class_means(avgs)  # five classes: two rows of three, the sixth panel off
    assert grid.get_size_inches()[0] <= 6.7
    assert sum(a.axison for a in grid.axes) == 5
    panel = grid.axes[0]  # the band and the mean share the time axis (seconds)
    band_x = panel.collections[0].get_paths()[0].vertices[:, 0]
    np.testing.assert_allclose(panel.lines[0].get_xdata(), t88)
    assert band_x.min() == pytest.approx(t88[0]) and band_x.max() == pytest.approx(t88[-1])
    assert panel.get_xlim() == pytest.approx((t88[0], t88[-1]))
    assert P.plot_class_counts({"a": {"N": 3}}).get_size_inches()[0] <= 6.7
    assert P.plot_record_excerpt(_excerpt()).get_size_inches()[0] <= 6.7
    split = P.plot_split_records({"s": {"train": ["1"], "test": ["2"]}})
    assert split.get_size_inches()[0] <= 6.7
