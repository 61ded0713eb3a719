"""The first download, end to end on loopback: a PhysioNet-shaped tree of real MIT-BIH files
(copied from ``$TSCAM_MITDB``) served by Python's ``http.server`` on 127.0.0.1, reached through
``$TSCAM_MITDB_URL`` and tscam's real download code (pooch, requests, checksums, atomic moves).
Nothing is faked: the server misbehaves on purpose where a test needs it (tests/mirror_support.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mirror_support import Mirror, physionet_tree

from tscam.data import ChecksumError, DataNotFoundError, download_mitdb, locate_mitdb
from tscam.data.errors import MirrorURLError
from tscam.data.locate import (
    ENV_URL,
    release_checksums,
    release_urls,
    sha256_file,
    verify_files,
)
from tscam.data.records import record_files

RECORDS = ("100", "101")
FILES = [n for r in RECORDS for n in record_files(r)]


def test_physionet_urls_of_record_100(monkeypatch):
    """Offline: the exact URLs the package requests for record 100 by default."""
    monkeypatch.delenv(ENV_URL, raising=False)
    assert release_urls(["100"]) == [
        "https://physionet.org/files/mitdb/1.0.0/100.hea",
        "https://physionet.org/files/mitdb/1.0.0/100.dat",
        "https://physionet.org/files/mitdb/1.0.0/100.atr",
    ]
    monkeypatch.setenv(ENV_URL, "https://mirror.example.org/course/mitdb")
    assert release_urls(["100"])[0] == "https://mirror.example.org/course/mitdb/100.hea"


@pytest.mark.parametrize(
    "bad",
    [
        "physionet.org/files/mitdb/1.0.0/",
        "ftp://physionet.org/files/mitdb/1.0.0/",
        "https://",
        "http://localhost:port/mitdb/",
        "https://physionet.org/files/mitdb/1.0.0/?download",
    ],
)
def test_malformed_mirror_url_is_a_clear_error(bad, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_URL, bad)
    with pytest.raises(MirrorURLError, match=rf"\${ENV_URL}=.*not a usable URL") as err:
        download_mitdb(tmp_path / "mitdb", ["100"])
    assert "https://physionet.org/files/mitdb/1.0.0/" in str(err.value)
    assert not (tmp_path / "mitdb").exists()  # nothing written


@pytest.fixture
def mirror(tmp_path, mitdb_dir, monkeypatch):
    """A loopback mirror of records 100 and 101, named by $TSCAM_MITDB_URL; no local copy."""
    physionet_tree(mitdb_dir, tmp_path / "server", FILES)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    with Mirror(tmp_path / "server") as server:
        monkeypatch.setenv(ENV_URL, server.url)
        yield server


def _valid_release_files(directory: Path) -> list[str]:
    """Files of ``directory`` that carry a release name and match its checksum."""
    sums = release_checksums()
    return sorted(
        p.name for p in directory.iterdir() if p.name in sums and sha256_file(p) == sums[p.name]
    )


def _release_named(directory: Path) -> list[str]:
    sums = release_checksums()
    return sorted(p.name for p in directory.iterdir() if p.name in sums)


@pytest.mark.realdata
def test_first_download_then_a_rerun_that_downloads_nothing(mirror, tscam_cache, capsys):
    path = locate_mitdb(records=RECORDS)
    assert path == tscam_cache / "mitdb"
    # one byte-level progress bar for all files, ending at their total size
    from tqdm import tqdm

    size = tqdm.format_sizeof(sum((path / n).stat().st_size for n in FILES))
    err = capsys.readouterr().err
    assert f"Downloading {len(FILES)} MIT-BIH files: 100%" in err and f"{size}/{size}" in err
    assert sorted(mirror.requested()) == sorted(FILES)
    assert all(p.startswith("/files/mitdb/1.0.0/") for p in mirror.requests)
    verify_files(path, FILES)
    assert sorted(p.name for p in path.iterdir()) == sorted(FILES)  # no temporary files left
    assert locate_mitdb(records=RECORDS) == path
    download_mitdb(path, RECORDS)
    assert len(mirror.requests) == len(FILES), "a rerun must not download again"
    # verified once by the download, the files are not hashed again, unless they change
    data = bytearray((path / "100.dat").read_bytes())
    data[5000] ^= 0xFF
    (path / "100.dat").write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"100\.dat does not match"):
        verify_files(path, FILES, repair=False)


@pytest.mark.realdata
@pytest.mark.parametrize("fault", ["short", "corrupt"])
def test_wrong_bytes_leave_no_valid_looking_file(fault, mirror, tmp_path):
    mirror.faults["100.dat"] = fault
    target = tmp_path / "mitdb"
    with pytest.raises(ChecksumError, match=r"100\.dat.*incomplete or corrupted") as err:
        download_mitdb(target, ["100"])
    assert mirror.url + "100.dat" in str(err.value)
    # pooch tried three times (two retries), then gave up; the bad bytes were not kept
    assert mirror.requested().count("100.dat") == 3
    assert "100.dat" not in _release_named(target)
    assert _release_named(target) == _valid_release_files(target)
    assert sorted(p.name for p in target.iterdir()) == _release_named(target)  # no temp files


@pytest.mark.realdata
def test_connection_cut_mid_file_is_one_clear_error(mirror, tmp_path):
    mirror.faults["101.dat"] = "cut"
    target = tmp_path / "mitdb"
    with pytest.raises(DataNotFoundError, match=r"Could not download 101\.dat from http") as err:
        download_mitdb(target, RECORDS, retries=0)
    assert "TSCAM_MITDB" in str(err.value)
    assert "101.dat" not in _release_named(target)
    assert _release_named(target) == _valid_release_files(target)


@pytest.mark.realdata
def test_first_failure_stops_the_files_not_started(mirror, tmp_path):
    mirror.faults["100.hea"] = "missing"
    with pytest.raises(DataNotFoundError, match=r"100\.hea.*HTTP 404"):
        download_mitdb(tmp_path / "mitdb", RECORDS, threads=1, retries=0)
    # the one worker may have taken the next file before the failure was seen; no more
    assert mirror.requested()[0] == "100.hea" and len(mirror.requested()) <= 2


@pytest.mark.realdata
def test_http_404_names_the_url(mirror, tmp_path):
    mirror.faults["101.atr"] = "missing"
    with pytest.raises(DataNotFoundError, match=r"HTTP 404") as err:
        download_mitdb(tmp_path / "mitdb", ["101"], retries=0)
    assert f"{mirror.url}101.atr" in str(err.value)
    assert not (tmp_path / "mitdb" / "101.atr").exists()


def test_unreachable_server_is_one_clear_error(tscam_cache, monkeypatch):
    with socket.socket() as s:  # a loopback port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    monkeypatch.setenv(ENV_URL, f"http://127.0.0.1:{port}/files/mitdb/1.0.0/")
    with pytest.raises(DataNotFoundError, match=r"Could not download 100\.\w+ from http") as err:
        locate_mitdb(records=["100"])
    msg = str(err.value)
    assert f"127.0.0.1:{port}" in msg and "ConnectionError" in msg and "TSCAM_MITDB" in msg
    assert not [p for p in (tscam_cache / "mitdb").iterdir()]


def test_cache_folder_that_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    monkeypatch.setenv("TSCAM_CACHE", str(blocker / "tscam"))
    with pytest.raises(DataNotFoundError, match=r"Cannot write the MIT-BIH download") as err:
        locate_mitdb(records=["100"])
    assert "TSCAM_CACHE" in str(err.value) and str(blocker) in str(err.value)
    assert blocker.read_text().startswith("a file")


CHILD = """
import sys
from tscam.data import download_mitdb
download_mitdb(sys.argv[1], ["100", "101"], progress=False)
"""


@pytest.mark.realdata
def test_interrupted_download_then_rerun(mirror, tmp_path):
    """A run killed (SIGKILL) in the middle of a file, then a rerun: the rerun fetches only what
    is missing, and nothing with a release name is ever invalid."""
    target = tmp_path / "mitdb"
    mirror.faults["101.dat"] = "stall"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)], env={**os.environ}, start_new_session=True
    )
    try:
        assert mirror.stalled.wait(60), "the download never reached 101.dat"
        deadline = time.monotonic() + 30  # let the other files finish
        while len(_release_named(target)) < len(FILES) - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
    assert "101.dat" not in _release_named(target)
    assert _release_named(target) == _valid_release_files(target)
    before = len(mirror.requests)
    del mirror.faults["101.dat"]
    download_mitdb(target, RECORDS)
    assert mirror.requested()[before:] == ["101.dat"]
    verify_files(target, FILES)
    # the killed run's temporary file (pooch's tmpXXXXXXXX beside 101.dat) is gone too
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)


def _flip_byte(path: Path, at: int = 5000) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.realdata
def test_corrupted_file_in_the_own_cache_is_downloaded_again_once(mirror, tscam_cache, capsys):
    path = locate_mitdb(records=RECORDS)
    _flip_byte(path / "100.dat")
    capsys.readouterr()
    before = len(mirror.requests)
    verify_files(path, FILES)  # repairs: no error
    assert mirror.requested()[before:] == ["100.dat"]
    notice = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(notice) == 1 and "100.dat" in notice[0] and "downloading again" in notice[0]
    assert _valid_release_files(path) == sorted(FILES)
    assert sorted(p.name for p in path.iterdir()) == sorted(FILES)


@pytest.mark.realdata
def test_repair_that_gets_wrong_bytes_again_is_an_error(mirror, tscam_cache):
    path = locate_mitdb(records=RECORDS)
    _flip_byte(path / "101.atr", at=100)
    mirror.faults["101.atr"] = "corrupt"
    with pytest.raises(ChecksumError, match=r"101\.atr"):
        verify_files(path, FILES)
    assert "101.atr" not in _valid_release_files(path)


@pytest.mark.realdata
def test_beats_from_a_corrupted_cache_are_repaired_by_the_next_run(mirror, tscam_cache, capsys):
    from tscam.data import beat_table

    path = locate_mitdb(records=RECORDS)
    _flip_byte(path / "100.dat")
    table = beat_table(records=["100"])
    assert len(table) > 2000 and "downloading again" in capsys.readouterr().err
    assert mirror.requested().count("100.dat") == 2


@pytest.mark.realdata
def test_a_local_copy_is_never_changed(mirror, tmp_path, monkeypatch):
    from tscam.data.locate import copy_records

    copy = copy_records(mirror_source(mirror), tmp_path / "copy", ["100"])
    _flip_byte(copy / "100.dat")
    corrupted = (copy / "100.dat").read_bytes()
    monkeypatch.setenv("TSCAM_MITDB", str(copy))
    before = len(mirror.requests)
    with pytest.raises(ChecksumError, match=r"100\.dat does not match.*never changes") as err:
        verify_files(locate_mitdb(records=["100"]), record_files("100"))
    assert "physionet.org/content/mitdb" in str(err.value)
    assert (copy / "100.dat").read_bytes() == corrupted
    assert len(mirror.requests) == before, "nothing may be downloaded for a local copy"


def mirror_source(mirror: Mirror) -> Path:
    """The folder the mirror serves the release files from."""
    return Path(mirror.root) / "files" / "mitdb" / "1.0.0"
