"""The real-data tests find MIT-BIH where the package finds it: after a download into the user
cache (what `make book` does on a machine without a local copy), with ``$TSCAM_MITDB`` unset,
they run instead of skipping. The download is real: every release file, served on 127.0.0.1
(tests/mirror_support.py), fetched by tscam's own code into an empty ``$TSCAM_CACHE``; then a
real-data test file runs in a child pytest, as a contributor's `make test` would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from mirror_support import Mirror, physionet_tree

from tscam.data import ALL_RECORDS, locate_mitdb
from tscam.data.locate import ENV_URL
from tscam.data.records import record_files

#: A real-data test file: each of its tests takes ``mitdb_dir``.
REAL_DATA_TESTS = "tests/test_data_raw.py"


def _pytest(env: dict[str, str]) -> tuple[dict[str, int], str]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", REAL_DATA_TESTS, "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|skipped|failed|errors?)\b", out)}
    return counts, out


def test_real_data_tests_run_on_the_copy_make_book_downloaded(mitdb_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("TSCAM_MITDB", "CI", ENV_URL)}
    env["TSCAM_CACHE"] = str(cache)

    # Nothing anywhere: skipped with the way to get the data, or errors when CI is set.
    counts, out = _pytest(env)
    assert set(counts) == {"skipped"} and counts["skipped"] >= 4, out
    assert "make data" in out and "TSCAM_MITDB" in out, out
    counts, out = _pytest({**env, "CI": "true"})
    assert "passed" not in counts and "skipped" not in counts, out
    assert counts.get("errors", counts.get("error", 0)) >= 4, out
    assert "required when CI is set" in out, out

    # The whole database downloaded into the empty user cache, from the loopback mirror.
    names = [n for r in ALL_RECORDS for n in record_files(r)]
    physionet_tree(mitdb_dir, tmp_path / "server", names, link=True)
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    monkeypatch.setenv("TSCAM_CACHE", str(cache))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with Mirror(tmp_path / "server") as server:
        monkeypatch.setenv(ENV_URL, server.url)
        path = locate_mitdb(records=ALL_RECORDS)
        assert sorted(server.requested()) == sorted(names)
    assert path == cache / "mitdb"

    # Now every test runs, locally and under CI, on the downloaded copy.
    for extra in ({}, {"CI": "true"}):
        counts, out = _pytest({**env, **extra})
        assert set(counts) == {"passed"} and counts["passed"] >= 4, out


def test_a_corrupted_download_is_not_given_to_the_tests(mitdb_dir, tmp_path, monkeypatch):
    """The fixture hands out verified copies only (and repairs nothing itself)."""
    import conftest

    cache = tmp_path / "cache" / "mitdb"
    cache.mkdir(parents=True)
    for name in (n for r in ALL_RECORDS for n in record_files(r)):
        (cache / name).symlink_to(Path(mitdb_dir, name).resolve())
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    monkeypatch.setenv("TSCAM_CACHE", str(tmp_path / "cache"))
    assert conftest.find_mitdb() == (cache.resolve(), "")
    (cache / "100.dat").unlink()
    (cache / "100.dat").write_bytes(b"\0" * 1000)
    path, problem = conftest.find_mitdb()
    assert path is None and "100.dat does not match" in problem
    assert (cache / "100.dat").read_bytes() == b"\0" * 1000
