"""Figures do not depend on the environment: with ``MPLBACKEND=Agg`` exported (as on many
servers and CI images) a chapter still shows its figures, because its setup cell switches to
the inline backend. Runs the cheapest chapter (3) top to bottom in a fresh kernel."""

from __future__ import annotations

import nbformat
import pytest
from book_support import ROOT, run_notebook

CHAPTER = ROOT / "notebooks" / "03_cam.ipynb"


@pytest.mark.realdata
@pytest.mark.slow
def test_chapter_shows_its_figures_with_mplbackend_agg(mitdb_dir, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TSCAM_MITDB", str(mitdb_dir))
    nb = nbformat.read(CHAPTER, as_version=4)
    shows = sum(c.source.count("plt.show()") for c in nb.cells if c.cell_type == "code")
    nb.cells.append(nbformat.v4.new_code_cell("import matplotlib\nprint(matplotlib.get_backend())"))
    nb = run_notebook(CHAPTER, nb=nb)[0]  # cells tagged skip-execution are skipped, as in the book
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    backend = nb.cells[-1].outputs[0]["text"].strip()
    assert "inline" in backend, f"the kernel draws with {backend!r}, not the inline backend"
    assert shows > 0 and len(images) >= shows, f"{len(images)} images for {shows} plt.show() calls"
