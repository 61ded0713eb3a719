"""One registry of explanation methods, beats that carry their own meaning, and no MIT-BIH
constants outside tscam.data.

- A toy method registered once shows up in the explorer, the evaluation table and a plot legend.
- A 3-class dataset of 150 samples at 50 Hz gets its own class names and time axis in the
  aggregation, the plots and both explorers.
- No module outside tscam.data imports anything from tscam.data (train, crossval and the
  chapters' checkers in exercises/ may), and none spells the AAMI classes as a literal.
"""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from tscam import methods as registry  # noqa: E402
from tscam.aggregate import class_average  # noqa: E402
from tscam.data import SyntheticBeats  # noqa: E402
from tscam.evaluate import METHODS, attribute, comparison_table  # noqa: E402
from tscam.models import FCN  # noqa: E402
from tscam.plotting import evaluation as plotting_evaluation  # noqa: E402
from tscam.plotting import plot_beat, plot_class_average, plot_curves  # noqa: E402
from tscam.widgets import available_methods, explorer  # noqa: E402
from tscam.widgets.methods import method_explorer  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src" / "tscam"


def _toy(model, x, target):
    """|x|: the toy method's map (one value per sample)."""
    return x.abs().sum(1)


@pytest.fixture
def toy():
    entry = registry.register(
        registry.Method("toy_abs", _toy, "Toy |x|", {"color": "black", "ls": ":", "marker": "*"})
    )
    try:
        yield entry
    finally:
        registry.unregister("toy_abs")
    assert "toy_abs" not in METHODS


@pytest.fixture(scope="module")
def three_classes() -> SyntheticBeats:
    """3 classes, 150 samples at 50 Hz (R peak at sample 50, i.e. t from -1.0 s to 1.98 s)."""
    rng = np.random.default_rng(0)
    n, length = 12, 150
    y = np.arange(n) % 3
    t = np.arange(length)
    x = np.exp(-0.5 * ((t - 50) / 2.0) ** 2)[None, :] * (1 + y[:, None])
    x = (x + 0.05 * rng.standard_normal((n, length))).astype(np.float32)
    mask = np.zeros((n, length), dtype=bool)
    mask[:, 45:56] = True
    return SyntheticBeats(
        x, y.astype(np.int64), mask, ("alpha", "beta", "gamma"), fs=50, r_index=50
    )


def test_beats_carry_class_names_rate_and_time_axis(three_classes):
    d = three_classes
    assert d.class_names == ("alpha", "beta", "gamma") and d.fs == 50
    np.testing.assert_allclose(d.t[[0, 50, -1]], [-1.0, 0.0, 99 / 50])
    from tscam.data import DEFAULT_SPEC, Beats

    b = Beats(np.zeros((1, 187), np.float32), np.zeros(1, np.int64), *([np.zeros(1)] * 3))
    assert b.class_names == b.classes == ("N", "S", "V", "F", "Q")
    assert b.fs == DEFAULT_SPEC.fs and np.array_equal(b.t, DEFAULT_SPEC.time_axis())


def test_a_registered_method_is_everywhere(toy, three_classes):
    torch.manual_seed(0)
    model = FCN(n_classes=3, filters=(4, 4, 4)).eval()
    x = three_classes.x[:4]
    assert "toy_abs" in METHODS
    np.testing.assert_allclose(attribute(model, x, "toy_abs").numpy(), np.abs(x), rtol=1e-6)
    # the explorer offers it (and the built-in ones that apply)
    labels = list(available_methods(model))
    assert "Toy |x|" in labels and "CAM" in labels
    box = explorer({"FCN": model}, three_classes, dpi=30)
    assert "Toy |x|" in box.controls["method"].options
    box.controls["method"].value = "Toy |x|"
    assert "Cannot draw" not in box.info.value, box.info.value
    # the evaluation table has a row for it
    rows = comparison_table(model, x, steps=2, sanity=False)
    assert [r["method"] for r in rows].count("toy_abs") == 1
    # and a plot legend names it with its label and style
    curves = {"toy_abs": (np.linspace(0, 1, 3), np.array([1.0, 0.5, 0.2]))}
    ax = plot_curves(curves).axes[0]
    line = ax.get_lines()[0]
    assert ax.get_legend().get_texts()[0].get_text().startswith("Toy |x|")
    assert line.get_linestyle() == ":" and line.get_marker() == "*"


def test_unknown_and_duplicate_methods_are_refused():
    with pytest.raises(ValueError, match="Unknown attribution method"):
        registry.get("nope")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.Method("cam", _toy, "CAM again"))


def test_three_class_aggregation_and_plots_use_the_datas_labels_and_axis(three_classes):
    d = three_classes
    maps = np.abs(d.x)
    avg = class_average(maps, d)
    assert list(avg) == ["alpha", "beta", "gamma"] and avg["beta"].n == 4
    np.testing.assert_allclose(avg["gamma"].t, d.t)
    fig = plot_class_average(avg["gamma"])
    assert "time relative to the R peak (s)" in [a.get_xlabel() for a in fig.axes]
    lo, hi = fig.axes[0].get_xlim()
    assert lo < -0.9 and 1.9 < hi < 2.2  # seconds at 50 Hz, not sample indices
    ax = plot_beat(d.x[0], t=d).axes[0]
    assert ax.get_xlim()[1] < 2.2
    bare = plot_beat(d.x[0]).axes[0]  # a bare array of another length: by sample index
    assert bare.get_xlabel() == "sample" and bare.get_xlim()[1] > 140


def _spy(monkeypatch, module, name):
    """Record the axes each call of ``module.name`` draws on (the real function still runs)."""
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        fig = real(*args, **kwargs)
        calls.append(kwargs.get("ax") or fig.axes[0])
        return fig

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_both_explorers_on_three_classes_of_150_samples_at_50_hz(three_classes, monkeypatch):
    import importlib

    explorer_module = importlib.import_module("tscam.widgets.explorer")  # not the function

    d = three_classes
    torch.manual_seed(0)
    model = FCN(n_classes=3, filters=(4, 4, 4)).eval()
    drawn = _spy(monkeypatch, explorer_module, "plot_beat_heatmap")
    box = explorer({"FCN": model}, d, dpi=30)
    assert "Cannot draw" not in box.info.value, box.info.value
    filters = [label for label, _ in box.controls["class_filter"].options]
    assert filters == ["all (12)", "alpha (4)", "beta (4)", "gamma (4)"]
    targets = [label for label, _ in box.controls["target"].options]
    assert targets == ["predicted class", "alpha", "beta", "gamma"]
    ax = drawn[-1]
    assert ax.get_xlabel() == "time relative to the R peak (s)" and ax.get_xlim()[1] < 2.2
    assert any(name in ax.get_title() for name in d.class_names)
    assert "Hz" not in box.info.value  # synthetic beats have no record sampling rate

    panels = _spy(monkeypatch, plotting_evaluation, "plot_beat_heatmap")
    fast = {"integrated_gradients": {"n_steps": 2}, "occlusion": {"window": 10, "stride": 10}}
    box = method_explorer({"FCN": model}, d, options=fast, dpi=30)
    assert "Cannot draw" not in box.info.value, box.info.value
    filters = [label for label, _ in box.controls["class_filter"].options]
    assert filters == ["all (12)", "alpha (4)", "beta (4)", "gamma (4)"]
    assert panels and all(a.get_xlim()[1] < 2.2 for a in panels)
    assert panels[0].get_xlabel() in ("time relative to the R peak (s)", "")


#: Modules that may know MIT-BIH besides tscam.data: training on it, the chapters' checkers, and
#: the Colab set-up of the chapters (it downloads the data).
MAY_IMPORT_DATA = ("train.py", "crossval.py", "exercises", "colab.py")
#: The AAMI class letters; a literal of three or more of them outside tscam.data is a class list.
AAMI_LETTERS = frozenset("NSVFQ")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, module: str = "tscam.x") -> set[str]:
    """Every module ``source`` imports (also under ``if TYPE_CHECKING`` or inside functions),
    relative imports resolved against ``module``, and ``from P import name`` as ``P.name``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level]
                base = ".".join([*package, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _imports_data(source: str, module: str = "tscam.x") -> bool:
    return any(m == "tscam.data" or m.startswith("tscam.data.") for m in _imports(source, module))


def _class_literals(source: str) -> list[str]:
    """String constants and tuples/lists/sets of string constants that spell three or more
    distinct AAMI class letters, such as ``("N", "S", "V", "F", "Q")`` or ``"NSVF"``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        letters = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            letters = list(node.value)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            letters = [e.value for e in node.elts]
        if (
            letters
            and len(letters) >= 3
            and set(letters) <= AAMI_LETTERS
            and len(set(letters)) == len(letters)
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def _outside_data() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] != "data"]


def test_the_guards_catch_what_they_look_for():
    for source in (
        "import tscam.data",
        "from tscam import data",
        "from tscam.data import CLASSES",
        "from tscam.data.records import MITDB_FS",
        "def f():\n    from tscam.data.beats import DEFAULT_SPEC",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tscam.data.raw import R",
    ):
        assert _imports_data(source), source
    assert _imports_data("from ..data import CLASSES", "tscam.plotting.colors")
    assert _imports_data("from .data.records import CLASSES", "tscam.compare")
    assert not _imports_data("from tscam.contract import class_names_of\nimport tscam.datax")
    for source in ('C = ("N", "S", "V", "F", "Q")', 'C = "NSVFQ"', "f(classes=['N', 'S', 'V'])",
                   'x = {"V", "F", "Q"}', 'c = ("N", "S", "V", "F")'):  # fmt: skip
        assert _class_literals(source), source
    for source in ('s = "N"', 'x = ("N", "S")', 'w = "FNS!"', 'z = ("N", "N", "N")',
                   'u = "SVG"', 'd = {"N": 1, "S": 2, "V": 3}'):  # fmt: skip
        assert not _class_literals(source), source


def test_no_module_outside_tscam_data_imports_tscam_data():
    """Only tscam.data knows MIT-BIH; training (train, crossval) and the chapters' checkers
    (exercises/) may use it. Everything else reads beats through tscam.contract."""
    offenders = [
        str(p.relative_to(SRC))
        for p in _outside_data()
        if p.relative_to(SRC).parts[0] not in MAY_IMPORT_DATA
        and _imports_data(p.read_text(encoding="utf-8"), _module_of(p))
    ]
    assert not offenders, (
        f"modules importing tscam.data: {offenders}; take class names, rate and time axis from "
        "the beats through tscam.contract, or take them as arguments."
    )


def test_no_literal_aami_class_lists_outside_tscam_data():
    offenders = {
        str(p.relative_to(SRC)): found
        for p in _outside_data()
        if (found := _class_literals(p.read_text(encoding="utf-8")))
    }
    assert not offenders, (
        f"literal AAMI class lists outside tscam.data: {offenders}; take the classes from the "
        "beats (class_names), the card (card['classes']) or a classes= argument."
    )


def test_the_contract_reads_the_beats_and_has_no_dataset_defaults(three_classes):
    from tscam.contract import class_names_of, rhythm_of, sampling_of, time_axis_of

    d = three_classes
    assert class_names_of(d) == ("alpha", "beta", "gamma")
    assert class_names_of(d, ["x", "y", "z"]) == ("x", "y", "z")  # an argument wins
    with pytest.raises(ValueError, match="classes="):
        class_names_of(np.zeros(3))
    assert sampling_of(d) == (50.0, 50) and sampling_of(d, fs=100) == (100.0, 50)
    with pytest.raises(ValueError, match="No fs and r_index"):
        sampling_of(np.zeros((2, 187)))
    assert time_axis_of(np.zeros((2, 187)), 187) is None  # plain arrays: sample index
    np.testing.assert_allclose(time_axis_of(d, 150), d.t)
    with pytest.raises(ValueError, match="no rhythm features"):
        rhythm_of(d)
    from types import SimpleNamespace

    beats = SimpleNamespace(y=np.zeros(2), rhythm=np.ones((2, 2)), rhythm_names=("a", "b"))
    r, names = rhythm_of(beats)
    assert r.shape == (2, 2) and names == ("a", "b")
    with pytest.raises(ValueError, match="NaN or infinite"):
        rhythm_of(SimpleNamespace(y=np.zeros(1), rhythm=[[np.nan, 1.0]], rhythm_names="ab"))
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        rhythm_of(SimpleNamespace(y=np.zeros(2), rhythm=np.ones((2, 2)), rhythm_names="abc"))
