"""What a removed sample becomes: the one perturbation rule of occlusion and of the deletion and
insertion curves (torch only; imported by :mod:`tscam.methods` and :mod:`tscam.evaluate`).

A :class:`Rule` replaces the samples of each beat that are not kept, by its ``baseline``:

- ``"zero"``: a flat line at 0, the mean level of a z-scored beat;
- ``"mean"``: a mean beat, passed as ``mean=``: one beat (T,) for all, or one per class
  (classes, T), picked by the target class;
- ``"interp"``: linear interpolation between the nearest kept samples on either side (the
  nearest one at the ends; 0 when nothing is kept), so a removed wave becomes a straight line;
- ``"noisy_linear"``: ROAD's noisy linear imputation (Rong et al. 2022): each removed sample
  becomes the average of its neighbours, the kept samples fixed, plus Gaussian noise of standard
  deviation ``noise``. On a 1-D series the average of the two neighbours is solved exactly by
  the straight line between the nearest kept samples (the nearest kept value at the ends), so
  this is ``"interp"`` plus noise; the noise is drawn from a generator seeded with ``seed`` for
  each call of :meth:`Rule.apply`;
- an array: one beat (T,) for all, or one per beat (n, T).

``onset`` (one index per beat): the samples before it (the masked run of the previous beat)
are always kept, and never used as an interpolation end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from tscam._tensors import as_beats

__all__ = ["BASELINES", "Rule", "baseline_rows", "interpolate"]

BASELINES = ("zero", "mean", "interp", "noisy_linear")


def interpolate(x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Replace the samples where ``known`` (n, T) is False by linear interpolation between the
    nearest known samples (the nearest known value at the ends; 0 where nothing is known)."""
    n, c, length = x.shape
    idx = torch.arange(length, device=x.device).expand(n, length)
    prev = torch.where(known, idx, -1).cummax(dim=1).values
    nxt = torch.where(known, idx, length).flip(1).cummin(dim=1).values.flip(1)
    has_prev, has_next = prev >= 0, nxt < length
    left = x.gather(2, prev.clamp(min=0).unsqueeze(1).expand(n, c, length))
    right = x.gather(2, nxt.clamp(max=length - 1).unsqueeze(1).expand(n, c, length))
    w = (idx - prev).to(x.dtype) / (nxt - prev).clamp(min=1).to(x.dtype)
    w = torch.where(has_prev & has_next, w, has_next.to(x.dtype)).unsqueeze(1)
    filled = (left * (1 - w) + right * w) * (has_prev | has_next).unsqueeze(1)
    return torch.where(known.unsqueeze(1), x, filled)


def baseline_rows(
    x: torch.Tensor, baseline: Any, target: torch.Tensor, mean: Any = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The reference input of every beat, as distinct ``rows`` (m, channels, T) and an ``index``
    (n,) into them (so a baseline shared by all beats is stored, and run, once).

    ``baseline``: ``"zero"`` (a flat line at 0, the mean of a z-scored beat), ``"mean"`` (the
    array ``mean``: one beat (T,) for all, or one per class (classes, T) picked by ``target``),
    or an array: one beat (T,) for all, or one per beat (n, T) / (n, channels, T).
    """
    n, c, length = x.shape
    device = x.device
    if isinstance(baseline, str):
        if baseline == "zero":
            return x.new_zeros(1, c, length), torch.zeros(n, dtype=torch.int64, device=device)
        if baseline == "mean":
            if mean is None:
                raise ValueError(
                    "baseline='mean' needs mean=...: a mean beat (T,) or one per class "
                    "(classes, T), e.g. tscam.evaluate.class_means(train.x, train.y)."
                )
            m = as_beats(np.asarray(mean)[None] if np.ndim(mean) == 1 else mean, device)
            if m.shape[1:] != (c, length):
                raise ValueError(f"mean must have length {length}; got shape {tuple(m.shape)}.")
            if m.shape[0] == 1:
                return m, torch.zeros(n, dtype=torch.int64, device=device)
            if int(target.max()) >= m.shape[0]:
                raise ValueError(
                    f"mean holds {m.shape[0]} class means but a target class is "
                    f"{int(target.max())}; give one mean beat per class."
                )
            return m, target.to(device)
        raise ValueError(f"Unknown baseline {baseline!r}; use 'zero', 'mean' or an array.")
    b = baseline.detach() if isinstance(baseline, torch.Tensor) else np.asarray(baseline)
    if b.ndim == 1:
        b = b[None]
    b = as_beats(b, device)
    if b.shape[1:] != (c, length) or b.shape[0] not in (1, n):
        raise ValueError(
            f"A baseline array must be one beat ({length},) or one per beat ({n}, {length}); "
            f"got shape {tuple(b.shape)}."
        )
    index = torch.arange(n, device=device) if b.shape[0] == n else torch.zeros(n, dtype=torch.int64)
    return b, index.to(device)


@dataclass(frozen=True)
class Rule:
    """How removed samples are replaced (see the module docstring): ``baseline``, ``mean`` (for
    ``"mean"``), ``onset`` (None, or one index per beat: the masked run before it is kept),
    ``noise`` and ``seed`` (for ``"noisy_linear"``)."""

    baseline: Any = "zero"
    mean: Any = None
    onset: torch.Tensor | None = None
    noise: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.baseline, str) and self.baseline not in BASELINES:
            raise ValueError(
                f"Unknown baseline {self.baseline!r}; use one of {BASELINES} or an array."
            )
        if self.onset is not None and not isinstance(self.onset, torch.Tensor):
            object.__setattr__(self, "onset", torch.as_tensor(np.asarray(self.onset)))

    @property
    def name(self) -> str:
        """The baseline's name (``"array"`` for an array)."""
        return self.baseline if isinstance(self.baseline, str) else "array"

    def take(self, index: slice | torch.Tensor) -> Rule:
        """The rule for the beats ``index`` of the beats it was made for (onsets and per-beat
        baselines selected)."""
        onset = None if self.onset is None else self.onset[index]
        base = self.baseline
        if not isinstance(base, str) and np.ndim(base) >= 2 and np.shape(base)[0] > 1:
            base = base[index]
        return replace(self, onset=onset, baseline=base)

    def guard(self, n: int, length: int, device: Any) -> torch.Tensor | None:
        """(n, T) bool, True before each beat's onset (never perturbed); None without onsets."""
        if self.onset is None:
            return None
        onset = self.onset.to(device)
        if onset.shape != (n,) or onset.is_floating_point():
            raise ValueError(f"onset must hold one integer index per beat ({n},).")
        if n and (int(onset.min()) < 0 or int(onset.max()) >= length):
            raise ValueError(f"onset must lie in 0..{length - 1} (a sample of the beat).")
        return torch.arange(length, device=device)[None, :] < onset[:, None]

    def apply(
        self, x: torch.Tensor, keep: torch.Tensor, target: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Beats ``x`` (n, C, T) with the samples where ``keep`` (n, T) is False replaced
        (the masked run before ``onset`` always kept). ``target`` (n,) picks per-class means.
        (:meth:`apply_tiled` with one mask.)"""
        return self.apply_tiled(x, keep.unsqueeze(0), target)

    def apply_tiled(
        self, x: torch.Tensor, keeps: torch.Tensor, target: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The beats ``x`` (n, C, T) perturbed under each of the W masks ``keeps`` (W, n, T) at
        once: (W n, C, T), one block of n beats per ``keeps[w]``, equal to W calls of
        :meth:`apply` concatenated (each block gets the same noise, as the generator is seeded
        per call)."""
        n, c, length = x.shape
        W = keeps.shape[0]
        if keeps.shape != (W, n, length):
            raise ValueError(f"keeps must have shape (W, {n}, {length}); got {tuple(keeps.shape)}.")
        guard = self.guard(n, length, x.device)
        keep = keeps if guard is None else keeps | guard
        keep = keep.reshape(W * n, length)
        xt = x.repeat(W, 1, 1) if W > 1 else x
        if self.name in ("interp", "noisy_linear"):
            known = keep if guard is None else keep & ~guard.repeat(W, 1)
            out = interpolate(xt, known)
            if self.name == "noisy_linear" and self.noise > 0:
                gen = torch.Generator().manual_seed(int(self.seed))
                noise = torch.randn((n, c, length), generator=gen, dtype=out.dtype)
                out = torch.where(
                    keep.unsqueeze(1), out, out + self.noise * noise.to(out.device).repeat(W, 1, 1)
                )
            return out if guard is None else torch.where(guard.repeat(W, 1).unsqueeze(1), xt, out)
        t = torch.zeros(n, dtype=torch.int64, device=x.device) if target is None else target
        rows, index = baseline_rows(x, self.baseline, t, self.mean)
        return torch.where(keep.unsqueeze(1), xt, rows[index.repeat(W)].to(x.dtype))
