"""The models of the course and their shipped, pretrained weights.

- :class:`FCN`: the fully convolutional network of Wang et al. (2017).
- :class:`LSTMClassifier`: an LSTM reading a beat as 11 segments of 8 samples.
- :func:`decompose_logits`: each logit split exactly into the window's part, the rhythm term
  and the bias (:mod:`tscam.models.rhythm`).
- :func:`load_pretrained` / :func:`model_card`: the four shipped models
  ``fcn-inter``, ``fcn-intra``, ``lstm-inter``, ``lstm-intra``.
"""

from tscam.models.fcn import FCN, ConvBlock, SameConv1d
from tscam.models.inference import as_input, model_inputs, predict, predict_logits
from tscam.models.lstm import LSTMClassifier
from tscam.models.pretrained import (
    PRETRAINED,
    WeightsError,
    build_model,
    load_pretrained,
    model_card,
    weights_dir,
)
from tscam.models.rhythm import LogitParts, RhythmHead, decompose_logits, logit_parts_over

__all__ = [
    "FCN",
    "PRETRAINED",
    "SameConv1d",
    "ConvBlock",
    "LSTMClassifier",
    "LogitParts",
    "RhythmHead",
    "decompose_logits",
    "logit_parts_over",
    "model_inputs",
    "WeightsError",
    "as_input",
    "predict",
    "predict_logits",
    "build_model",
    "load_pretrained",
    "model_card",
    "weights_dir",
]
