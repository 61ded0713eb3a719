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
``"occlusion"``            drop of the logit when a window of samples is removed under the
                           perturbation rule (:class:`tscam.perturbation.Rule`, default a
                           flat line at 0), averaged over the windows covering each sample
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
- ``occlusion``: ``window`` (default 17 samples, 0.136 s), ``stride``
  (default 4 samples; every sample is covered by 4 or 5 windows, fewer at the edges; a last
  window ends at the last sample) and ``rule`` (a :class:`tscam.perturbation.Rule`; default
  ``Rule("zero")``; :func:`tscam.evaluate.evaluate_methods` passes its own rule).
- the rest of the CAM family (``hires_cam``, ``grad_cam_pp``, ``xgrad_cam``, ``layer_cam``,
  ``score_cam``, ``ablation_cam``, ``eigen_cam``): the options of :mod:`tscam.cam`.
- ``random``: ``seed`` (default 0; same seed and shape -> same maps).
- every method: ``batch_size`` (default 256 beats per call; captum methods expand each chunk by
  their number of perturbations; a ``rule`` is cut to the chunk's beats).

The target class is the predicted class unless ``target`` (an int or one per beat) is given.
Maps come back detached, float32, on the device of the model; for inputs with several channels
the captum maps are summed over the channels. Cost for n beats of 88 samples, in forward
passes over n beats: saliency about 2 (forward + backward), Integrated Gradients about
2 x ``n_steps``, occlusion one per window position (19 by default; 44 for 187 samples), the
gradient CAMs about 2, Score-CAM and Ablation-CAM one per channel of the layer, CAM and
Eigen-CAM 1. Models are explained in eval mode; their train/eval mode, ``requires_grad`` flags
and gradients are left as they were.

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
    evaluation,
    model_device,
    resolve_target,
)
from tscam.methods import (
    METHODS,  # noqa: F401  (re-exported: the compared methods)
    MethodNotApplicable,  # noqa: F401  (re-exported)
)
from tscam.methods.adapters import random_maps  # noqa: F401  (re-exported)


def applicable(model: nn.Module, method: str) -> bool:
    """Whether ``method`` can explain ``model`` (its registry entry's ``applies``; CAM needs a
    conv net with GAP -> Linear)."""
    return bool(registry.get(method).applies(model))


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
    entry.check_applies(model)
    xs = as_beats(x, model_device(model))
    if not entry.needs_target and target is None:  # maps of any class: no target needed
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
    """The maps of an applicable method for checked beats ``xs`` and resolved ``targets``
    (None only for a method with ``needs_target=False``), in chunks of ``batch_size`` beats
    (a ``rule`` option cut to each chunk), except for the reference (random), computed at once
    so that its maps do not depend on the chunks."""
    fn = entry.function()
    n, _, length = xs.shape
    if entry.reference:
        return fn(model, xs, targets, **opts).to(xs.device)
    rule = opts.get("rule")
    with evaluation(model, gradients=True):
        parts = []
        for i in range(0, n, batch_size):
            sl = slice(i, i + batch_size)
            chunk = dict(opts, rule=rule.take(sl)) if rule is not None else opts
            parts.append(fn(model, xs[sl], None if targets is None else targets[sl], **chunk))
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
            entry.check_applies(model)
            opts = options.get(method, {})
            maps[method] = _maps(model, entry, xs, targets, batch_size, opts)
        except MethodNotApplicable as err:
            if strict:
                raise
            skipped[method] = str(err)
    return Attributions(maps, skipped, targets)
