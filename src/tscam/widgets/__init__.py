"""Interactive widgets (ipywidgets 8). Builders return widgets and never call ``display``.

- :func:`explorer`: live, needs a kernel (lectures, Binder): recomputes maps on every change.
- :func:`gallery`, :func:`gallery_grid`: kernel-free, for the static book: precomputed figures
  switched in the browser through ``jslink``.
"""

from tscam.widgets._render import figure_png
from tscam.widgets.beats import beat_browser
from tscam.widgets.classes import class_explorer  # noqa: F401 (chapter 6)
from tscam.widgets.explorer import available_methods, explorer
from tscam.widgets.gallery import gallery, gallery_grid
from tscam.widgets.methods import method_explorer  # noqa: F401 (chapter 7)

__all__ = ["available_methods", "beat_browser", "explorer", "figure_png", "gallery", "gallery_grid"]
