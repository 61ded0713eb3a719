"""The CAM family against oracles: hand-built networks whose maps are computed by hand here, the
identities at the last block of a GAP network, captum where it has the method, batched = one by
one, float64, the LSTM's steps, and the model left as it was after an error."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import tscam.cam as C
from tscam.models import FCN, LSTMClassifier

GRADIENT = {
    "hires_cam": C.hires_cam,
    "grad_cam_pp": C.grad_cam_pp,
    "xgrad_cam": C.xgrad_cam,
    "layer_cam": C.layer_cam,
}
FORWARD = {"score_cam": C.score_cam, "ablation_cam": C.ablation_cam, "eigen_cam": C.eigen_cam}
ALL = {"grad_cam": C.grad_cam, **GRADIENT, **FORWARD}


class TinyGap(nn.Module):
    """A_k(t) = ReLU(a_k x(t) + b_k) (a 1x1 conv and a ReLU), then GAP and a Linear layer: every
    map of the family has a closed form in a, b, the classifier weights w and the input."""

    def __init__(self, a, b, w, bias) -> None:
        super().__init__()
        k = len(a)
        self.block1 = nn.Sequential(nn.Conv1d(1, k, 1), nn.ReLU())
        self.classifier = nn.Linear(k, w.shape[0])
        with torch.no_grad():
            self.block1[0].weight.copy_(torch.as_tensor(a, dtype=torch.float32)[:, None, None])
            self.block1[0].bias.copy_(torch.as_tensor(b, dtype=torch.float32))
            self.classifier.weight.copy_(w)
            self.classifier.bias.copy_(bias)

    @property
    def last_conv_block(self) -> nn.Module:
        return self.block1

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.block1(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=2))


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    w = torch.tensor([[1.0, -2.0, 0.5], [-1.0, 1.5, 2.0]])
    model = TinyGap([1.0, -1.0, 0.5], [0.1, 0.2, -0.1], w, torch.tensor([0.3, -0.2])).eval()
    x = torch.randn(5, 1, 12, generator=torch.Generator().manual_seed(1))
    target = torch.tensor([0, 1, 1, 0, 1])
    return model, x, target


def _by_hand(model: TinyGap, x: torch.Tensor, target: torch.Tensor):
    """A (n, K, T), w_c (n, K), y_c (n,) and T, from the definition of TinyGap."""
    a = model.block1[0].weight[:, 0, 0]
    b = model.block1[0].bias
    A = F.relu(a[None, :, None] * x + b[None, :, None]).detach()
    W = model.classifier.weight[target].detach()
    y = (W * A.mean(2)).sum(1) + model.classifier.bias[target].detach()
    return A, W, y, x.shape[-1]


def test_gap_identities_at_the_last_block(tiny):
    model, x, t = tiny
    A, W, _, T = _by_hand(model, x, t)
    cam = C.cam(model, x, t)
    torch.testing.assert_close(cam, (W[:, :, None] * A).sum(1))
    # every gradient is w_ck / T: HiResCAM = CAM / T without the ReLU
    hires = C.hires_cam(model, x, target=t, relu=False)
    torch.testing.assert_close(hires, cam / T)
    torch.testing.assert_close(C.hires_cam(model, x, target=t), F.relu(cam) / T)
    # XGrad-CAM = Grad-CAM (the gradient is constant over time, so both weights are w_ck / T)
    torch.testing.assert_close(
        C.xgrad_cam(model, x, target=t, relu=False), C.grad_cam(model, x, target=t, relu=False)
    )
    # LayerCAM keeps only the positive gradients: sum_k ReLU(w_ck) A_k(t) / T
    layer = C.layer_cam(model, x, target=t, relu=False)
    torch.testing.assert_close(layer, (F.relu(W)[:, :, None] * A).sum(1) / T)
    # Grad-CAM++: a_k = 1 / (2 + w_ck mean_t A_k), weights ReLU(w_ck) / (2 + w_ck mean_t A_k)
    pp = C.grad_cam_pp(model, x, target=t, relu=False)
    weights = F.relu(W) / (2 + W * A.mean(2))
    torch.testing.assert_close(pp, (weights[:, :, None] * A).sum(1))


def test_ablation_cam_by_hand(tiny):
    model, x, t = tiny
    A, W, y, _ = _by_hand(model, x, t)
    # setting channel k to 0 lowers the logit by w_ck mean_t A_k: w_k = w_ck mean_t A_k / y_c
    weights = W * A.mean(2) / y[:, None]
    expected = F.relu((weights[:, :, None] * A).sum(1))
    torch.testing.assert_close(C.ablation_cam(model, x, target=t), expected)
    torch.testing.assert_close(C.ablation_cam(model, x, target=t, batch_size=2), expected)


def test_score_cam_by_hand(tiny):
    model, x, t = tiny
    A, _, _, _ = _by_hand(model, x, t)
    n, K, _ = A.shape
    s = torch.zeros(n, K)
    with torch.no_grad():
        for i in range(n):  # the definition, one masked input at a time
            for k in range(K):
                h = A[i, k]
                mask = (h - h.min()) / (h.max() - h.min()) if h.max() > h.min() else 0 * h
                s[i, k] = model(x[i : i + 1] * mask).softmax(1)[0, t[i]]
    expected = F.relu((s[:, :, None] * A).sum(1))
    torch.testing.assert_close(C.score_cam(model, x, target=t), expected)
    torch.testing.assert_close(C.score_cam(model, x, target=t, batch_size=4), expected)


def test_eigen_cam_of_rank_one_activations_and_its_sign():
    # A_k(t) = ReLU(a_k x(t)) = a_k ReLU(x(t)) for a_k > 0: rank one, map = ||a|| ReLU(x(t))
    a = torch.tensor([1.0, 2.0, 0.5])
    model = TinyGap(a, torch.zeros(3), torch.ones(2, 3), torch.zeros(2)).eval()
    x = torch.randn(4, 1, 16, generator=torch.Generator().manual_seed(2))
    expected = a.norm() * F.relu(x[:, 0])
    torch.testing.assert_close(C.eigen_cam(model, x), expected, rtol=1e-5, atol=1e-5)
    # for a_k < 0 the activations are |a_k| ReLU(-x): the sign convention keeps the map >= 0
    flipped = TinyGap(-a, torch.zeros(3), torch.ones(2, 3), torch.zeros(2)).eval()
    expected = a.norm() * F.relu(-x[:, 0])
    torch.testing.assert_close(C.eigen_cam(flipped, x), expected, rtol=1e-5, atol=1e-5)
    # the convention on any network: sum_t M(t) >= 0, and the map is class-agnostic
    fcn, xs = small_fcn(), beats(6)
    maps = C.eigen_cam(fcn, xs, relu=False)
    assert (maps.sum(1) >= 0).all()
    torch.testing.assert_close(maps, C.eigen_cam(fcn, xs, target=2, relu=False))


def small_fcn() -> FCN:
    torch.manual_seed(0)
    return FCN(n_classes=4, filters=(8, 16, 8)).eval()


def small_lstm() -> LSTMClassifier:
    torch.manual_seed(1)
    return LSTMClassifier(n_classes=4, hidden_size=8).eval()


def beats(n: int = 6, length: int = 187, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 1, length, generator=torch.Generator().manual_seed(seed))


def test_hires_cam_is_captums_gradient_x_activation_summed_over_channels():
    from captum.attr import LayerGradientXActivation

    model, x = small_fcn(), beats(4)
    target = torch.tensor([0, 1, 2, 3])
    theirs = LayerGradientXActivation(model, model.block2).attribute(x, target=target).sum(1)
    ours = C.hires_cam(model, x, layer="block2", target=target, relu=False)
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", list(ALL))
def test_batched_equals_one_by_one_and_float64_agrees(name):
    fn, model, x = ALL[name], small_fcn(), beats(5, length=64)
    target = torch.tensor([0, 3, 1, 2, 1])
    batched = fn(model, x, target=target)
    single = torch.cat([fn(model, x[i : i + 1], target=target[i : i + 1]) for i in range(5)])
    torch.testing.assert_close(batched, single, rtol=1e-4, atol=1e-6)
    assert batched.dtype == torch.float32 and not batched.requires_grad
    double = fn(small_fcn().double(), x.double(), target=target)
    assert double.dtype == torch.float32
    scale = float(batched.abs().max()) or 1.0
    torch.testing.assert_close(batched / scale, double / scale, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", list(ALL))
def test_layers_of_another_length_are_upsampled(name):
    model = nn.Sequential(nn.Conv1d(1, 4, 5, stride=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
    model = nn.Sequential(*model, nn.Flatten(), nn.Linear(4, 3)).eval()
    x = beats(3, length=40)
    coarse = ALL[name](model, x, layer="1", upsample=False)
    assert coarse.shape == (3, 18)
    torch.testing.assert_close(ALL[name](model, x, layer="1"), C.upsample_map(coarse, 40))


def test_the_lstm_steps():
    model = small_lstm()
    x = beats(4, length=model.input_length)
    target = torch.tensor([0, 1, 2, 3])
    hidden, grads = C.lstm_step_gradients(model, x, target)  # (n, S, H)
    # HiResCAM over the steps is the course's LSTM Grad-CAM (weighting="step") without its ReLU
    hires = C.hires_cam(model, x, target=target, relu=False, upsample=False)
    torch.testing.assert_close(hires, (grads * hidden).sum(2))
    torch.testing.assert_close(
        C.hires_cam(model, x, target=target), C.lstm_grad_cam(model, x, target=target)
    )
    layer = C.layer_cam(model, x, target=target, relu=False, upsample=False)
    torch.testing.assert_close(layer, (grads.clamp(min=0) * hidden).sum(2))
    full = C.layer_cam(model, x, target=target, relu=False)
    torch.testing.assert_close(full, C.expand_steps(layer, model.input_length))
    # Eigen-CAM over the steps: the first principal direction of each beat's (S, H) states
    eig = C.eigen_cam(model, x, upsample=False)
    for i in range(4):
        u, s, _ = torch.linalg.svd(hidden[i].double())
        m = (s[0] * u[:, 0]).float()
        m = m if m.sum() >= 0 else -m
        torch.testing.assert_close(eig[i], m, rtol=1e-4, atol=1e-5)
    for fn in (C.grad_cam_pp, C.xgrad_cam, C.score_cam, C.ablation_cam):
        with pytest.raises(C.ArchitectureError, match="does not apply over the steps"):
            fn(model, x)


class Boom(FCN):
    """An FCN whose forward fails at its ``fail_at``-th call (inside the methods' hooks/loops)."""

    calls = 0
    fail_at = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls >= self.fail_at:
            raise RuntimeError("boom")
        return super().forward(x)

    def tail(self, layer):  # Ablation-CAM's later passes go through here: they count too
        rest = super().tail(layer)
        if rest is None:
            return None

        def counted(a: torch.Tensor) -> torch.Tensor:
            self.calls += 1
            if self.calls >= self.fail_at:
                raise RuntimeError("boom")
            return rest(a)

        return counted


@pytest.mark.parametrize("name", list(ALL))
def test_mode_hooks_and_flags_are_restored_after_an_error(name):
    torch.manual_seed(0)
    model = Boom(n_classes=4, filters=(8, 16, 8)).train()
    model.block1[0].weight.requires_grad_(False)
    flags = [p.requires_grad for p in model.parameters()]
    x = beats(3, length=32)

    def hooks() -> int:
        return sum(len(m._forward_hooks) + len(m._backward_hooks) for m in model.modules())

    # the first forward (hooks in place) fails; for the forward-only methods also a later one
    for fail_at in (1, 2) if name in ("score_cam", "ablation_cam") else (1,):
        model.calls, model.fail_at = 0, fail_at
        with pytest.raises(RuntimeError, match="boom"):
            ALL[name](model, x)
        assert model.training and all(m.training for m in model.modules())
        assert [p.requires_grad for p in model.parameters()] == flags
        assert hooks() == 0 and all(p.grad is None for p in model.parameters())
    if name != "eigen_cam":  # a target out of range, found after the forward pass
        model.fail_at = 10**6
        with pytest.raises(C.TargetError):
            ALL[name](model, x, target=9)
        assert model.training and hooks() == 0
        assert [p.requires_grad for p in model.parameters()] == flags


def test_first_direction_is_the_top_singular_vector():
    from tscam.cam.family import first_direction

    g = torch.Generator().manual_seed(5)
    M = torch.cat([torch.randn(6, 20, 7, generator=g), F.relu(torch.randn(6, 20, 7, generator=g))])
    M = M.double()
    v = first_direction(M)
    _, _, Vh = torch.linalg.svd(M, full_matrices=False)
    torch.testing.assert_close(v.abs(), Vh[:, 0].abs(), rtol=1e-7, atol=1e-8)
    # two equal top singular values: power iteration cannot settle, eigh decides
    tie = torch.diag_embed(torch.tensor([[2.0, 2.0, 1.0]], dtype=torch.float64))
    w = first_direction(tie, iterations=5)
    assert torch.isclose((tie[0] @ w[0]).norm(), torch.tensor(2.0, dtype=torch.float64))
    assert torch.equal(
        first_direction(torch.zeros(1, 4, 3, dtype=torch.float64)), torch.zeros(1, 3)
    )


class _Whole(torch.nn.Module):
    """The same network without ``tail``: Ablation-CAM then runs it whole, with a hook."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@pytest.mark.parametrize("block", [0, 1, 2])
def test_ablation_cam_runs_only_the_tail_and_matches_the_whole_network(block):
    from tscam.models import FCN

    torch.manual_seed(0)
    net = FCN(n_classes=3, filters=(6, 8, 5), n_rhythm=2).eval()
    for bn in (net.block1[1], net.block2[1], net.block3[1]):  # non-trivial running statistics
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
    x = torch.randn(4, 1, 24, generator=torch.Generator().manual_seed(1))
    layer = net.blocks[block]
    # the tail maps the block's output to the logits without rhythm
    with torch.no_grad():
        a = x
        for b in net.blocks[: block + 1]:
            a = b(a)
        torch.testing.assert_close(net.tail(layer)(a), net(x))
    assert net.tail(net.block3[0]) is None and net.tail(net.classifier) is None
    whole = _Whole(net)
    t = torch.tensor([0, 1, 2, 1])
    slow = C.ablation_cam(whole, x, layer=layer, target=t, relu=False, batch_size=7)
    for batch_size in (1, 3, 7, 1000):  # fewer rows than channels, blocks of samples, all at once
        net.train()  # the method runs the network in eval mode, and gives the mode back
        fast = C.ablation_cam(net, x, layer=layer, target=t, relu=False, batch_size=batch_size)
        assert net.training and all(m.training for m in net.modules())
        torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-6)
