"""Can we trust these heatmaps? Measuring explanations (chapter 7).

- :mod:`~tscam.evaluate.methods`: CAM, Grad-CAM, saliency, Integrated Gradients, occlusion and
  a random baseline, one map (n, T) per method: :func:`attribute`, :func:`attribute_all`.
- :mod:`~tscam.evaluate.deletion`: faithfulness, :func:`deletion_curve`,
  :func:`insertion_curve`, :func:`aopc`, :func:`random_curve`, :func:`curves` (several methods
  at once) under one perturbation rule (zero / mean / interp / noisy_linear (ROAD), see
  :mod:`tscam.perturbation`).
- :mod:`~tscam.evaluate.stats`: :func:`bootstrap_ci`, :func:`paired_ci` (scipy's bootstrap)
  and :func:`permutation_null` (chance levels).
- :mod:`~tscam.evaluate.sanity`: :func:`cascading_randomization` (Adebayo et al. 2018).
- :mod:`~tscam.evaluate.localization`: ground truth on synthetic beats,
  :func:`relevance_mass`, :func:`pointing_game`, and :func:`fit_synthetic` to train on them.
- :mod:`~tscam.evaluate.table`: :func:`comparison_table` (all methods x all measures) and
  :func:`format_table` (markdown).
"""

from tscam.evaluate.deletion import (
    BASELINES,
    Curve,
    aopc,
    class_means,
    curves,
    deletion_curve,
    difference_ci,
    insertion_curve,
    interpolate,
    make_rule,
    masked_run,
    random_curve,
    ranks,
    rhythm_offset,
)
from tscam.evaluate.localization import (
    Score,
    accuracy,
    chance_level,
    fit_synthetic,
    pointing_game,
    relevance_mass,
    score_matrix,
)
from tscam.evaluate.methods import (
    METHODS,
    Attributions,
    MethodNotApplicable,
    applicable,
    attribute,
    attribute_all,
    random_maps,
)
from tscam.evaluate.sanity import (
    cascade,
    cascading_randomization,
    default_layers,
    randomize_layer_,
    spearman,
)
from tscam.evaluate.stats import Null, agreement, bootstrap_ci, paired_ci, permutation_null
from tscam.evaluate.table import COLUMNS, comparison_table, format_table

__all__ = [
    "BASELINES",
    "COLUMNS",
    "METHODS",
    "Attributions",
    "Curve",
    "MethodNotApplicable",
    "Null",
    "Score",
    "accuracy",
    "agreement",
    "aopc",
    "applicable",
    "attribute",
    "attribute_all",
    "cascade",
    "chance_level",
    "bootstrap_ci",
    "cascading_randomization",
    "class_means",
    "comparison_table",
    "curves",
    "default_layers",
    "deletion_curve",
    "difference_ci",
    "fit_synthetic",
    "format_table",
    "insertion_curve",
    "interpolate",
    "make_rule",
    "masked_run",
    "paired_ci",
    "permutation_null",
    "pointing_game",
    "random_curve",
    "random_maps",
    "randomize_layer_",
    "ranks",
    "relevance_mass",
    "rhythm_offset",
    "score_matrix",
    "spearman",
]
