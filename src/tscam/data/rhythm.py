"""The rhythm of each beat: RR intervals from the annotation times, relative to the patient's rate.

A beat's window shows its shape; *when* the beat came is given to the models separately, as
numbers computed from the R-peak times of its record alone (no labels are used):

============  =================================================================================
``pre_rr``    seconds since the previous R peak (the beat's own RR interval)
``post_rr``   seconds to the next R peak
``local_rr``  mean ``pre_rr`` of the ``LOCAL_BEATS`` beats centred on this one (local rate)
``avg_rr``    median ``pre_rr`` of the ``LONG_BEATS`` beats centred on this one (about four to
              five minutes): the patient's own rate over a long span (a median, so a run of
              ectopic beats moves it little; where ectopic beats outnumber normal ones, it
              follows them)
============  =================================================================================

Edges are defined, never NaN: the first beat of a record has no previous beat, so its
``pre_rr`` is its ``post_rr``; the last beat's ``post_rr`` is its ``pre_rr``. Near the ends of
a record the local and long-span windows hold the beats that exist (they are shorter, not
padded), and the long span slides to stay inside the record (a record shorter than it uses
all its beats). A record needs at least two beats (one RR interval).

The models read four dimensionless numbers, the natural logarithms of ratios (0 for a beat at
the patient's own rate, negative for an early beat), :data:`RHYTHM_INPUTS`:
``pre_rr/avg_rr`` (prematurity against the patient's rate), ``post_rr/avg_rr`` (the pause after
it), ``local_rr/avg_rr`` (a faster or slower stretch) and ``pre_rr/local_rr`` (prematurity
against the local rate).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

__all__ = [
    "LOCAL_BEATS",
    "LONG_BEATS",
    "RR_FEATURES",
    "move_beat",
    "RHYTHM_INPUTS",
    "rhythm_inputs",
    "rr_features",
]

#: Columns of the RR table (seconds).
RR_FEATURES: tuple[str, ...] = ("pre_rr", "post_rr", "local_rr", "avg_rr")
#: Columns of the models' rhythm input (natural log of each ratio).
RHYTHM_INPUTS: tuple[str, ...] = (
    "pre_rr/avg_rr",
    "post_rr/avg_rr",
    "local_rr/avg_rr",
    "pre_rr/local_rr",
)
#: Beats in the local average (centred on the beat).
LOCAL_BEATS = 10
#: Beats in the long span (centred on the beat) for the patient's own rate: about four to five
#: minutes at resting rates.
LONG_BEATS = 301


def rr_features(
    samples: np.ndarray,
    fs: float,
    local_beats: int = LOCAL_BEATS,
    long_beats: int = LONG_BEATS,
) -> np.ndarray:
    """(n, 4) float32 seconds, columns :data:`RR_FEATURES`, for the R peaks ``samples`` (sample
    indices at ``fs`` Hz, increasing) of **all** beats of one record (see the module docstring).
    """
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"samples must be one R-peak index per beat (1-D); got shape {s.shape}.")
    if s.size < 2:
        raise ValueError(
            f"RR features need at least two beats in a record (one RR interval); got {s.size}. "
            "Leave such a record out."
        )
    if fs <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz; got {fs}.")
    if np.any(np.diff(s) <= 0):
        raise ValueError("samples must be strictly increasing (R peaks of one record, in order).")
    if local_beats < 1 or long_beats < 1:
        raise ValueError("local_beats and long_beats must be at least 1.")
    rr = np.diff(s) / fs
    pre = np.concatenate([rr[:1], rr])
    post = np.concatenate([rr, rr[-1:]])
    n = s.size
    # local rate: mean of pre_rr over the beats i - local_beats // 2 ... i + (local_beats - 1) // 2
    lo = np.clip(np.arange(n) - local_beats // 2, 0, n)
    hi = np.clip(np.arange(n) + (local_beats - 1) // 2 + 1, 0, n)
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    local = (csum[hi] - csum[lo]) / (hi - lo)
    # patient's rate: median pre_rr of the long_beats beats centred on this one; near the ends
    # of the record the window slides inside it (the first and last long_beats // 2 beats share
    # the median of the record's first / last long_beats beats)
    if n <= long_beats:
        avg = np.full(n, np.median(pre))
    else:
        w, h = long_beats, long_beats // 2
        avg = median_filter(pre, size=w, mode="nearest")
        avg[:h] = np.median(pre[:w])
        avg[n - (w - 1 - h) :] = np.median(pre[n - w :])
    return np.stack([pre, post, local, avg], axis=1).astype(np.float32)


def rhythm_inputs(rr: np.ndarray) -> np.ndarray:
    """The models' rhythm input: (n, 4) float32, natural logs of :data:`RHYTHM_INPUTS`, from an
    RR table with columns :data:`RR_FEATURES` (seconds)."""
    rr = np.asarray(rr, dtype=np.float64)
    if rr.ndim != 2 or rr.shape[1] != len(RR_FEATURES):
        raise ValueError(
            f"Expected an RR table of shape (n, {len(RR_FEATURES)}) with columns {RR_FEATURES}; "
            f"got {rr.shape}."
        )
    if not np.all(np.isfinite(rr)) or np.any(rr <= 0):
        raise ValueError("RR intervals must be finite and positive (seconds).")
    pre, post, local, avg = rr.T
    return np.log(np.stack([pre / avg, post / avg, local / avg, pre / local], axis=1)).astype(
        np.float32
    )


def move_beat(rr: np.ndarray, seconds: float | np.ndarray) -> np.ndarray:
    """The RR table of beats moved ``seconds`` earlier (later when negative), their neighbours
    left in place: ``pre_rr`` shrinks and ``post_rr`` grows by the same amount. ``local_rr``
    stays as it is (the two changes cancel in the local mean) and so does ``avg_rr`` (one beat
    barely moves a median over minutes). Raises when a moved beat would reach a neighbour."""
    out = np.array(rr, dtype=np.float32, copy=True)
    if out.ndim != 2 or out.shape[1] != len(RR_FEATURES):
        raise ValueError(f"Expected an RR table of shape (n, {len(RR_FEATURES)}); got {out.shape}.")
    dt = np.broadcast_to(np.asarray(seconds, dtype=np.float32), out.shape[:1])
    out[:, 0] -= dt
    out[:, 1] += dt
    if np.any(out[:, :2] <= 0):
        raise ValueError(
            "Moving the beat by that much would put it on (or past) a neighbouring R peak: keep "
            "-post_rr < seconds < pre_rr."
        )
    return out
