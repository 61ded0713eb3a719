"""Checkers for the exercises of chapter 5 (Grad-CAM for an LSTM).

1. :func:`check_local_credit`: the local credit of each segment, ``D(t)`` (the drop of the
   class logit when segment t alone is bridged by a straight line), as opposed to the LSTM
   Grad-CAM ``L(t)``, which credits the prefix of segments 1 to t. Checked on a hand-built
   LSTM (:func:`memory_lstm`) whose evidence sits in one segment and is carried to the end
   in the cell state, where ``L(t)`` is 0 before the last step; an answer that returns
   ``L(t)`` (or its step-to-step change) is rejected with a hint.
2. :func:`check_step_contributions`: ``L(t) = ReLU(sum_k dS/dh_t[k] h_t[k])`` from hidden states
   and gradients.

Each checker compares the learner's function with the package's own implementation
(:func:`tscam.cam.segment_occlusion`, :func:`tscam.cam.step_maps`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tscam.cam import bridge_segment, lstm_grad_cam, segment_occlusion, step_maps
from tscam.exercises._core import CheckResult, _compare_arrays, check_callable
from tscam.models import LSTMClassifier

__all__ = [
    "bridged",
    "check_local_credit",
    "check_step_contributions",
    "local_credit_reference",
    "memory_beats",
    "memory_lstm",
    "step_contributions_reference",
]


def bridged(x: Any, t: int, n_segments: int = 11) -> torch.Tensor:
    """A copy of beats ``x`` (n, 1, T) in which segment ``t`` (numbered 1..n_segments, as in
    the chapter's figures) is replaced by a straight line from the sample before it to the
    sample after it (the last segment holds the value before it): the chapter's occlusion
    rule (:func:`tscam.cam.bridge_segment`)."""
    xs = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if xs.ndim != 3:
        raise ValueError(f"x must have shape (n, 1, T); got {tuple(xs.shape)}.")
    length = xs.shape[-1]
    if not isinstance(t, (int, np.integer)) or not 1 <= int(t) <= n_segments:
        raise ValueError(f"t must be a segment number from 1 to {n_segments}; got {t!r}.")
    if length % n_segments:
        raise ValueError(f"{n_segments} segments do not divide the length {length}.")
    seg = length // n_segments
    start = (int(t) - 1) * seg
    onset = torch.zeros(xs.shape[0], dtype=torch.int64)
    return bridge_segment(xs.float(), start, start + seg, onset)


def memory_lstm(segment_length: int = 8, n_segments: int = 11) -> LSTMClassifier:
    """A hand-built LSTM with one hidden unit and two classes that *remembers*: each step adds
    ``tanh(mean of the segment)`` to its cell state (input, forget and output gates held open,
    no recurrent weights), and class 1 reads the last hidden state, ``y_1 = 2 h_11 - 0.5``.
    Evidence in any one segment is carried to the end in the cell state ``c_t``, so the
    Grad-CAM ``L(t)`` (a gradient with ``c_t`` held fixed) is 0 before the last step, while
    the segment's own occlusion ``D(t)`` is not."""
    model = LSTMClassifier(
        n_classes=2, n_segments=n_segments, segment_length=segment_length, hidden_size=1
    )
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        lstm = model.lstm
        # gate order i, f, g, o (one row each for the single hidden unit)
        lstm.bias_ih_l0[0] = 20.0  # input gate open
        lstm.bias_ih_l0[1] = 20.0  # forget gate open: the memory is kept
        lstm.weight_ih_l0[2] = 1.0 / segment_length  # candidate: the segment's mean
        lstm.bias_ih_l0[3] = 20.0  # output gate open
        model.head.weight[1, 0] = 2.0
        model.head.bias[1] = -0.5
    return model.eval()


def memory_beats(segments: Any, length: int = 88, n_segments: int = 11) -> torch.Tensor:
    """Beats (n, 1, length), zero except a flat bump of height 1 over one segment each:
    ``segments`` lists the segment numbers (1..n_segments) of the bumps, one beat per entry."""
    seg = length // n_segments
    numbers = [int(s) for s in np.atleast_1d(segments)]
    x = torch.zeros(len(numbers), 1, length)
    for i, s in enumerate(numbers):
        if not 1 <= s <= n_segments:
            raise ValueError(f"segment numbers run from 1 to {n_segments}; got {s}.")
        x[i, 0, (s - 1) * seg : s * seg] = 1.0
    return x


def local_credit_reference(model: Any, x: torch.Tensor, target: Any) -> np.ndarray:
    """``D(t)``, (n, n_segments): the drop of the ``target`` logit when segment t alone is
    bridged (:func:`tscam.cam.segment_occlusion`)."""
    n_segments = int(getattr(model, "n_segments", 11))
    return segment_occlusion(model, x, target=target, n_segments=n_segments).numpy()


def _local_credit_cases() -> list[tuple[Any, torch.Tensor, torch.Tensor]]:
    memory = memory_lstm()
    x_memory = memory_beats([3, 7, 10])
    torch.manual_seed(5)
    generic = LSTMClassifier(n_classes=3, hidden_size=8).eval()
    x_generic = torch.randn(4, 1, 88)
    return [
        (memory, x_memory, torch.ones(3, dtype=torch.int64)),
        (generic, x_generic, torch.tensor([0, 1, 2, 1])),
    ]


def _looks_like_prefix_credit(got: Any, model: Any, x: torch.Tensor, target: Any) -> str | None:
    """A hint when ``got`` is the LSTM Grad-CAM (with or without ReLU) or its change per step."""
    signed = lstm_grad_cam(model, x, target=target, relu=False, expand=False).numpy()
    candidates = {
        "the LSTM Grad-CAM L(t)": np.maximum(signed, 0.0),
        "the signed LSTM Grad-CAM": signed,
        "the change of the prefix credit from step to step": np.diff(signed, axis=1, prepend=0.0),
    }
    for what, values in candidates.items():
        if _compare_arrays(got, values, 1e-4, 1e-6) is None:
            return (
                f"you returned {what}, the credit of the prefix s_1..s_t (a gradient taken with "
                "the memory c_t held fixed), not of segment t alone: on this LSTM the evidence "
                "of one segment is carried to the end in the cell state, so L(t) is 0 before the "
                "last step. Bridge segment t alone (ch05.bridged(x, t)) and measure how much the "
                "target's logit drops"
            )
    return None


def check_local_credit(fn: Callable[..., Any]) -> CheckResult:
    """Exercise: ``fn(model, x, target)`` returns ``D(t)`` (n, 11): for each beat and each
    segment t, the logit of the beat's ``target`` class minus that logit when segment t alone
    is bridged by a straight line (``ch05.bridged(x, t)``). Checked on :func:`memory_lstm` and on
    a random LSTM; the LSTM Grad-CAM ``L(t)`` is rejected with a hint."""
    name = "local credit of each segment, D(t)"
    if fn is not Ellipsis and fn is not None and callable(fn):
        for model, x, target in _local_credit_cases():
            try:
                got = fn(model, x.clone(), target.clone())
            except Exception:  # reported by check_callable below
                break
            hint = _looks_like_prefix_credit(got, model, x, target)
            if hint is not None and _compare_arrays(
                got, local_credit_reference(model, x, target), 1e-4, 1e-6
            ):
                return CheckResult(name, False, hint)
    return check_callable(
        name,
        fn,
        _local_credit_cases(),
        local_credit_reference,
        rtol=1e-4,
        atol=1e-5,
        hint="for t = 1..11: D(t) = logit(x)[target] - logit(ch05.bridged(x, t))[target], "
        "one column per segment, computed with model(...) under torch.no_grad()",
        success="D(t) credits segment t itself: on the memory LSTM it finds the segment that "
        "holds the evidence, where L(t) is 0",
    )


def step_contributions_reference(hidden: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """ReLU(sum_k dS/dh_t[k] * h_t[k]) per step: (n, steps, H) and (n, steps, H) -> (n, steps)."""
    h, g = torch.as_tensor(np.asarray(hidden)), torch.as_tensor(np.asarray(grads))
    return step_maps(h, g, relu=True, weighting="step").numpy()


def check_step_contributions(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Exercise: ``fn(hidden, grads)`` computes the per-step Grad-CAM of an LSTM,
    ``L(t) = ReLU(sum_k dS/dh_t[k] * h_t[k])``, from hidden states and gradients (n, steps, H)."""
    rng = np.random.default_rng(1997)
    cases = [
        (rng.normal(size=(3, 11, 8)), rng.normal(size=(3, 11, 8))),
        (np.tanh(rng.normal(size=(1, 11, 64))), rng.normal(scale=0.1, size=(1, 11, 64))),
        (rng.normal(size=(2, 4, 3)), -np.abs(rng.normal(size=(2, 4, 3)))),
    ]
    return check_callable(
        "per-step contributions of the hidden states",
        fn,
        cases,
        step_contributions_reference,
        hint="multiply hidden and grads element-wise, sum over the last axis (the hidden "
        "units k), then set negative values to zero",
        success="these are the LSTM Grad-CAM values, one per step",
    )
