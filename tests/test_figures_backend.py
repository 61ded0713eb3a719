"""Figures do not depend on the environment: with ``MPLBACKEND=Agg`` exported (as on many
servers and CI images) a chapter still shows its figures, because its setup cell switches to
the inline backend. Runs the cheapest chapter (3) top to bottom in a fresh kernel (the execution
that tests/test_captions.py reads too: tests/figure_support.py)."""

from __future__ import annotations

import nbformat
import pytest
from book_support import ROOT
from figure_support import executed_chapter

CHAPTER = ROOT / "notebooks" / "03_cam.ipynb"


@pytest.mark.realdata
@pytest.mark.slow
def test_chapter_shows_its_figures_with_mplbackend_agg(mitdb_dir):
    # executed_chapter runs the chapter with MPLBACKEND=Agg and a last cell that prints the
    # backend, once per session (tests/test_captions.py reads the same execution);
    # cells tagged skip-execution are skipped, as in the book
    shows = sum(
        c.source.count("plt.show()")
        for c in nbformat.read(CHAPTER, as_version=4).cells
        if c.cell_type == "code"
    )
    nb = executed_chapter(CHAPTER, mitdb_dir)
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
