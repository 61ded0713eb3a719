"""Figures to PNG bytes, without pyplot state (shared by the explorer and the galleries)."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def figure_png(fig: Figure, dpi: float = 100, close: bool = True) -> bytes:
    """The figure as PNG bytes; ``close=True`` closes it (frees its memory in pyplot)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"Expected a matplotlib Figure, got {type(fig).__name__}.")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    if close:
        plt.close(fig)
    return buf.getvalue()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: drawing in widget callbacks never leaks into notebook output."""
    return Figure(figsize=figsize, layout="constrained")
