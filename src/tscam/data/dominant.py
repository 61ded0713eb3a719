"""The patient's dominant beat: the median of a record's beat windows, as a cardiologist's
"usual beat" of that patient (issue 17, item 2).

A model may read, besides the beat, the dominant beat of its record and the difference of the
two (:func:`template_channels`), so that a map over the difference says "where this beat differs
from this patient's usual beat". The dominant beat is computed from the windows alone (no
labels), from the beats of the record present in the set, so it is available for a new patient
as soon as some of their beats are. It fails when a record's ectopic beats outnumber its normal
ones: then the median is an ectopic beat (record 232 of DS2, whose premature beats outnumber its
normal ones). The course decided on validation not to use it; see chapter 2.
"""

from __future__ import annotations

import numpy as np

from tscam.data.beats import zscore

__all__ = ["dominant_beats", "template_channels"]


def dominant_beats(x: np.ndarray, record: np.ndarray) -> np.ndarray:
    """(n, T) float32: for each beat, the sample-wise median of the windows ``x`` (n, T) of its
    record (``record``, (n,)), z-scored as every beat is."""
    x = np.asarray(x, dtype=np.float32)
    record = np.asarray(record)
    if x.ndim != 2 or record.shape != (x.shape[0],):
        raise ValueError(
            f"dominant_beats needs windows of shape (n, T) and one record name per window; "
            f"got x {x.shape} and record {record.shape}."
        )
    out = np.empty_like(x)
    for r in np.unique(record):
        at = record == r
        out[at] = zscore(np.median(x[at], axis=0, keepdims=True))[0]
    return out


def template_channels(x: np.ndarray, template: np.ndarray) -> np.ndarray:
    """(n, 3, T) float32: the beat, its record's dominant beat and their difference."""
    x = np.asarray(x, dtype=np.float32)
    template = np.asarray(template, dtype=np.float32)
    if x.shape != template.shape or x.ndim != 2:
        raise ValueError(
            f"template_channels needs beats and dominant beats of the same shape (n, T); got "
            f"{x.shape} and {template.shape}."
        )
    return np.stack([x, template, x - template], axis=1)
