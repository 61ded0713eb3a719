"""Hooks behind context managers: they always restore the model, also when an error is raised.

:func:`frozen` puts the model in eval mode and switches off ``requires_grad`` on all parameters;
:func:`capture` also records one layer's output and the gradient of a score with respect to it;
:func:`replace_output` changes a layer's output (Ablation-CAM sets channels to 0).

Why freeze the parameters? Grad-CAM needs ``dS/dA``, the gradient of the class score S with
respect to the layer output A, and nothing else. With no parameter requiring a gradient, the
forward pass up to the layer records no autograd graph at all (as fast as ``torch.no_grad()``).
The forward hook then replaces the layer's output by ``A = output.detach().requires_grad_()``,
a fresh leaf: from there on autograd records, so a backward pass runs only from the scores back
to A, never into the parameters or the earlier layers.

Why eval mode? BatchNorm then uses its running statistics, so each sample's output depends on
that sample alone. The gradient of ``sum_i S_i`` with respect to ``A_i`` is then ``dS_i/dA_i``,
and one backward pass gives every sample's gradient (in train mode BatchNorm mixes the batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from tscam._tensors import eval_mode
from tscam.cam.checks import LayerError, layer_name, resolve_layer


@contextmanager
def frozen(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode, all ``requires_grad`` off; each module's mode and each flag restored on exit."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    with eval_mode(model):
        try:
            for p, _ in flags:
                p.requires_grad_(False)
            yield model
        finally:
            for p, flag in flags:
                p.requires_grad_(flag)


class Capture:
    """What :func:`capture` records during a forward and a backward pass.

    ``activations``: the layer's output A (a leaf that requires grad), shape as the layer gives it.
    ``gradients``: dS/dA, set by :meth:`gradient_of` (or by ``score.backward()``).
    ``calls``: how often the layer ran since the context was entered.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.activations: torch.Tensor | None = None
        self.gradients: torch.Tensor | None = None
        self.calls = 0

    def _store_gradient(self, grad: torch.Tensor) -> None:
        self.gradients = grad

    def _forward_hook(self, module: nn.Module, inputs: object, output: object) -> object:
        rest: tuple = ()
        if isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor):
            output, rest = output[0], output[1:]  # e.g. nn.LSTM: (output, (h_n, c_n))
        if not isinstance(output, torch.Tensor):
            raise LayerError(
                f"Layer {self.name} returns {type(output).__name__}, not a tensor: pick a layer "
                "whose output is a tensor of shape (batch, channels, time)."
            )
        leaf = output.detach().requires_grad_()  # the graph starts here: A is a leaf
        leaf.register_hook(self._store_gradient)
        self.activations = leaf
        self.calls += 1
        return (leaf, *rest) if rest else leaf

    def gradient_of(self, score: torch.Tensor) -> torch.Tensor:
        """dS/dA for a scalar score S, by ``torch.autograd.grad`` (no ``.grad`` field touched)."""
        if self.activations is None:
            raise LayerError(f"Layer {self.name} has not run yet: call the model first.")
        (grad,) = torch.autograd.grad(score, self.activations)
        self.gradients = grad
        return grad


@contextmanager
def capture(model: nn.Module, layer: nn.Module | str) -> Iterator[Capture]:
    """Record ``layer``'s output A, and dS/dA, for any score S computed inside the context.

    Inside the context the model is :func:`frozen` (eval mode, no parameter requires grad) and
    gradient mode is on; on exit the hook is removed and the model restored, also after an error::

        with capture(model, "block3") as rec:
            logits = model(x)
            rec.gradient_of(logits[:, 2].sum())
        rec.activations, rec.gradients   # both (n, channels, time)
    """
    module = resolve_layer(model, layer)
    record = Capture(layer_name(model, module))
    with frozen(model):
        handle = module.register_forward_hook(record._forward_hook)
        try:
            with torch.enable_grad():
                yield record
        finally:
            handle.remove()


@contextmanager
def replace_output(layer: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor]) -> Iterator[None]:
    """Inside the context, ``layer``'s output ``out`` is replaced by ``fn(out)``; the hook is
    removed on exit, also after an error."""

    def hook(module: nn.Module, inputs: object, output: torch.Tensor) -> torch.Tensor:
        return fn(output)

    handle = layer.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()
