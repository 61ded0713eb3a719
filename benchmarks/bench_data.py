"""Beat extraction speed and memory versus reading the database with wfdb alone.

- ``wfdb_read_s``: the floor: ``wfdb.rdrecord`` + ``wfdb.rdann`` of all 48 records.
- ``extract_cold_s``: ``beat_table`` of all 48 records with an empty cache (checksums, reading,
  resampling, filtering, windowing, writing the cache), in a fresh process.
- ``ratio``: extract_cold_s / wfdb_read_s (target: at most 2).
- ``warm_load_s``: the same call once the cache exists, in a fresh process (target < 0.5 s).
- ``peak_rss_mb``: peak memory of the cold-extraction process (target < 1000 MB).

Every extraction includes the RR features of each beat (``tscam.data.rhythm``). ``--window``
picks the window: ``beat`` (the 88-sample :data:`~tscam.data.BEAT_SPEC`, default) or ``masked``
(the 187-sample first design).

Usage: ``TSCAM_MITDB=/path/to/mitdb python benchmarks/bench_data.py [--window masked]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, machine, peak_rss_mb  # noqa: E402

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from tscam.data import ALL_RECORDS, BEAT_SPEC, MASKED_SPEC, beat_table
t1 = time.perf_counter()
beats = beat_table(records=ALL_RECORDS, spec=BEAT_SPEC if sys.argv[1] == "beat" else MASKED_SPEC)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "call_s": t2 - t1, "n": len(beats),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def wfdb_floor(path: Path) -> float:
    import wfdb

    from tscam.data import ALL_RECORDS
    from tscam.data.beats import _quiet_wfdb

    t = time.perf_counter()
    with _quiet_wfdb():
        for r in ALL_RECORDS:
            wfdb.rdrecord(str(path / r))
            wfdb.rdann(str(path / r), "atr")
    return time.perf_counter() - t


def child(env: dict[str, str], window: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, window], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import argparse

    from tscam.data import locate_mitdb

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--window", choices=("beat", "masked"), default="beat")
    window = p.parse_args().window
    path = locate_mitdb()
    floor = min(wfdb_floor(path) for _ in range(3))  # warm OS file cache, best of 3
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "TSCAM_CACHE": cache, "TSCAM_MITDB": str(path)}
        cold = child(env, window)
        warm = min((child(env, window) for _ in range(3)), key=lambda r: r["call_s"])
        for f in Path(cache, "beats").glob("*.npz"):
            size_mb = f.stat().st_size / 2**20
    emit(
        {
            "window": window,
            "wfdb_read_s": round(floor, 3),
            "extract_cold_s": round(cold["call_s"], 3),
            "ratio": round(cold["call_s"] / floor, 3),
            "warm_load_s": round(warm["call_s"], 3),
            "peak_rss_mb": round(cold["peak_rss_mb"], 1),
            "n_beats": cold["n"],
            "cache_file_mb": round(size_mb, 1),
            "import_s": round(cold["import_s"], 3),
            "bench_process_rss_mb": round(peak_rss_mb(), 1),
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
