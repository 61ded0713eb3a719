"""Time and memory of every notebook in a fresh kernel, and of a cold build of the whole book.

Usage::

    .venv/bin/python benchmarks/bench_notebooks.py [--skip-book] [--only 01_ecg_beats ...]

Each ``notebooks/*.ipynb`` runs top to bottom in a new ``python3`` kernel (nbclient; cells
tagged ``skip-execution`` are skipped, as in the book build). ``wall_s`` counts from kernel start
to the end of the last cell; ``peak_rss_mb`` is the largest resident memory of the kernel's
process tree, sampled every 50 ms. The cold book build copies the book's sources into a
temporary folder (so the real ``_build`` and its execution cache stay untouched) and runs the
strict build there: every notebook is executed again.

The last line printed is one JSON object::

    {"notebooks": {"01_ecg_beats": {"wall_s": ..., "peak_rss_mb": ...}, ...},
     "book_cold_build_s": ..., "threads": ..., "machine": ...}

Data come from ``$TSCAM_MITDB`` / ``$TSCAM_CACHE`` as in the book; run once beforehand so the
beat cache is warm, since the figures are meant for cached beats and shipped weights.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from notebook_runner import run_notebook as run  # noqa: E402

BOOK_SOURCES = ("book", "notebooks", "_config.yml", "_toc.yml")


class PeakRSS:
    """Sample the resident memory of a process and its children in a background thread."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self.pid, self.every_s, self.peak = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            proc = psutil.Process(self.pid)
            procs = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.peak, self._sample())
        self._stop.set()
        self._thread.join()


def run_notebook(path: Path, timeout: int) -> dict[str, float]:
    marks: dict[str, float] = {}
    rss: list[PeakRSS] = []

    @contextlib.contextmanager
    def measured(client: object) -> Iterator[None]:
        marks["started"] = time.perf_counter()
        with PeakRSS(client.km.provisioner.process.pid) as peak:  # type: ignore[attr-defined]
            rss.append(peak)
            yield

    start = time.perf_counter()
    run(path, timeout=timeout, around_cells=measured)
    end = time.perf_counter()
    started = marks["started"]
    return {
        "wall_s": round(end - start, 2),
        "exec_s": round(end - started, 2),
        "kernel_start_s": round(started - start, 2),
        "peak_rss_mb": round(rss[0].peak / 2**20, 1),
    }


def cold_book_build() -> float:
    """Seconds of a strict build of a fresh copy of the book (nothing cached)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    with tempfile.TemporaryDirectory(prefix="tscam-book-") as tmp:
        dst = Path(tmp)
        for name in BOOK_SOURCES:
            src = ROOT / name
            if src.is_dir():
                skip = shutil.ignore_patterns(".ipynb_checkpoints")
                shutil.copytree(src, dst / name, ignore=skip)
            else:
                shutil.copy2(src, dst / name)
        subprocess.run([str(jupyter_book), "clean", str(dst)], check=True, capture_output=True)
        start = time.perf_counter()
        proc = subprocess.run(
            [str(jupyter_book), "build", str(dst), "-W", "-n", "--keep-going"],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            raise SystemExit(f"the cold book build failed (exit {proc.returncode})")
    return round(elapsed, 1)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")),
            model,
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    mem_gb = psutil.virtual_memory().total / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {platform.python_version()}"


def torch_threads() -> int:
    out = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip() or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-book", action="store_true", help="skip the cold book build")
    parser.add_argument("--only", nargs="*", default=None, help="notebook names (stems) to run")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.stem in set(args.only)]
    results: dict[str, object] = {"notebooks": {}}
    for path in paths:
        stats = run_notebook(path, args.timeout)
        results["notebooks"][path.stem] = stats
        print(f"{path.stem}: {stats}", file=sys.stderr, flush=True)
    results["book_cold_build_s"] = None if args.skip_book else cold_book_build()
    results["threads"] = torch_threads()
    results["machine"] = machine()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
