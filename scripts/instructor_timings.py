"""Write measured run times into the instructor guide (``book/instructor_guide.md``).

The guide's tables of run times are never typed by hand. They sit between marker comments,
``<!-- timings:start -->`` / ``<!-- timings:end -->`` (one row per notebook) and
``<!-- sections:start -->`` / ``<!-- sections:end -->`` (one row per section of each chapter),
and this script rewrites what lies between them.

1. Time every notebook with the course's benchmark and keep its output (the last line of the
   output is the benchmark's JSON object)::

       mkdir -p benchmarks/out
       .venv/bin/python benchmarks/bench_notebooks.py --skip-book | tee benchmarks/out/notebooks.log

2. Write the tables::

       .venv/bin/python scripts/instructor_timings.py --bench benchmarks/out/notebooks.log \\
           [--sections] [--note "what else ran on the machine"]

   ``--sections`` also runs every chapter once more in a fresh kernel (as the benchmark does),
   timing each cell, and fills the table of sections: each ``##`` section's cells (numbered
   from 1, markdown included) and the seconds its code cells took, with its slowest cell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "instructor_guide.md"
NOTEBOOKS = ROOT / "notebooks"
#: The course's limits per notebook (issue 5): 60 s and 1.5 GB (in MiB, as the benchmark reports).
LIMIT_S = 60.0
LIMIT_MB = 1536.0


# --- the benchmark's output ----------------------------------------------------------------------


def read_bench(text: str) -> dict:
    """The JSON object that ``bench_notebooks.py`` prints as its last line (other lines, such
    as its progress on stderr, may precede it)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict) and isinstance(data.get("notebooks"), dict):
                return data
    raise ValueError(
        "no JSON object with a 'notebooks' key found: pass the saved output of "
        "`benchmarks/bench_notebooks.py` (its last line is that object)"
    )


def notebook_title(path: Path) -> str:
    """The first ``# `` heading of a notebook, or its file name when it has none."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if m:
                return m.group(1)
    return path.stem


def timings_table(
    bench: Mapping,
    titles: Mapping[str, str],
    measured: str,
    note: str | None = None,
) -> str:
    """Markdown: one row per notebook of the benchmark (wall time, kernel start, peak memory,
    whether it is within the course's limits), then where and when it was measured."""
    rows = [
        "| Notebook | Chapter | Wall (s) | Of which kernel start (s) | Peak memory (MB) "
        "| Within 60 s and 1.5 GB |",
        "|---|---|---:|---:|---:|:---:|",
    ]
    total = 0.0
    for stem, stats in sorted(bench["notebooks"].items()):
        wall, peak = float(stats["wall_s"]), float(stats["peak_rss_mb"])
        start = stats.get("kernel_start_s")
        ok = "yes" if wall <= LIMIT_S and peak <= LIMIT_MB else "**no**"
        total += wall
        title = titles.get(stem, stem).replace("|", "\\|")
        started = "" if start is None else f"{float(start):.1f}"
        rows.append(f"| `{stem}` | {title} | {wall:.1f} | {started} | {peak:.0f} | {ok} |")
    lines = [*rows, ""]
    where = f"Measured {measured}"
    if bench.get("machine"):
        where += f" on {bench['machine']}"
    if bench.get("threads"):
        where += f", {bench['threads']} PyTorch threads"
    where += f"; all notebooks together: {total:.0f} s."
    lines.append(where + (f" {note.strip()}" if note and note.strip() else ""))
    return "\n".join(lines)


# --- sections of a notebook ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A ``##`` section of a notebook: its heading and its cells (0-based, inclusive)."""

    title: str
    first: int
    last: int

    def cells(self) -> range:
        return range(self.first, self.last + 1)


def sections(nb: Mapping) -> list[Section]:
    """The ``##`` sections of a notebook, each from its heading cell to the cell before the
    next ``##`` heading (the cells before the first one, the title, are not a section)."""
    starts: list[tuple[int, str]] = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        m = re.search(r"^##\s+(.+?)\s*#*\s*$", cell["source"], re.M)
        if m:
            starts.append((i, m.group(1)))
    n = len(nb["cells"])
    return [
        Section(title, i, (starts[k + 1][0] - 1) if k + 1 < len(starts) else n - 1)
        for k, (i, title) in enumerate(starts)
    ]


def section_table(nb: Mapping, seconds: Mapping[int, float], heading: str) -> str:
    """Markdown: the sections of ``nb`` that hold code, with their cells (1-based), the seconds
    their code cells took (``seconds``: cell index -> seconds) and the slowest cell."""
    lines = [heading, "", "| Section | Cells | Run (s) | Slowest cell (s) |", "|---|---|---:|---|"]
    for sec in sections(nb):
        code = [i for i in sec.cells() if nb["cells"][i]["cell_type"] == "code"]
        if not code:
            continue
        run = [i for i in code if i in seconds]
        total = sum(seconds[i] for i in run)
        slow = max(run, key=lambda i: seconds[i]) if run else None
        slowest = f"{slow + 1} ({seconds[slow]:.1f})" if slow is not None else "not run"
        title = sec.title.replace("|", "\\|")
        lines.append(f"| {title} | {sec.first + 1}–{sec.last + 1} | {total:.1f} | {slowest} |")
    return "\n".join(lines)


def time_cells(path: Path, timeout: int = 600) -> dict[int, float]:
    """Run a notebook in a fresh ``python3`` kernel, in its folder, and return the seconds each
    executed cell took (cells tagged ``skip-execution`` are skipped, as in the book)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from notebook_runner import run_notebook

    return run_notebook(path, timeout=timeout)[1]


# --- the guide -----------------------------------------------------------------------------------


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with what lies between ``<!-- name:start -->`` and ``<!-- name:end -->``
    replaced by ``content`` (the markers stay; each must occur exactly once, start first)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(
            f"the guide must contain each of {start!r} and {end!r} exactly once "
            f"(found {text.count(start)} and {text.count(end)})"
        )
    i, j = text.index(start) + len(start), text.index(end)
    if j < i:
        raise ValueError(f"{end!r} comes before {start!r}")
    return text[:i] + "\n" + content.strip() + "\n" + text[j:]


def block(text: str, name: str) -> str:
    """What lies between the markers of block ``name`` (stripped)."""
    m = re.search(rf"<!-- {name}:start -->(.*?)<!-- {name}:end -->", text, re.S)
    if not m:
        raise ValueError(f"no block {name!r} in the text")
    return m.group(1).strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, required=True, help="saved bench_notebooks output")
    parser.add_argument("--guide", type=Path, default=GUIDE)
    parser.add_argument("--sections", action="store_true", help="time each section too")
    parser.add_argument("--note", default=None, help="a sentence added below the table")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    bench = read_bench(args.bench.read_text(encoding="utf-8"))
    stems = sorted(bench["notebooks"])
    titles = {s: notebook_title(NOTEBOOKS / f"{s}.ipynb") for s in stems}
    when = dt.datetime.fromtimestamp(args.bench.stat().st_mtime, dt.timezone.utc)
    text = args.guide.read_text(encoding="utf-8")
    text = replace_block(
        text, "timings", timings_table(bench, titles, f"on {when:%Y-%m-%d}", args.note)
    )
    if args.sections:
        parts = []
        for stem in stems:
            if not re.fullmatch(r"\d\d_.+", stem):
                continue
            path = NOTEBOOKS / f"{stem}.ipynb"
            print(f"instructor_timings: running {stem} ...", file=sys.stderr, flush=True)
            seconds = time_cells(path, args.timeout)
            nb = nbformat.read(path, as_version=4)
            parts.append(section_table(nb, seconds, f"**{titles[stem]}** (`{stem}.ipynb`)"))
        today = dt.datetime.now(dt.timezone.utc)
        parts.append(
            f"Measured on {today:%Y-%m-%d} on the machine of the table above, one fresh kernel "
            "per notebook, cells in order."
            + (f" {args.note.strip()}" if args.note and args.note.strip() else "")
        )
        text = replace_block(text, "sections", "\n\n".join(parts))
    args.guide.write_text(text, encoding="utf-8")
    print(json.dumps({"guide": str(args.guide), "notebooks": stems, "sections": args.sections}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
