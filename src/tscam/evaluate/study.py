"""Every measure of one model, computed once and kept: the chapter's figures and its table.

:func:`tscam.evaluate.comparison_table` returns one number per measure (it is a view of
:func:`evaluate_methods`, the one loop over methods and measures). A chapter also wants to
*see* what is behind the numbers (the maps, the mean deletion and insertion curves, the rank
correlation after each randomised layer), and on a large network it cannot afford to compute
everything twice. :func:`evaluate_methods` computes each method's maps once, then every measure
from them, and keeps all of it in a :class:`Study`; :meth:`Study.rows` gives the rows of
:func:`~tscam.evaluate.comparison_table` (same keys, same definitions), so
:func:`~tscam.evaluate.format_table` renders them.

Helpers for the chapter's explanations:

- :func:`perturb`: the beats a deletion (or insertion) curve feeds the model at one fraction,
  to draw what "deleting the most relevant samples" means under each baseline;
- :func:`best_method`: which method scores best on a measure (arrows of
  :data:`~tscam.evaluate.COLUMNS`), so a verdict can be computed, not typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from tscam import methods as registry
from tscam.evaluate._common import (
    as_beats,
    as_maps,
    evaluation,
    logits_of,
    model_device,
    to_numpy,
)
from tscam.evaluate.deletion import Curve, curves, make_rule, masked_run, ranks, rhythm_offset
from tscam.evaluate.localization import Score, pointing_game, relevance_mass
from tscam.evaluate.methods import attribute_all
from tscam.evaluate.sanity import cascade, cascading_randomization, spearman
from tscam.evaluate.stats import bootstrap_ci, paired_ci
from tscam.perturbation import Rule

__all__ = [
    "LOWER_IS_BETTER",
    "MethodResult",
    "Study",
    "best_method",
    "evaluate_methods",
    "faithfulness_verdict",
    "paired_differences",
    "perturb",
    "rank_of",
    "top_overlap",
    "verdict",
]

#: Measures of :data:`~tscam.evaluate.COLUMNS` where a smaller value is better.
LOWER_IS_BETTER = frozenset({"deletion_auc", "sanity_spearman", "sanity_abs_spearman"})


@dataclass(frozen=True)
class MethodResult:
    """Everything measured for one method: its maps (n, T), deletion and insertion curves, the
    cascading-randomisation steps ``[(layer, mean Spearman), ...]`` (None when not run), and the
    localisation scores (None without a ground-truth mask); ``sanity_rho``: each checked beat's
    Spearman correlation once every layer is random; ``extra``: ``{baseline name: (deletion,
    insertion)}`` under the further perturbation rules."""

    maps: torch.Tensor
    deletion: Curve
    insertion: Curve
    sanity: list[tuple[str, float]] | None = None
    relevance_mass: Score | None = None
    pointing_game: Score | None = None
    sanity_rho: np.ndarray | None = None
    extra: dict[str, tuple[Curve, Curve]] = field(default_factory=dict)


@dataclass
class Study:
    """The results of :func:`evaluate_methods` for one model on one set of beats."""

    name: str
    data: str
    target: np.ndarray
    results: dict[str, MethodResult]
    skipped: dict[str, str] = field(default_factory=dict)
    sanity_beats: int = 0
    _rows: dict[tuple[float, int], list[dict[str, Any]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def methods(self) -> list[str]:
        return list(self.results)

    @property
    def n_beats(self) -> int:
        return int(self.target.shape[0])

    def maps(self, method: str) -> torch.Tensor:
        return self.results[method].maps

    def curves(self, kind: str = "deletion") -> dict[str, Curve]:
        """``{method: Curve}`` of ``kind`` ``"deletion"`` or ``"insertion"``."""
        if kind not in ("deletion", "insertion"):
            raise ValueError(f"kind must be 'deletion' or 'insertion', got {kind!r}.")
        return {m: getattr(r, kind) for m, r in self.results.items()}

    def sanity(self) -> dict[str, list[tuple[str, float]]]:
        """``{method: [(layer, mean Spearman), ...]}`` for the methods checked."""
        return {m: r.sanity for m, r in self.results.items() if r.sanity is not None}

    def rows(self, level: float = 0.95, n_boot: int = 1000) -> list[dict[str, Any]]:
        """One row per method with the keys of :func:`tscam.evaluate.comparison_table`
        (``model``, ``method``, the measures) plus ``data``, ``beats``, the standard errors of
        the two AUCs over the beats (``deletion_auc_se``, ``insertion_auc_se``), a bootstrap
        interval ``<measure>_ci = (low, high)`` at ``level`` for every mean
        (:func:`tscam.evaluate.stats.bootstrap_ci`), the sanity check on the size of the
        correlation (``sanity_abs_spearman``: mean |rho| once every layer is random, with its
        interval), the AUCs under each further rule (``deletion_auc_<baseline>``, ...) and, when
        a reference method (random order) was computed, each method's paired difference to it
        on the same beats (``<kind>_auc_vs_random_se`` and ``<kind>_auc_vs_random_ci``, from
        :func:`tscam.evaluate.stats.paired_ci`). Computed once per ``(level, n_boot)`` and
        kept (copies of the rows are returned)."""
        key = (float(level), int(n_boot))
        if key not in self._rows:
            self._rows[key] = self._compute_rows(level, n_boot)
        return [dict(r) for r in self._rows[key]]

    def _compute_rows(self, level: float, n_boot: int) -> list[dict[str, Any]]:
        def ci(values: np.ndarray | None) -> tuple[float, float] | None:
            return None if values is None else bootstrap_ci(values, level, n_boot)

        ref_name = next((m for m in self.results if _is_reference(m)), None)
        ref = None if ref_name is None else self.results[ref_name]
        rows = []
        for method, r in self.results.items():
            paired: dict[str, Any] = {}
            if ref is not None and method != ref_name:
                for kind in ("deletion", "insertion"):
                    mine, theirs = (
                        getattr(r, kind).auc_per_beat(),
                        getattr(ref, kind).auc_per_beat(),
                    )
                    paired[f"{kind}_auc_vs_random_se"] = _se(mine - theirs)
                    paired[f"{kind}_auc_vs_random_ci"] = paired_ci(mine, theirs, level, n_boot)[1:]
            extra: dict[str, Any] = {}
            for name, (d, i) in r.extra.items():
                extra[f"deletion_auc_{name}"] = d.auc
                extra[f"deletion_auc_{name}_ci"] = ci(d.auc_per_beat())
                extra[f"insertion_auc_{name}"] = i.auc
                extra[f"insertion_auc_{name}_ci"] = ci(i.auc_per_beat())
                extra[f"aopc_{name}"] = d.aopc
                extra[f"aopc_{name}_ci"] = ci(d.aopc_per_beat())
            rho = None if r.sanity_rho is None else np.abs(r.sanity_rho)
            rows.append(
                {
                    "data": self.data,
                    "model": self.name,
                    "method": method,
                    "beats": self.n_beats,
                    "deletion_auc": r.deletion.auc,
                    "deletion_auc_se": _se(r.deletion.auc_per_beat()),
                    "deletion_auc_ci": ci(r.deletion.auc_per_beat()),
                    "insertion_auc": r.insertion.auc,
                    "insertion_auc_se": _se(r.insertion.auc_per_beat()),
                    "insertion_auc_ci": ci(r.insertion.auc_per_beat()),
                    "aopc": r.deletion.aopc,
                    "aopc_ci": ci(r.deletion.aopc_per_beat()),
                    "sanity_spearman": None if r.sanity is None else r.sanity[-1][1],
                    "sanity_abs_spearman": None if rho is None else float(rho.mean()),
                    "sanity_abs_spearman_ci": ci(rho),
                    "relevance_mass": None if r.relevance_mass is None else r.relevance_mass.mean,
                    "relevance_mass_ci": None
                    if r.relevance_mass is None
                    else ci(r.relevance_mass.per_beat),
                    "pointing_game": None if r.pointing_game is None else r.pointing_game.mean,
                    "pointing_game_ci": None
                    if r.pointing_game is None
                    else ci(r.pointing_game.per_beat),
                    **extra,
                    **paired,
                }
            )
        return rows


def _is_reference(method: str) -> bool:
    """Whether ``method`` is a registered reference (random order), not an explanation."""
    return method in registry.METHOD_LABELS and registry.get(method).reference


def _se(values: np.ndarray) -> float:
    """Standard error of the mean of ``values`` (0 for fewer than two values)."""
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else 0.0


def _sanity_index(n: int, sanity_beats: Any) -> np.ndarray:
    if sanity_beats is None:
        return np.arange(n)
    if isinstance(sanity_beats, int | np.integer):
        if sanity_beats < 0:
            raise ValueError(f"sanity_beats must be >= 0, got {sanity_beats}.")
        return np.arange(min(int(sanity_beats), n))
    index = np.asarray(sanity_beats, dtype=np.int64).reshape(-1)
    if index.size and (index.min() < 0 or index.max() >= n):
        raise ValueError(f"sanity_beats must index the {n} beats; got {index.tolist()}.")
    return index


def evaluate_methods(
    model: nn.Module,
    x: Any,
    *,
    name: str,
    data: str = "",
    target: Any = None,
    mask: Any = None,
    methods: Sequence[str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    steps: int = 10,
    baseline: Any = "zero",
    mean: Any = None,
    sanity_beats: int | Sequence[int] | None = None,
    seed: int = 0,
    batch_size: int = 512,
    onset: Any = None,
    also: Sequence[Any] = (),
    rhythm: Any = None,
    sanity_layers: Sequence[str] | None = None,
    sanity_steps: bool = True,
) -> Study:
    """Maps of every method that applies to ``model`` and every measure of them, computed once.

    The measures are those of :func:`tscam.evaluate.comparison_table` with the same arguments:
    deletion and insertion curves of ``steps`` steps with ``baseline`` (AUC and AOPC), the
    cascading randomisation of :func:`tscam.evaluate.cascading_randomization` on the beats
    picked by ``sanity_beats`` (None: all; an int k: the first k; or indices; 0 skips it), and,
    with a ground-truth ``mask`` (n, T), relevance mass and pointing game. ``target`` None
    explains the predicted class. ``options`` gives keyword options per method. ``onset``
    (n,) protects each beat's masked run in the curves and ``seed`` breaks ties in the maps
    (see :mod:`tscam.evaluate.deletion`).

    One perturbation rule for every method: ``baseline`` (with ``mean``, ``onset``) is a
    :class:`tscam.perturbation.Rule`, used by the curves and passed as ``rule=`` to the methods
    that perturb the input themselves (``takes_rule``: occlusion), unless ``options`` gives
    one. ``also``: further baselines (e.g. ``("noisy_linear",)``, ROAD) under which the curves
    are measured again from the same maps (``MethodResult.extra``). Each method's maps are
    computed once; each curve step is one forward pass for all methods together.

    ``rhythm`` (n, inputs): the beats' rhythm inputs, for a model with a rhythm head. Its term is
    added to the logits of every curve (perturbing the window leaves it unchanged), so the
    probabilities are the model's real outputs, and ``target`` None is the class the model
    predicts with it. The maps explain the window part (their gradients do not see the term).

    Sanity check: ``sanity_layers`` (default :func:`tscam.evaluate.default_layers`) are
    randomised cumulatively from the first listed; ``sanity_steps=False`` computes the maps of
    the fully randomised model only (the last step of the cascade, the same weights), compared
    with the maps already computed, so each method's maps are computed twice in all instead of
    once per layer plus once (``MethodResult.sanity`` then holds that one step).
    """
    options = {k: dict(v) for k, v in (options or {}).items()}
    xs = as_beats(x, model_device(model))
    n = xs.shape[0]
    mask_np = None if mask is None else to_numpy(mask)
    sanity_idx = _sanity_index(n, sanity_beats)
    rule = make_rule(baseline, mean, onset)
    if rule.onset is not None and rule.onset.shape != (n,):
        raise ValueError(
            f"onset must hold one index per beat ({n},); got {tuple(rule.onset.shape)}."
        )
    names = registry.names() if methods is None else tuple(methods)
    for m in names:
        if registry.get(m).takes_rule:
            options.setdefault(m, {}).setdefault("rule", rule)
    if rhythm is not None and target is None:  # the class the model predicts, rhythm included
        with evaluation(model):
            full = logits_of(model, xs, batch_size) + rhythm_offset(model, rhythm, n, xs.device)
        target = full.argmax(1)
    maps = attribute_all(model, xs, target, names, options=options, batch_size=batch_size)
    found = dict(maps)

    def measure(r) -> tuple[dict[str, Curve], dict[str, Curve]]:
        return tuple(  # type: ignore[return-value]
            curves(
                kind,
                model,
                xs,
                found,
                maps.target,
                steps,
                r,
                batch_size=batch_size,
                seed=seed,
                rhythm=rhythm,
            )
            for kind in ("deletion", "insertion")
        )

    deletion, insertion = measure(rule)
    extra = {}
    for b in also:
        other = make_rule(b, mean, onset)
        extra[other.name] = measure(other)
    final: dict[str, torch.Tensor] = {}
    last_layer = ""
    if sanity_idx.size and not sanity_steps:  # the fully randomised model only
        # one copy, randomised layer after layer: the last step is the fully random model
        last_layer, randomized = list(cascade(model, sanity_layers, seed))[-1]
        final = attribute_all(
            randomized,
            xs[sanity_idx],
            maps.target[sanity_idx],
            list(maps),
            options={
                k: (dict(v, rule=v["rule"].take(torch.as_tensor(sanity_idx))) if "rule" in v else v)
                for k, v in options.items()
            },
            batch_size=batch_size,
        )
    results: dict[str, MethodResult] = {}
    for method, m in maps.items():
        sanity = rho = None
        if sanity_idx.size and not sanity_steps:
            rho = spearman(m[sanity_idx], final[method])
            sanity = [(last_layer, float(rho.mean()))]
        elif sanity_idx.size:
            opts = dict(options.get(method, {}))
            if isinstance(opts.get("rule"), Rule):  # the rule of the checked beats only
                opts["rule"] = opts["rule"].take(torch.as_tensor(sanity_idx))
            per_beat = cascading_randomization(
                model,
                xs[sanity_idx],
                method,
                maps.target[sanity_idx],
                seed,
                layers=sanity_layers,
                options=opts,
                per_beat=True,
            )
            sanity = [(layer, float(v.mean())) for layer, v in per_beat]
            rho = per_beat[-1][1]
        results[method] = MethodResult(
            maps=m,
            deletion=deletion[method],
            insertion=insertion[method],
            sanity=sanity,
            relevance_mass=None if mask_np is None else relevance_mass(m, mask_np),
            pointing_game=None if mask_np is None else pointing_game(m, mask_np),
            sanity_rho=rho,
            extra={k: (d[method], i[method]) for k, (d, i) in extra.items()},
        )
    return Study(
        name=name,
        data=data,
        target=maps.target.cpu().numpy(),
        results=results,
        skipped=dict(maps.skipped),
        sanity_beats=int(sanity_idx.size),
    )


def perturb(
    x: Any,
    maps: Any,
    fraction: float,
    baseline: Any = "zero",
    *,
    kind: str = "deletion",
    mean: Any = None,
    target: Any = None,
    onset: Any = None,
    seed: int | None = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The beats of a deletion (or insertion) curve at one ``fraction`` of the samples:
    ``(beats (n, 1, T), replaced (n, T) bool)``.

    Deletion replaces the ``round(fraction * T)`` most relevant samples of each beat (by
    ``maps``, ties broken at random by ``seed``) with the ``baseline``; insertion keeps those
    samples and replaces all others. Baselines as in :mod:`tscam.evaluate.deletion`:
    ``"zero"``, ``"mean"`` (with ``mean=`` one beat or one per class, picked by ``target``),
    ``"interp"``, ``"noisy_linear"``, or an array (:class:`tscam.perturbation.Rule`). With
    ``onset`` (n,), the samples before it are never replaced,
    and the fraction counts the kept samples only, as in the curves.
    """
    if kind not in ("deletion", "insertion"):
        raise ValueError(f"kind must be 'deletion' or 'insertion', got {kind!r}.")
    if not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}.")
    xs = as_beats(x)
    n, c, length = xs.shape
    guard = None if onset is None else masked_run(onset, n, length)
    kept = length if guard is None else (~guard).sum(dim=1, keepdim=True)
    top = ranks(as_maps(maps, n, length), seed, masked=guard) < torch.round(
        kept * torch.tensor(float(fraction))
    )
    keep = ~top if kind == "deletion" else top
    if guard is not None:
        keep = keep | guard
    per_class = isinstance(baseline, str) and baseline == "mean" and np.ndim(mean) == 2
    if target is None and per_class and np.shape(mean)[0] > 1:
        raise ValueError("baseline='mean' with one mean beat per class needs target=.")
    t = torch.zeros(n, dtype=torch.int64)
    if target is not None:
        t = torch.as_tensor(np.asarray(to_numpy(target)), dtype=torch.int64).expand(n)
    out = make_rule(baseline, mean, onset).apply(xs, keep, t)
    return out, ~keep


def top_overlap(a: Any, b: Any, fraction: float = 0.1) -> np.ndarray:
    """Share of the ``round(fraction * T)`` most relevant samples of each map in ``a`` (n, T)
    that are also among the most relevant of the same row of ``b``, shape (n,): 1 when both
    maps single out the same samples, about ``fraction`` for unrelated maps. Ties are ranked
    by position, as in the deletion curves. Unlike a rank correlation over all samples, it
    looks only at the brightest part of the maps."""
    shape = np.shape(to_numpy(a))
    if len(shape) != 2:
        raise ValueError(f"a must be maps of shape (n, T); got {shape}.")
    ma, mb = as_maps(a, *shape), as_maps(b, *shape)
    if not 0.0 < float(fraction) <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}.")
    k = max(1, int(np.rint(float(fraction) * ma.shape[1])))
    top_a, top_b = ranks(ma) < k, ranks(mb) < k
    return ((top_a & top_b).sum(dim=1).double() / k).numpy()


def best_method(
    rows: Sequence[Mapping[str, Any]],
    column: str,
    *,
    exclude: Sequence[str] = ("random",),
    **where: Any,
) -> tuple[str, float] | None:
    """``(method, value)`` of the best row on ``column`` among the rows matching ``where``
    (e.g. ``model="FCN"``), leaving out the methods in ``exclude``. Lower is better for the
    measures in :data:`LOWER_IS_BETTER`, higher for the others. None when no row has a value."""
    candidates = [
        r
        for r in rows
        if r.get(column) is not None
        and r.get("method") not in exclude
        and all(r.get(k) == v for k, v in where.items())
    ]
    if not candidates:
        return None
    sign = 1.0 if column in LOWER_IS_BETTER else -1.0
    best = min(candidates, key=lambda r: sign * float(r[column]))
    return str(best["method"]), float(best[column])


def rank_of(
    rows: Sequence[Mapping[str, Any]],
    method: str,
    column: str,
    *,
    exclude: Sequence[str] = ("random",),
    **where: Any,
) -> tuple[int, int] | None:
    """``(rank, count)`` of ``method`` on ``column`` among the rows matching ``where`` (1 =
    best, direction as in :func:`best_method`; ties share the better rank), leaving out
    ``exclude``. None when the method has no value there."""
    values = {
        str(r["method"]): float(r[column])
        for r in rows
        if r.get(column) is not None
        and r.get("method") not in exclude
        and all(r.get(k) == v for k, v in where.items())
    }
    if method not in values:
        return None
    sign = 1.0 if column in LOWER_IS_BETTER else -1.0
    mine = sign * values[method]
    return 1 + sum(sign * v < mine for v in values.values()), len(values)


def _difference_se(row: Mapping[str, Any], ref: Mapping[str, Any], col: str) -> float:
    """Standard error of ``row[col] - ref[col]``: the paired one (``<col>_vs_random_se``, same
    beats) when the row has it, else that of two independent means; 0 when nothing is known."""
    paired = row.get(f"{col}_vs_random_se")
    if paired is not None:
        return float(paired)
    return float(np.hypot(row.get(f"{col}_se") or 0.0, ref.get(f"{col}_se") or 0.0))


def _value(row: Mapping[str, Any] | None, col: str) -> str:
    """``"0.123 ± 0.010"`` (the standard error when the row has ``<col>_se``), "" if missing."""
    if row is None or row.get(col) is None:
        return ""
    se = row.get(f"{col}_se")
    return f"{row[col]:.3f}" + (f" ± {se:.3f}" if se is not None else "")


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def verdict(
    rows: Sequence[Mapping[str, Any]],
    *,
    threshold: float = 0.5,
    uniform: Mapping[str, float] | None = None,
    labels: Mapping[str, str] | None = None,
    focus: Sequence[str] = ("cam", "grad_cam"),
    reference: str | None = None,
) -> list[str]:
    """Plain-words conclusions from the rows of a comparison table, one paragraph (markdown) per
    (``data``, ``model``) group, every number taken from the rows.

    Per group: the most faithful method by deletion AUC and by insertion AUC (with standard
    errors where the rows have ``deletion_auc_se``/``insertion_auc_se``), and the methods whose
    deletion AUC is not below (insertion AUC not above) the ``reference`` (random) order's by
    more than twice the standard error of the difference (paired when the rows have
    ``*_vs_random_se``; 0 when unknown); the sanity check: with ``sanity_abs_spearman_ci`` in
    the rows, a method fails when the lower end of the interval of its mean |rank correlation|
    with the intact model's maps after cascading randomisation lies above ``threshold`` (and is
    undecided when the interval contains it), else (older rows) when the mean signed
    correlation lies above ``threshold``; with localisation scores, the best method by
    relevance mass and those at or below the score of a uniform map (``uniform``: ``{data:
    mean region fraction}``); and where the ``focus`` methods (CAM, Grad-CAM) rank.
    ``reference`` None: the registered reference method (``Method.reference``: random).
    ``labels`` maps method keys to display names.
    """
    if reference is None:  # the registered reference (random order)
        reference = next((m.name for m in registry.registered() if m.reference), "random")
    labels = dict(labels or {})

    def name(m: str) -> str:
        return labels.get(m, m)

    groups = list(dict.fromkeys((r.get("data", ""), r.get("model", "")) for r in rows))
    out = []
    for data, model in groups:
        where = {"data": data, "model": model}
        sub = [r for r in rows if r.get("data", "") == data and r.get("model", "") == model]
        ref = next((r for r in sub if r.get("method") == reference), None)
        parts = []
        best_del = best_method(sub, "deletion_auc", exclude=(reference,))
        best_ins = best_method(sub, "insertion_auc", exclude=(reference,))
        if best_del and best_ins:
            by = {str(r.get("method")): r for r in sub}
            text = (
                f"By deletion AUC the most faithful method is {name(best_del[0])} "
                f"({_value(by[best_del[0]], 'deletion_auc')}"
            )
            if _value(ref, "deletion_auc"):
                text += f"; random order {_value(ref, 'deletion_auc')}"
            text += (
                f"), by insertion AUC {name(best_ins[0])} "
                f"({_value(by[best_ins[0]], 'insertion_auc')}"
            )
            if _value(ref, "insertion_auc"):
                text += f"; random order {_value(ref, 'insertion_auc')}"
            text += ")."
            parts.append(text)
            for col, kind, sign in (
                ("deletion_auc", "deletion", 1.0),
                ("insertion_auc", "insertion", -1.0),
            ):
                if ref is None or ref.get(col) is None:
                    continue
                unclear = [
                    name(r["method"])
                    for r in sub
                    if r.get("method") != reference
                    and r.get(col) is not None
                    and sign * (ref[col] - r[col]) <= 2 * _difference_se(r, ref, col)
                ]
                parts.append(
                    f"{_join(unclear)} did not clearly beat the random order on {kind}."
                    if unclear
                    else f"Every method clearly beat the random order on {kind}."
                )
        sized = [
            r
            for r in sub
            if r.get("method") != reference and r.get("sanity_abs_spearman_ci") is not None
        ]
        checked = [
            r for r in sub if r.get("method") != reference and r.get("sanity_spearman") is not None
        ]
        if sized:  # the rule on the size of the correlation, with its interval
            fail = [name(r["method"]) for r in sized if r["sanity_abs_spearman_ci"][0] > threshold]
            unsure = [
                name(r["method"])
                for r in sized
                if r["sanity_abs_spearman_ci"][0] <= threshold < r["sanity_abs_spearman_ci"][1]
            ]
            text = (
                f"{_join(fail)} failed the sanity check (mean |rank correlation| above "
                f"{threshold:g}, interval included, once every layer was random)."
                if fail
                else "No method failed the sanity check (mean |rank correlation| above "
                f"{threshold:g}, interval included, once every layer was random)."
            )
            if unsure:
                text += f" For {_join(unsure)} the interval straddles {threshold:g}: undecided."
            parts.append(text)
        elif checked:
            fail = [name(r["method"]) for r in checked if r["sanity_spearman"] > threshold]
            top = max(checked, key=lambda r: r["sanity_spearman"])
            parts.append(
                f"{_join(fail)} failed the sanity check (rank correlation above "
                f"{threshold:g} once every layer was random)."
                if fail
                else f"Every method passed the sanity check (rank correlation at most "
                f"{threshold:g} once every layer was random; highest: "
                f"{name(top['method'])}, {top['sanity_spearman']:.2f})."
            )
        best_mass = best_method(sub, "relevance_mass", exclude=(reference,))
        if best_mass:
            text = (
                f"The most relevance inside the true region comes from {name(best_mass[0])} "
                f"({best_mass[1]:.0%})"
            )
            level = None if uniform is None else uniform.get(data)
            if level is not None:
                low = [
                    name(r["method"])
                    for r in sub
                    if r.get("method") != reference
                    and r.get("relevance_mass") is not None
                    and r["relevance_mass"] <= level
                ]
                text += f"; a uniform map would put {level:.0%} there"
                text += f", and {_join(low)} did no better." if low else "."
            else:
                text += "."
            parts.append(text)
        standing = []
        for m in focus:
            ranks_ = {
                col: rank_of(sub, m, col, exclude=(reference,), **where)
                for col in ("deletion_auc", "insertion_auc", "relevance_mass")
            }
            shown = [
                f"{k} of {n} by {col.replace('_auc', ' AUC').replace('_', ' ')}"
                for col, rk in ranks_.items()
                if rk is not None
                for k, n in [rk]
            ]
            if shown:
                standing.append(f"{name(m)} ranks {', '.join(shown)}")
        if standing:
            parts.append("; ".join(standing) + ".")
        text = " ".join(p[:1].upper() + p[1:] for p in parts)
        out.append(f"**{model} on {data}.** {text}" if data else text)
    return out


#: Per-beat measures compared by :func:`paired_differences`: ``(Curve kind, per-beat values)``.
_PER_BEAT = {
    "deletion_auc": ("deletion", "auc_per_beat"),
    "insertion_auc": ("insertion", "auc_per_beat"),
    "aopc": ("deletion", "aopc_per_beat"),
}


def _rule_curves(result: MethodResult, rule: str | None) -> dict[str, Curve]:
    """``{"deletion": Curve, "insertion": Curve}`` of one method under ``rule`` (None or the
    name of the study's first rule: its primary curves; else one of ``result.extra``)."""
    if rule is None or rule == result.deletion.baseline:
        return {"deletion": result.deletion, "insertion": result.insertion}
    if rule not in result.extra:
        raise ValueError(
            f"No curves under rule {rule!r}; measured: {result.deletion.baseline!r}"
            f" and {sorted(result.extra)}."
        )
    d, i = result.extra[rule]
    return {"deletion": d, "insertion": i}


def paired_differences(
    study: Study,
    against: str = "grad_cam",
    *,
    measures: Sequence[str] = ("deletion_auc", "insertion_auc", "aopc"),
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Each method minus ``against`` on the same beats, under every rule of the study: one row
    ``{model, method, rule, measure, diff, low, high, better}`` per method (the reference and
    ``against`` left out), rule (the primary one, then those of ``also``) and measure
    (``deletion_auc``, ``insertion_auc``, ``aopc``), the interval a paired bootstrap
    (:func:`tscam.evaluate.stats.paired_ci`). ``better``: the whole interval lies on the better
    side of 0 (below for the deletion AUC, above for the others): the method beats ``against``
    by more than its interval."""
    if against not in study.results:
        raise ValueError(f"{against!r} was not measured; methods: {study.methods}.")
    first = study.results[against]
    rules = [first.deletion.baseline, *first.extra]
    out = []
    for method, r in study.results.items():
        if method == against or _is_reference(method):
            continue
        for rule in rules:
            mine, theirs = _rule_curves(r, rule), _rule_curves(first, rule)
            for measure in measures:
                if measure not in _PER_BEAT:
                    raise ValueError(f"Unknown measure {measure!r}; use {tuple(_PER_BEAT)}.")
                kind, fn = _PER_BEAT[measure]
                a, b = getattr(mine[kind], fn)(), getattr(theirs[kind], fn)()
                diff, low, high = paired_ci(a, b, level, n_boot, seed)
                sign = -1.0 if measure in LOWER_IS_BETTER else 1.0
                out.append(
                    {
                        "model": study.name,
                        "method": method,
                        "rule": rule,
                        "measure": measure,
                        "diff": diff,
                        "low": low,
                        "high": high,
                        "better": bool(low > 0 if sign > 0 else high < 0),
                    }
                )
    return out


def faithfulness_verdict(
    study: Study,
    against: str = "grad_cam",
    *,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Which method is most faithful on ``study`` and whether any beats ``against``.

    Returns ``{"best": {(rule, measure): method}, "consistent": method or None, "beats":
    [methods], "text": str}``: the best method (the reference left out) by deletion AUC and by
    insertion AUC under each rule of the study; ``consistent`` the method best on all of them
    (None when they disagree); ``beats`` the methods that beat ``against`` by more than their
    paired interval (:func:`paired_differences`) on both AUCs under every rule; ``text`` says
    all this in one paragraph (markdown), with ``labels`` for the method names."""
    labels = dict(labels or {})

    def name(m: str) -> str:
        return labels.get(m, m)

    first = study.results[against] if against in study.results else None
    rules = [next(iter(study.results.values())).deletion.baseline]
    rules += list(next(iter(study.results.values())).extra)
    best: dict[tuple[str, str], str] = {}
    for rule in rules:
        for measure in ("deletion_auc", "insertion_auc"):
            kind, fn = _PER_BEAT[measure]
            values = {
                m: float(getattr(_rule_curves(r, rule)[kind], fn)().mean())
                for m, r in study.results.items()
                if not _is_reference(m)
            }
            pick = min if measure in LOWER_IS_BETTER else max
            best[(rule, measure)] = pick(values, key=values.get)
    winners = set(best.values())
    consistent = next(iter(winners)) if len(winners) == 1 else None
    diffs = (
        []
        if first is None
        else paired_differences(
            study,
            against,
            measures=("deletion_auc", "insertion_auc"),
            level=level,
            n_boot=n_boot,
            seed=seed,
        )
    )
    beats = [
        m
        for m in study.results
        if any(d["method"] == m for d in diffs)
        and all(d["better"] for d in diffs if d["method"] == m)
    ]
    parts = []
    for rule in rules:
        parts.append(
            f"under {rule}, {name(best[(rule, 'deletion_auc')])} by deletion AUC and "
            f"{name(best[(rule, 'insertion_auc')])} by insertion AUC"
        )
    text = f"**{study.name}.** Most faithful: " + "; ".join(parts) + "."
    text += (
        f" One method is best on all of these: {name(consistent)}."
        if consistent
        else " No method is best on all of these."
    )
    if first is not None:
        text += (
            f" Beats {name(against)} by more than the {level:.0%} paired interval on both AUCs "
            f"under every rule: {_join([name(m) for m in beats])}."
            if beats
            else f" No method beats {name(against)} by more than the {level:.0%} paired interval "
            "on both AUCs under every rule."
        )
    return {"best": best, "consistent": consistent, "beats": beats, "text": text}
