"""tscam.widgets.method_explorer: builds, draws one panel per method for the chosen beat,
redraws on every control change, and reports problems as a message instead of raising."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from tscam.data import make_synthetic  # noqa: E402
from tscam.models import FCN, LSTMClassifier  # noqa: E402
from tscam.widgets import method_explorer  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
FAST = {"integrated_gradients": {"n_steps": 2}, "occlusion": {"window": 17, "stride": 17}}


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    models = {
        "FCN": FCN(n_classes=4, filters=(4, 8, 4)).eval(),
        # the synthetic beats have 187 samples: an LSTM that reads them as 11 segments of 17
        "LSTM": LSTMClassifier(n_classes=4, hidden_size=4, segment_length=17).eval(),
    }
    return models, make_synthetic(8, seed=0)


def test_method_explorer_draws_and_redraws_on_every_control(setup):
    models, beats = setup
    box = method_explorer(models, beats, options=FAST, classes=beats.class_names, dpi=30)
    assert isinstance(box, w.VBox)
    assert bytes(box.image.value).startswith(PNG)
    assert "Cannot draw" not in box.info.value and "beat 1 of 8" in box.info.value
    first = bytes(box.image.value)
    box.controls["beat"].value = 3
    assert "beat 4 of 8" in box.info.value and bytes(box.image.value) != first
    box.controls["model"].value = "LSTM"  # CAM does not apply: a panel says so, no error
    assert "Cannot draw" not in box.info.value and "LSTM" in box.info.value
    box.controls["class_filter"].value = 2
    assert box.controls["beat"].value == 0
    assert box.controls["beat"].max == int((beats.y == 2).sum()) - 1
    assert not plt.get_fignums()  # figures are drawn outside pyplot


def test_method_explorer_reports_errors_and_checks_its_input(setup):
    models, beats = setup
    box = method_explorer(
        models, beats, methods=("grad_cam",), options={"occlusion": {"window": 999}}, dpi=30
    )
    assert "Cannot draw" not in box.info.value  # occlusion is not among the methods shown
    bad = method_explorer(
        models, beats, methods=("occlusion",), options={"occlusion": {"window": 999}}
    )
    assert "Cannot draw this choice" in bad.info.value
    with pytest.raises(TypeError, match="non-empty dict"):
        method_explorer({}, beats)
    with pytest.raises(TypeError, match="nn.Module"):
        method_explorer({"x": 1}, beats)
    with pytest.raises(TypeError, match="beats"):
        method_explorer(models, [1, 2, 3])
