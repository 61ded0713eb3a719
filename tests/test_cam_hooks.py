"""tscam.cam hooks (always removed, model restored) and error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import tscam.cam as C
from tscam.data import DEFAULT_SPEC
from tscam.models import FCN, LSTMClassifier

T = DEFAULT_SPEC.length  # the course's beat window, also the LSTM's input length


@pytest.fixture
def fcn() -> FCN:
    torch.manual_seed(0)
    return FCN(filters=(8, 16, 8)).eval()


@pytest.fixture
def x() -> torch.Tensor:
    return torch.randn(3, 1, T, generator=torch.Generator().manual_seed(0))


def no_hooks(model: nn.Module) -> bool:
    return all(not m._forward_hooks for m in model.modules())


def test_capture_records_activations_and_gradients(fcn: FCN, x: torch.Tensor) -> None:
    with C.capture(fcn, "block2") as rec:
        assert fcn.block2._forward_hooks
        logits = fcn(x)
        grads = rec.gradient_of(logits[:, 1].sum())
    assert rec.activations.shape == grads.shape == (3, 16, T) and rec.calls == 1
    assert rec.gradients is grads
    assert no_hooks(fcn)
    assert all(p.grad is None for p in fcn.parameters())
    # score.backward() also fills .gradients (through a tensor hook), parameters untouched
    with C.capture(fcn, fcn.block3) as rec2:
        fcn(x)[:, 1].sum().backward()
    assert rec2.gradients is not None and rec2.gradients.shape == (3, 8, T)
    assert all(p.grad is None for p in fcn.parameters())


def test_hooks_removed_and_model_restored_after_an_exception(fcn: FCN, x: torch.Tensor) -> None:
    fcn.train()
    fcn.block1[1].eval()  # a mixed state: one BatchNorm frozen
    fcn.classifier.bias.requires_grad_(False)
    with pytest.raises(RuntimeError, match="boom"):
        with C.capture(fcn, "block3"):
            assert not fcn.training and not fcn.block2[1].training
            assert not any(p.requires_grad for p in fcn.parameters())
            fcn(x)
            raise RuntimeError("boom")
    assert not fcn.block3._forward_hooks and no_hooks(fcn)
    assert fcn.training and fcn.block2[1].training and not fcn.block1[1].training
    assert not fcn.classifier.bias.requires_grad
    assert all(p.requires_grad for n, p in fcn.named_parameters() if n != "classifier.bias")


def test_grad_cam_restores_everything_after_normal_exit_and_errors(
    fcn: FCN, x: torch.Tensor
) -> None:
    fcn.train()
    C.grad_cam(fcn, x, layer="block1")
    with pytest.raises(C.TargetError):
        C.grad_cam(fcn, x, target=9)  # raised after the forward pass, inside the context
    with pytest.raises(C.LayerError):
        C.grad_cam(fcn, x, layer="classifier")  # raised after the forward pass
    assert fcn.training and all(p.requires_grad for p in fcn.parameters())
    assert no_hooks(fcn)
    assert all(p.grad is None for p in fcn.parameters())


def test_grad_cam_works_inside_no_grad(fcn: FCN, x: torch.Tensor) -> None:
    with torch.no_grad():
        inside = C.grad_cam(fcn, x)
    torch.testing.assert_close(inside, C.grad_cam(fcn, x))
    assert inside.max() > 0


@pytest.mark.parametrize(
    "layer, error, words",
    [
        ("block7", C.LayerError, ["block7", "block1", "block3.0"]),
        (nn.Conv1d(1, 8, 3), C.LayerError, ["not a layer of this model", "block2"]),
        ("classifier", C.LayerError, ["(batch, channels, time)", "(3, 5)"]),
        (3, C.LayerError, ["nn.Module"]),
    ],
)
def test_layer_errors(fcn: FCN, x: torch.Tensor, layer, error, words) -> None:
    with pytest.raises(error) as info:
        C.grad_cam(fcn, x, layer=layer)
    for word in words:
        assert word in str(info.value)
    assert no_hooks(fcn)


def test_grad_cam_at_the_pooling_layer_is_the_logit_without_bias(fcn: FCN, x: torch.Tensor) -> None:
    # gap outputs (n, K, 1): alpha_k = w_ck, so the map is y_c - b_c, held over all samples
    out = C.grad_cam(fcn, x, layer=fcn.gap, target=2, relu=False)
    with torch.no_grad():
        expected = fcn(x)[:, 2] - fcn.classifier.bias[2]
    assert out.shape == (3, T)
    torch.testing.assert_close(out, expected[:, None].expand(3, T))


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (np.zeros((3, 1, T), np.float32), C.InputTypeError, ["torch.Tensor", "as_input"]),
        (torch.zeros(3, T), C.InputError, ["(n, C, T)", "as_input"]),
        (torch.zeros(3, 1, T, dtype=torch.int64), C.InputTypeError, ["floating", "float()"]),
        (torch.zeros(0, 1, T), C.InputError, ["empty"]),
        (torch.zeros(3, 2, T), C.InputError, ["1 input channel", "2"]),
    ],
)
def test_input_errors(fcn: FCN, bad, error, words) -> None:
    for fn in (C.grad_cam, C.cam):
        with pytest.raises(error) as info:
            fn(fcn, bad)
        for word in words:
            assert word in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_input(fcn: FCN, x: torch.Tensor, value: float) -> None:
    x[1, 0, 50] = value
    for fn in (C.grad_cam, C.cam, C.lstm_grad_cam):
        with pytest.raises(C.InputError, match=r"NaN or inf in sample\(s\) \[1\]"):
            fn(fcn if fn is not C.lstm_grad_cam else LSTMClassifier(), x)


@pytest.mark.parametrize(
    "target, words",
    [
        (5, ["out of range", "0..4"]),
        (-1, ["out of range"]),
        ([0, 1], ["one class per sample", "(3,)"]),
        (torch.tensor([0.0, 1.0, 2.0]), ["integers"]),
        ([0, 1, 7], ["target class 7 (sample 2)", "5 classes"]),
        ("N", ["int"]),
    ],
)
def test_target_errors(fcn: FCN, x: torch.Tensor, target, words) -> None:
    for fn in (C.grad_cam, C.cam, C.lstm_grad_cam):
        model = LSTMClassifier() if fn is C.lstm_grad_cam else fcn
        with pytest.raises(C.TargetError) as info:
            fn(model, x, target=target)
        for word in words:
            assert word in str(info.value)


def test_cam_needs_features_gap_and_linear(x: torch.Tensor) -> None:
    with pytest.raises(C.ArchitectureError, match="grad_cam"):
        C.cam(LSTMClassifier(), x)

    class MaxPooled(FCN):  # features and a Linear classifier, but max pooling instead of GAP
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(self.features(x).amax(dim=2))

    torch.manual_seed(0)
    with pytest.raises(C.ArchitectureError) as info:
        C.cam(MaxPooled(filters=(8, 16, 8)).eval(), x)
    assert "global average pooling" in str(info.value) and "grad_cam" in str(info.value)


def test_other_errors(fcn: FCN, x: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="score must be one of"):
        C.grad_cam(fcn, x, score="probability")
    lstm = LSTMClassifier()
    with pytest.raises(C.LayerError, match="lstm_grad_cam"):
        C.grad_cam(lstm, x, layer="lstm")
    with pytest.raises(ValueError, match="weighting"):
        C.lstm_grad_cam(lstm, x, weighting="max")
    with pytest.raises(C.ArchitectureError, match="unrolled"):
        C.lstm_grad_cam(fcn, x)
    with pytest.raises(C.LayerError, match="no Conv1d"):
        C.grad_cam(nn.Sequential(nn.Flatten(), nn.Linear(T, 2)), x)


def test_errors_are_value_or_type_errors() -> None:
    assert issubclass(C.InputError, ValueError) and issubclass(C.InputTypeError, TypeError)
    assert issubclass(C.LayerError, ValueError) and issubclass(C.TargetError, ValueError)
    assert issubclass(C.ArchitectureError, TypeError)
