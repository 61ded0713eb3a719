"""Two looks for the course's figures: the book (default) and the lecture (larger fonts, lines).

Importing this module changes nothing. Each function returns a :class:`Style`, which works
both ways:

- a plain call applies the look globally, until changed again: ``lecture_style()`` at the top
  of a notebook, e.g. before exporting it as slides. This is the package's one explicit global
  side effect, and it happens only when you call it;
- as a context manager it applies the look only inside the ``with`` block and then restores the
  settings it changed: ``with lecture_style(): fig = plot_beat(x)``.

``book_style()`` sets every setting that ``lecture_style()`` changes back to the book's values,
so the two can be switched back and forth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib as mpl

__all__ = ["BOOK", "LECTURE", "TEXT_WIDTH_IN", "Style", "book_style", "lecture_style"]

#: The width (inches, at the notebook's 100 dpi) of a figure that fills the book's text column:
#: the column is 672 px wide in a 1280 px browser window. Draw figures at most this wide (and
#: their smallest text at 8 pt or more), or tag the cell to span the page.
TEXT_WIDTH_IN = 6.7

#: The book's look: matplotlib's default sizes and frame.
BOOK: dict[str, Any] = {
    "font.size": 10.0,
    "axes.titlesize": "large",
    "axes.labelsize": "medium",
    "xtick.labelsize": "medium",
    "ytick.labelsize": "medium",
    "legend.fontsize": "medium",
    "lines.linewidth": 1.5,
    "lines.markersize": 6.0,
    "axes.linewidth": 0.8,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "axes.spines.top": True,
    "axes.spines.right": True,
}

#: The lecture's look: readable from the back of a room and on a projector.
LECTURE: dict[str, Any] = {
    "font.size": 16.0,
    "axes.titlesize": "large",
    "axes.labelsize": "medium",
    "xtick.labelsize": "small",
    "ytick.labelsize": "small",
    "legend.fontsize": "small",
    "lines.linewidth": 2.5,
    "lines.markersize": 9.0,
    "axes.linewidth": 1.4,
    "xtick.major.width": 1.4,
    "ytick.major.width": 1.4,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


class Style:
    """A set of matplotlib settings, applied at creation; a context manager that undoes them.

    ``previous`` holds the values the settings had before, which ``restore()`` (called by
    ``__exit__``) puts back.
    """

    def __init__(self, params: Mapping[str, Any], name: str = "custom") -> None:
        unknown = sorted(set(params) - set(mpl.rcParams))
        if unknown:
            raise KeyError(f"Not matplotlib settings: {unknown}.")
        self.name = name
        self.params = dict(params)
        self.previous = {k: mpl.rcParams[k] for k in self.params}
        mpl.rcParams.update(self.params)

    def restore(self) -> None:
        """Put back the settings as they were before this style was applied."""
        mpl.rcParams.update(self.previous)

    def __enter__(self) -> Style:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def __repr__(self) -> str:
        return f"Style({self.name!r}, {len(self.params)} settings)"


def lecture_style(**overrides: Any) -> Style:
    """Larger fonts and lines for slides and live lectures (``overrides`` adjust single
    settings, e.g. ``lecture_style(**{"font.size": 18})``). See the module docstring."""
    return Style({**LECTURE, **overrides}, "lecture")


def book_style(**overrides: Any) -> Style:
    """The book's default look (undoes :func:`lecture_style`). See the module docstring."""
    return Style({**BOOK, **overrides}, "book")
