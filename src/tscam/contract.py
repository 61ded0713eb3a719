"""The beats contract: what a beats object says about itself, read without knowing its dataset.

A beats object (:class:`tscam.data.Beats`, :class:`tscam.data.SyntheticBeats`, or any object of
another dataset with the same attributes) carries

- ``class_names``: the name of each class index of its labels ``y``;
- ``fs`` (Hz) and ``r_index`` (the sample of the R peak in each window);
- ``t``: seconds relative to the R peak for each sample of a window;
- optionally ``rhythm`` (n, k) and ``rhythm_names`` (k): features of each beat's timing.

:mod:`tscam.aggregate`, :mod:`tscam.compare`, :mod:`tscam.metrics`, :mod:`tscam.plotting`,
:mod:`tscam.widgets` and :mod:`tscam.evaluate` read these through this module and never import
:mod:`tscam.data`. An explicit argument always wins; there are no dataset defaults: plain arrays
have no class names (:func:`class_names_of` asks for ``classes=``), no sampling rate
(:func:`sampling_of` asks for ``fs=`` and ``r_index=``), and no time axis (:func:`time_axis_of`
answers None: draw by sample index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["class_names_of", "rhythm_of", "sampling_of", "seconds_axis", "time_axis_of"]


def class_names_of(data: Any = None, classes: Sequence[str] | None = None) -> tuple[str, ...]:
    """The class names to use: ``classes`` if given, else ``data.class_names`` (beats objects).

    Raises ValueError when neither is there (plain arrays carry no class names), or when
    ``classes`` is empty."""
    if classes is not None:
        names = tuple(str(c) for c in classes)
        if not names:
            raise ValueError("classes is empty; pass one name per class index, e.g. ('a', 'b').")
        return names
    names = getattr(data, "class_names", None)
    if names is None:
        raise ValueError(
            "No class names: plain arrays do not say what their class indices mean. Pass "
            "classes=... (one name per class index, e.g. classes=beats.class_names), or pass the "
            "beats object itself, which carries .class_names."
        )
    return tuple(names)


def seconds_axis(length: int, fs: float, r_index: int | None = None) -> np.ndarray:
    """Seconds of each of ``length`` samples at ``fs`` Hz, 0 at sample ``r_index`` (default 0)."""
    if fs <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz, got {fs}.")
    return (np.arange(length) - (r_index or 0)) / float(fs)


def time_axis_of(data: Any, length: int) -> np.ndarray | None:
    """Seconds relative to the R peak for each of ``length`` samples: the data's own ``t`` when
    it carries one of that length, else None (plain arrays: draw by sample index)."""
    t = getattr(data, "t", None)
    if t is not None and not callable(t) and np.shape(t) == (length,):
        return np.asarray(t, dtype=float)
    return None


def sampling_of(
    data: Any = None, fs: float | None = None, r_index: int | None = None
) -> tuple[float, int]:
    """``(fs, r_index)``: the sampling rate (Hz) and the R peak's sample in each window, each
    from the explicit argument if given, else from the beats object (``data.fs``,
    ``data.r_index``). Raises ValueError naming what is missing (plain arrays carry neither)."""
    fs = getattr(data, "fs", None) if fs is None else fs
    r_index = getattr(data, "r_index", None) if r_index is None else r_index
    missing = [name for name, v in (("fs", fs), ("r_index", r_index)) if v is None]
    if missing:
        raise ValueError(
            f"No {' and '.join(missing)}: plain arrays do not carry their sampling rate or the "
            f"position of the R peak. Pass {', '.join(f'{m}=...' for m in missing)} (e.g. "
            "fs=beats.fs, r_index=beats.r_index), or pass the beats object itself."
        )
    if float(fs) <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz, got {fs}.")
    return float(fs), int(r_index)


def rhythm_of(data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(rhythm, names)``: the rhythm features a beats object carries, shape (n, k), and the
    name of each of the k columns. Raises ValueError when ``data`` carries none, when their
    shape does not match its beats or its names, or when a value is NaN or infinite."""
    rhythm = getattr(data, "rhythm", None)
    names = getattr(data, "rhythm_names", None)
    if rhythm is None or names is None:
        raise ValueError(
            f"{type(data).__name__} carries no rhythm features (.rhythm and .rhythm_names); "
            "load beats that carry them or pass the features explicitly."
        )
    r = np.asarray(rhythm, dtype=float)
    names = tuple(str(n) for n in names)
    n = len(getattr(data, "y", r))
    if r.ndim != 2 or r.shape != (n, len(names)):
        raise ValueError(
            f"rhythm must have shape ({n}, {len(names)}): one row per beat, one column per name "
            f"in {names}; got {r.shape}."
        )
    if not np.isfinite(r).all():
        raise ValueError("rhythm holds NaN or infinite values; recompute the rhythm features.")
    return r, names
