"""tscam.methods owns its methods and imports nothing above it; what evaluate needs to know about
a method is a field of its entry, not a name checked elsewhere."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tscam import methods as registry
from tscam.evaluate import MethodNotApplicable, attribute, attribute_all
from tscam.models import FCN, LSTMClassifier

SRC = Path(__file__).resolve().parents[1] / "src" / "tscam"
ABOVE = ("tscam.evaluate", "tscam.widgets", "tscam.plotting")
MODULE = re.compile(r"[A-Za-z_][\w.]*(:\w+)?")


def test_importing_the_registry_imports_nothing_above_it():
    code = (
        "import sys, tscam.methods\n"
        f"bad = [m for m in sys.modules if m.startswith({ABOVE!r})]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=None)


def test_no_module_of_the_registry_names_a_module_above_it():
    for path in sorted((SRC / "methods").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # importlib strings such as "tscam.evaluate.methods:_cam" (not prose)
                names = [node.value] if MODULE.fullmatch(node.value.strip()) else []
            bad = [n for n in names if n.startswith(ABOVE)]
            assert not bad, f"{path.name} names {bad}"


def test_every_cam_variant_is_registered_with_its_label():
    labels = {
        "hires_cam": "HiResCAM",
        "grad_cam_pp": "Grad-CAM++",
        "xgrad_cam": "XGrad-CAM",
        "layer_cam": "LayerCAM",
        "score_cam": "Score-CAM",
        "ablation_cam": "Ablation-CAM",
        "eigen_cam": "Eigen-CAM",
    }
    for name, label in labels.items():
        assert registry.label(name) == label and callable(registry.get(name).fn)
    assert registry.label("grad_cam", steps=True) == "LSTM Grad-CAM"
    assert registry.get("random").reference and not registry.get("random").needs_target
    assert not registry.get("eigen_cam").needs_target
    assert registry.get("occlusion").takes_rule
    assert [m.name for m in registry.registered() if m.reference] == ["random"]


def test_which_variants_apply_to_the_lstm():
    torch.manual_seed(0)
    lstm, fcn = LSTMClassifier(n_classes=3, hidden_size=4), FCN(3, filters=(4, 4, 4))
    over_steps = {"grad_cam", "hires_cam", "layer_cam", "eigen_cam"}
    refused = {"cam", "grad_cam_pp", "xgrad_cam", "score_cam", "ablation_cam"}
    for name in over_steps:
        assert registry.get(name).applies(lstm) and registry.get(name).applies(fcn)
    x = torch.randn(2, 1, lstm.input_length)
    for name in refused:
        assert not registry.get(name).applies(lstm) and registry.get(name).applies(fcn)
        with pytest.raises(MethodNotApplicable, match="cannot explain LSTMClassifier"):
            attribute(lstm, x, name)
    maps = attribute_all(lstm, x, methods=sorted(over_steps | refused))
    assert set(maps) == over_steps and set(maps.skipped) == refused


def test_a_method_without_a_target_is_computed_without_one():
    torch.manual_seed(0)
    fcn, x = FCN(3, filters=(4, 4, 4)).eval(), torch.randn(3, 1, 50)
    calls = []

    def spy(model, xs, target):
        calls.append(target)
        return xs.sum(1)

    registry.register(registry.Method("spy", spy, "spy", needs_target=False))
    try:
        attribute(fcn, x, "spy")
        assert calls == [None]
        attribute(fcn, x, "spy", target=1)
        assert calls[-1].tolist() == [1, 1, 1]
    finally:
        registry.unregister("spy")
