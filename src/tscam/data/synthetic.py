"""Synthetic ECG-like beats whose class is decided by one known region: ground truth for maps.

Each beat is a sum of five Gaussian bumps, the P, Q, R, S and T waves, sampled at 125 Hz with
the R peak at index 112 like the real windows of :mod:`tscam.data`. Every wave gets a random
amplitude, width and position (jitter), and the beat gets baseline wander and white noise. The
class changes exactly one part of the beat:

=====  ==============  =====================================  ====================================
index  name            what differs                           ground-truth region (``mask``)
=====  ==============  =====================================  ====================================
0      ``normal``      nothing: P, narrow QRS, upright T      P + QRS + T: the normal shape of all
                                                              three is the evidence against each
                                                              abnormal class
1      ``no P wave``   the P wave is absent                   where the P wave would be
2      ``wide QRS``    Q, R, S twice as wide, Q and S apart   the (wide) QRS complex
3      ``inverted T``  the T wave is negated                  the T wave
=====  ==============  =====================================  ====================================

A region is ``centre +- 2.5 sigma`` of its waves (about 99 % of each Gaussian's area), computed
per beat from that beat's own jittered positions and widths, so ``mask`` marks exactly the
samples whose values decide the class. Beats are z-scored per beat by default, like the real ones.
Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same beats.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tscam.contract import seconds_axis
from tscam.data.beats import zscore

#: The synthetic classes, in their default order (``y`` indexes ``class_names``).
SYNTHETIC_CLASSES: tuple[str, ...] = ("normal", "no P wave", "wide QRS", "inverted T")

#: Sampling rate (Hz) and R-peak index of the synthetic beats (same as the real windows).
SYNTHETIC_FS = 125
SYNTHETIC_R_INDEX = 112

#: Nominal waves: (centre relative to R in seconds, width sigma in seconds, amplitude).
WAVES: dict[str, tuple[float, float, float]] = {
    "P": (-0.200, 0.028, 0.20),
    "Q": (-0.032, 0.010, -0.12),
    "R": (0.000, 0.012, 1.00),
    "S": (0.032, 0.012, -0.25),
    "T": (0.300, 0.056, 0.30),
}
#: Half-width of a region in units of sigma.
REGION_SIGMAS = 2.5
#: Wide QRS: widths of Q, R, S multiplied, and Q and S moved away from R, by this factor.
WIDE_QRS_FACTOR = 2.0


@dataclass
class SyntheticBeats:
    """Synthetic beats: ``x`` (n, length) float32, ``y`` (n,) int64 indices into
    ``class_names``, ``mask`` (n, length) bool, True on the region that decides the class."""

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    class_names: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    fs: float = SYNTHETIC_FS  #: sampling rate (Hz)
    r_index: int = SYNTHETIC_R_INDEX  #: index of the R peak in every beat

    @property
    def t(self) -> np.ndarray:
        """Time axis: seconds relative to the R peak for each sample of a beat."""
        return seconds_axis(self.x.shape[1], self.fs, self.r_index)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        counts = np.bincount(self.y, minlength=len(self.class_names))
        text = ", ".join(f"{c} {k}" for c, k in zip(self.class_names, counts, strict=True))
        return f"SyntheticBeats(n={len(self)}, length={self.x.shape[1]}, {text})"

    def subset(self, index: np.ndarray | Sequence[int] | slice) -> SyntheticBeats:
        """The beats selected by a boolean mask, integer indices or a slice."""
        index = index if isinstance(index, slice) else np.asarray(index)
        return dataclasses.replace(self, x=self.x[index], y=self.y[index], mask=self.mask[index])

    def of_class(self, cls: str | int) -> SyntheticBeats:
        k = self.class_names.index(cls) if isinstance(cls, str) else int(cls)
        return self.subset(self.y == k)

    def region_fraction(self) -> np.ndarray:
        """Fraction of each beat's samples inside its ground-truth region, shape (n,)."""
        return self.mask.mean(axis=1)

    def tensor(self):
        """``x`` as a float32 torch tensor of shape (n, 1, length), ready for the models."""
        import torch

        return torch.from_numpy(np.ascontiguousarray(self.x)).unsqueeze(1)


def _check_classes(classes: Sequence[str]) -> tuple[str, ...]:
    classes = tuple(classes)
    unknown = [c for c in classes if c not in SYNTHETIC_CLASSES]
    if unknown or len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(
            f"classes must be two or more distinct names among {SYNTHETIC_CLASSES}; got {classes}."
        )
    return classes


def make_synthetic(
    n: int,
    seed: int = 0,
    length: int = 187,
    noise: float = 0.05,
    classes: Sequence[str] = SYNTHETIC_CLASSES,
    *,
    jitter: float = 0.15,
    normalize: str = "zscore",
) -> SyntheticBeats:
    """``n`` synthetic beats, balanced over ``classes`` (in random order), reproducible by seed.

    ``noise`` is the standard deviation of the white noise relative to an R wave of amplitude 1
    (before normalisation); baseline wander of the same size is added. ``jitter`` is the
    relative spread of each wave's amplitude and width (uniform in ``1 +- jitter``); positions
    move by up to 4 samples (P, T) or 1 sample (Q, S); the R peak stays at index 112.
    ``normalize`` is ``"zscore"`` (per beat, like :func:`tscam.data.load_beats`) or ``"none"``.
    ``length`` must leave room for the T wave after index 112 (at least 180 samples).
    """
    classes = _check_classes(classes)
    if n < 1:
        raise ValueError(f"n must be a positive number of beats, got {n}.")
    if length < 180:
        raise ValueError(
            f"length must be at least 180 samples (R at 112, T after it); got {length}."
        )
    if normalize not in ("zscore", "none"):
        raise ValueError(f"normalize must be 'zscore' or 'none', got {normalize!r}.")
    rng = np.random.default_rng(seed)
    k = len(classes)
    y = rng.permutation(np.arange(n) % k).astype(np.int64)
    name = np.asarray(classes)[y]
    t = np.arange(length, dtype=np.float64)[None, :]
    x = np.zeros((n, length))
    mask = np.zeros((n, length), dtype=bool)
    shift = {"P": 4.0, "Q": 1.0, "R": 0.0, "S": 1.0, "T": 4.0}
    wide = np.where(name == "wide QRS", WIDE_QRS_FACTOR, 1.0)
    region: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for wave, (centre_s, sigma_s, amp) in WAVES.items():
        centre = SYNTHETIC_R_INDEX + centre_s * SYNTHETIC_FS + rng.uniform(-1, 1, n) * shift[wave]
        sigma = sigma_s * SYNTHETIC_FS * rng.uniform(1 - jitter, 1 + jitter, n)
        height = amp * rng.uniform(1 - jitter, 1 + jitter, n)
        if wave in ("Q", "R", "S"):
            centre = SYNTHETIC_R_INDEX + (centre - SYNTHETIC_R_INDEX) * wide
            sigma = sigma * wide
        if wave == "P":
            height = np.where(name == "no P wave", 0.0, height)
        if wave == "T":
            height = np.where(name == "inverted T", -height, height)
        x += height[:, None] * np.exp(-0.5 * ((t - centre[:, None]) / sigma[:, None]) ** 2)
        region[wave] = (centre - REGION_SIGMAS * sigma, centre + REGION_SIGMAS * sigma)
    spans = {
        "P": region["P"],
        "QRS": (region["Q"][0], region["S"][1]),
        "T": region["T"],
    }
    decisive = {
        "normal": ("P", "QRS", "T"),
        "no P wave": ("P",),
        "wide QRS": ("QRS",),
        "inverted T": ("T",),
    }
    for cls in classes:
        rows = name == cls
        for part in decisive[cls]:
            lo, hi = spans[part]
            mask[rows] |= (t >= lo[rows, None]) & (t <= hi[rows, None])
    seconds = t / SYNTHETIC_FS
    wander = noise * np.sin(
        2 * np.pi * rng.uniform(0.15, 0.5, (n, 1)) * seconds + rng.uniform(0, 2 * np.pi, (n, 1))
    )
    x = x + wander + noise * rng.standard_normal((n, length))
    x = zscore(x) if normalize == "zscore" else x.astype(np.float32)
    meta = {
        "source": "synthetic",
        "seed": seed,
        "noise": noise,
        "jitter": jitter,
        "normalize": normalize,
        "fs": SYNTHETIC_FS,
        "r_index": SYNTHETIC_R_INDEX,
    }
    return SyntheticBeats(x.astype(np.float32), y, mask, classes, meta)
