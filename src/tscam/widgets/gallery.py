"""Kernel-free galleries for the rendered book: precomputed figures in a ``Stack``, switched by
controls linked on the client side with ``jslink``, so the static HTML stays interactive.

Only widget-to-widget links are used (no Python callbacks), so a reader needs no kernel:
the notebook's saved widget state holds the images, the controls and the links.

How the two-control grid works with ``jslink`` alone: ``jslink`` copies one trait to one
other trait, so a pair (row, column) cannot be combined into one index without code. Instead
the figures are nested: an outer ``Stack`` has one inner ``Stack`` per row, each holding that
row's figures in column order. The row control's ``index`` is linked to the outer stack's
``selected_index``, and the column control's ``index`` is linked to *every* inner stack's
``selected_index``: choosing a column switches all rows at once, so whichever row is shown
shows the chosen column.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
from matplotlib.figure import Figure

from tscam.widgets._render import figure_png

CONTROLS = ("dropdown", "slider", "buttons")

__all__ = ["CONTROLS", "Gallery", "gallery", "gallery_grid"]


class Gallery(w.VBox):
    """The box of a gallery, shown as a widget where a widget manager runs (JupyterLab, the
    rendered book) and, where none does (Google Colab before its custom widget manager is on,
    nbviewer, GitHub), as plain HTML: every figure under its label, one after the other. The
    HTML is the ``text/html`` entry of the display data, beside the widget view."""

    def __init__(self, children: Sequence[w.Widget], fallback: Sequence[tuple[str, bytes]]):
        super().__init__(list(children))
        self._fallback = [(str(label), png) for label, png in fallback]

    def fallback_html(self) -> str:
        """Every figure as an ``<img>`` (PNG, base64) under its label."""
        return "\n".join(
            f"<figure><figcaption><b>{html.escape(label)}</b></figcaption>"
            f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
            f'alt="{html.escape(label)}" style="max-width:100%"/></figure>'
            for label, png in self._fallback
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/html": self.fallback_html()}


def _items(
    figures: Mapping[str, Figure] | Sequence[tuple[str, Figure]],
) -> list[tuple[str, Figure]]:
    items = list(figures.items()) if isinstance(figures, Mapping) else list(figures)
    if not items:
        raise ValueError("No figures given: pass a dict {label: Figure} or a list of pairs.")
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Figure)):
            raise TypeError(
                "Each gallery item must be a pair (label, matplotlib Figure); got "
                f"{type(item).__name__}: {item!r:.80}"
            )
    labels = [str(label) for label, _ in items]
    if len(set(labels)) != len(labels):
        raise ValueError(f"Gallery labels must be unique; got {labels}.")
    return [(str(label), fig) for label, fig in items]


def _control(kind: str, labels: list[str], description: str) -> w.Widget:
    """A selection control over ``labels`` whose ``index`` trait is the chosen position."""
    options = [(label, i) for i, label in enumerate(labels)]
    style = {"description_width": "initial"}
    if kind == "dropdown":
        return w.Dropdown(options=options, index=0, description=description, style=style)
    if kind == "slider":
        return w.SelectionSlider(
            options=options, index=0, description=description, style=style, continuous_update=True
        )
    if kind == "buttons":
        return w.ToggleButtons(options=options, index=0, description=description, style=style)
    raise ValueError(f"control must be one of {CONTROLS}; got {kind!r}.")


def _image(png: bytes) -> w.Image:
    return w.Image(value=png, format="png", layout=w.Layout(max_width="100%", height="auto"))


def gallery(
    figures: Mapping[str, Figure] | Sequence[tuple[str, Figure]],
    description: str = "",
    *,
    label: str = "show",
    control: str = "dropdown",
    dpi: float = 100,
    close: bool = True,
) -> Gallery:
    """A kernel-free gallery: one control (``"dropdown"``, ``"slider"`` or ``"buttons"``, with
    the text ``label`` beside it) picks one of the figures (``{label: Figure}`` or a list of
    pairs, shown in that order), switched in the browser by
    ``jslink((control, "index"), (stack, "selected_index"))``. ``description`` (HTML) goes above.

    Figures are rendered to PNG at ``dpi`` and closed (``close=True``) to keep memory low. The
    returned box has attributes ``control``, ``stack`` and ``links`` (keep the box alive: the
    links live as long as it does).
    """
    items = _items(figures)
    pngs = [figure_png(fig, dpi=dpi, close=close) for _, fig in items]
    ctrl = _control(control, [lab for lab, _ in items], label)
    stack = w.Stack([_image(p) for p in pngs], selected_index=0)
    links = (w.jslink((ctrl, "index"), (stack, "selected_index")),)
    parts = ([w.HTML(description)] if description else []) + [ctrl, stack]
    box = Gallery(parts, [(lab, p) for (lab, _), p in zip(items, pngs, strict=True)])
    box.control, box.stack, box.links = ctrl, stack, links
    return box


def gallery_grid(
    figures: Mapping[tuple[str, str], Figure],
    names: tuple[str, str] = ("class", "method"),
    description: str = "",
    *,
    controls: tuple[str, str] = ("dropdown", "buttons"),
    dpi: float = 100,
    close: bool = True,
) -> Gallery:
    """A kernel-free gallery over two choices, e.g. class x method: ``figures[(row, column)]``.

    Rows and columns keep the order in which they first appear in ``figures``; a missing pair
    shows a short note. See the module docstring for how the nested stacks are linked. The
    returned box has attributes ``controls`` (row, column), ``stack`` (the outer stack),
    ``inner`` (one stack per row) and ``links``.
    """
    if not isinstance(figures, Mapping) or not figures:
        raise ValueError("figures must be a non-empty dict {(row, column): Figure}.")
    for key, fig in figures.items():
        if not (isinstance(key, tuple) and len(key) == 2) or not isinstance(fig, Figure):
            raise TypeError(f"Keys must be pairs (row, column) and values Figures; got {key!r}.")
    rows = list(dict.fromkeys(str(r) for r, _ in figures))
    cols = list(dict.fromkeys(str(c) for _, c in figures))
    pngs = {(str(r), str(c)): figure_png(f, dpi=dpi, close=close) for (r, c), f in figures.items()}
    inner = []
    for r in rows:
        children = [
            _image(pngs[(r, c)])
            if (r, c) in pngs
            else w.HTML(f"<i>no figure for {names[0]} {r}, {names[1]} {c}</i>")
            for c in cols
        ]
        inner.append(w.Stack(children, selected_index=0))
    outer = w.Stack(inner, selected_index=0)
    row_ctrl = _control(controls[0], rows, names[0])
    col_ctrl = _control(controls[1], cols, names[1])
    links = (w.jslink((row_ctrl, "index"), (outer, "selected_index")),) + tuple(
        w.jslink((col_ctrl, "index"), (s, "selected_index")) for s in inner
    )
    parts = ([w.HTML(description)] if description else []) + [w.HBox([row_ctrl, col_ctrl]), outer]
    box = Gallery(parts, [(f"{names[0]} {r}, {names[1]} {c}", p) for (r, c), p in pngs.items()])
    box.controls, box.stack, box.inner, box.links = (row_ctrl, col_ctrl), outer, inner, links
    return box
