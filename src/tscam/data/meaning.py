"""What beats mean: their class names and time axis, read from the data they come with.

Beats objects (:class:`tscam.data.Beats`, :class:`tscam.data.SyntheticBeats`) carry
``class_names``, ``fs`` (Hz), ``r_index`` and ``t`` (seconds relative to the R peak). Code outside
:mod:`tscam.data` asks this module instead of assuming MIT-BIH: an explicit argument wins, then
what the data carries, then the defaults below, which describe plain arrays of the course's
beats (the five AAMI classes; windows of :data:`~tscam.data.DEFAULT_SPEC`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tscam.data.beats import DEFAULT_SPEC
from tscam.data.records import CLASSES

__all__ = ["DEFAULT_CLASS_NAMES", "class_names_of", "seconds_axis", "time_axis_of"]

#: Class names of labels that come without their own (plain arrays of the course's beats).
DEFAULT_CLASS_NAMES: tuple[str, ...] = CLASSES


def class_names_of(data: Any = None, classes: Sequence[str] | None = None) -> tuple[str, ...]:
    """The class names to use: ``classes`` if given, else ``data.class_names`` (beats objects),
    else :data:`DEFAULT_CLASS_NAMES`."""
    if classes is not None:
        return tuple(classes)
    names = getattr(data, "class_names", None)
    return tuple(names) if names is not None else DEFAULT_CLASS_NAMES


def seconds_axis(length: int, fs: float, r_index: int | None = None) -> np.ndarray:
    """Seconds of each of ``length`` samples at ``fs`` Hz, 0 at sample ``r_index`` (default 0)."""
    if fs <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz, got {fs}.")
    return (np.arange(length) - (r_index or 0)) / float(fs)


def time_axis_of(data: Any, length: int) -> np.ndarray | None:
    """Seconds relative to the R peak for each of ``length`` samples: the data's own ``t`` when
    it carries one (and it fits), else the default window's axis for plain arrays of its length
    (:data:`~tscam.data.DEFAULT_SPEC`), else None (draw by sample index)."""
    t = getattr(data, "t", None)
    if t is not None and not callable(t) and np.shape(t) == (length,):
        return np.asarray(t, dtype=float)
    if length == DEFAULT_SPEC.length:
        return DEFAULT_SPEC.time_axis()
    return None
