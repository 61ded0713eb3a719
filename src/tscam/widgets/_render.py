"""Pieces shared by the widgets: the redraw scaffold, figures to PNG bytes, and the class filter
+ beat slider."""

from __future__ import annotations

import contextlib
import html
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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


def one_beat(beats: Any, i: int) -> Any:
    """Beat ``i`` of ``beats`` as a one-beat beats object (``beats.subset([i])``), or as a
    (1, T) array when ``beats`` has no ``subset``. The models' own input rule
    (:func:`tscam.models.inference.model_inputs`) then takes what the model reads of it: the
    window, and the rhythm features for a model with a rhythm head (a model with a rhythm head
    refuses beats without them, and the widget shows that message)."""
    if hasattr(beats, "subset"):
        return beats.subset([i])
    return np.asarray(beats.x[i : i + 1], dtype=np.float32)


class Redraw:
    """The redraw scaffold every widget shares.

    Calling it (as an observer of any control) runs ``draw()``, unless it is quiet; an error
    becomes a red message in ``info`` (:func:`error_html`), never a traceback. :meth:`after`
    wraps an update of other controls: it runs quietly (no redraw per changed control), then
    redraws once.
    """

    def __init__(self, draw: Callable[[], None], info: w.HTML, what: str = "choice") -> None:
        self.draw, self.info, self.what, self.quiet = draw, info, what, False

    def __call__(self, *_: Any) -> None:
        if self.quiet:
            return
        try:
            self.draw()
        except Exception as err:  # shown to the user instead of a traceback
            self.info.value = error_html(self.what, err)

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        """No redraw while the block changes controls."""
        self.quiet = True
        try:
            yield
        finally:
            self.quiet = False

    def after(self, update: Callable[[], None]) -> Callable[[Any], None]:
        """An observer that runs ``update()`` quietly, then redraws once."""

        def handler(_: Any) -> None:
            with self.quietly():
                update()
            self()

        return handler


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


class BeatSelection:
    """The class filter and beat slider of :func:`beat_selector`, and the beats they select."""

    def __init__(self, y: np.ndarray, classes: Sequence[str], all_value: int) -> None:
        self.y, self.all_value = np.asarray(y), all_value
        self.filter, self.slider = beat_selector(self.y, classes, all_value)

    def indices(self) -> np.ndarray:
        """Positions of the beats the filter selects."""
        k = self.filter.value
        return np.arange(len(self.y)) if k == self.all_value else np.flatnonzero(self.y == k)

    def current(self) -> tuple[np.ndarray, int]:
        """``(selected positions, position of the beat the slider shows)``."""
        idx = self.indices()
        return idx, int(idx[min(self.slider.value, len(idx) - 1)])

    def connect(self, redraw: Redraw) -> None:
        """Redraw on each change; a new filter first moves the slider to its first beat."""

        def restart() -> None:
            self.slider.value = 0
            self.slider.max = max(len(self.indices()) - 1, 0)

        self.filter.observe(redraw.after(restart), names="value")
        self.slider.observe(redraw, names="value")


def figure_png(fig: Figure, dpi: float = 100, close: bool = True) -> bytes:
    """The figure as PNG bytes; ``close=True`` closes it (frees its memory in pyplot)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"Expected a matplotlib Figure, got {type(fig).__name__}.")
    buf = io.BytesIO()
    # nothing drawn near the edge (a colour bar's label, say) may be cut off: a layout engine
    # (constrained, tight) already keeps everything inside the figure; without one, crop to
    # what is drawn (a second draw, so only where it is needed)
    tight = {} if fig.get_layout_engine() is not None else {"bbox_inches": "tight"}
    fig.savefig(buf, format="png", dpi=dpi, pad_inches=0.1, **tight)
    if close:
        plt.close(fig)
    return buf.getvalue()


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: drawing in widget callbacks never leaks into notebook output."""
    return Figure(figsize=figsize, layout="constrained")
