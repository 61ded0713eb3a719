"""tscam.cam on convolutional nets: CAM identity, captum parity, a net computed by hand."""

from __future__ import annotations

import pytest
import torch
from captum.attr import LayerAttribution, LayerGradCam
from torch import nn

import tscam.cam as C
from tscam.models import FCN, load_pretrained, weights_dir


def random_fcn(seed: int = 0) -> FCN:
    """An FCN with random weights and random BatchNorm statistics, in eval mode."""
    torch.manual_seed(seed)
    model = FCN()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


def beats(n: int = 6, length: int = 187, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, length, generator=g)


class TinyNet(nn.Module):
    """Conv1d(1 -> 2, k=2, no padding) -> ReLU -> GAP -> Linear(2 -> 2), weights set by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 2, kernel_size=2, bias=False)
        self.relu = nn.ReLU()
        self.classifier = nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([[[1.0, 1.0]], [[1.0, -1.0]]]))
            self.classifier.weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 0.5]]))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=2))


class StridedNet(nn.Module):
    """A conv net with stride and pooling: its feature maps are shorter than the input."""

    def __init__(self) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv1d(1, 8, 7, stride=2, padding=3), nn.ReLU())
        self.pool = nn.MaxPool1d(2)
        self.block2 = nn.Sequential(nn.Conv1d(8, 16, 5, padding=2), nn.ReLU())
        self.head = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block2(self.pool(self.block1(x))).amax(dim=2))


@pytest.mark.parametrize("length", [187, 300])
def test_grad_cam_last_block_is_relu_cam_over_T(length: int) -> None:
    model, x = random_fcn(), beats(length=length)
    target = torch.tensor([0, 1, 2, 3, 4, 0])
    gc = C.grad_cam(model, x, target=target)
    expected = torch.relu(C.cam(model, x, target=target)) / length
    assert gc.shape == (6, length)
    assert gc.max() > 0
    torch.testing.assert_close(gc, expected, atol=1e-6, rtol=0)


def test_grad_cam_is_relu_cam_over_T_for_shipped_fcn() -> None:
    if not all((weights_dir() / f"fcn-inter.{ext}").is_file() for ext in ("pt", "json")):
        pytest.skip("fcn-inter.pt not shipped yet (training still running)")
    model, x = load_pretrained("fcn-inter"), beats(n=8)
    gc = C.grad_cam(model, x)
    torch.testing.assert_close(gc, torch.relu(C.cam(model, x)) / 187, atol=1e-6, rtol=0)


def test_cam_is_the_classifier_weighted_sum_and_averages_to_the_logit() -> None:
    model, x = random_fcn(), beats()
    maps = C.cam(model, x, target=3)
    with torch.no_grad():
        logits = model(x)
    # y_c = b_c + mean_t M_c(t)
    torch.testing.assert_close(maps.mean(1) + model.classifier.bias[3], logits[:, 3])


@pytest.mark.parametrize("block", ["block1", "block2", "block3"])
@pytest.mark.parametrize("relu", [True, False])
def test_parity_with_captum(block: str, relu: bool) -> None:
    model, x = random_fcn(), beats()
    target = torch.tensor([4, 3, 2, 1, 0, 2])
    ours = C.grad_cam(model, x, layer=block, target=target, relu=relu, upsample=False)
    theirs = LayerGradCam(model, getattr(model, block)).attribute(
        x, target=target, relu_attributions=relu
    )
    assert not torch.allclose(ours, torch.zeros_like(ours))
    torch.testing.assert_close(ours, theirs[:, 0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layer", ["block1", "block2", "block1.0"])
@pytest.mark.parametrize("relu", [True, False])
def test_upsampled_parity_with_captum_interpolate(layer: str, relu: bool) -> None:
    torch.manual_seed(3)
    model, x = StridedNet().eval(), beats(n=4, length=100)
    target = torch.tensor([0, 1, 2, 3])
    ours = C.grad_cam(model, x, layer=layer, target=target, relu=relu)
    module = dict(model.named_modules())[layer]
    coarse = LayerGradCam(model, module).attribute(x, target=target, relu_attributions=relu)
    assert coarse.shape[-1] < 100
    theirs = LayerAttribution.interpolate(coarse, 100, interpolate_mode="linear")
    assert ours.shape == (4, 100)
    torch.testing.assert_close(ours, theirs[:, 0], atol=1e-5, rtol=1e-5)


def test_tiny_net_by_hand() -> None:
    model = TinyNet().eval()
    x = torch.tensor([[[1.0, -2.0, 3.0, 0.0]]])
    # A_0 = [-1, 1, 3] (x_t + x_t+1), A_1 = [3, -5, 3] (x_t - x_t+1); after ReLU [0,1,3], [3,0,3]
    # GAP -> [4/3, 2]; logits = [4/3 - 2, 8/3 + 1] = [-2/3, 11/3]: class 1 is predicted.
    # Class 1 at the conv output (before ReLU): dS/dA_0(t) = 2/3 * [0,1,1], alpha_0 = 4/9;
    # dS/dA_1(t) = 0.5/3 * [1,0,1], alpha_1 = 1/9; map = 4/9 A_0 + 1/9 A_1 = [-1, -1, 15] / 9.
    signed = C.grad_cam(model, x, layer="conv", relu=False, upsample=False)
    torch.testing.assert_close(signed, torch.tensor([[-1.0, -1.0, 15.0]]) / 9)
    relu = C.grad_cam(model, x, layer=model.conv, upsample=False)
    torch.testing.assert_close(relu, torch.tensor([[0.0, 0.0, 15.0 / 9]]))
    # Class 0: alpha_0 = 1/3 * 2/3 = 2/9, alpha_1 = -1/3 * 2/3 = -2/9: map = [-8, 12, 0] / 9.
    class0 = C.grad_cam(model, x, layer="conv", target=0, relu=False, upsample=False)
    torch.testing.assert_close(class0, torch.tensor([[-8.0, 12.0, 0.0]]) / 9)
    # Upsampling 3 -> 4 samples (cell centres): positions -1/8, 5/8, 11/8, 17/8 on the map,
    # ends held: [m0, 3/8 m0 + 5/8 m1, 5/8 m1 + 3/8 m2, m2].
    up = C.grad_cam(model, x, relu=False)  # default layer: the last Conv1d
    torch.testing.assert_close(up, torch.tensor([[-1.0, -1.0, 5.0, 15.0]]) / 9)
    up_relu = C.grad_cam(model, x)
    torch.testing.assert_close(up_relu, torch.tensor([[0.0, 0.0, 0.625, 15.0 / 9]]))
    # CAM, class 1: 2 * [0, 1, 3] + 0.5 * [3, 0, 3] = [1.5, 2, 7.5]
    torch.testing.assert_close(C.cam(model, x), torch.tensor([[1.5, 2.0, 7.5]]))


def test_batched_equals_one_by_one_and_per_sample_targets() -> None:
    model, x = random_fcn(), beats()
    target = [2, 0, 4, 1, 3, 2]
    for fn in (
        lambda x, t: C.grad_cam(model, x, layer="block2", target=t, relu=False),
        lambda x, t: C.cam(model, x, target=t),
    ):
        batched = fn(x, target)
        single = torch.cat([fn(x[i : i + 1], target[i]) for i in range(len(x))])
        torch.testing.assert_close(batched, single, atol=1e-6, rtol=1e-5)
        other = fn(x, [(t + 1) % 5 for t in target])
        assert not torch.allclose(batched, other, atol=1e-4)


def test_default_target_is_the_predicted_class() -> None:
    model, x = random_fcn(), beats()
    with torch.no_grad():
        predicted = model(x).argmax(1)
    torch.testing.assert_close(C.grad_cam(model, x), C.grad_cam(model, x, target=predicted))
    torch.testing.assert_close(C.cam(model, x), C.cam(model, x, target=predicted.tolist()))


def test_softmax_scores_follow_the_chain_rule() -> None:
    # alpha is linear in dS/dA, so with signed maps m_j of the logits j:
    # log p_c -> m_c - sum_j p_j m_j,   p_c -> p_c (m_c - sum_j p_j m_j).
    model, x = random_fcn(), beats(n=3)
    target = torch.tensor([1, 4, 0])
    per_class = torch.stack(
        [C.grad_cam(model, x, layer="block2", target=j, relu=False) for j in range(5)], dim=1
    )
    with torch.no_grad():
        p = model(x).softmax(1)
    own = per_class[torch.arange(3), target]
    log_sm = own - (p[:, :, None] * per_class).sum(1)
    kw = dict(layer="block2", target=target, relu=False)
    torch.testing.assert_close(C.grad_cam(model, x, score="log_softmax", **kw), log_sm)
    sm = p[torch.arange(3), target][:, None] * log_sm
    torch.testing.assert_close(C.grad_cam(model, x, score="softmax", **kw), sm)


def test_results_are_detached_float32_and_float64_models_work() -> None:
    model, x = random_fcn(), beats(n=2)
    out = C.grad_cam(model, x.requires_grad_())
    assert out.dtype == torch.float32 and not out.requires_grad and out.device == x.device
    model64 = random_fcn().double()
    out64 = C.grad_cam(model64, x.detach().double(), target=1)
    assert out64.dtype == torch.float32
    torch.testing.assert_close(out64, C.grad_cam(model, x.detach(), target=1), atol=1e-6, rtol=1e-4)
    assert C.cam(model64, x.detach().double()).dtype == torch.float32
