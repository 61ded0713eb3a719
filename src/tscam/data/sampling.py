"""Seeded samples of beats per class, so that chapters can work on a few hundred beats of each
class instead of tens of thousands (and every run sees the same beats)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from tscam.data.records import CLASSES

__all__ = ["sample_per_class"]

B = TypeVar("B")


def sample_per_class(
    beats: B,
    n_per_class: int,
    seed: int = 0,
    classes: Sequence[str] = ("N", "S", "V", "F"),
) -> B:
    """At most ``n_per_class`` beats of each class in ``classes``, drawn without replacement
    with ``numpy.random.default_rng(seed)``; a class with fewer beats gives all of them.
    Classes not named are left out. The beats keep their original order.

    ``beats`` is a :class:`tscam.data.Beats` (or anything with ``y`` and ``subset``).
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1; got {n_per_class}.")
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        raise ValueError(f"Unknown classes {unknown}; use names from {CLASSES}.")
    y = np.asarray(beats.y)
    rng = np.random.default_rng(seed)
    picked = []
    for c in classes:
        members = np.flatnonzero(y == CLASSES.index(c))
        if members.size > n_per_class:
            members = rng.choice(members, n_per_class, replace=False)
        picked.append(members)
    return beats.subset(np.sort(np.concatenate(picked)))
