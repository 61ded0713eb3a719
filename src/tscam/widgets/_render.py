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
    # tight: nothing drawn near the edge (a colour bar's label, say) is cut off
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    if close:
        plt.close(fig)
    return buf.getvalue()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: drawing in widget callbacks never leaks into notebook output."""
    return Figure(figsize=figsize, layout="constrained")
