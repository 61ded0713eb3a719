"""The built-in methods' functions, each ``fn(model, x, target, **options) -> maps (n, T)``.

``x`` is a checked float32 tensor (n, C, T) on the model's device, ``target`` an int64 tensor
(n,) (None for the methods that need none), the model in eval mode with gradients enabled (see
:mod:`tscam.methods.registry`). Maps of inputs with several channels are summed over channels.

- the CAM family: :mod:`tscam.cam` (``layer``, ``relu`` and the other options of each function);
- ``saliency``: ``|d logit_c / d x_t|`` (captum ``Saliency``; ``abs=False`` keeps the sign);
- ``integrated_gradients``: captum's Integrated Gradients from a baseline beat ``b`` to ``x``,
  ``(x_t - b_t) * mean_a d logit_c / d x_t (b + a (x - b))``;
- ``occlusion``: the drop of the target's logit when a window of ``window`` samples (every
  ``stride`` samples) is removed under the perturbation rule ``rule``
  (:class:`tscam.perturbation.Rule`, the same rule as the deletion curves), averaged over the
  windows covering each sample;
- ``random``: uniform random values from a private seeded generator.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from tscam import cam as tcam
from tscam.methods.registry import MethodNotApplicable
from tscam.perturbation import Rule, baseline_rows

__all__ = [
    "ablation_cam",
    "cam",
    "eigen_cam",
    "grad_cam",
    "grad_cam_pp",
    "hires_cam",
    "integrated_gradients",
    "layer_cam",
    "occlusion",
    "random",
    "random_maps",
    "saliency",
    "score_cam",
    "xgrad_cam",
]


def cam(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """:func:`tscam.cam.cam`; a model without GAP -> Linear raises :class:`MethodNotApplicable`."""
    try:
        return tcam.cam(model, x, target=target)
    except tcam.ArchitectureError as err:
        raise MethodNotApplicable(f"'cam' cannot explain {type(model).__name__}: {err}") from err


def _refused(name: str, fn: Any, model: nn.Module, x: torch.Tensor, *args: Any, **opts: Any):
    try:
        return fn(model, x, *args, **opts)
    except tcam.ArchitectureError as err:
        raise MethodNotApplicable(f"{name!r}: {err}") from err


def grad_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.grad_cam`."""
    return tcam.grad_cam(model, x, layer=layer, target=target, relu=relu, **opts)


def hires_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.hires_cam`."""
    return _refused("hires_cam", tcam.hires_cam, model, x, layer, target, relu, **opts)


def grad_cam_pp(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.grad_cam_pp`."""
    return _refused("grad_cam_pp", tcam.grad_cam_pp, model, x, layer, target, relu, **opts)


def xgrad_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.xgrad_cam`."""
    return _refused("xgrad_cam", tcam.xgrad_cam, model, x, layer, target, relu, **opts)


def layer_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.layer_cam`."""
    return _refused("layer_cam", tcam.layer_cam, model, x, layer, target, relu, **opts)


def score_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.score_cam`."""
    return _refused("score_cam", tcam.score_cam, model, x, layer, target, relu, **opts)


def ablation_cam(model, x, target, layer=None, relu=True, **opts) -> torch.Tensor:
    """:func:`tscam.cam.ablation_cam`."""
    return _refused("ablation_cam", tcam.ablation_cam, model, x, layer, target, relu, **opts)


def eigen_cam(model, x, target=None, layer=None, relu=False, **opts) -> torch.Tensor:
    """:func:`tscam.cam.eigen_cam` (class-agnostic: ``target`` is ignored)."""
    return _refused("eigen_cam", tcam.eigen_cam, model, x, layer, None, relu, **opts)


def saliency(
    model: nn.Module, x: torch.Tensor, target: torch.Tensor, abs: bool = True
) -> torch.Tensor:
    """captum ``Saliency``, summed over channels."""
    from captum.attr import Saliency

    x = x.clone().requires_grad_(True)  # captum would otherwise warn that it sets the flag
    return Saliency(model).attribute(x, target=target, abs=abs).sum(1)


def integrated_gradients(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    n_steps: int = 32,
    baseline: Any = "zero",
    mean: Any = None,
    internal_batch_size: int = 1024,
) -> torch.Tensor:
    """captum ``IntegratedGradients`` from ``baseline`` (``"zero"``, ``"mean"`` with ``mean=``,
    or an array; see :func:`tscam.perturbation.baseline_rows`), summed over channels."""
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


def occlusion(
    model: nn.Module,
    x: torch.Tensor,
    target: torch.Tensor,
    window: int = 17,
    stride: int = 4,
    rule: Rule | None = None,
    batch_size: int = 1024,
) -> torch.Tensor:
    """Mean drop of the target's logit over the windows covering each sample, each window's
    samples removed under ``rule`` (default: ``Rule("zero")``). The occluded copies of the beats
    for several window positions go through the model together, about ``batch_size`` rows per
    forward pass (at least one window position of all beats)."""
    n, _, length = x.shape
    if not 1 <= stride <= window <= length:
        raise ValueError(
            f"Occlusion needs 1 <= stride <= window <= {length} (every sample covered); "
            f"got window={window}, stride={stride}."
        )
    rule = Rule() if rule is None else rule
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] + window < length:
        starts.append(length - window)  # the last window ends at the last sample
    rows = torch.arange(n, device=x.device)
    total = x.new_zeros(n, length)
    count = x.new_zeros(length)
    per = max(1, batch_size // n)  # window positions per forward pass: per x n rows
    with torch.no_grad():
        score = model(x)[rows, target]
        for j in range(0, len(starts), per):
            chunk = starts[j : j + per]
            keeps = torch.ones(len(chunk), n, length, dtype=torch.bool, device=x.device)
            for w, s in enumerate(chunk):
                keeps[w, :, s : s + window] = False
            logits = model(rule.apply_tiled(x, keeps, target)).view(len(chunk), n, -1)
            drops = score - logits[:, rows, target]  # (windows, n)
            for w, s in enumerate(chunk):
                total[:, s : s + window] += drops[w, :, None]
                count[s : s + window] += 1
    return total / count


def random_maps(n: int, length: int, seed: int = 0) -> torch.Tensor:
    """Uniform random maps (n, length) from a private generator: the "random" method."""
    return torch.rand(n, length, generator=torch.Generator().manual_seed(seed))


def random(model: nn.Module, x: torch.Tensor, target: Any = None, seed: int = 0) -> torch.Tensor:
    """:func:`random_maps` of the shape of ``x`` (no model call)."""
    return random_maps(x.shape[0], x.shape[2], seed)
