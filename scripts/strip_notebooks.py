"""Strip outputs from notebooks in place (``make strip``), so the repository holds inputs only.

Usage: ``python scripts/strip_notebooks.py [NOTEBOOK ...]`` (default: ``notebooks/*.ipynb``).

Removes outputs, execution counts, the stored widget state and per-cell execution timings;
keeps the cell tags, slideshow metadata and myst-nb figure metadata the book relies on.
Prints the notebooks it changed; exit status 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_METADATA_DROP = ("widgets", "execution")
CELL_METADATA_DROP = ("execution", "collapsed", "scrolled", "ExecuteTime")


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for key in NOTEBOOK_METADATA_DROP:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in CELL_METADATA_DROP:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        before = path.read_text(encoding="utf-8")
        nb = strip(nbformat.reads(before, as_version=4))
        after = nbformat.writes(nb) + "\n"
        if after != before:
            path.write_text(after, encoding="utf-8")
            print(f"stripped {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
