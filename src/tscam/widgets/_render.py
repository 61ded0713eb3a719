"""Pieces shared by the widgets: figures to PNG bytes, and the class filter + beat slider."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def error_html(what: str, err: Exception) -> str:
    """A red one-line message for a widget's info area: shown instead of a traceback."""
    return (
        f"<span style='color:#b00'>Cannot draw this {html.escape(what)}: "
        f"{html.escape(type(err).__name__)}: {html.escape(str(err))}</span>"
    )


def beat_selector(
    y: np.ndarray, classes: Sequence[str], all_value: int
) -> tuple[w.Dropdown, w.IntSlider]:
    """A "true class" dropdown (all beats, or one class present in ``y``, with counts) and a
    beat slider over the selected beats."""
    desc = {"description_width": "initial"}
    counts = np.bincount(y, minlength=len(classes))
    filter_dd = w.Dropdown(
        options=[(f"all ({len(y):,})", all_value)]
        + [(f"{c} ({n:,})", i) for i, (c, n) in enumerate(zip(classes, counts, strict=False)) if n],
        value=all_value,
        description="true class",
        style=desc,
    )
    beat_sl = w.IntSlider(
        value=0, min=0, max=len(y) - 1, description="beat", style=desc, continuous_update=False
    )
    return filter_dd, beat_sl


def figure_png(fig: Figure, dpi: float = 100, close: bool = True) -> bytes:
    """The figure as PNG bytes; ``close=True`` closes it (frees its memory in pyplot)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"Expected a matplotlib Figure, got {type(fig).__name__}.")
    buf = io.BytesIO()
    # tight: nothing drawn near the edge (a colour bar's label, say) is cut off
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    if close:
        plt.close(fig)
    return buf.getvalue()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: drawing in widget callbacks never leaks into notebook output."""
    return Figure(figsize=figsize, layout="constrained")
