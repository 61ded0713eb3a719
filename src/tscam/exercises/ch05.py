"""Checkers for the exercises of chapter 5 (Grad-CAM for an LSTM).

Each checker runs the learner's function on a few small cases and compares it with the
package's own implementation, so a correct answer is one that agrees with :mod:`tscam.cam`
(:func:`~tscam.cam.expand_steps`, :func:`~tscam.cam.step_maps`) and :mod:`tscam.compare`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tscam.cam import expand_steps, step_maps
from tscam.compare import peak_segments
from tscam.exercises._core import CheckResult, check_callable

__all__ = [
    "check_expand",
    "check_most_relevant_segment",
    "check_step_contributions",
    "expand_reference",
    "most_relevant_segment_reference",
    "step_contributions_reference",
]


def expand_reference(step_maps_: np.ndarray, length: int) -> np.ndarray:
    """(n, steps) step maps -> (n, length): each value repeated over length // steps samples."""
    return expand_steps(torch.as_tensor(np.asarray(step_maps_)), int(length)).numpy()


def most_relevant_segment_reference(maps: np.ndarray, n_segments: int = 11) -> np.ndarray:
    """Number (1..n_segments) of the segment with the largest mean value, per map (n,)."""
    return peak_segments(maps, n_segments) + 1


def step_contributions_reference(hidden: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """ReLU(sum_k dS/dh_t[k] * h_t[k]) per step: (n, steps, H) and (n, steps, H) -> (n, steps)."""
    h, g = torch.as_tensor(np.asarray(hidden)), torch.as_tensor(np.asarray(grads))
    return step_maps(h, g, relu=True, weighting="step").numpy()


def check_expand(fn: Callable[[np.ndarray, int], Any]) -> CheckResult:
    """Exercise: ``fn(step_maps, length)`` turns maps with one value per LSTM step (n, steps) into
    maps with one value per sample (n, length), each value repeated over its segment."""
    rng = np.random.default_rng(5)
    cases = [
        (rng.random((4, 11)), 187),
        (np.arange(11.0)[None, :], 187),
        (rng.normal(size=(2, 5)), 15),
    ]
    return check_callable(
        "expand an 11-step map to 187 samples",
        fn,
        cases,
        expand_reference,
        hint="repeat each value length // steps times along the last axis (np.repeat, not np.tile)",
        success="each step's value now fills its segment of samples",
    )


def check_most_relevant_segment(fn: Callable[..., Any]) -> CheckResult:
    """Exercise: ``fn(maps, n_segments=11)`` returns, for maps (n, T), the number (1 to
    n_segments, as in the segment figure) of the segment with the largest mean relevance."""
    rng = np.random.default_rng(11)
    first = np.zeros((1, 187))
    first[0, :17] = 1.0  # segment 1
    spike = np.zeros((2, 187))
    spike[0, 120] = 5.0  # one large sample in segment 8 (samples 119-135)
    spike[1, 186] = 1.0  # the last sample: segment 11
    cases = [
        (np.repeat(rng.random((3, 11)), 17, axis=1),),
        (first,),
        (spike,),
        (rng.random((2, 12)), 4),
    ]
    return check_callable(
        "find the most relevant segment",
        fn,
        cases,
        most_relevant_segment_reference,
        atol=0,
        rtol=0,
        hint="reshape to (n, n_segments, T // n_segments), average the last axis, take argmax, "
        "and add 1 (segments are numbered from 1)",
        success="your function finds the segment that holds most relevance",
    )


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
