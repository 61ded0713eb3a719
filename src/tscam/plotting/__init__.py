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
from tscam.plotting.classes import plot_class_average, plot_class_grid
from tscam.plotting.colors import (
    CLASS_COLORS,
    OKABE_ITO,
    RELEVANCE_CMAP,
    SIGNED_CMAP,
    relevance_cmap,
    relevance_norm,
)
from tscam.plotting.diagrams import plot_architecture_fcn, plot_confusion

__all__ = [
    "CLASS_COLORS",
    "OKABE_ITO",
    "RELEVANCE_CMAP",
    "SIGNED_CMAP",
    "plot_architecture_fcn",
    "plot_beat",
    "plot_beat_heatmap",
    "plot_class_average",
    "plot_class_grid",
    "plot_confusion",
    "plot_segments",
    "relevance_cmap",
    "relevance_label",
    "relevance_norm",
    "segment_values",
]
