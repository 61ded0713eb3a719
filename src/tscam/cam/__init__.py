"""Class activation maps for time-series classifiers: CAM, Grad-CAM, and Grad-CAM for LSTMs.

For a batch ``x`` of shape (n, channels, T) and one target class per sample (the predicted
class by default), each function returns maps of shape (n, T): float32, detached, on x's device.

- :func:`cam`: ``M_c(t) = sum_k w_ck A_k(t)`` (Zhou et al. 2016), for features -> GAP -> Linear.
- :func:`grad_cam`: ``ReLU(sum_k alpha_k A_k(t))``, ``alpha_k = mean_t dS/dA_k(t)`` (Selvaraju
  et al. 2019), at any layer; for the LSTM, over its time steps (:func:`lstm_grad_cam`).
- :func:`naive_lstm_grad_cam`: the version hooked on ``nn.LSTM``'s output, which fails.
- :func:`capture`: the context manager behind them (a layer's output and its gradient).
- :func:`segment_occlusion`: a local per-segment attribution (the score drop when one segment
  is bridged by a straight line), to read beside the LSTM's prefix credits.

The model is put in eval mode during a call and restored afterwards: BatchNorm must use its
running statistics so that samples do not interact and one backward pass serves the batch.
Read :mod:`tscam.cam.conv` and :mod:`tscam.cam.lstm` for the equations, line by line.
"""

from tscam.cam.checks import (
    ArchitectureError,
    InputError,
    InputTypeError,
    LayerError,
    TargetError,
    target_scores,
)
from tscam.cam.conv import cam, grad_cam, upsample_map
from tscam.cam.hooks import Capture, capture, frozen
from tscam.cam.lstm import (
    expand_steps,
    lstm_grad_cam,
    lstm_step_gradients,
    naive_lstm_grad_cam,
    step_maps,
)
from tscam.cam.segments import bridge_segment, segment_occlusion

__all__ = [
    "ArchitectureError",
    "Capture",
    "InputError",
    "InputTypeError",
    "LayerError",
    "TargetError",
    "bridge_segment",
    "cam",
    "capture",
    "expand_steps",
    "frozen",
    "grad_cam",
    "lstm_grad_cam",
    "lstm_step_gradients",
    "naive_lstm_grad_cam",
    "segment_occlusion",
    "step_maps",
    "target_scores",
    "upsample_map",
]
