"""Notebook hygiene: every notebook is clean source, and every chapter follows the skeleton.

All notebooks (``notebooks/*.ipynb``): valid nbformat 4, outputs stripped, allowed cell tags
only, no package installs, no ``sys.path`` edits, no network access in code; the one exception
is the Colab cell (``book_support.colab_cell``), exactly as written there.
Chapters (``notebooks/NN_*.ipynb``) also: a title first; Overview (with a time estimate),
Prerequisites, Setup (the Colab cell, then ``%matplotlib inline`` and ``import tscam``), ...,
Summary, What's next, References (``{cite}``) in that order; at least two exercises, each a
``skip-execution`` cell followed by a ``hide-input`` solution that calls a checker from
``tscam.exercises``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from book_support import ROOT, chapter_notebooks, colab_cell, notebooks

ALLOWED_TAGS = {
    "skip-execution",
    "hide-input",
    "hide-output",
    "hide-cell",
    "remove-input",
    "remove-output",
    "remove-cell",
    "full-width",
    "margin",
    "thebe-init",
    "solution",  # a model answer: removed by scripts/make_student.py (make student)
}
SKELETON = ("overview", "prerequisites", "setup", "summary", "what's next", "references")
FORBIDDEN_CODE = {
    "package installs": re.compile(r"^\s*[!%]\s*(pip|conda|mamba|micromamba|uv)\b", re.M),
    "shell escapes that install": re.compile(r"\b(pip|conda)\s+install\b"),
    "sys.path edits": re.compile(r"sys\.path\s*(\.\s*(insert|append|extend)|\+?=)|PYTHONPATH"),
    "network access": re.compile(
        r"\burllib\b|\brequests\b|\bhttpx\b|\baiohttp\b|\bsocket\b|https?://|\bwget\b|\bcurl\b"
    ),
}


def _id(path: Path) -> str:
    return path.stem


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _h2(cell) -> list[str]:
    """Second-level headings of a markdown cell, normalised (lower case, straight quotes)."""
    if cell.cell_type != "markdown":
        return []
    return [
        h.strip().lower().replace("\u2019", "'")
        for h in re.findall(r"^##\s+(.+?)\s*#*\s*$", cell.source, re.M)
    ]


def test_there_are_notebooks():
    assert notebooks(), "no notebooks in notebooks/"


@pytest.mark.parametrize("path", notebooks(), ids=_id)
def test_valid_and_stripped(path):
    nb = _read(path)
    assert nb.nbformat == 4, f"{path.name}: nbformat {nb.nbformat}, expected 4"
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run `make strip`"
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state; run `make strip`"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: the kernelspec must be 'python3' (the book executes with it)"
    )


@pytest.mark.parametrize("path", notebooks(), ids=_id)
def test_only_allowed_tags(path):
    bad = {
        i: sorted(set(_tags(c)) - ALLOWED_TAGS)
        for i, c in enumerate(_read(path).cells)
        if set(_tags(c)) - ALLOWED_TAGS
    }
    assert not bad, f"{path.name}: tags not allowed (cell: tags): {bad}; allowed: {ALLOWED_TAGS}"


@pytest.mark.parametrize("path", notebooks(), ids=_id)
def test_code_cells_are_clean(path):
    problems = []
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code" or cell.source == colab_cell():
            continue
        for what, pattern in FORBIDDEN_CODE.items():
            m = pattern.search(cell.source)
            if m:
                problems.append(f"cell {i}: {what} ({m.group(0)!r})")
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", chapter_notebooks(), ids=_id)
def test_chapter_skeleton(path):
    cells = _read(path).cells
    assert cells and cells[0].cell_type == "markdown" and cells[0].source.startswith("# "), (
        f"{path.name}: the first cell must be a markdown title starting with '# '"
    )
    headings = [(i, h) for i, c in enumerate(cells) for h in _h2(c)]
    found = {}
    for i, h in headings:
        for want in SKELETON:
            if h == want or h.startswith(want + " ") or h.startswith(want + ":"):
                found.setdefault(want, i)
    missing = [h for h in SKELETON if h not in found]
    assert not missing, f"{path.name}: missing '## ' headings: {missing}"
    order = [found[h] for h in SKELETON]
    assert order == sorted(order), f"{path.name}: skeleton headings out of order: {SKELETON}"

    overview = cells[found["overview"]].source
    assert re.search(r"\b\d+\s*(min|minutes)\b", overview), (
        f"{path.name}: the Overview must give a time estimate (e.g. 'about 30 minutes')"
    )
    assert re.search(r"^\s*(-|\*|\d+\.)\s+", overview, re.M), (
        f"{path.name}: the Overview must list the learning objectives"
    )

    code = [c for c in cells[found["setup"] :] if c.cell_type == "code"]
    assert len(code) >= 2 and code[0].source == colab_cell(), (
        f"{path.name}: the first code cell after '## Setup' must be the Colab cell "
        "(tests/book_support.py: colab_cell)"
    )
    assert _tags(code[0]) == ["remove-cell"], f"{path.name}: the Colab cell is not for the book"
    first = [c for c in cells if c.cell_type == "code"][0]
    assert first is code[0], f"{path.name}: the Colab cell must be the first code cell"
    setup_code = code[1]
    assert setup_code.source.startswith("%matplotlib inline\n"), (
        f"{path.name}: the setup cell must start with `%matplotlib inline` (figures whatever "
        "MPLBACKEND says)"
    )
    assert re.search(r"^import tscam\b", setup_code.source, re.M), (
        f"{path.name}: the setup cell after the Colab cell must contain `import tscam`"
    )

    refs = "\n".join(c.source for c in cells[found["references"] :] if c.cell_type == "markdown")
    assert "{cite" in refs, f"{path.name}: the References section must cite with {{cite}}"


def _checker_names(cells) -> set[str]:
    """Names under which the notebook imports tscam.exercises modules (plus 'exercises')."""
    names = {"exercises"}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        for m in re.finditer(r"from\s+tscam\.exercises\s+import\s+([^\n#]+)", cell.source):
            for part in m.group(1).strip("() ").split(","):
                bits = part.split()
                if bits:
                    names.add(bits[-1])
        for m in re.finditer(r"import\s+tscam\.exercises\.\w+\s+as\s+(\w+)", cell.source):
            names.add(m.group(1))
    return names


@pytest.mark.parametrize("path", chapter_notebooks(), ids=_id)
def test_exercises_have_checked_hidden_solutions(path):
    cells = _read(path).cells
    names = _checker_names(cells)
    calls = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\.\w+\s*\(")
    stubs = [i for i, c in enumerate(cells) if "skip-execution" in _tags(c)]
    assert len(stubs) >= 2, f"{path.name}: expected at least 2 exercises, found {len(stubs)}"
    for i in stubs:
        stub = cells[i]
        assert stub.cell_type == "code", f"{path.name}: cell {i} is tagged skip-execution"
        assert "hide-input" not in _tags(stub), f"{path.name}: exercise cell {i} is hidden"
        solution = next(
            ((j, c) for j, c in enumerate(cells[i + 1 :], start=i + 1) if c.cell_type == "code"),
            None,
        )
        assert solution is not None, f"{path.name}: exercise cell {i} has no solution after it"
        j, sol = solution
        tags = _tags(sol)
        assert "hide-input" in tags and "skip-execution" not in tags, (
            f"{path.name}: the solution of exercise cell {i} (cell {j}) must be tagged "
            "hide-input and be executed"
        )
        assert calls.search(sol.source), (
            f"{path.name}: the solution in cell {j} must call a checker of tscam.exercises"
        )


def _strip_command() -> list[str]:
    """The nbstripout command of `make strip` (Makefile ``STRIP``), run with this Python."""
    import shlex

    text = re.sub(r"\\\n\s*", " ", (ROOT / "Makefile").read_text())
    words = shlex.split(re.search(r"^STRIP := (.*)$", text, re.M).group(1))
    assert words[0].endswith("nbstripout") and "--keep-id" in words
    hooks = {
        h["id"]: (r, h)
        for r in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
        for h in r["hooks"]
    }
    repo, hook = hooks["nbstripout"]
    assert repo["repo"] == "https://github.com/kynan/nbstripout", "the upstream hook"
    assert hook["args"] == words[1:], "pre-commit strips as make strip"
    ruff_repo = hooks["ruff"][0]
    assert ruff_repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    )
    assert ruff_repo["rev"] == f"v{pins['ruff']}", "pre-commit's ruff is the ruff of make lint"
    assert all(
        r["repo"] != "local"
        for r in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
    )
    return [sys.executable, "-m", "nbstripout", *words[1:]]


def test_nbstripout_strips_and_keeps_ids_and_tags(tmp_path):
    """`make strip` (nbstripout) removes outputs and execution data, keeps cell ids and tags."""
    import subprocess

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", metadata={"tags": ["hide-input"]})
    cell.execution_count = 3
    cell.outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)
    ]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)
    cell_id = cell.id
    subprocess.run([*_strip_command(), str(path)], check=True, capture_output=True)
    clean = nbformat.read(path, as_version=4)
    assert clean.cells[0].id == cell_id
    assert clean.cells[0].outputs == [] and clean.cells[0].execution_count is None
    assert clean.cells[0].metadata["tags"] == ["hide-input"]
    assert "widgets" not in clean.metadata


def test_notebooks_are_what_nbstripout_leaves(tmp_path):
    """Every chapter is already stripped: `make strip` would not change a byte."""
    import shutil
    import subprocess

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        subprocess.run([*_strip_command(), str(copy)], check=True, capture_output=True)
        assert copy.read_bytes() == path.read_bytes(), f"{path.name}: run `make strip`"
