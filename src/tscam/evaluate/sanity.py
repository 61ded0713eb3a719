"""Sanity checks for saliency maps (Adebayo et al. 2018): cascading model randomisation.

An explanation of a *model* must change when the model is destroyed. We re-initialise the
model's layers one after the other from the top (the classifier) down to the input, recompute
the maps after each step, and compare them with the maps of the intact model by Spearman rank
correlation, beat by beat. A method whose maps still correlate strongly with the original ones
after every layer is random is explaining the input (edges, peaks), not the model: it fails.

Randomising a layer means calling ``reset_parameters()`` on every module inside it: PyTorch's
own random initialisation (Kaiming-uniform for conv and linear weights, uniform for the LSTM)
for the weights, and for batch norm its defaults (scale 1, shift 0, running mean 0 and
variance 1), so the layer forgets everything it learned. The random numbers come from a private
generator seeded with ``seed`` (the global random state is restored afterwards). All of this
happens on a deep copy: the caller's model is never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from scipy.stats import rankdata
from torch import nn

from tscam.evaluate._common import as_beats, evaluation, model_device, resolve_target, to_numpy
from tscam.evaluate.methods import attribute


def default_layers(model: nn.Module) -> tuple[str, ...]:
    """Layer names in randomisation order, top (output) first.

    The model's top-level children that hold parameters, last first (FCN: ``classifier,
    block3, block2, block1``; LSTM: ``head, lstm``).
    """
    names = [
        name for name, child in model.named_children() if next(child.parameters(), None) is not None
    ]
    return tuple(reversed(names))


def randomize_layer_(layer: nn.Module, seed: int = 0) -> nn.Module:
    """Re-initialise ``layer`` in place (every submodule's ``reset_parameters``), drawing from a
    generator seeded with ``seed``; the global random state is left as it was."""
    devices = sorted({p.device.index or 0 for p in layer.parameters() if p.is_cuda})
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for module in layer.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
    return layer


def cascade(
    model: nn.Module, layers: Sequence[str] | None = None, seed: int = 0
) -> Iterator[tuple[str, nn.Module]]:
    """Yield ``(layer name, model copy)`` with the layers randomised cumulatively, top first.

    One deep copy is made and randomised further at each step: use each yielded model before
    asking for the next. The caller's model is not touched.
    """
    layers = default_layers(model) if layers is None else tuple(layers)
    known = dict(model.named_modules())
    missing = [name for name in layers if name not in known or name == ""]
    if missing:
        names = [name for name in known if name]
        raise ValueError(f"Layer(s) {missing} not found in the model; its layers are {names}.")
    randomized = copy.deepcopy(model)
    for i, name in enumerate(layers):
        randomize_layer_(randomized.get_submodule(name), seed=seed + i)
        yield name, randomized


def spearman(a: Any, b: Any) -> np.ndarray:
    """Spearman rank correlation of each row of ``a`` with the same row of ``b``, shape (n,).

    Ties get their average rank. A constant row has no ranking at all; its correlation is
    defined as 0 (nothing of the original ordering survives).
    """
    ra = rankdata(to_numpy(a), axis=1)
    rb = rankdata(to_numpy(b), axis=1)
    if ra.shape != rb.shape or ra.ndim != 2:
        raise ValueError(
            f"Expected two arrays of the same shape (n, T); got {ra.shape}, {rb.shape}."
        )
    ra = ra - ra.mean(axis=1, keepdims=True)
    rb = rb - rb.mean(axis=1, keepdims=True)
    norm = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    out = np.zeros(ra.shape[0])
    ok = norm > 0
    out[ok] = (ra * rb).sum(axis=1)[ok] / norm[ok]
    return out


def cascading_randomization(
    model: nn.Module,
    x: Any,
    method: str,
    target: Any = None,
    seed: int = 0,
    *,
    layers: Sequence[str] | None = None,
    absolute: bool = False,
    options: Mapping[str, Any] | None = None,
    per_beat: bool = False,
) -> list[tuple[str, Any]]:
    """Cascading randomisation test: ``[(layer, mean Spearman correlation), ...]`` top first.

    After randomising each layer (cumulatively, from the top), the maps of ``method`` are
    compared with those of the intact model, for the same target classes (the intact model's
    predictions unless ``target`` is given). ``absolute=True`` compares ``|maps|`` (Adebayo et
    al. report both: signed maps can flip sign and still point at the same samples). Values near
    1 after all layers are random mean the method fails the check. ``options`` (keyword
    options of the method) go to :func:`tscam.evaluate.attribute`. ``per_beat=True`` gives each
    beat's correlation (an array (n,)) instead of the mean, for intervals.
    """
    xs = as_beats(x, model_device(model))
    with evaluation(model):
        targets = resolve_target(model, xs, target)

    def prepare(m: torch.Tensor) -> torch.Tensor:
        return m.abs() if absolute else m

    opts = dict(options or {})
    original = prepare(attribute(model, xs, method, targets, **opts))
    result = []
    for name, randomized in cascade(model, layers, seed):
        maps = prepare(attribute(randomized, xs, method, targets, **opts))
        rho = spearman(original, maps)
        result.append((name, rho if per_beat else float(rho.mean())))
    return result
