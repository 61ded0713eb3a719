"""tscam.widgets.class_explorer: builds from precomputed maps, redraws on every control change,
and reports empty or bad choices as a message instead of raising."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tscam.widgets import class_explorer  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    n = 40
    x = rng.normal(size=(n, 187))
    y = np.repeat([0, 1, 2, 3], 10)
    maps = {"a": np.abs(rng.normal(size=(n, 187))), "b": np.abs(rng.normal(size=(n, 11)))}
    pred = {"a": y.copy(), "b": np.where(y == 2, 0, y)}  # model b misses every V beat
    return maps, x, y, pred


def test_builds_and_redraws_on_every_control(data):
    maps, x, y, pred = data
    with pytest.raises(ValueError, match="classes="):  # plain arrays carry no class names
        class_explorer(maps, x, y, pred)
    box = class_explorer(maps, x, y, pred, classes=("N", "S", "V", "F", "Q"))
    assert isinstance(box, w.VBox)
    assert bytes(box.image.value).startswith(PNG)
    assert set(box.controls) == {"model", "class", "subset", "normalize", "band"}
    assert [v for _, v in box.controls["class"].options] == ["N", "S", "V", "F"]
    seen = {bytes(box.image.value)}
    for name, value in [
        ("model", "b"),
        ("class", "V"),
        ("normalize", "minmax"),
        ("band", "10-90 % quantiles"),
        ("subset", "correct"),
    ]:
        box.controls[name].value = value
        seen.add(bytes(box.image.value))
    assert len(seen) == 6
    assert "Cannot" not in box.info.value
    assert "V: 0 beats" in box.info.value  # model b gets no V beat right: an empty panel
    assert not plt.get_fignums()  # drawing in callbacks leaves no pyplot figures


def test_rejects_mismatched_inputs(data):
    maps, x, y, pred = data
    with pytest.raises(TypeError, match="same keys"):
        class_explorer(maps, x, y, {"a": pred["a"]})
    with pytest.raises(ValueError, match="rows"):
        class_explorer({"a": maps["a"][:5]}, x, y, {"a": pred["a"]})
    with pytest.raises(TypeError, match="non-empty"):
        class_explorer({}, x, y, {})
