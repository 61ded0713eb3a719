"""Class activation maps for time-series classifiers: CAM, Grad-CAM, and Grad-CAM for LSTMs.

For a batch ``x`` of shape (n, channels, T) and one target class per sample (the predicted
class by default), each function returns maps of shape (n, T): float32, detached, on x's device.

- :func:`cam`: ``M_c(t) = sum_k w_ck A_k(t)`` (Zhou et al. 2016), for features -> GAP -> Linear.
- :func:`grad_cam`: ``ReLU(sum_k alpha_k A_k(t))``, ``alpha_k = mean_t dS/dA_k(t)`` (Selvaraju
  et al. 2019), at any layer; for the LSTM, over its time steps (:func:`lstm_grad_cam`).
- :func:`naive_lstm_grad_cam`: the version hooked on ``nn.LSTM``'s output, which fails.
- the rest of the family on the same template (:mod:`tscam.cam.template`), each with its own
  weights (:mod:`tscam.cam.family`): :func:`hires_cam`, :func:`grad_cam_pp`, :func:`xgrad_cam`,
  :func:`layer_cam`, :func:`score_cam`, :func:`ablation_cam`, :func:`eigen_cam`.
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
from tscam.cam.family import (
    ablation_cam,
    eigen_cam,
    grad_cam_pp,
    hires_cam,
    layer_cam,
    score_cam,
    xgrad_cam,
)
from tscam.cam.hooks import Capture, capture, frozen, replace_output
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
    "ablation_cam",
    "bridge_segment",
    "cam",
    "capture",
    "eigen_cam",
    "expand_steps",
    "frozen",
    "grad_cam",
    "grad_cam_pp",
    "hires_cam",
    "layer_cam",
    "lstm_grad_cam",
    "lstm_step_gradients",
    "naive_lstm_grad_cam",
    "replace_output",
    "score_cam",
    "segment_occlusion",
    "step_maps",
    "target_scores",
    "upsample_map",
    "xgrad_cam",
]
