"""Bad input: every failure gives a clear error naming the problem and the fix, and corrupts
nothing. WFDB files are written by the tests; real files are copied from ``$TSCAM_MITDB``."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from tscam.data import (
    DEFAULT_SPEC,
    ChecksumError,
    DataNotFoundError,
    LeadNotFoundError,
    NoBeatsError,
    UnknownRecordError,
    WindowSpec,
    beat_table,
    extract_record,
    locate_mitdb,
)
from tscam.data.locate import copy_records


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("TSCAM_MITDB", raising=False)
    monkeypatch.setenv("TSCAM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _write_record(directory: Path, name: str, leads: list[str], symbols: list[str]) -> None:
    import wfdb

    fs, n = 360, 360 * 20
    t = np.arange(n) / fs
    sig = np.stack([0.1 * np.sin(2 * np.pi * 1.2 * t + k) for k in range(len(leads))], axis=1)
    wfdb.wrsamp(
        name, fs=fs, units=["mV"] * len(leads), sig_name=leads, p_signal=sig,
        fmt=["212"] * len(leads), write_dir=str(directory),
    )  # fmt: skip
    samples = np.arange(1, len(symbols) + 1) * 600
    wfdb.wrann(name, "atr", samples, symbols, write_dir=str(directory))


def test_missing_record_file_names_the_file_and_the_fix(tmp_path, mitdb_dir):
    copy_records(mitdb_dir, tmp_path, ["100"])
    (tmp_path / "100.atr").unlink()
    with pytest.raises(DataNotFoundError, match=r"100\.atr") as err:
        locate_mitdb(tmp_path, ["100"])
    assert "data_dir" in str(err.value) and "download" in str(err.value)


def test_env_variable_pointing_to_an_incomplete_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("TSCAM_MITDB", str(tmp_path))
    with pytest.raises(DataNotFoundError, match=r"\$TSCAM_MITDB") as err:
        locate_mitdb(records=["101"])
    assert "101.hea" in str(err.value)


def test_corrupted_dat_fails_the_checksum_and_writes_no_cache(tmp_path, mitdb_dir, empty_cache):
    copy_records(mitdb_dir, tmp_path, ["100"])
    dat = tmp_path / "100.dat"
    data = bytearray(dat.read_bytes())
    data[1000] ^= 0xFF
    dat.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"100\.dat.*never changes files in a local copy"):
        beat_table(tmp_path, ["100"])
    assert dat.read_bytes() == bytes(data), "a local copy is never repaired"
    assert not list(empty_cache.rglob("*.npz"))


def test_no_data_and_no_network_gives_one_clear_error(empty_cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(DataNotFoundError) as err:
        locate_mitdb(records=["100"])
    msg = str(err.value)
    assert "TSCAM_MITDB" in msg and "physionet.org" in msg
    assert not [p for p in (empty_cache / "mitdb").iterdir() if p.is_file()]


def test_record_without_the_requested_lead(tmp_path):
    _write_record(tmp_path, "900", ["V1", "V2"], ["N"] * 5)
    with pytest.raises(LeadNotFoundError, match=r"no lead 'MLII'.*\['V1', 'V2'\]"):
        extract_record(tmp_path, "900")


def test_written_record_with_the_lead_is_read(tmp_path):
    _write_record(tmp_path, "901", ["V5", "MLII"], ["N", "V", "+", "A", "N", "N", "N", "N"])
    beats = extract_record(tmp_path, "901")
    # '+' is not a beat; the first beat (at 600 samples = 1.67 s) fits the window
    assert "".join(beats.symbol) == "NVANNNN"
    assert beats.x.shape == (7, DEFAULT_SPEC.length)


def test_annotation_file_without_beats(tmp_path):
    _write_record(tmp_path, "902", ["MLII"], ["+", "~", "+"])
    with pytest.raises(NoBeatsError, match="no beat annotations"):
        extract_record(tmp_path, "902")


@pytest.mark.parametrize("bad", [["999"], ["100", "1000"], [100.5]])
def test_unknown_record_name(bad):
    with pytest.raises(UnknownRecordError, match="Valid records are 100-124 and 200-234"):
        beat_table(records=bad)


def test_cache_is_reused_and_stale_caches_are_rebuilt(mitdb_dir, empty_cache, monkeypatch):
    import tscam.data.cache as cache
    import tscam.data.dataset as dataset

    first = beat_table(mitdb_dir, ["100"])
    files = list((empty_cache / "beats").glob("*.npz"))
    assert len(files) == 1

    def boom(*a, **k):
        raise AssertionError("the cache should have been used")

    with monkeypatch.context() as m:
        m.setattr(dataset, "extract_all", boom)
        again = beat_table(mitdb_dir, ["100"])
    np.testing.assert_array_equal(first.x, again.x)

    # Other parameters: a new cache entry, never the old one.
    other = beat_table(mitdb_dir, ["100"], WindowSpec(r_index=100))
    assert len(list((empty_cache / "beats").glob("*.npz"))) == 2
    assert not np.array_equal(other.x, first.x)

    # A damaged file, or one holding another key (e.g. written by an older version), at the
    # right name is rebuilt, not reused.
    files[0].write_bytes(b"not a zip")
    np.testing.assert_array_equal(beat_table(mitdb_dir, ["100"]).x, first.x)
    arrays = {k: getattr(other, k)[:3] for k in ("x", "y", "record", "sample", "symbol")}
    cache.save_npz_atomic(files[0], arrays, {"key": "another-key"})
    np.testing.assert_array_equal(beat_table(mitdb_dir, ["100"]).x, first.x)


def test_a_crash_while_writing_the_cache_leaves_nothing(mitdb_dir, empty_cache, monkeypatch):
    import tscam.data.cache as cache

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        beat_table(mitdb_dir, ["100"])
    assert not [p for p in (empty_cache / "beats").iterdir()]


def test_data_dir_that_does_not_exist_is_an_error_even_with_cached_beats(
    tmp_path, mitdb_dir, empty_cache
):
    from tscam.data import load_beats

    copy = copy_records(mitdb_dir, tmp_path / "copy", ["100"])
    assert len(beat_table(copy, ["100"])) > 2000  # the beat cache now holds record 100
    missing = tmp_path / "does-not-exist"
    with pytest.raises(DataNotFoundError, match=r"does-not-exist is not a folder") as err:
        beat_table(missing, ["100"])
    assert "data_dir" in str(err.value) and "physionet.org" in str(err.value)
    with pytest.raises(DataNotFoundError, match=r"is not a folder"):
        load_beats("inter", "test", data_dir=missing)


def test_beat_cache_key_names_the_copy_it_was_built_from(tmp_path, mitdb_dir, empty_cache):
    a = copy_records(mitdb_dir, tmp_path / "a", ["100"])
    b = copy_records(mitdb_dir, tmp_path / "b", ["100"])
    from_a, from_b = beat_table(a, ["100"]), beat_table(b, ["100"])
    assert from_a.meta["key"] != from_b.meta["key"]
    assert from_a.meta["params"]["source"]["folder"] == str(a.resolve())
    assert len(list((empty_cache / "beats").glob("beats-*.npz"))) == 2
    np.testing.assert_array_equal(from_a.x, from_b.x)
    assert beat_table(a, ["100"]).meta["key"] == from_a.meta["key"]  # a cache hit
    # the copy's file replaced (same bytes, new time): the beats are extracted again
    (a / "100.atr").write_bytes((b / "100.atr").read_bytes())
    assert beat_table(a, ["100"]).meta["key"] != from_a.meta["key"]
