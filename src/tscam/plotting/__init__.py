"""Figures of the course (matplotlib). Every function takes ``ax=`` (a new figure when None),
returns the :class:`matplotlib.figure.Figure`, and changes no global settings.

Colours are colour-blind safe (see :mod:`tscam.plotting.colors`): ``viridis`` for relevance,
``RdBu_r`` centred at 0 for signed maps; every heatmap has a labelled colour bar.

- :mod:`~tscam.plotting.beats`: :func:`plot_beat`, :func:`plot_beat_heatmap`,
  :func:`plot_segments` (the 11-segment picture of the LSTM chapter).
- :mod:`~tscam.plotting.classes`: :func:`plot_class_average`, :func:`plot_class_grid`
  (draw the results of :func:`tscam.aggregate.class_average`).
- :mod:`~tscam.plotting.diagrams`: :func:`plot_confusion`, :func:`plot_architecture_fcn`.

The plot functions draw arrays; they compute no maps.
"""

from tscam.plotting.beats import (
    plot_beat,
    plot_beat_heatmap,
    plot_segments,
    relevance_label,
    segment_values,
)
from tscam.plotting.classes import plot_class_average, plot_class_grid, plot_parts_by_class
from tscam.plotting.colors import (
    CLASS_PALETTE,
    OKABE_ITO,
    RELEVANCE_CMAP,
    SIGNED_CMAP,
    class_colors,
    relevance_cmap,
    relevance_norm,
)
from tscam.plotting.compare import (  # chapters 5-6
    plot_average_profiles,  # noqa: F401
    plot_maps_side_by_side,  # noqa: F401
    plot_step_values,  # noqa: F401
)
from tscam.plotting.diagrams import plot_architecture_fcn, plot_confusion
from tscam.plotting.evaluation import (  # noqa: F401 (chapter 7)
    METHOD_LABELS,
    method_label,
    plot_curves,
    plot_grouped_scores,
    plot_method_maps,
    plot_perturbed,
    plot_sanity,
    shade_region,
)
from tscam.plotting.features import plot_feature_maps  # noqa: F401 (chapter 3)
from tscam.plotting.predictions import plot_beat_prediction, plot_training_history
from tscam.plotting.records import (
    plot_beat_window,
    plot_class_counts,
    plot_class_means,
    plot_record_excerpt,
    plot_rr_series,
    plot_split_records,
)
from tscam.plotting.rhythm import (  # noqa: F401 (rhythm features and logit parts)
    plot_logit_parts,
    plot_rhythm_by_class,
    plot_rhythm_sweep,
)

__all__ = [
    "CLASS_PALETTE",
    "class_colors",
    "OKABE_ITO",
    "RELEVANCE_CMAP",
    "SIGNED_CMAP",
    "plot_architecture_fcn",
    "plot_beat",
    "plot_beat_heatmap",
    "plot_beat_prediction",
    "plot_beat_window",
    "plot_class_average",
    "plot_class_counts",
    "plot_class_grid",
    "plot_class_means",
    "plot_parts_by_class",
    "plot_confusion",
    "plot_record_excerpt",
    "plot_rr_series",
    "plot_segments",
    "plot_split_records",
    "plot_training_history",
    "relevance_cmap",
    "relevance_label",
    "relevance_norm",
    "segment_values",
]
