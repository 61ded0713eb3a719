"""Executing a chapter once per test session with a record of every figure's texts (not a test
file; used by tests/test_captions.py and tests/test_figures_backend.py).

Before the first cell, the kernel gets a hook (run silently, the notebook is not changed): every
time a figure is rendered to pixels (``FigureCanvasBase.print_figure``: the inline backend's
display, ``savefig``, the PNGs of a kernel-free gallery), the figure's visible texts (titles,
suptitle, axis and tick labels, legend entries, annotations) are noted, and after each cell the
texts of the figures it drew are added to its outputs as one ``display_data`` of the mimetype
:data:`FIGURE_TEXTS` (a list with one list of strings per figure). The notebook is run by the
repository's runner (``scripts/notebook_runner.py``) with ``MPLBACKEND=Agg``, as on a server,
and with a last cell that prints the backend the chapter drew with (test_figures_backend).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from book_support import run_notebook

FIGURE_TEXTS = "application/x.tscam-figure-texts+json"

HOOK = f"""
def _tscam_figure_texts():
    import matplotlib.backend_bases as backend_bases
    import matplotlib.text as mtext
    from IPython import get_ipython
    from IPython.display import display

    drawn = []
    original = backend_bases.FigureCanvasBase.print_figure

    def print_figure(self, *args, **kwargs):
        result = original(self, *args, **kwargs)  # drawn first: tick labels exist afterwards
        texts = [
            t.get_text()
            for t in self.figure.findobj(mtext.Text)
            if t.get_visible() and t.get_text().strip()
        ]
        drawn.append(texts)
        return result

    backend_bases.FigureCanvasBase.print_figure = print_figure

    def flush(*_):
        if drawn:
            display({{{json.dumps(FIGURE_TEXTS)}: list(drawn)}}, raw=True)
            drawn.clear()

    get_ipython().events.register("post_run_cell", flush)


_tscam_figure_texts()
del _tscam_figure_texts
"""

BACKEND_CELL = "import matplotlib\nprint(matplotlib.get_backend())"

_CACHE: dict[tuple[Path, str], Any] = {}


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _install_hook(client: Any) -> contextlib.AbstractContextManager[None]:
    reply = client.wait_for_reply(client.kc.execute(HOOK, silent=True, store_history=False))
    if reply is None or reply["content"]["status"] != "ok":
        raise RuntimeError(f"the figure-text hook failed in the kernel: {reply}")
    return contextlib.nullcontext()


def run_with_figure_texts(path: Path, nb: Any = None) -> Any:
    """``nb`` (default: read from ``path``) executed in ``path``'s folder with the hook, plus the
    backend cell at the end; returns the executed notebook."""
    nb = nbformat.read(path, as_version=4) if nb is None else nb
    nb.cells.append(nbformat.v4.new_code_cell(BACKEND_CELL))
    with _environment(MPLBACKEND="Agg"):
        return run_notebook(path, nb=nb, around_cells=_install_hook)[0]


def executed_chapter(path: Path, mitdb_dir: Path) -> Any:
    """The chapter ``path`` executed once per test session (see the module docstring)."""
    key = (Path(path).resolve(), str(mitdb_dir))
    if key not in _CACHE:
        try:
            with _environment(TSCAM_MITDB=str(mitdb_dir)):
                _CACHE[key] = run_with_figure_texts(Path(path))
        except Exception as exc:  # a chapter that fails to run fails every test reading it, once
            _CACHE[key] = exc
    if isinstance(_CACHE[key], Exception):
        raise _CACHE[key]
    return nbformat.from_dict(json.loads(json.dumps(_CACHE[key])))  # a copy for each test


def figure_texts(cell: Any) -> list[list[str]]:
    """The texts of each figure the code ``cell`` drew (one list per figure)."""
    out: list[list[str]] = []
    for o in cell.get("outputs", []):
        if FIGURE_TEXTS in o.get("data", {}):
            out += o["data"][FIGURE_TEXTS]
    return out
