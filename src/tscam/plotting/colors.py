"""Colour choices of the course, all safe for colour-blind readers.

- Relevance (Grad-CAM, CAM after ReLU, class averages): ``viridis``, perceptually uniform and
  sequential, readable in grey scale and with every common colour-vision deficiency.
- Signed maps (Grad-CAM without ReLU: evidence for and against a class): ``RdBu_r``, diverging,
  always centred at 0 (white = no effect, red = for, blue = against).
- Classes and categorical lines: the Okabe-Ito palette. A class gets its colour by its index
  (:data:`CLASS_PALETTE`, :func:`class_colors`), not by its name, so any dataset's classes get
  the same distinct colours; a caller's mapping of names to colours wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Colormap, Normalize

#: Sequential colormap for relevance maps.
RELEVANCE_CMAP = "viridis"
#: Diverging colormap for signed maps, centred at 0.
SIGNED_CMAP = "RdBu_r"
#: Sequential single-hue colormap for confusion matrices.
CONFUSION_CMAP = "Blues"

#: The Okabe-Ito palette (Okabe & Ito 2008), distinguishable with any colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

#: Colours of classes by index (class 0 first), repeated for more than eight classes.
CLASS_PALETTE: tuple[str, ...] = tuple(
    OKABE_ITO[c]
    for c in (
        "blue",
        "orange",
        "vermillion",
        "bluish green",
        "reddish purple",
        "sky blue",
        "yellow",
        "black",
    )
)


def class_colors(classes: Sequence[str], colors: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{class name: colour}`` for ``classes`` in their index order: ``colors[name]`` where the
    caller gives one, else :data:`CLASS_PALETTE` by the class's index."""
    given = dict(colors or {})
    return {
        str(c): given.get(str(c), CLASS_PALETTE[i % len(CLASS_PALETTE)])
        for i, c in enumerate(classes)
    }


#: Colour of the beat itself when it is drawn over a heatmap.
BEAT_COLOR = "#222222"
#: Colour of the class-average relevance curve and its spread band.
MAP_COLOR = OKABE_ITO["vermillion"]


def is_signed(values: np.ndarray, tol: float = 0.0) -> bool:
    """True when a map has negative values (below ``-tol``): then a diverging map is used."""
    values = np.asarray(values, dtype=float)
    return bool(np.nanmin(values) < -tol) if values.size and np.isfinite(values).any() else False


def relevance_cmap(signed: bool = False, cmap: str | Colormap | None = None) -> Colormap:
    """The colormap for a map: ``cmap`` if given, else the course's sequential or diverging one."""
    if cmap is None:
        cmap = SIGNED_CMAP if signed else RELEVANCE_CMAP
    return colormaps[cmap] if isinstance(cmap, str) else cmap


def relevance_norm(
    values: np.ndarray, signed: bool = False, vmin: float | None = None, vmax: float | None = None
) -> Normalize:
    """Colour scale of a map: ``[0, max]`` for relevance, ``[-m, m]`` centred at 0 if signed.

    ``vmin``/``vmax`` override the limits (e.g. one scale for several panels); a signed scale
    stays symmetric (``m`` = the larger of ``|vmin|``, ``|vmax|``). Maps that are all zero (or
    all NaN) get the scale [0, 1] (or [-1, 1]) instead of an empty one.
    """
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if signed:  # symmetric, so white is 0 and red and blue share one scale
        given = [abs(float(v)) for v in (vmin, vmax) if v is not None]
        m = max(given) if given else (float(np.abs(finite).max()) if finite.size else 0.0)
        m = m if m > 0 else 1.0
        return Normalize(vmin=-m, vmax=m)
    lo, hi = (min(0.0, float(finite.min())), float(finite.max())) if finite.size else (0.0, 1.0)
    lo = lo if vmin is None else float(vmin)
    hi = hi if vmax is None else float(vmax)
    if hi <= lo:
        hi = lo + 1.0
    return Normalize(vmin=lo, vmax=hi)
