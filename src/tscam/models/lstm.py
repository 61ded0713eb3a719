"""An LSTM that reads a beat as a short sequence of segments, built so Grad-CAM can explain it.

An 88-sample beat is cut into 11 consecutive segments of 8 samples; the LSTM reads them as
11 time steps of 8 features, and a linear head maps the hidden state after the last step to the
class scores. With ``n_rhythm > 0`` (the shipped models) a rhythm head adds a term of the beat's
rhythm features alone, as for the FCN (:mod:`tscam.models.rhythm`):
``logit_c = w_c . h_T + rhythm_c + b_c``; ``model(x)`` without ``rhythm`` leaves that term out.

The Grad-CAM pitfall, and the design choice that avoids it
---------------------------------------------------------
``nn.LSTM`` runs the recurrence inside one fused kernel and returns the per-step outputs
``output[:, t]`` as *copies*: step t+1 is computed from the kernel's internal state, not from
the tensor you receive. With a head on ``output[:, -1]`` only, autograd therefore sees no path
from the class score to ``output[:, t]`` for t < 10, its gradient is exactly zero, and a naive
Grad-CAM hooked on ``output`` is blank everywhere except the last segment.

:class:`LSTMClassifier` keeps the fast ``nn.LSTM`` for training and prediction, and adds
:meth:`LSTMClassifier.unrolled`, which recomputes the same function step by step with the same
weights (gate order i, f, g, o, as in ``nn.LSTMCell``). There the hidden state ``h_t`` *is* the
input of step t+1, so ``d score / d h_t`` is the full derivative through the recurrence and
every step's hidden state is in the autograd graph. :meth:`LSTMClassifier.state_gradients`
gives the same derivatives from the backward pass written out (:mod:`tscam.models.lstm_backward`),
about as fast as ``nn.LSTM``'s own forward and backward pass; Grad-CAM over time steps uses it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from tscam.models.lstm_backward import gate_inputs, lstm_state_gradients
from tscam.models.rhythm import RhythmHead, RhythmTermMixin


class LSTMClassifier(RhythmTermMixin, nn.Module):
    """Input (n, 1, n_segments * segment_length) [, rhythm (n, n_rhythm)] -> logits."""

    def __init__(
        self,
        n_classes: int = 5,
        n_segments: int = 11,
        segment_length: int = 8,
        hidden_size: int = 64,
        n_rhythm: int = 0,
        rhythm_hidden: int = 16,
    ) -> None:
        super().__init__()
        self.config = {
            "n_classes": n_classes,
            "n_segments": n_segments,
            "segment_length": segment_length,
            "hidden_size": hidden_size,
            "n_rhythm": n_rhythm,
            "rhythm_hidden": rhythm_hidden,
        }
        self.n_rhythm = n_rhythm
        self.n_segments = n_segments
        self.segment_length = segment_length
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(segment_length, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_classes)
        self.rhythm_head = RhythmHead(n_rhythm, n_classes, rhythm_hidden) if n_rhythm else None

    @property
    def input_length(self) -> int:
        return self.n_segments * self.segment_length

    def segments(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 1, L) -> (n, n_segments, segment_length): segment t is samples [m t, m t + m),
        m = ``segment_length``."""
        if x.ndim != 3 or x.shape[1] != 1 or x.shape[2] != self.input_length:
            raise ValueError(
                f"LSTMClassifier expects input of shape (n, 1, {self.input_length}); "
                f"got {tuple(x.shape)}."
            )
        return x.reshape(x.shape[0], self.n_segments, self.segment_length)

    @property
    def output_layer(self) -> nn.Linear:
        """The linear layer that maps the last hidden state to the logits."""
        return self.head

    def forward(self, x: torch.Tensor, rhythm: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (n, n_classes); without ``rhythm``, the window's part and the bias only."""
        output, _ = self.lstm(self.segments(x))
        return self.with_rhythm(self.head(output[:, -1]), rhythm)

    def logit_parts(
        self, x: torch.Tensor, rhythm: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(w_c . h_T, rhythm_c, b_c)``: the three parts that add up to the logits."""
        output, _ = self.lstm(self.segments(x))
        return self.parts_of(output[:, -1], rhythm)

    def state_gradients(
        self, x: torch.Tensor, seed: Callable[[torch.Tensor], torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(logits, states, gradients)``, without autograd: the values :meth:`unrolled` and
        ``torch.autograd.grad(score, states)`` give, from :func:`lstm_state_gradients`.

        ``seed(logits)`` returns ``dS/dlogits`` (n, n_classes) for the logits without rhythm
        (as :meth:`unrolled` returns them); ``states`` and ``gradients`` are (n, n_segments, H):
        ``h_t`` and ``dS/dh_t`` through the recurrence. The score depends on the steps only
        through the last state, so ``dS/dh_{S-1} = seed(logits) @ head.weight``.
        """
        found: list[torch.Tensor] = []

        def last_gradient(h: torch.Tensor) -> torch.Tensor:
            found.append(self.head(h))
            return seed(found[0]) @ self.head.weight

        hidden, grads = lstm_state_gradients(self.lstm, self.segments(x), last_gradient)
        return found[0], hidden.transpose(0, 1), grads.transpose(0, 1)

    def unrolled(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """The same function step by step: returns ``(logits, states)``.

        ``states`` is a tuple of ``n_segments`` tensors of shape (n, H), the hidden state after
        each step. Each h_t is the input of the next step, so ``torch.autograd.grad(score,
        states)`` gives the derivative of the score with respect to every h_t *through the
        recurrence* (unlike ``nn.LSTM``'s ``output``). ``torch.stack(states, dim=1)`` gives the
        values as one (n, n_segments, H) tensor, but that stacked copy is not on the path to the
        logits: take gradients with respect to the tuple.
        """
        # The gates in nn.LSTM's order i, f, g, o: i, f, o = sigmoid, g = tanh. With the g rows
        # of the weights doubled, one sigmoid serves all four: tanh(z) = 2 sigmoid(2 z) - 1.
        x_part, w_forward = gate_inputs(self.lstm, self.segments(x))  # (S, n, 4H), (H, 4H)
        h = c = None
        states = []
        for x_t in x_part:
            # gates = x_t W_ih^T + h_{t-1} W_hh^T + b (h_{-1} = 0)
            gates = x_t if h is None else torch.addmm(x_t, h, w_forward)
            i, f, s_g, o = torch.sigmoid(gates).chunk(4, dim=1)  # s_g = sigmoid(2 z_g)
            ig = torch.lerp(-i, i, s_g)  # i * g = i * (2 s_g - 1), in one operation
            c = ig if c is None else torch.addcmul(ig, f, c)  # c_t = f c_{t-1} + i g
            h = o * torch.tanh(c)
            states.append(h)
        return self.head(h), tuple(states)
