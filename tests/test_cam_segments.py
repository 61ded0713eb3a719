"""segment_occlusion: a local per-segment attribution, checked on models whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tscam.cam import bridge_segment, segment_occlusion
from tscam.models import LSTMClassifier


class Linear(nn.Module):
    """Logit of class 0 = w . x (one weight per sample); class 1 = 0."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = (x[:, 0] * self.w).sum(dim=1)
        return torch.stack([s, torch.zeros_like(s)], dim=1)


def test_bridge_segment_draws_a_line_and_spares_the_masked_run():
    x = torch.arange(20, dtype=torch.float32).reshape(1, 1, 20) ** 2
    out = bridge_segment(x, 5, 10, torch.tensor([0]))
    torch.testing.assert_close(out[0, 0, 5:10], torch.linspace(16, 100, 7)[1:-1])
    assert torch.equal(out[0, 0, :5], x[0, 0, :5]) and torch.equal(out[0, 0, 10:], x[0, 0, 10:])
    # masked run 0..6: samples 5, 6 stay; 7..9 take the value after (no left end in the run)
    masked = x.clone()
    masked[0, 0, :7] = 0.0
    out = bridge_segment(masked, 5, 10, torch.tensor([7]))
    assert torch.equal(out[0, 0, :7], torch.zeros(7))
    assert torch.equal(out[0, 0, 7:10], torch.full((3,), 100.0))
    # the last segment holds the last value before it
    out = bridge_segment(x, 15, 20, torch.tensor([0]))
    assert torch.equal(out[0, 0, 15:], torch.full((5,), 196.0))


def test_occlusion_is_local_for_a_model_that_reads_one_segment():
    T, seg = 187, 17
    w = torch.zeros(T)
    w[5 * seg + 8] = 1.0  # the model reads one sample, in segment 6 (index 5)
    model = Linear(w)
    x = torch.randn(8, 1, T, generator=torch.Generator().manual_seed(0))
    d = segment_occlusion(model, x, target=0)
    assert d.shape == (8, 11)
    expected = (
        x[:, 0, 5 * seg + 8]
        - bridge_segment(x, 5 * seg, 6 * seg, torch.zeros(8, dtype=torch.int64))[:, 0, 5 * seg + 8]
    )
    torch.testing.assert_close(d[:, 5], expected)
    others = torch.cat([d[:, :5], d[:, 6:]], dim=1)
    assert torch.equal(others, torch.zeros_like(others))
    # the masked run is never changed: a segment inside it has no effect at all
    w2 = torch.zeros(T)
    w2[:seg] = 1.0
    x2 = x.clone()
    x2[:, :, :40] = 0.0
    d2 = segment_occlusion(Linear(w2), x2, target=0, onset=np.full(8, 40))
    assert torch.equal(d2[:, 0], torch.zeros(8))


def test_occlusion_of_an_lstm_and_input_errors():
    torch.manual_seed(0)
    lstm = LSTMClassifier(n_classes=4, hidden_size=8).eval()
    x = torch.randn(5, 1, 88)
    d = segment_occlusion(lstm, x)
    assert d.shape == (5, 11) and torch.isfinite(d).all()
    with torch.no_grad():
        pred = lstm(x).argmax(1)
    torch.testing.assert_close(segment_occlusion(lstm, x, target=pred), d)
    with pytest.raises(ValueError, match="n_segments"):
        segment_occlusion(lstm, x, n_segments=10)
    with pytest.raises(ValueError, match="onset"):
        segment_occlusion(lstm, x, onset=np.array([1, 2]))
