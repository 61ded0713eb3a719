"""The CAM family beyond Grad-CAM: each method is the few lines that compute its weights.

All of them return ``finish(sum_k w_k(t) A_k(t))`` (:mod:`tscam.cam.template`), maps (n, T)
for one target class per sample (the predicted class by default), float32 on x's device. With
``G = dS/dA`` the gradient of the target's score S (the logit by default) with respect to the
layer's output A (n, K, T'):

==================  ========================================================================
method              weights ``w_k(t)``
==================  ========================================================================
Grad-CAM            ``mean_t G_k(t)`` (:func:`tscam.cam.grad_cam`)
HiResCAM            ``G_k(t)``: element-wise, no average (Draelos & Carin 2020)
Grad-CAM++          ``sum_t a_k(t) ReLU(G_k(t))``, ``a_k(t) = G^2 / (2 G^2 + sum_t' A_k(t') G^3)``
                    (Chattopadhyay et al. 2018, closed form for the score ``exp(S)``)
XGrad-CAM           ``sum_t G_k(t) A_k(t) / sum_t A_k(t)`` (Fu et al. 2020)
LayerCAM            ``ReLU(G_k(t))``: only positive gradients (Jiang et al. 2021)
Score-CAM           the target's score on the input masked by channel k (Wang et al. 2020)
Ablation-CAM        ``(y_c - y_c^k) / y_c``, y_c^k the logit with channel k set to 0 (Desai &
                    Ramaswamy 2020)
Eigen-CAM           the first principal direction of the activations (Muhammad & Yeasin 2020):
                    no class, no gradient
==================  ========================================================================

Grad-CAM++. The paper takes the class score ``Y = exp(S)``; for a score S whose second and
third derivatives with respect to A vanish (linear in A: exactly so at the last block of a GAP
network, approximately elsewhere), ``dY/dA = Y G``, ``d2Y/dA2 = Y G^2``, ``d3Y/dA3 = Y G^3``
and the paper's closed form is ``a_k(t)`` above (``a = 0`` where its denominator is 0). Its
weights are ``sum_t a_k(t) ReLU(dY/dA_k(t)) = Y * sum_t a_k(t) ReLU(G_k(t))``; the factor
``Y = exp(S) > 0`` is the same for every channel and step of a sample, so it is dropped (it
scales each map by a positive number only; without it the maps do not overflow for large logits).

Eigen-CAM's sign. A principal direction is defined up to its sign; here the map is
``sigma_1 u_1(t)`` of the SVD of the (T', K) matrix ``A^T`` (not centred, as in the paper),
with the sign chosen so that ``sum_t M(t) >= 0`` (``v`` from :func:`first_direction`). For
activations after a ReLU this makes the map point at where the layer is active.

Score-CAM and Ablation-CAM are forward-only: the n x K masked (ablated) inputs are run in chunks
of ``batch_size`` rows, whatever n and K (memory bounded by the chunk), one batched forward
pass per chunk (Ablation-CAM: of the layers after the ablated one only, when the model says
what they are with ``tail(layer)``).

The LSTM (a model with ``unrolled`` and no layer given): A is its hidden states read as H
channels over the S steps, G their gradients through the recurrence (:mod:`tscam.cam.lstm`),
and maps are expanded over each step's segment. HiResCAM, LayerCAM and Eigen-CAM apply there.
(The course's LSTM Grad-CAM, ``weighting="step"``, is HiResCAM followed by a ReLU.) XGrad-CAM
and Grad-CAM++ are refused: their weights divide by ``sum_t A_k(t)``, derived for activations
after a ReLU, but ``h_t = o * tanh(c)`` is signed and that sum can vanish. Score-CAM and
Ablation-CAM are refused: their steps are inside the recurrence (ablating unit k of ``h_t``
changes every later step), and there is no layer of shape (n, K, T') to mask or ablate.
"""

from __future__ import annotations

import torch
from torch import nn

from tscam.cam.checks import (
    ArchitectureError,
    Target,
    check_score,
    resolve_layer,
    target_scores,
)
from tscam.cam.hooks import frozen, replace_output
from tscam.cam.template import (
    combine,
    finish,
    is_unrolled,
    layer_activations,
    layer_terms,
    upsample_map,
)

__all__ = [
    "ablation_cam",
    "eigen_cam",
    "first_direction",
    "grad_cam_pp",
    "grad_cam_pp_weights",
    "hires_cam",
    "hires_cam_weights",
    "layer_cam",
    "layer_cam_weights",
    "score_cam",
    "xgrad_cam",
    "xgrad_cam_weights",
]

Layer = nn.Module | str | None


def _divide(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """``num / den`` where ``den != 0``, else 0."""
    safe = torch.where(den != 0, den, torch.ones_like(den))
    return torch.where(den != 0, num / safe, torch.zeros_like(num))


# -- the weights: one function per method ------------------------------------------------------


def hires_cam_weights(A: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """HiResCAM: ``w_k(t) = G_k(t)``, (n, K, T')."""
    return G


def grad_cam_pp_weights(A: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """Grad-CAM++: ``w_k = sum_t a_k(t) ReLU(G_k(t))``, ``a_k(t) = G^2 / (2 G^2 + sum_t'
    A_k(t') G^3)`` (0 where the denominator is 0), (n, K, 1)."""
    g2, g3 = G.pow(2), G.pow(3)
    a = _divide(g2, 2 * g2 + A.sum(dim=2, keepdim=True) * g3)
    return (a * G.clamp(min=0)).sum(dim=2, keepdim=True)


def xgrad_cam_weights(A: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """XGrad-CAM: ``w_k = sum_t G_k(t) A_k(t) / sum_t A_k(t)`` (0 for a silent channel),
    shape (n, K, 1)."""
    return _divide((G * A).sum(dim=2, keepdim=True), A.sum(dim=2, keepdim=True))


def layer_cam_weights(A: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """LayerCAM: ``w_k(t) = ReLU(G_k(t))``, (n, K, T')."""
    return G.clamp(min=0)


# -- the gradient methods ----------------------------------------------------------------------


def _refuse_on_steps(model: nn.Module, layer: Layer, method: str, why: str) -> None:
    if is_unrolled(model, layer):
        raise ArchitectureError(
            f"{method} does not apply over the steps of {type(model).__name__}: {why} "
            "Use hires_cam, layer_cam, eigen_cam or grad_cam for the LSTM."
        )


_SIGNED = (
    "its weights divide by sum_t h_t[k], derived for activations after a ReLU, but the LSTM's "
    "hidden states are signed (o * tanh(c)) and that sum can vanish."
)


def _gradient_cam(
    weigh,
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer,
    target: Target,
    relu: bool,
    upsample: bool,
    score: str,
) -> torch.Tensor:
    terms = layer_terms(model, x, layer, target, score)  # A, G: (n, K, T')
    maps = combine(weigh(terms.A, terms.G), terms.A)  # sum_k w_k(t) A_k(t)
    return finish(maps, x.shape[-1], relu, upsample, terms.steps)


def hires_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "logit",
) -> torch.Tensor:
    """HiResCAM ``sum_k G_k(t) A_k(t)`` (ReLU unless ``relu=False``), shape (n, T).

    Arguments as in :func:`tscam.cam.grad_cam` (layer default: the last conv block; for the LSTM
    its steps). At the last block of a GAP network ``G_k(t) = w_ck / T``, so
    ``hires_cam(relu=False) = cam / T``."""
    return _gradient_cam(hires_cam_weights, model, x, layer, target, relu, upsample, score)


def grad_cam_pp(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "logit",
) -> torch.Tensor:
    """Grad-CAM++ (closed-form weights for ``exp(S)``, see the module docstring), shape (n, T).

    Arguments as in :func:`tscam.cam.grad_cam`. Refused for the LSTM's steps."""
    _refuse_on_steps(model, layer, "Grad-CAM++", _SIGNED)
    return _gradient_cam(grad_cam_pp_weights, model, x, layer, target, relu, upsample, score)


def xgrad_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "logit",
) -> torch.Tensor:
    """XGrad-CAM ``sum_k (sum_t G_k A_k / sum_t A_k) A_k(t)``, shape (n, T).

    Arguments as in :func:`tscam.cam.grad_cam`. Refused for the LSTM's steps."""
    _refuse_on_steps(model, layer, "XGrad-CAM", _SIGNED)
    return _gradient_cam(xgrad_cam_weights, model, x, layer, target, relu, upsample, score)


def layer_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "logit",
) -> torch.Tensor:
    """LayerCAM ``sum_k ReLU(G_k(t)) A_k(t)`` (then a ReLU unless ``relu=False``), shape (n, T).

    Arguments as in :func:`tscam.cam.grad_cam`; for the LSTM, over its steps."""
    return _gradient_cam(layer_cam_weights, model, x, layer, target, relu, upsample, score)


# -- Eigen-CAM ----------------------------------------------------------------------------------


def first_direction(M: torch.Tensor, iterations: int = 300, tol: float = 1e-12) -> torch.Tensor:
    """The first right singular vector ``v`` (n, K) of each (T', K) matrix of ``M`` (n, T', K):
    the top eigenvector of ``M^T M``, by power iteration from ``M^T M 1`` plus a fixed
    pseudo-random vector (so that it is not orthogonal to ``v``), until it moves by less than
    ``tol``; samples not converged after ``iterations`` steps get ``torch.linalg.eigh``. Its
    sign is arbitrary here (the caller fixes it)."""
    G = M.transpose(1, 2) @ M  # (n, K, K), symmetric positive semi-definite
    noise = torch.rand(G.shape[1], generator=torch.Generator().manual_seed(0), dtype=G.dtype)
    v = G.sum(dim=2) + noise.to(G.device) * G.diagonal(dim1=1, dim2=2).mean(1, keepdim=True)
    v = v / v.norm(dim=1, keepdim=True).clamp(min=1e-300)
    done = torch.zeros(len(v), dtype=torch.bool, device=v.device)
    for _ in range(iterations):
        w = (G @ v[:, :, None])[:, :, 0]
        w = w / w.norm(dim=1, keepdim=True).clamp(min=1e-300)
        done = (w - v).abs().amax(dim=1) < tol
        v = w
        if bool(done.all()):
            break
    if not bool(done.all()):
        v[~done] = torch.linalg.eigh(G[~done])[1][:, :, -1]
    return v


def eigen_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = False,
    upsample: bool = True,
) -> torch.Tensor:
    """Eigen-CAM: the projection of the activations on their first principal direction,
    ``M(t) = sum_k v_k A_k(t) = sigma_1 u_1(t)``, signed so that ``sum_t M(t) >= 0``; shape (n, T).

    No gradient and no class: ``target`` is accepted and ignored (the map is the same for every
    class). One forward pass, then :func:`first_direction` of each sample's (T', K) matrix, in
    float64."""
    terms = layer_activations(model, x, layer, target)
    M = terms.A.transpose(1, 2).double()  # (n, T', K): rows = steps, columns = channels
    v = first_direction(M)  # (n, K)
    maps = combine(v[:, :, None], M.transpose(1, 2))  # sum_k v_k A_k(t) = sigma_1 u_1(t)
    sign = torch.where(maps.sum(dim=1, keepdim=True) < 0, -1.0, 1.0).to(maps.dtype)
    return finish(sign * maps, x.shape[-1], relu, upsample, terms.steps)


# -- the forward-only methods -------------------------------------------------------------------

_PERTURB = (
    "its steps are inside the recurrence (changing unit k of h_t changes every later step) and "
    "it has no layer of shape (n, K, T') to mask or ablate."
)


def _check_batch_size(batch_size: object) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")


def _rows(n: int, K: int, batch_size: int, device: torch.device):
    """Chunks of the n x K (sample, channel) rows: ``(sample index, channel index)`` tensors."""
    _check_batch_size(batch_size)
    for start in range(0, n * K, batch_size):
        r = torch.arange(start, min(start + batch_size, n * K), device=device)
        yield r, r // K, r % K


def score_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    score: str = "softmax",
    batch_size: int = 512,
) -> torch.Tensor:
    """Score-CAM ``ReLU(sum_k s_k A_k(t))``, shape (n, T): ``s_k`` is the target's ``score``
    (softmax probability by default, as in the authors' code) for the input multiplied by the
    mask ``H_k``, channel k upsampled to the input length and scaled to [0, 1] (min-max per
    sample and channel; a constant channel gives the mask 0).

    One forward pass for the activations, then the n x K masked inputs in chunks of
    ``batch_size`` (no gradients). Refused for the LSTM's steps."""
    _refuse_on_steps(model, layer, "Score-CAM", _PERTURB)
    check_score(score)
    terms = layer_activations(model, x, layer, target)
    x = x.detach().to(terms.A.dtype)
    A = terms.A  # (n, K, T')
    n, K, _ = A.shape
    s = A.new_empty(n * K)
    with frozen(model), torch.no_grad():
        for r, i, k in _rows(n, K, batch_size, x.device):
            H = upsample_map(A[i, k], x.shape[-1])  # (rows, T)
            low, high = H.amin(dim=1, keepdim=True), H.amax(dim=1, keepdim=True)
            H = _divide(H - low, (high - low).expand_as(H))  # min-max to [0, 1]
            logits = model(x[i] * H[:, None, :])
            s[r] = target_scores(logits, terms.targets[i], score).to(s.dtype)
    maps = combine(s.view(n, K, 1), A)  # sum_k s_k A_k(t)
    return finish(maps, x.shape[-1], relu, upsample, steps=False)


def _ablated_tail_scores(
    tail, A: torch.Tensor, targets: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """``y_c^k`` (n, K): the target's logit from ``tail`` of the activations ``A`` (n, K, T')
    with channel k set to 0, for every sample and channel, about ``batch_size`` rows per call:
    the ablated copies of a block of samples and channels are built by one broadcast product
    ``A[s, None] * (1 - e_k)`` (no gather of rows), written into one buffer."""
    _check_batch_size(batch_size)
    n, K, _ = A.shape
    kc = min(K, batch_size)  # channels per call
    per = max(1, batch_size // kc)  # samples per call
    y_k = A.new_empty(n, K)
    buffer = A.new_empty(min(per, n), kc, K, A.shape[2])  # written in place: no allocation per call
    with torch.no_grad():
        for k0 in range(0, K, kc):
            ks = torch.arange(k0, min(k0 + kc, K), device=A.device)
            mask = torch.ones(len(ks), K, 1, dtype=A.dtype, device=A.device)
            mask[torch.arange(len(ks), device=A.device), ks] = 0.0  # copy j loses channel ks[j]
            for s0 in range(0, n, per):
                block = A[s0 : s0 + per]
                out = buffer[: len(block), : len(ks)]
                torch.mul(block[:, None], mask[None], out=out)
                ablated = out.reshape(-1, K, A.shape[2])
                logits = tail(ablated).view(len(block), len(ks), -1)
                t = targets[s0 : s0 + per]
                y_k[s0 : s0 + per, k0 : k0 + len(ks)] = logits.gather(
                    2, t[:, None, None].expand(len(block), len(ks), 1)
                )[:, :, 0].to(y_k.dtype)
    return y_k


def ablation_cam(
    model: nn.Module,
    x: torch.Tensor,
    layer: Layer = None,
    target: Target = None,
    relu: bool = True,
    upsample: bool = True,
    batch_size: int = 512,
) -> torch.Tensor:
    """Ablation-CAM ``ReLU(sum_k w_k A_k(t))``, ``w_k = (y_c - y_c^k) / y_c``, shape (n, T):
    ``y_c^k`` is the target's logit with channel k of the layer's output set to 0 (the paper's
    division by ``y_c`` flips the map of a sample whose logit is negative; ``w = 0`` where
    ``y_c = 0``).

    One forward pass for the activations, then the n x K ablated passes in chunks of
    ``batch_size`` (no gradients). A model with ``tail(layer)`` (like
    :class:`tscam.models.FCN`: the function from the layer's output to the logits) runs only
    the layers after the ablated one on the stored activations; any other model runs whole, a
    forward hook multiplying each row's output by a 0/1 mask. Both give the same logits.
    Refused for the LSTM's steps."""
    _refuse_on_steps(model, layer, "Ablation-CAM", _PERTURB)
    module = resolve_layer(model, layer)
    tail = model.tail(module) if callable(getattr(model, "tail", None)) else None
    terms = layer_activations(model, x, module, target)
    x = x.detach().to(terms.A.dtype)
    A, targets = terms.A, terms.targets
    n, K, _ = A.shape
    y = terms.logits.gather(1, targets[:, None])[:, 0]  # (n,) y_c
    if tail is not None:  # only the layers after the ablated one, on the stored activations
        with frozen(model):  # eval mode for the layers after it too
            y_k = _ablated_tail_scores(tail, A, targets, batch_size)
    else:
        y_k = A.new_empty(n * K)
        keep = A.new_ones(min(batch_size, n * K), K, 1)
        with frozen(model), torch.no_grad():
            for r, i, k in _rows(n, K, batch_size, x.device):
                mask = keep[: len(r)].clone()
                mask[torch.arange(len(r), device=x.device), k] = 0.0  # row r loses channel k
                with replace_output(module, lambda out, m=mask: out * m):
                    logits = model(x[i])
                y_k[r] = logits.gather(1, targets[i][:, None])[:, 0].to(y_k.dtype)
        y_k = y_k.view(n, K)
    w = _divide(y[:, None] - y_k, y[:, None].expand(n, K))  # (y_c - y_c^k) / y_c
    maps = combine(w[:, :, None], A)
    return finish(maps, x.shape[-1], relu, upsample, steps=False)
