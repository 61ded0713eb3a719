"""tscam.widgets: the kernel-free galleries are linked client-side to the right traits; the live
explorer builds and redraws on every control change, never raising."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402

from tscam.data import DEFAULT_SPEC, Beats, load_beats  # noqa: E402
from tscam.models import FCN, LSTMClassifier  # noqa: E402
from tscam.widgets import (  # noqa: E402
    available_methods,
    beat_browser,
    explorer,
    figure_png,
    gallery,
    gallery_grid,
    method_explorer,
)

PNG = b"\x89PNG\r\n\x1a\n"


def is_png(value) -> bool:
    return bytes(value).startswith(PNG)  # Image.value is a memoryview


def _fig(k: int):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(np.arange(5) * k)
    return fig


# ---------------------------------------------------------------- galleries


@pytest.mark.parametrize("control", ["dropdown", "slider", "buttons"])
def test_gallery_links_control_index_to_stack_selected_index(control):
    figs = {f"beat {k}": _fig(k) for k in range(3)}
    g = gallery(figs, "three beats", control=control, dpi=40)
    assert isinstance(g, w.VBox)
    assert len(g.stack.children) == 3
    assert all(isinstance(c, w.Image) and is_png(c.value) for c in g.stack.children)
    assert list(g.control.options) == [("beat 0", 0), ("beat 1", 1), ("beat 2", 2)]
    (link,) = g.links
    assert isinstance(link, Link)
    assert link.source == (g.control, "index")
    assert link.target == (g.stack, "selected_index")
    assert g.control.index == g.stack.selected_index == 0
    assert g.control in g.children and g.stack in g.children
    assert not plt.get_fignums()  # figures closed after rendering


def test_gallery_accepts_pairs_and_keeps_figures_open_on_request():
    figs = [("a", _fig(1)), ("b", _fig(2))]
    g = gallery(figs, close=False, dpi=40)
    assert len(g.stack.children) == 2 and len(plt.get_fignums()) == 2


def test_gallery_input_errors():
    with pytest.raises(ValueError, match="unique"):
        gallery([("a", _fig(1)), ("a", _fig(2))])
    with pytest.raises(TypeError, match="pair"):
        gallery([("a", "not a figure")])
    with pytest.raises(ValueError, match="No figures"):
        gallery({})
    with pytest.raises(ValueError, match="control"):
        gallery({"a": _fig(1)}, control="knob")


def test_gallery_grid_nests_stacks_and_links_the_column_control_to_every_row():
    figs = {
        (c, m): _fig(i) for i, (c, m) in enumerate([("N", "CAM"), ("N", "Grad-CAM"), ("V", "CAM")])
    }
    g = gallery_grid(figs, names=("class", "method"), dpi=40)
    rows, cols = g.controls
    assert [o[0] for o in rows.options] == ["N", "V"]
    assert [o[0] for o in cols.options] == ["CAM", "Grad-CAM"]
    assert len(g.stack.children) == 2 and list(g.stack.children) == list(g.inner)
    assert all(len(s.children) == 2 for s in g.inner)
    missing = g.inner[1].children[1]  # (V, Grad-CAM) was not given
    assert isinstance(missing, w.HTML) and "no figure" in missing.value
    assert is_png(g.inner[0].children[1].value)
    first, *per_row = g.links
    assert first.source == (rows, "index") and first.target == (g.stack, "selected_index")
    assert [lk.source for lk in per_row] == [(cols, "index")] * 2
    assert [lk.target for lk in per_row] == [(s, "selected_index") for s in g.inner]
    with pytest.raises(TypeError, match="pairs"):
        gallery_grid({"N": _fig(0)})


def test_figure_png_rejects_non_figures():
    assert figure_png(_fig(1), dpi=30).startswith(PNG)
    with pytest.raises(TypeError, match="Figure"):
        figure_png("figure.png")


# ---------------------------------------------------------------- explorer


def _models():
    torch.manual_seed(0)
    return {"FCN": FCN(filters=(8, 8, 8)).eval(), "LSTM": LSTMClassifier(hidden_size=8).eval()}


def _synthetic_beats(n: int = 12, rr: bool = False) -> Beats:
    """``n`` random beats of the course's window (``rr``: with RR features, so a rhythm input)."""
    rng = np.random.default_rng(0)
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 0, 2])[:n]
    return Beats(
        x=rng.normal(size=(n, DEFAULT_SPEC.length)).astype(np.float32),
        y=y,
        record=np.array(["100"] * n),
        sample=np.arange(n) * 300,
        symbol=np.array(["N"] * n),
        rr=rng.uniform(0.4, 1.2, size=(n, 4)).astype(np.float32) if rr else None,
    )


def _exercise(box, y: np.ndarray) -> None:
    """Change every control; after each change the plot is redrawn and no error is shown."""
    c = box.controls
    seen = {bytes(box.image.value)}

    def check(what: str) -> None:
        assert is_png(box.image.value), what
        assert "Cannot draw" not in box.info.value, (what, box.info.value)
        seen.add(bytes(box.image.value))

    check("initial")
    assert c["method"].options[0] == "CAM" and c["relu"].disabled  # CAM has no ReLU option
    variants = ["HiResCAM", "Grad-CAM++", "XGrad-CAM", "LayerCAM", "Score-CAM", "Ablation-CAM"]
    assert list(c["method"].options) == ["CAM"] + [f"Grad-CAM block{k}" for k in (1, 2, 3)] + [
        *variants,
        "Eigen-CAM",
    ]
    for label in c["method"].options[1:]:
        c["method"].value = label
        check(label)
        assert not c["relu"].disabled
    c["relu"].value = False
    check("signed")
    c["target"].value = 2
    check("target V")
    c["class_filter"].value = 2
    assert c["beat"].max == int((y == 2).sum()) - 1
    check("filter V")
    c["beat"].value = c["beat"].max
    check("last beat")
    c["model"].value = "LSTM"
    assert list(c["method"].options) == list(available_methods(_models()["LSTM"]))
    assert "CAM" not in c["method"].options and not c["relu"].disabled
    check("LSTM")
    assert list(c["method"].options) == [
        "LSTM Grad-CAM",
        "LSTM HiResCAM",
        "LSTM LayerCAM",
        "LSTM Eigen-CAM",
        "naive LSTM Grad-CAM (nn.LSTM output)",
    ]
    for label in c["method"].options[1:4]:
        c["method"].value = label
        check(label)
    c["method"].value = c["method"].options[-1]
    check("naive")
    c["model"].value = "FCN"
    assert "CAM" in c["method"].options
    check("back to FCN")
    assert len(seen) >= 6  # the picture really changed along the way


def test_explorer_on_synthetic_beats_redraws_on_every_change():
    beats = _synthetic_beats()
    box = explorer(_models(), beats, dpi=40, figsize=(4, 2))
    assert isinstance(box, w.VBox)
    c = box.controls
    labels = [o[0] for o in c["class_filter"].options]
    assert labels == ["all (12)", "N (5)", "S (2)", "V (4)", "F (1)"]  # Q absent: no beats
    c["class_filter"].value = 1
    assert c["beat"].max == 1 and c["beat"].value == 0
    c["class_filter"].value = -1
    _exercise(box, beats.y)
    assert not plt.get_fignums()  # the explorer's figures never go through pyplot


def test_explorer_shows_a_message_instead_of_raising():
    class Broken(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError("broken on purpose")

    box = explorer({"broken": Broken()}, _synthetic_beats(), dpi=40, figsize=(4, 2))
    assert "Cannot draw" in box.info.value and "broken on purpose" in box.info.value
    box.controls["beat"].value = 3  # still no exception


def test_explorer_rejects_bad_arguments():
    with pytest.raises(TypeError, match="models"):
        explorer({}, _synthetic_beats())
    with pytest.raises(TypeError, match="nn.Module"):
        explorer({"x": object()}, _synthetic_beats())
    with pytest.raises(TypeError, match="beats with .x and .y"):
        explorer(_models(), np.zeros((3, DEFAULT_SPEC.length)))


def test_explorer_on_real_beats(mitdb_dir):
    test = load_beats("inter", "test", mitdb_dir)
    pick = np.concatenate([np.flatnonzero(test.y == k)[:5] for k in range(5)])
    beats = test.subset(pick[:20])
    box = explorer(_models(), beats, dpi=40, figsize=(4, 2))
    assert "record" in box.info.value and is_png(box.image.value)
    c = box.controls
    for name, value in [("model", "LSTM"), ("class_filter", 2), ("beat", 3), ("target", 0)]:
        before = bytes(box.image.value)
        c[name].value = value
        assert "Cannot draw" not in box.info.value, (name, box.info.value)
        assert bytes(box.image.value) != before, name
    assert f"record {beats.record[np.flatnonzero(beats.y == 2)[3]]}" in box.info.value
    assert "(360 Hz)" in box.info.value  # the records' rate, from the beats


def test_galleries_show_every_figure_as_html_where_no_widget_manager_runs():
    """Without a widget manager (Colab before its custom manager is on, nbviewer) a frontend
    falls back to the text/html entry of the display data: every figure under its label. The
    widget view stays first for the book and JupyterLab (myst-nb and nbconvert prefer it)."""
    import base64
    import re

    from matplotlib.figure import Figure

    def fig(y):
        f = Figure(figsize=(2, 1))
        f.subplots().plot(y)
        return f

    one = gallery({"first": fig([0, 1]), "second <b>": fig([1, 0])})
    bundle = one._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(i) for i in images] == [im.value for im in one.stack.children]
    assert "<b>first</b>" in page and "second &lt;b&gt;" in page  # labels, escaped
    grid = gallery_grid({("N", "CAM"): fig([0, 1]), ("S", "CAM"): fig([1, 1])})
    page = grid._repr_mimebundle_()["text/html"]
    assert page.count("<img") == 2 and "class N, method CAM" in page


# ---------------------------------------------------------------- models with a rhythm head


class RhythmSpy(FCN):
    """An FCN with a rhythm head (like the shipped models) that records each rhythm input."""

    def __init__(self) -> None:
        super().__init__(filters=(8, 8, 8), n_rhythm=4)
        self.rhythms: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, rhythm: torch.Tensor | None = None) -> torch.Tensor:
        if rhythm is not None:
            self.rhythms.append(torch.as_tensor(rhythm).clone())
        return super().forward(x, rhythm)


def _rhythm_of(beats: Beats, i: int) -> torch.Tensor:
    return torch.as_tensor(beats.rhythm[i : i + 1])


def test_the_widgets_give_a_model_with_a_rhythm_head_the_rhythm_of_the_beat_shown():
    torch.manual_seed(0)
    model, beats = RhythmSpy().eval(), _synthetic_beats(rr=True)
    box = explorer({"FCN": model}, beats, dpi=40, figsize=(4, 2))
    assert "Cannot draw" not in box.info.value, box.info.value
    box.controls["beat"].value = 3  # all beats shown: beat 3 of the set
    assert "Cannot draw" not in box.info.value, box.info.value
    torch.testing.assert_close(model.rhythms[-1], _rhythm_of(beats, 3))
    box = method_explorer({"FCN": model}, beats, methods=("grad_cam", "saliency"), dpi=30)
    box.controls["beat"].value = 5
    assert "Cannot draw" not in box.info.value, box.info.value
    torch.testing.assert_close(model.rhythms[-1], _rhythm_of(beats, 5))
    box = beat_browser(beats, model, dpi=40)
    box.controls["class"].value = 2
    box.controls["beat"].value = 1  # the second V beat: index 7 of the set
    assert "index 7 in the set" in box.info.value and "Cannot" not in box.info.value
    torch.testing.assert_close(model.rhythms[-1], _rhythm_of(beats, 7))
    assert not plt.get_fignums()


def test_the_widgets_say_that_a_model_with_a_rhythm_head_needs_the_rhythm():
    torch.manual_seed(0)
    model, beats = RhythmSpy().eval(), _synthetic_beats()  # no RR features
    for box in (
        explorer({"FCN": model}, beats, dpi=40, figsize=(4, 2)),
        method_explorer({"FCN": model}, beats, methods=("saliency",), dpi=30),
        beat_browser(beats, model, dpi=40),
    ):
        assert "Cannot draw" in box.info.value and "rhythm features" in box.info.value
    assert not model.rhythms
