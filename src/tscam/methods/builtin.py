"""The built-in methods' registry entries (their functions: :mod:`tscam.methods.adapters`).

=====================  ======================  ==========================================
name                   label                   applies to
=====================  ======================  ==========================================
``cam``                CAM                     GAP -> Linear networks (the FCN)
``grad_cam``           Grad-CAM                conv nets (each block), the LSTM's steps
``hires_cam``          HiResCAM                conv nets, the LSTM's steps
``grad_cam_pp``        Grad-CAM++              conv nets
``xgrad_cam``          XGrad-CAM               conv nets
``layer_cam``          LayerCAM                conv nets, the LSTM's steps
``score_cam``          Score-CAM               conv nets
``ablation_cam``       Ablation-CAM            conv nets
``eigen_cam``          Eigen-CAM               conv nets, the LSTM's steps (no target)
``saliency``           saliency                every differentiable model
``integrated_gradients`` Integrated Gradients  every differentiable model
``occlusion``          occlusion               every model (the evaluation's rule)
``random``             random                  every model (the reference; no target)
``naive_lstm_grad_cam`` naive LSTM Grad-CAM    models with ``unrolled`` (not compared)
=====================  ======================  ==========================================

The CAM variants after Grad-CAM are not ``in_comparison`` by default (the evaluation's default
list stays CAM, Grad-CAM, saliency, Integrated Gradients, occlusion and random; pass
``methods=tscam.methods.names(comparison_only=False)`` or name them to compare them).
"""

from __future__ import annotations

from typing import Any

from tscam.methods import adapters as a
from tscam.methods.registry import Method, has_unrolled, label, not_recurrent

__all__ = ["BUILTIN"]


def _conv_or_steps(model: Any) -> bool:
    """A conv net (explained at a layer) or a recurrent model with ``unrolled`` (its steps)."""
    return not_recurrent(model) or has_unrolled(model)


def _explained(name: str, at_blocks: bool = False):
    """Explorer entries of method ``name``: for a recurrent model with ``unrolled``, its steps
    (labelled ``"LSTM " + label``); for a conv net, the default layer or, with ``at_blocks``,
    each ``blockN`` (``"Grad-CAM block2"``)."""

    def variants(model: Any) -> dict[str, dict[str, Any]]:
        if has_unrolled(model):
            return {label(name, steps=True): {}}
        blocks = (
            [b for b, _ in model.named_children() if b.startswith("block")] if at_blocks else []
        )
        return {f"{label(name)} {b}": {"layer": b} for b in blocks} or {label(name): {}}

    return variants


_CONV_ONLY = (
    "It needs a layer of shape (n, channels, time) with activations after a ReLU (a conv net); "
    "see tscam.cam.family for why it is refused over an LSTM's steps."
)
_STEPS = "It explains conv nets at a layer, and recurrent models with unrolled() over their steps."

BUILTIN: tuple[Method, ...] = (
    Method(
        "cam",
        a.cam,
        "CAM",
        {"color": "blue", "ls": "-", "marker": "o"},
        applies=not_recurrent,
        refusal="CAM needs global average pooling followed by a linear layer (the FCN). "
        "Use 'grad_cam' for recurrent models.",
    ),
    Method(
        "grad_cam",
        a.grad_cam,
        "Grad-CAM",
        {"color": "vermillion", "ls": "-", "marker": "s"},
        signed=False,
        relu_option="relu",
        variants=_explained("grad_cam", at_blocks=True),
    ),
    Method(
        "saliency",
        a.saliency,
        "saliency",
        {"color": "bluish green", "ls": "-.", "marker": "^"},
        signed=False,
        in_explorer=False,
    ),
    Method(
        "integrated_gradients",
        a.integrated_gradients,
        "Integrated Gradients",
        {"color": "orange", "ls": (0, (5, 1, 1, 1)), "marker": "D"},
        in_explorer=False,
    ),
    Method(
        "occlusion",
        a.occlusion,
        "occlusion",
        {"color": "reddish purple", "ls": ":", "marker": "v"},
        takes_rule=True,
        in_explorer=False,
    ),
    Method(
        "random",
        a.random,
        "random",
        {"color": "0.45", "ls": "--", "marker": None},
        needs_target=False,
        reference=True,
        signed=False,
        in_explorer=False,
    ),
    Method(
        "hires_cam",
        a.hires_cam,
        "HiResCAM",
        {"color": "sky blue", "ls": "-.", "marker": "P"},
        applies=_conv_or_steps,
        refusal=_STEPS,
        signed=False,
        relu_option="relu",
        variants=_explained("hires_cam"),
        in_comparison=False,
    ),
    Method(
        "grad_cam_pp",
        a.grad_cam_pp,
        "Grad-CAM++",
        {"color": "vermillion", "ls": "--", "marker": "X"},
        applies=not_recurrent,
        refusal=_CONV_ONLY,
        signed=False,
        relu_option="relu",
        variants=_explained("grad_cam_pp"),
        in_comparison=False,
    ),
    Method(
        "xgrad_cam",
        a.xgrad_cam,
        "XGrad-CAM",
        {"color": "vermillion", "ls": ":", "marker": "x"},
        applies=not_recurrent,
        refusal=_CONV_ONLY,
        signed=False,
        relu_option="relu",
        variants=_explained("xgrad_cam"),
        in_comparison=False,
    ),
    Method(
        "layer_cam",
        a.layer_cam,
        "LayerCAM",
        {"color": "blue", "ls": "--", "marker": "p"},
        applies=_conv_or_steps,
        refusal=_STEPS,
        signed=False,
        relu_option="relu",
        variants=_explained("layer_cam"),
        in_comparison=False,
    ),
    Method(
        "score_cam",
        a.score_cam,
        "Score-CAM",
        {"color": "yellow", "ls": "-", "marker": "h"},
        applies=not_recurrent,
        refusal=_CONV_ONLY,
        signed=False,
        relu_option="relu",
        variants=_explained("score_cam"),
        in_comparison=False,
    ),
    Method(
        "ablation_cam",
        a.ablation_cam,
        "Ablation-CAM",
        {"color": "black", "ls": "-.", "marker": "*"},
        applies=not_recurrent,
        refusal=_CONV_ONLY,
        signed=False,
        relu_option="relu",
        variants=_explained("ablation_cam"),
        in_comparison=False,
    ),
    Method(
        "eigen_cam",
        a.eigen_cam,
        "Eigen-CAM",
        {"color": "bluish green", "ls": "--", "marker": "d"},
        applies=_conv_or_steps,
        refusal=_STEPS,
        needs_target=False,
        relu_option="relu",
        variants=_explained("eigen_cam"),
        in_comparison=False,
    ),
    Method(
        "naive_lstm_grad_cam",
        lambda model, x, target, **opts: a.tcam.naive_lstm_grad_cam(model, x, target, **opts),
        "naive LSTM Grad-CAM (nn.LSTM output)",
        applies=has_unrolled,
        refusal="It needs a recurrent model with an `lstm` attribute and unrolled().",
        signed=False,
        relu_option="relu",
        in_comparison=False,
    ),
)
