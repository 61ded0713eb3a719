"""The LSTM's backward pass written out: the gradient of a score with respect to every h_t.

Grad-CAM over the LSTM's steps needs ``dS/dh_t`` for every step t, *through the recurrence*
(:mod:`tscam.cam.lstm`). Autograd can give it from :meth:`LSTMClassifier.unrolled`, but then it
records and replays about a hundred small operations. Here the same derivative comes from one
forward sweep that keeps the gates and one backward sweep over the steps, with no autograd
graph: about the cost of ``nn.LSTM``'s own fused forward and backward pass, which also computes
gradients nobody asked for (the input's, the weights').

The equations (gate order i, f, g, o as in ``nn.LSTM``; ``z_t = W_ih x_t + W_hh h_{t-1} + b``)::

    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)     g = tanh(z_g)
    c_t = f c_{t-1} + i g                                   h_t = o tanh(c_t)

and backwards, with ``dh_t = dS/dh_t`` and ``dc_t = dS/dc_t`` (``c_t`` also feeds step t+1)::

    dc_t = dh_t o (1 - tanh^2 c_t) + dc_{t+1} f_{t+1}
    dz_i = dc_t g i (1 - i)        dz_f = dc_t c_{t-1} f (1 - f)
    dz_g = dc_t i (1 - g^2)        dz_o = dh_t tanh(c_t) o (1 - o)
    dh_{t-1} = W_hh^T dz_t

Two implementation choices, neither changes the result beyond rounding: tanh is computed as
``2 sigmoid(2 z) - 1`` (one sigmoid for all four gates; ``tanh`` is the slowest of these
operations on the CPU), and the constant factors this brings (``1 - g^2 = 4 s (1 - s)`` for
``g = 2 s - 1``, the cell state kept doubled) are folded into the rows of the matrix of the last
line. Tested against autograd through ``unrolled`` and against finite differences on
``nn.LSTM`` itself (``tests/test_cam_lstm.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["gate_inputs", "lstm_state_gradients"]


def _check_lstm(lstm: nn.Module) -> nn.LSTM:
    ok = (
        isinstance(lstm, nn.LSTM)
        and lstm.num_layers == 1
        and not lstm.bidirectional
        and lstm.proj_size == 0
        and lstm.bias
        and lstm.batch_first
    )
    if not ok:
        raise ValueError(
            "lstm_state_gradients needs a one-layer, one-directional nn.LSTM with biases, "
            "batch_first=True and no projection, as in tscam.models.LSTMClassifier; "
            f"got {lstm!r}."
        )
    return lstm


def gate_inputs(lstm: nn.LSTM, seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The weights of ``lstm`` (gate order i, f, g, o) with the g rows doubled, so that one
    sigmoid gives all four gates (``tanh(z) = 2 sigmoid(2 z) - 1``): ``x_part`` (S, n, 4H), the
    input part ``W_ih x_t + b`` of every step at once, and ``w_forward`` (H, 4H), so that
    ``sigmoid(x_part[t] + h_{t-1} @ w_forward)`` is ``(i, f, sigmoid(2 z_g), o)`` of step t.
    ``seq`` (n, S, m) is what ``lstm`` reads. Differentiable (used by
    :meth:`tscam.models.LSTMClassifier.unrolled` too)."""
    lstm = _check_lstm(lstm)
    n, steps, m = seq.shape
    H = lstm.hidden_size
    up = torch.ones(4 * H, 1, dtype=seq.dtype, device=seq.device)
    up[2 * H : 3 * H] = 2.0
    bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0) * up[:, 0]
    inputs = seq.transpose(0, 1).reshape(steps * n, m)  # step-major: row t n + j
    x_part = torch.addmm(bias, inputs, (lstm.weight_ih_l0 * up).T)
    return x_part.view(steps, n, 4 * H), (lstm.weight_hh_l0 * up).T


def lstm_state_gradients(
    lstm: nn.LSTM,
    seq: torch.Tensor,
    last_gradient: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hidden states ``h_t`` and gradients ``dS/dh_t`` through the recurrence, each (S, n, H).

    ``seq`` (n, S, m) is what ``lstm`` reads, from the zero state. ``last_gradient(h)`` gets the
    last hidden state h_{S-1} (n, H) and returns ``dS/dh_{S-1}`` (n, H): the score depends on
    the steps only through it. Runs without autograd; the results carry no graph.
    """
    with torch.no_grad():
        x_part, w_forward = gate_inputs(lstm, seq)  # the g rows doubled: s_g = sigmoid(2 z_g)
        n, steps, _ = seq.shape
        H = lstm.hidden_size
        kw = {"dtype": seq.dtype, "device": seq.device}
        gates = torch.empty(steps, n, 4 * H, **kw)  # sigmoid of (z_i, z_f, 2 z_g, z_o)
        c2 = torch.empty(steps, n, H, **kw)  # 2 c_t
        sc = torch.empty(steps, n, H, **kw)  # sigmoid(2 c_t): tanh(c_t) = 2 sc - 1
        hidden = torch.empty(steps, n, H, **kw)
        for t in range(steps):
            s = gates[t]
            if t == 0:
                torch.sigmoid(x_part[0], out=s)
            else:
                torch.addmm(x_part[t], hidden[t - 1], w_forward, out=s).sigmoid_()
            i, f, s_g, o = s.chunk(4, dim=1)
            ig2 = torch.addcmul(i * -2.0, i, s_g, value=4.0)  # 2 i g, g = 2 s_g - 1
            if t == 0:
                c2[0].copy_(ig2)
            else:
                torch.addcmul(ig2, f, c2[t - 1], out=c2[t])
            torch.sigmoid(c2[t], out=sc[t])
            torch.addcmul(o.neg(), o, sc[t], value=2.0, out=hidden[t])  # o tanh(c_t)
        grads = torch.empty(steps, n, H, **kw)
        grads[steps - 1] = last_gradient(hidden[steps - 1])
        if steps == 1:
            return hidden, grads
        # backward coefficients of steps 1..S-1 (step 0's dz is not needed: no h_{-1})
        g4 = gates[1:].view(steps - 1, n, 4, H)
        K = torch.addcmul(g4, g4, g4, value=-1.0)  # s (1 - s) for each gate
        K[:, :, 0].mul_(torch.sub(g4[:, :, 2], 0.5))  # x g / 2
        K[:, :, 1].mul_(c2[:-1])  # x 2 c_{t-1}
        K[:, :, 2].mul_(g4[:, :, 0])  # x i
        K[:, :, 3].mul_(torch.sub(sc[1:], 0.5))  # x tanh(c_t) / 2
        A = torch.addcmul(sc[1:], sc[1:], sc[1:], value=-1.0).mul_(g4[:, :, 3])  # o sc (1 - sc)
        f_next = g4[:, :, 1]
        # e_t = dc_t / 4 (A is a quarter of o (1 - tanh^2 c)); the factors 4 (from e) and 2
        # (g = 2 (s_g - 1/2)) for i, 4 and 1/2 (the doubled c_{t-1}) for f, 4 and 4
        # (1 - g^2 = 4 s_g (1 - s_g)) for g, and 2 (tanh c = 2 (sc - 1/2)) for o go into W_hh
        down = torch.tensor([8.0, 2.0, 16.0, 2.0], **kw).repeat_interleave(H)[:, None]
        w_backward = lstm.weight_hh_l0 * down
        dz = torch.empty(n, 4, H, **kw)
        e = None
        for t in range(steps - 1, 0, -1):
            dh, k = grads[t], t - 1
            e = dh * A[k] if e is None else torch.addcmul(dh * A[k], e, f_next[k + 1])
            torch.mul(K[k, :, :3], e[:, None], out=dz[:, :3])
            torch.mul(K[k, :, 3], dh, out=dz[:, 3])
            torch.mm(dz.view(n, 4 * H), w_backward, out=grads[t - 1])
    return hidden, grads
