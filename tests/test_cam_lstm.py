"""tscam.cam on the LSTM: gradients through the recurrence versus the naive hook on nn.LSTM."""

from __future__ import annotations

import copy

import pytest
import torch

import tscam.cam as C
from tscam.models import LSTMClassifier, load_pretrained, weights_dir


def random_lstm(seed: int = 0) -> LSTMClassifier:
    torch.manual_seed(seed)
    return LSTMClassifier().eval()


# the default LSTM reads a beat as 11 segments of SEG samples, T = 11 * SEG in all
T, SEG = LSTMClassifier().input_length, LSTMClassifier().segment_length


def beats(n: int = 4, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 1, T, generator=torch.Generator().manual_seed(seed))


def models() -> list[tuple[str, LSTMClassifier]]:
    found = [("random", random_lstm())]
    if all((weights_dir() / f"lstm-inter.{ext}").is_file() for ext in ("pt", "json")):
        found.append(("lstm-inter", load_pretrained("lstm-inter")))
    return found


def finite_difference_gradients(
    model: LSTMClassifier, x: torch.Tensor, target: torch.Tensor, eps: float = 1e-6
) -> tuple[torch.Tensor, torch.Tensor]:
    """h_t and dS/dh_t[k] by central differences, in float64, with nn.LSTM (not `unrolled`).

    S as a function of h_t (c_t held): continue the recurrence from the state (h_t, c_t), i.e.
    run nn.LSTM on segments t+1.. with that initial state, and apply the head to the last output.
    """
    model = copy.deepcopy(model).double()
    seq = model.segments(x.double())
    n, steps, hidden_size = len(x), seq.shape[1], model.hidden_size
    rows = torch.arange(n).repeat_interleave(hidden_size)
    states, grads = [], []
    with torch.no_grad():
        for t in range(steps):
            _, (h, c) = model.lstm(seq[:, : t + 1])  # (1, n, H): the state after step t
            states.append(h[0])
            h_all = h[0][rows]  # (n H, H): each sample repeated once per hidden unit
            c_all = c[0][rows]
            bump = eps * torch.eye(hidden_size, dtype=torch.float64).repeat(n, 1)
            scores = []
            for sign in (1.0, -1.0):
                h0 = (h_all + sign * bump)[None]
                if t < steps - 1:
                    out, _ = model.lstm(seq[rows, t + 1 :], (h0, c_all[None]))
                    last = out[:, -1]
                else:
                    last = h0[0]
                scores.append(model.head(last)[torch.arange(n * hidden_size), target[rows]])
            grads.append(((scores[0] - scores[1]) / (2 * eps)).reshape(n, hidden_size))
    return torch.stack(states, 1), torch.stack(grads, 1)


@pytest.mark.parametrize("name, model", models())
def test_unrolled_logits_equal_forward_logits(name: str, model: LSTMClassifier) -> None:
    x = beats()
    with torch.no_grad():
        logits, states = model.unrolled(x)
        hidden = torch.stack(states, dim=1)
        torch.testing.assert_close(logits, model(x), atol=1e-5, rtol=1e-5)
        output, _ = model.lstm(model.segments(x))
    torch.testing.assert_close(hidden, output, atol=1e-5, rtol=1e-5)


def test_step_gradients_match_finite_differences() -> None:
    model, x = random_lstm(), beats(n=2)
    target = torch.tensor([3, 1])
    hidden, grads = C.lstm_step_gradients(model, x, target=target)
    fd_hidden, fd_grads = finite_difference_gradients(model, x, target)
    assert grads.shape == (2, 11, 64)
    torch.testing.assert_close(hidden, fd_hidden.float(), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(grads, fd_grads.float(), atol=1e-5, rtol=1e-4)
    # ... and so do the maps: alpha_k = mean_t dS/dh_t[k], map(t) = sum_k alpha_k h_t[k]
    fd_map = (fd_grads.mean(1, keepdim=True) * fd_hidden).sum(2).float()
    ours = C.lstm_grad_cam(model, x, target=target, relu=False, expand=False, weighting="mean")
    torch.testing.assert_close(ours, fd_map, atol=1e-5, rtol=1e-4)
    fd_step_map = (fd_grads * fd_hidden).sum(2).float()
    ours_step = C.lstm_grad_cam(model, x, target, relu=False, expand=False, weighting="step")
    torch.testing.assert_close(ours_step, fd_step_map, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name, model", models())
def test_naive_hook_loses_every_step_but_the_last(name: str, model: LSTMClassifier) -> None:
    x = beats(n=8)
    hidden, grads = C.lstm_step_gradients(model, x)
    naive_hidden, naive_grads = C.lstm_step_gradients(model, x, naive=True)
    torch.testing.assert_close(naive_hidden, hidden, atol=1e-5, rtol=1e-5)
    # through the recurrence every step gets a gradient; through nn.LSTM's output only the last
    assert (grads[:, :10].abs().amax(dim=2) > 0).all()
    assert (naive_grads[:, :10] == 0).all()
    torch.testing.assert_close(naive_grads[:, 10], grads[:, 10], atol=1e-5, rtol=1e-4)
    # per-step weights: the naive map is exactly zero before the last segment
    proper = C.lstm_grad_cam(model, x, relu=False, expand=False, weighting="step")
    naive = C.naive_lstm_grad_cam(model, x, relu=False, expand=False, weighting="step")
    assert (proper[:, :10] != 0).any(dim=1).all()
    default = C.lstm_grad_cam(model, x, relu=False, expand=False)
    torch.testing.assert_close(default, proper)  # per-step weighting is the default
    mean_w = C.lstm_grad_cam(model, x, relu=False, expand=False, weighting="mean")
    assert (mean_w[:, :10] != 0).any(dim=1).all()
    assert (naive[:, :10] == 0).all()
    torch.testing.assert_close(naive[:, 10], proper[:, 10], atol=1e-5, rtol=1e-4)
    # step-averaged weights: the naive alpha holds the last step's gradient only (divided by 11)
    naive_mean = C.naive_lstm_grad_cam(model, x, relu=False, expand=False, weighting="mean")
    expected = (grads[:, 10:] / 11 * hidden).sum(2)
    torch.testing.assert_close(naive_mean, expected, atol=1e-5, rtol=1e-4)
    assert not torch.allclose(naive_mean, mean_w)


def test_expand_repeats_each_step_over_its_segment_and_grad_cam_dispatches() -> None:
    model, x = random_lstm(), beats()
    steps = C.lstm_grad_cam(model, x, relu=False, expand=False)
    full = C.lstm_grad_cam(model, x, relu=False)
    assert steps.shape == (4, 11) and full.shape == (4, T) and T == 11 * SEG
    torch.testing.assert_close(full.reshape(4, 11, SEG), steps[:, :, None].expand(4, 11, SEG))
    torch.testing.assert_close(C.grad_cam(model, x, relu=False), full)
    torch.testing.assert_close(C.lstm_grad_cam(model, x), torch.relu(full))
    naive = C.naive_lstm_grad_cam(model, x, expand=False)
    assert C.naive_lstm_grad_cam(model, x).shape == (4, T)
    assert (naive >= 0).all()


def test_lstm_batched_equals_one_by_one_with_per_sample_targets() -> None:
    model, x = random_lstm(), beats(n=5)
    target = [4, 0, 1, 2, 3]
    batched = C.lstm_grad_cam(model, x, target=target, relu=False, expand=False)
    single = torch.cat(
        [
            C.lstm_grad_cam(model, x[i : i + 1], target=target[i], relu=False, expand=False)
            for i in range(5)
        ]
    )
    torch.testing.assert_close(batched, single, atol=1e-6, rtol=1e-5)
    other = C.lstm_grad_cam(model, x, target=[(t + 2) % 5 for t in target], relu=False)
    assert not torch.allclose(batched, other[:, ::SEG], atol=1e-4)


def test_lstm_functions_restore_mode_and_flags() -> None:
    model, x = random_lstm(), beats(n=2)
    model.train()
    model.head.weight.requires_grad_(False)
    for fn in (C.lstm_grad_cam, C.naive_lstm_grad_cam):
        out = fn(model, x)
        assert out.dtype == torch.float32 and not out.requires_grad
        assert model.training and model.lstm.training
        assert not model.head.weight.requires_grad and model.lstm.weight_hh_l0.requires_grad
        assert model.lstm.weight_hh_l0.grad is None
        assert not model.lstm._forward_hooks


class AutogradOnly(LSTMClassifier):
    """The same model without the written-out backward pass: tscam.cam falls back to autograd
    through ``unrolled``."""

    state_gradients = None


def autograd_twin(model: LSTMClassifier) -> AutogradOnly:
    twin = AutogradOnly(**model.config).to(next(model.parameters()).dtype)
    twin.load_state_dict(model.state_dict())
    return twin.eval()


@pytest.mark.parametrize("steps, n_rhythm, seed", [(11, 0, 0), (11, 3, 1), (4, 0, 2), (1, 0, 3)])
def test_written_out_backward_equals_autograd_in_float64(steps: int, n_rhythm: int, seed: int):
    torch.manual_seed(seed)
    model = LSTMClassifier(n_segments=steps, n_rhythm=n_rhythm, hidden_size=16).double().eval()
    x = torch.randn(6, 1, model.input_length, dtype=torch.float64)
    target = torch.tensor([0, 1, 2, 3, 4, 0])
    for score in ("logit", "softmax", "log_softmax"):

        def seed_of(logits: torch.Tensor, score: str = score) -> torch.Tensor:
            leaf = logits.detach().requires_grad_()
            with torch.enable_grad():
                return torch.autograd.grad(C.target_scores(leaf, target, score).sum(), leaf)[0]

        logits, hidden, grads = model.state_gradients(x, seed_of)
        ref_logits, states = model.unrolled(x.clone().requires_grad_())
        ref_grads = torch.autograd.grad(C.target_scores(ref_logits, target, score).sum(), states)
        assert hidden.shape == grads.shape == (6, steps, 16) and not grads.requires_grad
        torch.testing.assert_close(logits, ref_logits.detach(), atol=1e-13, rtol=1e-12)
        torch.testing.assert_close(hidden, torch.stack(states, 1).detach(), atol=1e-13, rtol=0)
        torch.testing.assert_close(grads, torch.stack(ref_grads, 1), atol=1e-13, rtol=1e-11)
        # by hand at the last step: dS/dh_{S-1} = dS/dlogits @ W_head
        last = seed_of(logits) @ model.head.weight
        torch.testing.assert_close(grads[:, -1], last, atol=1e-15, rtol=1e-13)


@pytest.mark.parametrize("name, model", models())
def test_tscam_cam_gives_the_same_maps_with_either_backward(name: str, model: LSTMClassifier):
    twin, x = autograd_twin(model), beats(n=6)
    for score in ("logit", "softmax"):
        for target in (None, [4, 0, 1, 2, 3, 1]):
            fast = C.lstm_step_gradients(model, x, target, score)
            slow = C.lstm_step_gradients(twin, x, target, score)
            for a, b in zip(fast, slow, strict=True):
                torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    for method in (C.lstm_grad_cam, C.hires_cam, C.layer_cam):
        torch.testing.assert_close(method(model, x), method(twin, x), atol=1e-6, rtol=1e-5)


def test_written_out_backward_refuses_an_lstm_it_was_not_written_for() -> None:
    from tscam.models.lstm_backward import lstm_state_gradients

    seq = torch.randn(2, 5, 8)
    for lstm in (
        torch.nn.LSTM(8, 4, num_layers=2, batch_first=True),
        torch.nn.LSTM(8, 4, bidirectional=True, batch_first=True),
        torch.nn.LSTM(8, 4, batch_first=False),
        torch.nn.GRU(8, 4, batch_first=True),
    ):
        with pytest.raises(ValueError, match="one-layer, one-directional nn.LSTM"):
            lstm_state_gradients(lstm, seq, lambda h: torch.ones_like(h))


def test_a_model_whose_state_gradients_breaks_the_contract_gets_a_clear_error() -> None:
    x = beats(n=2)

    class NoSeed(LSTMClassifier):
        def state_gradients(self, x, seed):  # never asks for dS/dlogits
            return torch.zeros(2, 5), torch.zeros(2, 11, 64), torch.zeros(2, 11, 64)

    class WrongShape(LSTMClassifier):
        def state_gradients(self, x, seed):
            seed(torch.zeros(2, 5))
            return torch.zeros(2, 5), torch.zeros(2, 11, 64), torch.zeros(2, 64)

    with pytest.raises(C.ArchitectureError, match="must call seed"):
        C.lstm_grad_cam(NoSeed().eval(), x)
    with pytest.raises(C.ArchitectureError, match=r"shape \(n, S, H\)"):
        C.lstm_grad_cam(WrongShape().eval(), x)
