"""The instructor guide and the closing page of the course (``book/instructor_guide.md``,
``book/summary.md``), and ``scripts/instructor_timings.py``, which writes the guide's tables of
measured run times.

- The script's logic: reading the benchmark's output, the tables, the sections of a notebook,
  replacing a marked block.
- The pages: every ``{cite}`` key is in the bibliography and every ``{doc}`` target exists; the
  lecture plan adds up to about 50 minutes and names sections that exist in the chapters; the
  guide links a slide deck for every chapter of the table of contents; the summary's "What the
  chapters showed" states no measured numbers.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import nbformat
import pytest
from book_support import NOTEBOOKS, ROOT, chapter_docnames

GUIDE = ROOT / "book" / "instructor_guide.md"
SUMMARY = ROOT / "book" / "summary.md"
BINDER = "https://mybinder.org/v2/gh/tscam-course/tscam/main?urlpath=lab/tree/notebooks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


it = _load("instructor_timings")

BENCH = {
    "notebooks": {
        "02_fcn_baseline": {
            "wall_s": 71.25,
            "exec_s": 70.0,
            "kernel_start_s": 1.25,
            "peak_rss_mb": 900.0,
        },
        "01_ecg_beats": {"wall_s": 6.3, "exec_s": 5.5, "kernel_start_s": 0.8, "peak_rss_mb": 508.4},
        "03_cam": {"wall_s": 12.0, "exec_s": 11.0, "kernel_start_s": 1.0, "peak_rss_mb": 1600.0},
    },
    "book_cold_build_s": None,
    "threads": 2,
    "machine": "AMD EPYC, 2 cores, 24 GiB, Python 3.11.7",
}


# --- the script ---------------------------------------------------------------------------------


def test_read_bench_takes_the_last_json_line():
    log = "\n".join(
        [
            "01_ecg_beats: {'wall_s': 6.3}",
            '{"not": "the benchmark"}',
            json.dumps(BENCH),
            "",
        ]
    )
    assert it.read_bench(log) == BENCH
    with pytest.raises(ValueError, match="bench_notebooks"):
        it.read_bench("01_ecg_beats: {'wall_s': 6.3}\n{broken json\n")


def test_timings_table_rows_and_limits():
    table = it.timings_table(
        BENCH, {"01_ecg_beats": "ECG beats", "03_cam": "CAM | maps"}, "on 2026-11-26", "Busy."
    )
    rows = [ln for ln in table.splitlines() if ln.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == [
        "`01_ecg_beats`",
        "`02_fcn_baseline`",
        "`03_cam`",
    ]
    assert rows[0] == "| `01_ecg_beats` | ECG beats | 6.3 | 0.8 | 508 | yes |"
    assert rows[1].endswith("| 71.2 | 1.2 | 900 | **no** |"), "over 60 s"
    assert rows[2] == "| `03_cam` | CAM \\| maps | 12.0 | 1.0 | 1600 | **no** |", "over 1.5 GB"
    assert table.splitlines()[-1] == (
        "Measured on 2026-11-26 on AMD EPYC, 2 cores, 24 GiB, Python 3.11.7, 2 PyTorch threads; "
        "all notebooks together: 90 s. Busy."
    )


def _tiny_notebook() -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# Title"),
        md("## Overview\n\nText."),
        md("## Setup"),
        code("import tscam"),
        md("## Maps | and pipes"),
        code("a = 1"),
        md("### A subsection stays in its section"),
        code("b = 2"),
        code("stub = ...", metadata={"tags": ["skip-execution"]}),
        md("## Summary"),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_sections_span_their_cells():
    secs = it.sections(_tiny_notebook())
    assert [(s.title, s.first, s.last) for s in secs] == [
        ("Overview", 1, 1),
        ("Setup", 2, 3),
        ("Maps | and pipes", 4, 8),
        ("Summary", 9, 9),
    ]


def test_section_table():
    seconds = {3: 2.5, 5: 0.25, 7: 1.0}  # cell 8 (the stub) was not run
    table = it.section_table(_tiny_notebook(), seconds, "**Tiny**")
    lines = table.splitlines()
    assert lines[0] == "**Tiny**"
    assert lines[4:] == [
        "| Setup | 3–4 | 2.5 | 4 (2.5) |",
        "| Maps \\| and pipes | 5–9 | 1.2 | 8 (1.0) |",
    ]


def test_replace_block():
    text = "a\n<!-- t:start -->\nold\n<!-- t:end -->\nb\n"
    new = it.replace_block(text, "t", "| new |")
    assert new == "a\n<!-- t:start -->\n| new |\n<!-- t:end -->\nb\n"
    assert it.replace_block(new, "t", "| new |") == new
    assert it.block(new, "t") == "| new |"
    with pytest.raises(ValueError, match="exactly once"):
        it.replace_block("no markers", "t", "x")
    with pytest.raises(ValueError, match="exactly once"):
        it.replace_block(text + text, "t", "x")
    with pytest.raises(ValueError, match="before"):
        it.replace_block("<!-- t:end --> <!-- t:start -->", "t", "x")


# --- the pages ----------------------------------------------------------------------------------


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


def _bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", _text(ROOT / "book" / "references.bib"), re.M))


@pytest.mark.parametrize("page", [GUIDE, SUMMARY], ids=lambda p: p.name)
def test_citations_and_links_resolve(page):
    text = _text(page)
    keys = {
        k.strip() for m in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text) for k in m.split(",")
    }
    if page == SUMMARY:
        assert len(keys) >= 10, "the summary's further reading cites the course's sources"
    assert not keys - _bib_keys(), f"{page.name}: keys not in references.bib: {keys - _bib_keys()}"
    missing = []
    for target in re.findall(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`", text):
        path = (page.parent / target).resolve()
        if not any(path.with_suffix(s).is_file() for s in (".md", ".ipynb")):
            missing.append(target)
    assert not missing, f"{page.name}: {{doc}} targets without a source file: {missing}"


def _headings(notebook: str) -> set[str]:
    nb = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    return {
        h.strip()
        for c in nb.cells
        if c.cell_type == "markdown"
        for h in re.findall(r"^#{2,3}\s+(.+?)\s*$", c.source, re.M)
    }


def test_guide_sections_exist_in_the_chapters():
    """Every "§ *Heading*" of the guide names a heading of the chapter last linked before it."""
    text = re.sub(r"\s*\n\s*", " ", _text(GUIDE))  # a reference may wrap across lines
    current, wrong, checked = None, [], 0
    for m in re.finditer(r"\{doc\}`\.\./notebooks/(\w+)`|§ \*(.+?)\*(?=[,.;:\s|)])", text):
        if m.group(1):
            current = m.group(1)
            continue
        assert current, f"§ *{m.group(2)}* comes before any chapter link"
        checked += 1
        if m.group(2) not in _headings(current):
            wrong.append(f"{current}: {m.group(2)}")
    assert checked >= 20, f"expected the plan to name sections, found {checked}"
    assert not wrong, f"sections named in the guide that the chapters do not have: {wrong}"


def test_lecture_plan_takes_about_50_minutes():
    text = _text(GUIDE)
    plan = text[text.index("| Minutes | Part |") :].split("\n\n", 1)[0].splitlines()[2:]
    minutes = [int(row.split("|")[1]) for row in plan]
    assert len(minutes) >= 5
    assert 45 <= sum(minutes) <= 55, f"the lecture plan takes {sum(minutes)} minutes"
    lives = [row.rstrip(" |").rsplit("|", 1)[1].strip() for row in plan]
    assert set(lives) <= {"run", "show"} and "run" in lives


def test_guide_links_a_deck_per_chapter():
    links = re.findall(r'href="\.\./slides/(\d\d_[\w-]+)\.slides\.html"', _text(GUIDE))
    chapters = [d.rsplit("/", 1)[-1] for d in chapter_docnames()]
    assert chapters, "no chapters in _toc.yml"
    assert not set(chapters) - set(links), f"chapters without a deck link: {chapters}"
    assert len(links) == len(set(links)), "a deck is listed twice"
    orphans = [name for name in links if not (NOTEBOOKS / f"{name}.ipynb").is_file()]
    assert not orphans, f"deck links to notebooks that do not exist: {orphans}"


def test_guide_launch_instructions():
    text = _text(GUIDE)
    assert BINDER in text
    assert "tscam.style.lecture_style()" in text
    import tscam.style

    assert callable(tscam.style.lecture_style) and callable(tscam.style.book_style)
    for command in ("make book", "conda env create -f environment.yml", "TSCAM_MITDB"):
        assert command in text


def test_timing_tables_are_generated_blocks():
    text = _text(GUIDE)
    for name in ("timings", "sections"):
        assert text.count(f"<!-- {name}:start -->") == 1 and text.count(f"<!-- {name}:end -->") == 1
    timings = it.block(text, "timings")
    rows = [ln for ln in timings.splitlines() if ln.startswith("| `")]
    if not rows:
        assert "Not measured yet" in timings
        return
    for row in rows:
        cols = [c.strip() for c in row.strip("|").split("|")]
        stem = cols[0].strip("`")
        assert (NOTEBOOKS / f"{stem}.ipynb").is_file(), f"timings of a missing notebook: {stem}"
        float(cols[2]), float(cols[4])  # wall and peak memory are numbers
    assert re.search(r"^Measured on \d{4}-\d\d-\d\d on ", timings, re.M)


def test_summary_states_no_measured_numbers():
    text = _text(SUMMARY)
    showed = text.split("## What the chapters showed", 1)[1].split("\n## ", 1)[0]
    prose = re.sub(r"\{\w+(?::\w+)?\}`[^`]*`", "", showed)  # roles name files and keys
    assert not re.search(r"\d+(\.\d+)?\s*%|\d\.\d", prose), "percentages or decimals in the text"
    linked = set(re.findall(r"\{doc\}`\.\./notebooks/(\w+)`", showed))
    chapters = {d.rsplit("/", 1)[-1] for d in chapter_docnames()}
    assert chapters <= linked, f"chapters the summary does not cover: {chapters - linked}"
