"""The first download of MIT-BIH against the floor of fetching the same files, on loopback.

Serves the whole release (``$TSCAM_MITDB``, a complete local copy) PhysioNet-shaped on
127.0.0.1 with Python's ``http.server`` (``tests/mirror_support.py``) and measures, in one run:

- ``floor_s``: the 144 files of the 48 records (header, signal, annotations) fetched with a
  plain HTTP client (``requests``, four at a time, as tscam does), written to disk, no checks,
  in a fresh process (best of 3);
- ``download_s``: tscam's ``download_mitdb`` of the same files into an empty folder, in a fresh
  process (pooch, SHA-256 of every file, temporary file then atomic move);
- ``first_run_s``: tscam's first run as a student meets it, in a fresh process with an empty
  cache and ``$TSCAM_MITDB_URL`` pointing at the mirror: ``beat_table`` of the 48 records
  (download, verify, extract, write the beat cache);
- ``extract_cold_s``: the same ``beat_table`` from the local copy with an empty beat cache (what
  ``bench_data.py`` calls extract_cold_s), measured here on the same machine state;
- ``goal_s`` = 1.3 x floor_s + extract_cold_s and ``first_run_over_goal`` (target: at most 1).

The four are measured in interleaved rounds (``--rounds``, default 3; each round on fresh
folders), so that each round's ratio compares runs under the same machine load; the figures are
medians over the rounds, ``first_run_over_goal_max`` the worst round.

With ``--clone``: also the time from a fresh ``git clone`` of this repository (no .venv, no
data, empty cache) to the first executed chapter, through the mirror: set-up
(``scripts/setup_env.sh``, pip's cache warm), ``scripts/prepare_data.py`` (download and beats),
then chapter 1 executed with nbconvert. Minutes; needs git and the network of set-up.

With ``--readme``: only the README's two commands, as a new contributor meets them: a fresh
``git clone`` (no .venv, no data), an empty ``$TSCAM_CACHE``, ``$TSCAM_MITDB`` unset and the
data downloaded through the mirror by ``make book``; then ``make test``. Reports the wall time of
each (set-up included) and the counts of pytest's summary line (passed, skipped, failed, errors).
``--without-npm`` runs both with ``npm`` (and node) removed from the PATH. The logs are kept in
``--logs`` (default ``benchmarks/out/readme-*.log``).

Usage: ``TSCAM_MITDB=/path/to/mitdb python benchmarks/bench_download.py [--clone | --readme
[--without-npm]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from _common import emit, machine  # noqa: E402
from mirror_support import RELEASE, Mirror  # noqa: E402

CHILD_FLOOR = r"""
import sys
sys.path.insert(0, sys.argv[4])
from pathlib import Path
from bench_download import floor, release_files
print(floor(sys.argv[1], release_files(), Path(sys.argv[2]), int(sys.argv[3])))
"""

CHILD_DOWNLOAD = r"""
import sys, time
from tscam.data import ALL_RECORDS, download_mitdb
t = time.perf_counter()
download_mitdb(sys.argv[1], ALL_RECORDS, progress=False)
print(time.perf_counter() - t)
"""

CHILD_BEATS = r"""
import json, time
t = time.perf_counter()
from tscam.data import ALL_RECORDS, beat_table
beats = beat_table(records=ALL_RECORDS)
print(json.dumps({"s": time.perf_counter() - t, "n": len(beats)}))
"""


def release_files() -> list[str]:
    from tscam.data import ALL_RECORDS
    from tscam.data.records import record_files

    return [n for r in ALL_RECORDS for n in record_files(r)]


def floor(url: str, names: list[str], dest: Path, threads: int) -> float:
    import requests

    session = requests.Session()

    def get(name: str) -> None:
        with session.get(url + name, stream=True, timeout=30) as r:
            r.raise_for_status()
            with open(dest / name, "wb") as f:
                for chunk in r.iter_content(1 << 16):
                    f.write(chunk)

    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, names))
    return time.perf_counter() - t


def run(code: str, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def clone_to_first_chapter(url: str, work: Path) -> dict[str, float]:
    """Seconds of each step from a fresh clone to chapter 1 executed (see the docstring)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TSCAM_MITDB", "VIRTUAL_ENV")}
    env.update(TSCAM_CACHE=str(work / "cache"), TSCAM_MITDB_URL=url)
    steps = {
        "clone_s": ["git", "clone", "--quiet", str(ROOT), str(work / "tscam")],
        "setup_s": ["bash", "scripts/setup_env.sh"],
        "prepare_data_s": [".venv/bin/python", "scripts/prepare_data.py"],
        "chapter1_s": [
            ".venv/bin/jupyter", "nbconvert", "--to", "notebook", "--execute",
            "--output", str(work / "01.ipynb"), "notebooks/01_ecg_beats.ipynb",
        ],
    }  # fmt: skip
    times = {}
    work.mkdir(parents=True)
    for key, cmd in steps.items():
        cwd = work if key == "clone_s" else work / "tscam"
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
        times[key] = round(time.perf_counter() - t, 1)
    times["clone_to_chapter1_s"] = round(sum(times.values()), 1)
    return times


#: Programs that make a PATH "with npm": removed from it by ``--without-npm``.
NODE_TOOLS = ("npm", "npx", "node", "nodejs", "corepack")


def path_without_npm(work: Path) -> str:
    """The PATH with every folder that holds npm or node replaced by a copy (of links) without
    them."""
    out = []
    for i, folder in enumerate(os.environ["PATH"].split(os.pathsep)):
        d = Path(folder)
        if not d.is_dir() or not any((d / t).exists() for t in NODE_TOOLS):
            out.append(folder)
            continue
        shadow = work / f"path{i}"
        shadow.mkdir(parents=True)
        for entry in d.iterdir():
            if entry.name not in NODE_TOOLS:
                (shadow / entry.name).symlink_to(entry)
        out.append(str(shadow))
    return os.pathsep.join(out)


def pytest_counts(log: str) -> dict[str, int]:
    """The counts of pytest's last summary line (``== 537 passed, 46 skipped in ... ==``)."""
    import re

    lines = [
        line for line in log.splitlines() if re.search(r"=+ .*\d+ (passed|failed).* in ", line)
    ]
    if not lines:
        return {}
    found = re.findall(r"(\d+) (passed|skipped|failed|errors?|xfailed|xpassed)", lines[-1])
    return {k.rstrip("s") if k.startswith("error") else k: int(n) for n, k in found}


def readme_commands(url: str, work: Path, logs: Path, without_npm: bool) -> dict[str, object]:
    """Wall time and test counts of `make book` then `make test` in a fresh clone."""
    env = {k: v for k, v in os.environ.items() if k not in ("TSCAM_MITDB", "VIRTUAL_ENV", "CI")}
    env.update(TSCAM_CACHE=str(work / "cache"), TSCAM_MITDB_URL=url)
    if without_npm:
        env["PATH"] = path_without_npm(work / "bin")
        assert shutil.which("npm", path=env["PATH"]) is None
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(work / "tscam")], check=True)
    out: dict[str, object] = {"without_npm": without_npm}
    logs.mkdir(parents=True, exist_ok=True)
    for target in ("book", "test"):
        log = logs / f"readme-{target}{'-no-npm' if without_npm else ''}.log"
        t = time.perf_counter()
        with open(log, "w") as f:
            rc = subprocess.run(
                ["make", target], cwd=work / "tscam", env=env, stdout=f, stderr=subprocess.STDOUT
            ).returncode
        out[f"make_{target}_s"] = round(time.perf_counter() - t, 1)
        out[f"make_{target}_rc"] = rc
        if target == "test":
            out["tests"] = pytest_counts(log.read_text(errors="replace"))
        out[f"{target}_log"] = str(log)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clone", action="store_true", help="also time a fresh clone")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--readme", action="store_true", help="time make book + make test only")
    parser.add_argument("--without-npm", action="store_true", help="--readme without npm")
    parser.add_argument("--work", type=Path, help="--readme: the folder of the clone (kept)")
    parser.add_argument("--logs", type=Path, default=HERE / "out", help="--readme: logs folder")
    args = parser.parse_args()
    if args.readme:
        return readme_main(args)
    from tscam.data import locate_mitdb
    from tscam.data.locate import DOWNLOAD_THREADS

    source = locate_mitdb()  # $TSCAM_MITDB, complete
    names = release_files()
    size_mb = sum((source / n).stat().st_size for n in names) / 2**20
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "server" / RELEASE).parent.mkdir(parents=True)
        (tmp / "server" / RELEASE).symlink_to(source, target_is_directory=True)
        base = {k: v for k, v in os.environ.items() if k != "TSCAM_MITDB"}
        with Mirror(tmp / "server") as mirror:
            os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
            env = {**base, "TSCAM_MITDB_URL": mirror.url}
            rounds = []
            for i in range(args.rounds):  # interleaved, so that each round sees one load
                r = tmp / f"round{i}"
                (r / "floor").mkdir(parents=True)
                out = run(CHILD_FLOOR, env, mirror.url, str(r / "floor"),
                          str(DOWNLOAD_THREADS), str(HERE))  # fmt: skip
                download = float(run(CHILD_DOWNLOAD, env, str(r / "download")))
                first = json.loads(run(CHILD_BEATS, {**env, "TSCAM_CACHE": str(r / "first")}))
                local = {**base, "TSCAM_MITDB": str(source), "TSCAM_CACHE": str(r / "cold")}
                cold = json.loads(run(CHILD_BEATS, local))
                rounds.append((float(out), download, first["s"], cold["s"], first["n"]))
                shutil.rmtree(r)
            assert len(mirror.requested()) == 3 * len(names) * args.rounds, "each file once a run"
            clone = clone_to_first_chapter(mirror.url, tmp / "clone") if args.clone else {}
        shutil.rmtree(tmp / "clone", ignore_errors=True)
    floor_s, download_s, first_s, cold_s, n = (median(col) for col in zip(*rounds, strict=True))
    goal_ratios = [f / (1.3 * fl + c) for fl, _, f, c, _ in rounds]
    emit(
        {
            "files": len(names),
            "size_mb": round(size_mb, 1),
            "threads": DOWNLOAD_THREADS,
            "rounds": args.rounds,
            "floor_s": round(floor_s, 3),
            "download_s": round(download_s, 3),
            "download_over_floor": round(median(d / fl for fl, d, *_ in rounds), 3),
            "first_run_s": round(first_s, 3),
            "extract_cold_s": round(cold_s, 3),
            "goal_s": round(1.3 * floor_s + cold_s, 3),
            "first_run_over_goal": round(median(goal_ratios), 3),
            "first_run_over_goal_max": round(max(goal_ratios), 3),
            "n_beats": int(n),
            **clone,
            "load_avg_1min": round(os.getloadavg()[0], 2),
            "machine": machine(),
        }
    )


def readme_main(args: argparse.Namespace) -> None:
    from tscam.data import locate_mitdb

    source = locate_mitdb()  # $TSCAM_MITDB, complete
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "server" / RELEASE).parent.mkdir(parents=True)
        (tmp / "server" / RELEASE).symlink_to(source, target_is_directory=True)
        work = args.work or tmp / "readme"
        os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
        with Mirror(tmp / "server") as mirror:
            result = readme_commands(mirror.url, work, args.logs, args.without_npm)
            result["files_downloaded"] = len(mirror.requested())
    emit({**result, "load_avg_1min": round(os.getloadavg()[0], 2), "machine": machine()})


if __name__ == "__main__":
    main()
