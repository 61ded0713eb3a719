"""Write the student edition of the course: every chapter without its solutions.

Usage::

    .venv/bin/python scripts/make_student.py [--out _build/student]

For each ``notebooks/NN_*.ipynb`` (``make student`` runs this):

- cells tagged ``solution`` (the hidden model answers, ``hide-input`` in the book) are removed;
- the exercise stubs (cells tagged ``skip-execution``, skipped by the book build because their
  ``...`` is not an answer) lose that tag, so they run in the hand-out: unfilled, each one's
  checker shows a red "Not yet" and the notebook runs on;
- outputs are cleared (the sources are stripped already).

Every later cell of a chapter uses the package, never a name a solution defines (a test checks
it), so the student edition runs top to bottom with every stub unfilled.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION, STUB = "solution", "skip-execution"


def student_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without solution cells, with runnable stubs and no outputs."""
    out = nbformat.from_dict(nb)
    cells = []
    for cell in out.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if SOLUTION in tags:
            continue
        if STUB in tags:
            tags.remove(STUB)
            cell.metadata["tags"] = tags
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    out.cells = cells
    return out


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    sources = sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise SystemExit(f"no chapter notebooks in {args.notebooks}")
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        nb = student_edition(nbformat.read(src, as_version=4))
        target = args.out / src.name
        tmp = target.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        tmp.replace(target)  # atomic: a reader never sees half a notebook
        written.append(target)
    print(f"student edition: {len(written)} notebooks in {args.out}")
    return written


if __name__ == "__main__":
    main()
