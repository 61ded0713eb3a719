"""What the chapters' first cell does on Google Colab, after it installed the package.

The cell (the same in every chapter; ``tests/book_support.py: colab_cell``) installs ``tscam``
from the book's repository at the release tag of the book (``v`` + the package version), then
calls :func:`setup`. Elsewhere it does nothing, and nothing here runs at import.

:func:`setup`, once per notebook:

1. turns on Colab's custom widget manager when ipywidgets 8 is installed (the package's widgets
   need it; Colab's built-in manager renders ipywidgets 7 only);
2. says in one line when the runtime must be restarted: a package the runtime had imported
   before the install (e.g. Colab's ipywidgets 7) was replaced by another version;
3. finds the MIT-BIH database, downloading it into tscam's cache on first use with a visible
   progress bar (about 100 MB), so that the chapter's first ``load_beats`` finds it.
"""

from __future__ import annotations

import sys
from importlib import metadata

__all__ = ["restart_needed", "setup"]


def _installed(module: str) -> tuple[str, str] | None:
    """(distribution, version on disk) of a top-level module, or None when unknown."""
    dists = metadata.packages_distributions().get(module) or []
    for dist in dists:
        try:
            return dist, metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def restart_needed() -> list[str]:
    """Packages already imported in this runtime at another version than the one now installed:
    ``"name loaded version -> installed version"``, empty when no restart is needed."""
    out = []
    for name, module in sorted(sys.modules.items()):
        if "." in name or module is None:
            continue
        loaded = getattr(module, "__version__", None)
        if not isinstance(loaded, str):
            continue
        found = _installed(name)
        if found is not None and found[1].split("+")[0] != loaded.split("+")[0]:
            out.append(f"{found[0]} {loaded} -> {found[1]}")
    return out


def _widgets_major() -> int | None:
    try:
        return int(metadata.version("ipywidgets").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return None


def setup(*, data: bool = True) -> None:
    """Prepare a Colab notebook for the course (see the module's docstring). Prints one line
    per step; raises nothing for a missing Colab (then it only checks the restart and data)."""
    stale = restart_needed()
    if stale:
        print(
            "tscam: RESTART THE RUNTIME (Runtime > Restart session), then run this cell again: "
            f"the install replaced packages this runtime had loaded ({', '.join(stale)}).",
            flush=True,
        )
        return
    if _widgets_major() == 8:
        try:
            from google.colab import output
        except ImportError:
            pass
        else:
            output.enable_custom_widget_manager()
            print("tscam: Colab's widget manager for ipywidgets 8 is on.", flush=True)
    if data:
        from tscam.data import locate_mitdb

        path = locate_mitdb()  # downloads into the cache on first use, with a progress bar
        print(f"tscam: the MIT-BIH database is ready in {path}.", flush=True)
