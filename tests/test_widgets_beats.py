"""tscam.widgets.beat_browser: the live beat browser shows the chosen beat of the chosen class,
redraws on every change, shows a model's probabilities, and reports problems without raising."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from tscam.data import DEFAULT_SPEC, Beats  # noqa: E402
from tscam.models import FCN  # noqa: E402
from tscam.widgets import beat_browser  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _beats() -> Beats:
    """12 beats: 7 of class N (0), 5 of class V (2); no S, F, Q."""
    rng = np.random.default_rng(0)
    y = np.array([0, 2, 0, 0, 2, 0, 2, 0, 2, 0, 0, 2])
    return Beats(
        x=rng.normal(size=(len(y), DEFAULT_SPEC.length)).astype(np.float32),
        y=y,
        record=np.array(["100"] * 6 + ["208"] * 6),
        sample=np.arange(len(y)) * 360 + 1000,
        symbol=np.where(y == 2, "V", "N"),
    )


def test_browser_offers_only_present_classes_and_steps_through_their_beats():
    beats = _beats()
    b = beat_browser(beats, dpi=40)
    assert isinstance(b, w.VBox)
    cls, beat = b.controls["class"], b.controls["beat"]
    assert list(cls.options) == [("N (7)", 0), ("V (5)", 2)]
    assert cls.value == 0 and beat.max == 6
    assert bytes(b.image.value).startswith(PNG)
    assert "record 100" in b.info.value and "symbol 'N'" in b.info.value
    first = bytes(b.image.value)

    cls.value = 2  # the slider is reset and limited to the V beats
    assert beat.value == 0 and beat.max == 4
    assert "of class V" in b.info.value and "index 1 in the set" in b.info.value
    beat.value = 3  # the 4th V beat is beat 8 of the set (record 208)
    assert "index 8 in the set" in b.info.value and "record 208" in b.info.value
    assert "sample 3,880" in b.info.value
    assert bytes(b.image.value) != first
    assert not plt.get_fignums()  # drawing never leaks figures into pyplot


def test_browser_with_a_model_shows_probabilities_and_keeps_the_model_mode():
    torch.manual_seed(0)
    model = FCN().train()
    b = beat_browser(_beats(), model, dpi=40)
    assert "Cannot" not in b.info.value
    assert model.training  # predict_logits restored the mode
    plain = beat_browser(_beats(), dpi=40)
    assert bytes(b.image.value) != bytes(plain.image.value)  # a second panel: the bars


def test_browser_reports_errors_as_a_message():
    beats = _beats()
    b = beat_browser(beats, dpi=40)
    beats.x[:] = np.nan  # a beat that cannot be drawn
    b.controls["beat"].value = 2
    assert "Cannot draw this beat" in b.info.value and "NaN" in b.info.value


def test_browser_rejects_bad_arguments():
    with pytest.raises(TypeError, match="Beats"):
        beat_browser(np.zeros((3, DEFAULT_SPEC.length)))
    with pytest.raises(TypeError, match="nn.Module"):
        beat_browser(_beats(), model="fcn")
    empty = _beats().subset(np.zeros(12, dtype=bool))
    with pytest.raises(TypeError, match="non-empty"):
        beat_browser(empty)
