"""The chapters' shared conventions (issue 19), read from the notebooks' markdown:

- **Notation** (``book/notation.md``): the page defines the course's symbols for the new input,
  and no chapter uses another symbol for a quantity it lists: no ``T = 187``, no 17-sample
  segments, no ``N`` as the number of steps of a curve (N is a class; the page says ``m`` and
  ``j``), no ``\\alpha`` as the Integrated-Gradients path variable (``\\lambda``), no ``c`` for
  an input channel or ``K`` for a kernel length (``i``, ``\\ell``), no macro-F1 that does not
  say it is over N, S, V and F (nor the five-class ``"macro_f1"`` field read in code); every
  chapter links the notation page.
- **Skeleton** (Pythia): a Prerequisites table with the header ``| Concept | Importance | Link |``
  (importance Necessary or Helpful) and the link to the notation page; directly under every
  teaching section heading the line ``*Time: about N min.*``, and the section times add up to
  the Overview's time within 20 %.

Each rule is a function returning the problems it finds; the tests below run it on every chapter
and, so that no rule can pass vacuously, on small hand-made notebooks that break it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from book_support import ROOT, chapter_notebooks

NOTATION = ROOT / "book" / "notation.md"

# --- reading the prose --------------------------------------------------------------------------


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _prose(text: str) -> str:
    """Markdown without code blocks, inline code and roles' targets (file names, keys), so that
    a function name such as ``macro_f1_of`` is not read as prose."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\{(?:cite|doc|ref|numref)(?::\w+)?\}`[^`]*`", " ", text)
    return re.sub(r"`[^`\n]*`", " ", text)


def sentences(text: str) -> list[str]:
    """The sentences of a markdown text: paragraphs joined into lines (a table row, a heading and
    a list item stay units of their own), then split after ``.``, ``!`` and ``?``."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in block.splitlines():
            if re.match(r"\s*(\||#|[-*+] |\d+\. |\$\$)", line) and current:
                units.append(" ".join(current))
                current = []
            current.append(line.strip())
        if current:
            units.append(" ".join(current))
    out: list[str] = []
    for unit in units:
        out += re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z$*(\[])", unit)
    return [s for s in out if s.strip()]


#: Another work's window (Jones et al., the Kachuee format): a sentence about it may give its
#: 187 samples or 17-sample segments.
OTHER_WORK = re.compile(r"jones|kachuee|deligianni", re.I)

#: Symbols the notation page gives to a quantity, and what a chapter must not write instead:
#: (what is wrong, the notation's symbol, patterns). Patterns are read on the prose and maths.
WRONG_SYMBOLS: list[tuple[str, str, list[str]]] = [
    ("the input length written as 187", "$T = 88$", [r"\bT\s*=\s*187\b"]),
    (
        "segments of 17 samples",
        "$s_t$, 8 samples",
        [
            r"\bsegments?\s+of\s+17\s+samples",
            r"\b17[- ]samples?\s+(?:each\s+)?segments?",
            r"\b11\s*(?:\\times|×|x)\s*17\b",
            r"\b17\s*(?:\\times|×)\s*11\b",
            r"\bholds\s+the\s+17\s+samples",
        ],
    ),
    (
        "N as the number of steps of a curve (N is a class)",
        "$m$ steps, $j = 0, \\dots, m$",
        [
            r"\bj\s*=\s*0\s*,?\s*(?:\\[lc]?dots|\.\.\.?|…)\s*,?\s*N\b",
            r"\bj\s*=\s*0\s*\}?\s*\^\s*\{?\s*N\b",
            r"(?<![\w\\])j\s*(?:T[\w{}\\]*\s*)?/\s*N\b",
            r"\\frac\{\s*j[^{}]*\}\{\s*N\s*\}",
            r"\\frac\{\s*1\s*\}\{\s*N\s*\+\s*1\s*\}",
            r"\$N(?:\s*=\s*\d+)?\$\s*(?:deletion\s+|insertion\s+|curve\s+)?(?:steps?|points|fractions)",
            r"\bN\s*=\s*\d+\s*\$?\s*(?:deletion\s+|insertion\s+)?steps\b",
            r"\bsteps?\s*,?\s*\$N\$",
        ],
    ),
    (
        "alpha as the Integrated-Gradients path variable (alpha is a Grad-CAM weight)",
        "$\\lambda \\in [0, 1]$",
        [
            r"\\alpha\s*\\in\s*\[\s*0\s*,\s*1\s*\]",
            r"(?:\bd|\\mathrm\{d\})\s*\\alpha(?![_^A-Za-z])",
            r"\\alpha\s*(?:\\cdot\s*)?(?:\\big[lr]?|\\left)?\(\s*x\s*-",
            r"\+\s*\\alpha\s*(?:\\cdot\s*)?(?:\\big[lr]?|\\left)?\(",
        ],
    ),
    (
        "c for an input channel (c is a class)",
        "$i$",
        [r"\bchannels?\s+\$c\$", r"\bx_\{?c\}?\s*\(\s*t\s*[+-]", r"\\sum_\{?c\s*=\s*1\}?\^"],
    ),
    (
        "K for a kernel length (K is a number of channels)",
        "$\\ell$",
        [
            r"\bkernels?\s+(?:of\s+)?(?:size|length|width)\s+(?:of\s+)?\$K'?\$",
            r"\bkernel\s+of\s+\$K'?\$",
            r"\^\s*\{\s*K'?\s*-\s*1\s*\}",
        ],
    ),
]

MACRO_F1 = re.compile(r"macro[- ]?(?:averaged\s+)?F1", re.I)
FOUR_CLASSES = re.compile(r"\bN,\s*S,\s*V,?\s*(?:and\s+|&\s*)?F\b")
FIVE_CLASS_FIELD = re.compile(r"""\[\s*["']macro_f1["']\s*\]""")


def symbol_problems(texts: list[str], code: list[str] = ()) -> list[str]:
    """Where markdown ``texts`` (and the strings of ``code`` cells) use another symbol than the
    notation page's for a quantity it lists, or a macro-F1 that is not over N, S, V and F."""
    problems = []
    for text in texts:
        for sentence in sentences(_prose(text)):
            for what, ours, patterns in WRONG_SYMBOLS:
                if what == "segments of 17 samples" and OTHER_WORK.search(sentence):
                    continue
                if any(re.search(p, sentence) for p in patterns):
                    problems.append(f"{what} (the notation page: {ours}): {sentence[:160]!r}")
            if MACRO_F1.search(sentence) and not FOUR_CLASSES.search(sentence):
                problems.append(
                    f"macro-F1 without 'over N, S, V and F' in its sentence: {sentence[:160]!r}"
                )
    for source in code:
        for line in source.splitlines():
            if FIVE_CLASS_FIELD.search(line):
                problems.append(
                    "code reads the five-class 'macro_f1' field (use macro_f1_of(metrics, "
                    f"SCORED_CLASSES), the macro-F1 over N, S, V and F): {line.strip()[:120]!r}"
                )
            elif MACRO_F1.search(line) and not FOUR_CLASSES.search(line):
                problems.append(
                    "code prints a macro-F1 without 'N, S, V and F' beside it: "
                    f"{line.strip()[:120]!r}"
                )
    return problems


NOTATION_LINK = re.compile(r"\{doc\}`(?:[^`<]*<)?(?:\.\./)*book/notation>?`")


def notation_problems(nb) -> list[str]:
    """The symbol problems of a chapter, and whether it links the notation page."""
    md = _markdown(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    problems = symbol_problems(md, code)
    if not any(NOTATION_LINK.search(t) for t in md):
        problems.append("no link to the notation page ({doc}`../book/notation`)")
    return problems


# --- the skeleton -------------------------------------------------------------------------------

FIXED_SECTIONS = {"overview", "prerequisites", "setup", "summary", "what's next", "references"}
# a section time, optionally with a parenthetical, e.g. "(with the exercise)"
TIME_LINE = re.compile(r"^\*Time: about (\d+) min(?: \([^)]*\))?\.\*$")
OVERVIEW_TIME = re.compile(r"Time:?\**:?\s*about\s+(\d+)\s*min", re.I)
PREREQ_HEADER = "| Concept | Importance | Link |"


def _norm(heading: str) -> str:
    return heading.strip().lower().replace("’", "'")


def sections(nb) -> list[tuple[str, list[str]]]:
    """``(heading, lines under it up to the next second-level heading)`` in order; a section
    continues across cells (a code cell counts as one line of its own)."""
    out: list[tuple[str, list[str]]] = []
    for cell in nb.cells:
        lines = cell.source.splitlines() if cell.cell_type == "markdown" else ["<code cell>"]
        for line in lines:
            m = re.match(r"^##\s+(.+?)\s*$", line)
            if m and cell.cell_type == "markdown":
                out.append((m.group(1), []))
            elif out:
                out[-1][1].append(line)
        if out and cell.cell_type == "markdown":
            out[-1][1].append("")  # a cell boundary is a paragraph boundary
    return out


def skeleton_problems(nb) -> list[str]:
    problems = []
    secs = sections(nb)
    by_name = {_norm(h): body for h, body in secs}
    prereq = by_name.get("prerequisites")
    if prereq is None:
        problems.append("no ## Prerequisites section")
    else:
        rows = [ln.strip() for ln in prereq if ln.strip().startswith("|")]
        header = re.sub(r"\s+", " ", rows[0]) if rows else ""
        if header != PREREQ_HEADER:
            problems.append(
                f"the Prerequisites table must start with {PREREQ_HEADER!r}: {header!r}"
            )
        else:
            body = rows[2:]
            if not body:
                problems.append("the Prerequisites table has no rows")
            for row in body:
                cols = [c.strip().strip("*_ ") for c in row.strip("|").split("|")]
                if len(cols) != 3 or cols[1] not in ("Necessary", "Helpful"):
                    problems.append(
                        f"a Prerequisites row needs 3 columns, importance Necessary or Helpful: "
                        f"{row!r}"
                    )
        after = "\n".join(prereq)
        tail = after.split(rows[-1], 1)[1] if rows else after
        if not NOTATION_LINK.search(tail):
            problems.append("no line linking the notation page after the Prerequisites table")
    overview = by_name.get("overview")
    m = OVERVIEW_TIME.search("\n".join(overview)) if overview is not None else None
    if m is None:
        problems.append("the Overview gives no time ('Time: about N min')")
    total = 0
    teaching = [(h, body) for h, body in secs if _norm(h) not in FIXED_SECTIONS]
    if not teaching:
        problems.append("no teaching section")
    for heading, body in teaching:
        first = next((ln.strip() for ln in body if ln.strip()), "")
        t = TIME_LINE.match(first)
        if t is None:
            problems.append(
                f"## {heading}: the first line under it must be '*Time: about N min.*', "
                f"not {first[:60]!r}"
            )
        else:
            total += int(t.group(1))
    if m is not None and teaching and total:
        planned = int(m.group(1))
        if abs(total - planned) > 0.2 * planned:
            problems.append(
                f"the sections take {total} min in all, the Overview says {planned} min "
                "(must agree within 20 %)"
            )
    return problems


# --- the tests on the chapters ------------------------------------------------------------------


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_chapters():
    assert chapter_notebooks()


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_chapter_uses_the_notation_page(path):
    problems = notation_problems(_read(path))
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_chapter_skeleton_prerequisites_and_times(path):
    problems = skeleton_problems(_read(path))
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_notation_page_defines_the_symbols():
    text = NOTATION.read_text(encoding="utf-8")
    for symbol in (
        r"T = 88",
        r"8 samples",
        r"\rho_c(r)",
        r"y_c = \frac{1}{T} \sum_t M_c(t) + \rho_c(r) + b_c",
        r"y_c = w_c^\top h_{11} + \rho_c(r) + b_c",
        r"$m$, $j$",
        r"j = 0, \dots, m",
        r"\lambda \in [0, 1]",
        r"| $i$ |",
        r"| $\ell$ |",
        "macro-F1 over N, S, V and F",
        "macro_f1_of(metrics, SCORED_CLASSES)",
    ):
        assert symbol in text, f"book/notation.md does not define {symbol!r}"
    # the page itself obeys its rules; the masked window is chapter 8's case study only
    main, _, masked = text.partition("## The masked window of `fcn-inter-masked`")
    assert masked, "the notation page keeps the masked window apart, as chapter 8's case study"
    assert "onset" not in main and "187" not in main
    assert not symbol_problems([main]), symbol_problems([main])


# --- each rule fails on a notebook that breaks it -----------------------------------------------


def _nb(*cells: str | tuple[str, str]):
    """A notebook of markdown cells (strings) and code cells (``("code", source)``)."""
    out = []
    for c in cells:
        if isinstance(c, tuple):
            out.append(nbformat.v4.new_code_cell(c[1]))
        else:
            out.append(nbformat.v4.new_markdown_cell(c))
    return nbformat.v4.new_notebook(cells=out)


GOOD = _nb(
    "# A chapter",
    "## Overview\n\nText.\n\n**Time:** about 30 minutes (20 minutes of reading).",
    "## Prerequisites\n\n| Concept | Importance | Link |\n|:--|:--|:--|\n"
    "| Grad-CAM | Necessary | {doc}`04_grad_cam` |\n"
    "| NumPy | Helpful | [numpy](https://numpy.org) |"
    "\n\nSymbols: see {doc}`../book/notation`.",
    "## Setup",
    ("code", "import tscam\nprint(f'macro-F1 over N, S, V and F {0.5:.1%}')"),
    "## Deletion curves\n*Time: about 20 min.*\n\nA curve of $m$ steps, $j = 0, \\dots, m$; the"
    " path $x' + \\lambda (x - x')$ with $\\lambda \\in [0, 1]$; the window has $T = 88$ samples"
    " and the LSTM reads segments of 8 samples. The macro-F1 over N, S, V and F is the mean of "
    "four F1 scores. Jones et al. {cite}`jones2020ecg` cut 187 samples into segments of 17 "
    "samples. A kernel of length $\\ell$ reads input channel $i$; the FCN has $K = 128$ channels.",
    "## Exercises\n\n*Time: about 12 min.*\n\nTwo exercises.",
    "## Summary\n\nDone.",
    "## What's next",
    "## References",
)


def test_good_notebook_passes():
    assert notation_problems(GOOD) == []
    assert skeleton_problems(GOOD) == []


def _replace(nb, old: str, new: str):
    copy = nbformat.from_dict(nbformat.v4.new_notebook(cells=[dict(c) for c in nb.cells]))
    hits = 0
    for cell in copy.cells:
        if old in cell.source:
            cell.source = cell.source.replace(old, new)
            hits += 1
    assert hits, f"{old!r} is not in the good notebook"
    return copy


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("$T = 88$", "$T = 187$", "input length written as 187"),
        ("reads segments of 8 samples", "reads segments of 17 samples", "segments of 17"),
        ("$m$ steps, $j = 0, \\dots, m$", "$N$ steps, $j = 0, \\dots, N$", "N as the number"),
        ("A curve of $m$ steps", "With $N = 10$ steps", "N as the number"),
        ("$x' + \\lambda (x - x')$", "$x' + \\alpha (x - x')$", "alpha as the Integrated"),
        ("$\\lambda \\in [0, 1]$", "$\\alpha \\in [0, 1]$", "alpha as the Integrated"),
        ("input channel $i$", "input channel $c$", "c for an input channel"),
        ("A kernel of length $\\ell$", "A kernel of size $K$", "K for a kernel length"),
        ("The macro-F1 over N, S, V and F is", "The macro-F1 is", "macro-F1 without"),
        ("macro-F1 over N, S, V and F {0.5", "macro-F1 {0.5", "code prints a macro-F1"),
        ("print(f'", "m['macro_f1']\nprint(f'", "five-class 'macro_f1' field"),
        ("Symbols: see {doc}`../book/notation`.", "Symbols.", "no link to the notation page"),
    ],
)
def test_notation_rule_fails_on_a_broken_notebook(old, new, problem):
    problems = notation_problems(_replace(GOOD, old, new))
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("| Concept | Importance | Link |", "| Concept | Link |", "must start with"),
        ("| Necessary |", "| Essential |", "Necessary or Helpful"),
        ("\n*Time: about 20 min.*\n", "\n\n", "must be '*Time: about N min.*'"),
        (
            "*Time: about 12 min.*\n\nTwo",
            "Two exercises.\n\n*Time: about 12 min.*\n\nTwo",
            "first line",
        ),
        ("*Time: about 20 min.*", "*Time: about 30 min.*", "must agree within 20 %"),
        ("**Time:** about 30 minutes", "About half an hour", "gives no time"),
        ("\n\nSymbols: see {doc}`../book/notation`.", "", "linking the notation page"),
    ],
)
def test_skeleton_rule_fails_on_a_broken_notebook(old, new, problem):
    problems = skeleton_problems(_replace(GOOD, old, new))
    assert any(problem in p for p in problems), problems


def test_time_line_may_open_the_next_cell():
    nb = _replace(GOOD, "## Exercises\n\n*Time: about 12 min.*\n\nTwo exercises.", "## Exercises")
    nb.cells.insert(7, nbformat.v4.new_markdown_cell("*Time: about 12 min.*\n\nTwo exercises."))
    assert skeleton_problems(nb) == []
    nb.cells.insert(7, nbformat.v4.new_code_cell("x = 1"))
    assert any("Exercises" in p for p in skeleton_problems(nb))
