"""Run a chapter notebook as the book does: the one notebook runner of the repository.

A tool for the repository, not part of the ``tscam`` package (it lives beside the scripts, so
the installed package does not ship it). Used by ``benchmarks/bench_notebooks.py`` (time and
peak memory of each chapter), ``scripts/instructor_timings.py`` (seconds per cell for the
instructor guide), ``scripts/build_slides.py`` (executed decks) and the tests that execute a
chapter (``tests/test_student_edition.py``, ``tests/test_figures_backend.py``); they import it
after putting ``scripts/`` on ``sys.path``. Needs the ``book`` extras (nbclient); nothing is
imported from them until a notebook runs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

__all__ = ["run_notebook"]


def run_notebook(
    path: Path,
    *,
    nb: Any = None,
    timeout: int = 600,
    around_cells: Callable[[Any], AbstractContextManager[Any]] | None = None,
) -> tuple[Any, dict[int, float]]:
    """Execute a notebook top to bottom in a fresh ``python3`` kernel started in its folder.

    ``nb``: the notebook to run (default: read from ``path``; pass a modified copy, e.g. in the
    lecture style). Cells tagged ``skip-execution`` are skipped, as in the book. The widget state
    is stored in the notebook's metadata, as ``jupyter nbconvert --execute`` does.
    ``around_cells(client)``: a context manager entered once the kernel runs and left after the
    last cell (e.g. to sample the kernel's memory). Returns ``(executed notebook, seconds per
    executed code cell by index)``.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4) if nb is None else nb
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    seconds: dict[int, float] = {}
    with client.setup_kernel():
        info = client.wait_for_reply(client.kc.kernel_info())
        if info is not None and "language_info" in info["content"]:
            nb.metadata["language_info"] = info["content"]["language_info"]
        wrap = around_cells(client) if around_cells is not None else contextlib.nullcontext()
        with wrap:
            for i, cell in enumerate(nb.cells):
                start = time.perf_counter()
                client.execute_cell(cell, i, execution_count=client.code_cells_executed + 1)
                skipped = "skip-execution" in cell.metadata.get("tags", [])
                if cell.cell_type == "code" and not skipped:
                    seconds[i] = time.perf_counter() - start
        client.set_widgets_metadata()
    return nb, seconds
