"""Attribution methods side by side: one call, one map of shape (n, T) per method.

=========================  ==============================================================
method                     what the map is
=========================  ==============================================================
``"cam"``                  CAM (Zhou et al. 2016), :func:`tscam.cam.cam`; GAP -> Linear
                           networks (the FCN) only
``"grad_cam"``             Grad-CAM, :func:`tscam.cam.grad_cam`: last conv block of the FCN,
                           per-step hidden states of the LSTM (expanded to the beat)
``"saliency"``             vanilla gradient: ``|d logit_c / d x_t|`` (captum ``Saliency``)
``"integrated_gradients"`` Integrated Gradients (captum), from a baseline beat ``b`` to ``x``:
                           ``(x_t - b_t) * mean_a d logit_c / d x_t (b + a (x - b))``
``"occlusion"``            drop of the logit when a window of samples is set to 0 (captum
                           ``Occlusion``), averaged over the windows covering each sample
``"random"``               uniform random values, seeded: the reference a method must beat
=========================  ==============================================================

Options (keyword arguments of :func:`attribute`, or per method in ``attribute_all(options=)``):

- ``grad_cam``: ``layer`` (module or dotted name, default as in :mod:`tscam.cam`), ``relu``
  (default True) and any other option of :func:`tscam.cam.grad_cam`.
- ``saliency``: ``abs`` (default True: magnitude of the gradient; False keeps its sign).
- ``integrated_gradients``: ``n_steps`` (default 32), ``baseline`` (default ``"zero"``: a flat
  line at 0, which for z-scored beats is the beat's own mean level, i.e. "no signal"), or
  ``"mean"`` with ``mean=`` a mean beat (T,) or per-class mean beats (classes, T) picked by the
  target class (see :func:`tscam.evaluate.class_means`), or an array: one beat or one per beat.
- ``occlusion``: ``window`` (default 17 samples, 0.136 s, one LSTM segment), ``stride``
  (default 4 samples; every sample is covered by 4 or 5 windows, fewer at the edges) and
  ``value`` (default 0.0, the z-scored mean).
- ``random``: ``seed`` (default 0; same seed and shape -> same maps).
- every method: ``batch_size`` (default 256 beats per call; captum methods expand each chunk by
  their number of perturbations).

The target class is the predicted class unless ``target`` (an int or one per beat) is given.
Maps come back detached, float32, on the device of the model; for inputs with several channels
the captum maps are summed over the channels. Cost for n beats of 187 samples, in forward
passes over n beats: saliency about 2 (forward + backward), Integrated Gradients about
2 x ``n_steps``, occlusion ``ceil((187 - window) / stride) + 1`` (44 by default), Grad-CAM about
2, CAM 1. Models are explained in eval
mode; their train/eval mode, ``requires_grad`` flags and gradients are left as they were.

The methods come from the registry :mod:`tscam.methods` (name, function, label, style, which
models each applies to): a registered method is computed here like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from tscam import methods as registry
from tscam.evaluate._common import (
    as_beats,
    baseline_rows,
    evaluation,
    model_device,
    resolve_target,
)
from tscam.methods import METHODS  # noqa: F401  (re-exported: the compared methods)


class MethodNotApplicable(ValueError):
    """The method cannot explain this model (e.g. CAM on an LSTM)."""


def applicable(model: nn.Module, method: str) -> bool:
    """Whether ``method`` can explain ``model`` (its registry entry's ``applies``; CAM needs a
    conv net with GAP -> Linear)."""
    return bool(registry.get(method).applies(model))


def _check_applies(model: nn.Module, entry: registry.Method) -> None:
    if not entry.applies(model):
        raise MethodNotApplicable(
            f"{entry.name!r} cannot explain {type(model).__name__}: CAM needs global average "
            f"pooling followed by a linear layer (the FCN). Use 'grad_cam' for recurrent models."
            if entry.name == "cam"
            else f"{entry.name!r} does not apply to {type(model).__name__}."
        )


def _cam(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    from tscam import cam as tcam

    try:
        return tcam.cam(model, x, target=target)
    except tcam.ArchitectureError as err:
        raise MethodNotApplicable(f"'cam' cannot explain {type(model).__name__}: {err}") from err


def _grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    layer: Any = None,
    relu: bool = True,
    **opts: Any,
) -> torch.Tensor:
    from tscam import cam as tcam

    return tcam.grad_cam(model, x, layer=layer, target=target, relu=relu, **opts)


def _saliency(
    model: nn.Module, x: torch.Tensor, target: torch.Tensor, abs: bool = True
) -> torch.Tensor:
    from captum.attr import Saliency

    x = x.clone().requires_grad_(True)  # captum would otherwise warn that it sets the flag
    return Saliency(model).attribute(x, target=target, abs=abs).sum(1)


def _integrated_gradients(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    n_steps: int = 32,
    baseline: Any = "zero",
    mean: Any = None,
    internal_batch_size: int = 1024,
) -> torch.Tensor:
    from captum.attr import IntegratedGradients

    rows, index = baseline_rows(x, baseline, target, mean)
    ig = IntegratedGradients(model)
    maps = ig.attribute(
        x,
        baselines=rows[index],
        target=target,
        n_steps=n_steps,
        internal_batch_size=internal_batch_size,
    )
    return maps.sum(1)


def _occlusion(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    window: int = 17,
    stride: int = 4,
    value: float = 0.0,
) -> torch.Tensor:
    from captum.attr import Occlusion

    if not 1 <= stride <= window <= x.shape[2]:
        raise ValueError(
            f"Occlusion needs 1 <= stride <= window <= {x.shape[2]} (every sample covered); "
            f"got window={window}, stride={stride}."
        )
    per_eval = max(1, 512 // x.shape[0])
    maps = Occlusion(model).attribute(
        x,
        sliding_window_shapes=(x.shape[1], window),
        strides=(x.shape[1], stride),
        baselines=float(value),
        target=target,
        perturbations_per_eval=per_eval,
    )
    return maps.sum(1)


def random_maps(n: int, length: int, seed: int = 0) -> torch.Tensor:
    """Uniform random maps (n, length) from a private generator: the "random" method."""
    return torch.rand(n, length, generator=torch.Generator().manual_seed(seed))


def _random(model: nn.Module, x: torch.Tensor, target: torch.Tensor, seed: int = 0) -> torch.Tensor:
    return random_maps(x.shape[0], x.shape[2], seed)


def attribute(
    model: nn.Module,
    x: Any,
    method: str,
    target: Any = None,
    *,
    batch_size: int = 256,
    **opts: Any,
) -> torch.Tensor:
    """Relevance of every sample of every beat for ``method``: a tensor (n, T).

    ``x`` is (n, 1, T) or (n, T); ``target`` is None (predicted class), an int, or one int per
    beat. Options per method are listed in the module docstring. Raises
    :class:`MethodNotApplicable` for a method that cannot explain this model.
    """
    entry = registry.get(method)
    _check_applies(model, entry)
    xs = as_beats(x, model_device(model))
    if method == "random":  # no model call: no target needed
        return _maps(model, entry, xs, None, batch_size, opts)
    with evaluation(model):
        targets = resolve_target(model, xs, target)
    return _maps(model, entry, xs, targets, batch_size, opts)


def _maps(
    model: nn.Module,
    entry: registry.Method,
    xs: torch.Tensor,
    targets: torch.Tensor | None,
    batch_size: int,
    opts: Mapping[str, Any],
) -> torch.Tensor:
    """The maps of an applicable method for checked beats ``xs`` and resolved ``targets``."""
    fn = entry.function()
    n, _, length = xs.shape
    if targets is None:  # the random method: the same seeded maps for any batch size
        return fn(model, xs, None, **opts).to(xs.device)
    with evaluation(model, gradients=True):
        parts = [
            fn(model, xs[i : i + batch_size], targets[i : i + batch_size], **opts)
            for i in range(0, n, batch_size)
        ]
    maps = torch.cat([p.detach().to(xs.device, torch.float32) for p in parts])
    if tuple(maps.shape) != (n, length):
        raise RuntimeError(
            f"{entry.name} returned maps of shape {tuple(maps.shape)}, not ({n}, {length})."
        )
    return maps


class Attributions(dict):
    """``method -> maps (n, T)`` for every method computed, plus ``skipped`` (``method ->
    reason`` for methods that cannot explain the model) and ``target`` (class per beat)."""

    def __init__(
        self, maps: Mapping[str, torch.Tensor], skipped: Mapping[str, str], target: torch.Tensor
    ) -> None:
        super().__init__(maps)
        self.skipped = dict(skipped)
        self.target = target


def attribute_all(
    model: nn.Module,
    x: Any,
    target: Any = None,
    methods: Sequence[str] | None = None,
    *,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    strict: bool = False,
    batch_size: int = 256,
) -> Attributions:
    """Maps of the same shape (n, T) for every method, all for the same target classes.

    Methods that cannot explain the model (CAM on an LSTM) are left out and listed in
    ``result.skipped`` with the reason (``strict=True`` raises instead). ``options`` gives
    keyword options per method, e.g. ``{"occlusion": {"window": 9}}``.
    """
    methods = registry.names() if methods is None else tuple(methods)
    options = dict(options or {})
    for name in [*methods, *options]:
        registry.get(name)
    device = model_device(model)
    xs = as_beats(x, device)
    with evaluation(model):
        targets = resolve_target(model, xs, target)
    maps: dict[str, torch.Tensor] = {}
    skipped: dict[str, str] = {}
    for method in methods:  # beats and targets checked once, above
        entry = registry.get(method)
        try:
            _check_applies(model, entry)
            none = entry.name == "random"
            opts = options.get(method, {})
            maps[method] = _maps(model, entry, xs, None if none else targets, batch_size, opts)
        except MethodNotApplicable as err:
            if strict:
                raise
            skipped[method] = str(err)
    return Attributions(maps, skipped, targets)
