"""All methods x all measures in one table (rows of plain dicts; no pandas needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn

from tscam.evaluate.study import evaluate_methods

#: Columns of :func:`comparison_table`, with the header :func:`format_table` gives them
#: (arrows: which direction is better).
COLUMNS: dict[str, str] = {
    "model": "model",
    "method": "method",
    "deletion_auc": "deletion AUC ↓",
    "insertion_auc": "insertion AUC ↑",
    "aopc": "AOPC ↑",
    "sanity_spearman": "rank corr. after randomisation ↓",
    "relevance_mass": "relevance mass ↑",
    "pointing_game": "pointing game ↑",
}


def comparison_table(
    models: nn.Module | Mapping[str, nn.Module],
    x: Any,
    methods: Sequence[str] | None = None,
    target: Any = None,
    *,
    mask: Any = None,
    steps: int = 20,
    baseline: Any = "zero",
    mean: Any = None,
    sanity: bool = True,
    sanity_beats: int | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
    batch_size: int = 512,
) -> list[dict[str, Any]]:
    """One row per (model, method) with every measure, for the same beats ``x``.

    - ``deletion_auc``, ``insertion_auc``, ``aopc``: :mod:`tscam.evaluate.deletion` with
      ``steps`` and ``baseline`` (and ``mean`` for the ``"mean"`` baseline);
    - ``sanity_spearman``: mean Spearman correlation with the original maps once every layer is
      randomised (:func:`cascading_randomization`; on the first ``sanity_beats`` beats; None
      when ``sanity=False``);
    - ``relevance_mass``, ``pointing_game``: against the ground-truth ``mask`` (n, T) when
      given (synthetic beats), else None.

    ``models`` is one model or ``{name: model}``; ``target`` None explains each model's predicted
    class (pass the true labels to explain those). Methods a model cannot use are left out.
    ``methods`` None: the compared methods of the registry (:data:`tscam.methods.METHODS`).

    The rows of :meth:`Study.rows <tscam.evaluate.study.Study.rows>` of
    :func:`~tscam.evaluate.study.evaluate_methods` (the one implementation), per model, reduced
    to the :data:`COLUMNS`.
    """
    if isinstance(models, nn.Module):
        models = {type(models).__name__: models}
    rows: list[dict[str, Any]] = []
    for name, model in models.items():
        study = evaluate_methods(
            model,
            x,
            name=name,
            target=target,
            mask=mask,
            methods=methods,
            options=options,
            steps=steps,
            baseline=baseline,
            mean=mean,
            sanity_beats=(sanity_beats if sanity else 0),
            seed=seed,
            batch_size=batch_size,
        )
        rows += [{c: row[c] for c in COLUMNS} for row in study.rows()]
    return rows


def format_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, digits: int = 3
) -> str:
    """Rows of :func:`comparison_table` (or any dicts) as a markdown table; None -> "n/a"."""
    if not rows:
        raise ValueError("No rows to format.")
    if columns is None:
        columns = [c for c in COLUMNS if any(r.get(c) is not None for r in rows)]
        columns += [c for c in rows[0] if c not in columns and c not in COLUMNS]

    def cell(value: Any) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value)

    header = [COLUMNS.get(c, c) for c in columns]
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "|" + "|".join(":--" if c in ("model", "method") else "--:" for c in columns) + "|"
    )
    for r in rows:
        lines.append("| " + " | ".join(cell(r.get(c)) for c in columns) + " |")
    return "\n".join(lines)
