"""Find the MIT-BIH database on disk, download it from PhysioNet if needed, verify checksums.

Where the files are looked for, in order:

1. the ``data_dir`` argument of the calling function;
2. the environment variable ``TSCAM_MITDB`` (a local copy, e.g. on a course server or in CI);
3. the user cache, ``$TSCAM_CACHE/mitdb`` (default ``~/.cache/tscam/mitdb``).

Only the user cache is ever written to: missing records are downloaded there with ``pooch``
from PhysioNet's plain file URLs (``https://physionet.org/files/mitdb/1.0.0/<name>``, or the
folder named by ``$TSCAM_MITDB_URL``, e.g. a course's mirror), a few files at a time, each into a
temporary file that is verified against the release's SHA-256 list (shipped with the package)
and only then moved into place. An interrupted download therefore leaves nothing that passes as
valid, and the next call downloads only the files still missing; temporary files that a killed
download left behind are removed by the next download. A file of the user cache that fails its
checksum is downloaded again (once, with a one-line notice); a file of a local copy
(``data_dir``, ``$TSCAM_MITDB``) is never changed: a mismatch there is an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tscam.data.errors import ChecksumError, DataNotFoundError, MirrorURLError, UnknownRecordError
from tscam.data.records import ALL_RECORDS, PHYSIONET_DB, record_files

ENV_DATA = "TSCAM_MITDB"
ENV_CACHE = "TSCAM_CACHE"

_HOW_TO_GET = (
    "Either connect to the internet once (tscam then downloads the database from PhysioNet, "
    "about 100 MB, into the user cache), or download https://physionet.org/content/mitdb/1.0.0/ "
    f"yourself and set the environment variable {ENV_DATA} to that folder."
)


def cache_dir() -> Path:
    """Root of tscam's user cache: ``$TSCAM_CACHE``, else ``$XDG_CACHE_HOME/tscam``, else
    ``~/.cache/tscam``."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tscam"


@cache
def release_checksums() -> dict[str, str]:
    """SHA-256 of every file of the PhysioNet release ``mitdb/1.0.0`` (file name -> hex)."""
    text = resources.files("tscam.data").joinpath("mitdb_SHA256SUMS.txt").read_text()
    sums: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest
    return sums


def check_records(records: Iterable[str]) -> tuple[str, ...]:
    """Return the records as strings, raising :class:`UnknownRecordError` for unknown names."""
    out = tuple(str(r) for r in records)
    unknown = [r for r in out if r not in ALL_RECORDS]
    if unknown:
        raise UnknownRecordError(
            f"Unknown MIT-BIH record(s) {unknown}. Valid records are 100-124 and 200-234 "
            f"as listed in tscam.data.ALL_RECORDS (e.g. '100', '208')."
        )
    return out


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


#: Files this process has verified (path -> size and modification time when it matched), so
#: that the beats extracted right after a download do not hash the same bytes a second time.
_VERIFIED: dict[Path, tuple[int, int]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def own_cache(directory: Path | str) -> bool:
    """Whether ``directory`` is tscam's own download folder (``cache_dir() / "mitdb"``), the
    only folder tscam writes MIT-BIH files into (and may repair)."""
    try:
        return Path(directory).resolve() == (cache_dir() / "mitdb").resolve()
    except OSError:
        return False


def _mismatches(directory: Path, names: Iterable[str]) -> list[tuple[str, str]]:
    """(name, SHA-256 found) of each file that does not match the release."""
    sums = release_checksums()
    bad = []
    for name in names:
        path = Path(directory, name).resolve()
        if _VERIFIED.get(path) == _stamp(path):
            continue
        got = sha256_file(path)
        if got == sums[name]:
            _VERIFIED[path] = _stamp(path)
        else:
            bad.append((name, got))
    return bad


def verify_files(
    directory: Path | str, names: Iterable[str], *, repair: bool | None = None
) -> None:
    """Check each file against the release checksums; raise :class:`ChecksumError` on a mismatch.

    A file this process verified before (unchanged since: same size and modification time) is
    not read again. ``repair`` (default: only in tscam's own cache, see :func:`own_cache`):
    download the files that do not match again, once, saying so in one line on stderr; a local
    copy of the user's is never changed."""
    directory = Path(directory)
    names = list(names)
    bad = _mismatches(directory, names)
    if not bad:
        return
    ours = own_cache(directory)
    if repair is None:
        repair = ours
    if repair:
        shown = ", ".join(n for n, _ in bad)
        print(
            f"tscam: {shown} in {directory} did not match the MIT-BIH 1.0.0 release checksum; "
            "downloading again.",
            file=sys.stderr,
            flush=True,
        )
        for name, _ in bad:
            (directory / name).unlink(missing_ok=True)
        _download_files(directory, [n for n, _ in bad], progress=False)
        bad = _mismatches(directory, names)
        if not bad:
            return
    sums = release_checksums()
    name, got = bad[0]
    if ours:
        fix = (
            "It was downloaded again and still does not match: the server does not hold the "
            f"MIT-BIH 1.0.0 release (${ENV_URL}?)."
            if repair
            else "Run again to download it afresh."
        )
    else:
        fix = (
            "tscam never changes files in a local copy: copy the file again from "
            "https://physionet.org/content/mitdb/1.0.0/, or unset "
            f"{ENV_DATA} (and data_dir) to let tscam download the database into "
            f"{cache_dir() / 'mitdb'}."
        )
    raise ChecksumError(
        f"{directory / name} does not match the MIT-BIH 1.0.0 release "
        f"(SHA-256 {got[:16]}..., expected {sums[name][:16]}...): the file is corrupted or was "
        f"changed. {fix}"
    )


ENV_URL = "TSCAM_MITDB_URL"

#: Where the release files are downloaded from, unless ``$TSCAM_MITDB_URL`` names a mirror.
PHYSIONET_URL = f"https://physionet.org/files/{PHYSIONET_DB}/"

#: Files downloaded at the same time (PhysioNet serves a few parallel requests well).
DOWNLOAD_THREADS = 4
#: Attempts after a failed one (lost connection, wrong checksum), as pooch makes them.
DOWNLOAD_RETRIES = 2
#: Bytes read per step (pooch's default, 1 KiB, costs a write, a flush and a progress update
#: per KiB: 6 times the plain transfer time on loopback).
DOWNLOAD_CHUNK = 1 << 16
#: Seconds without a byte from the server before a download is given up.
DOWNLOAD_TIMEOUT = 30


def mirror_url() -> str:
    """The folder URL the release files are downloaded from: ``$TSCAM_MITDB_URL`` (a course's
    mirror) or PhysioNet's ``https://physionet.org/files/mitdb/1.0.0/``, ending in ``/``.

    Raises :class:`MirrorURLError` for a value that is not an ``http(s)://host/...`` URL.
    """
    value = os.environ.get(ENV_URL, "").strip()
    if not value:
        return PHYSIONET_URL
    parts = urlsplit(value)
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "it does not start with http:// or https://"
    elif not parts.hostname:
        problem = "it names no host"
    elif parts.query or parts.fragment:
        problem = "it has a query (?...) or a fragment (#...)"
    else:
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            problem = "its port is not a number"
    if problem:
        raise MirrorURLError(
            f"${ENV_URL}={value!r} is not a usable URL: {problem}. It must name the folder that "
            f"holds the MIT-BIH release files, e.g. {PHYSIONET_URL} (the default, used when "
            f"${ENV_URL} is unset) or https://my-course.example.org/mitdb/1.0.0/."
        )
    return value if value.endswith("/") else value + "/"


def release_urls(records: Sequence[str] = ALL_RECORDS) -> list[str]:
    """The URL of every file of ``records`` (header, signal, annotations), as downloaded."""
    base = mirror_url()
    return [base + name for r in check_records(records) for name in record_files(r)]


class _SharedBar:
    """The progress bar pooch drives for one file, adding its bytes to one bar for all files
    (pooch sets ``total``, calls ``update`` per chunk, then ``reset``, ``update(total)``)."""

    def __init__(self, bar: Any, lock: threading.Lock) -> None:
        self._bar, self._lock, self._total, self._done = bar, lock, 0, 0

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        with self._lock:
            self._bar.total = (self._bar.total or 0) + value - self._total
            self._bar.refresh()
        self._total = value

    def update(self, n: int) -> None:
        step = max(0, min(self._done + n, self._total) - self._done) if self._total else n
        self._done += step
        with self._lock:
            self._bar.update(step)

    def reset(self) -> None:
        """pooch resets before filling the bar with the file's total (see :meth:`update`)."""

    def close(self) -> None:
        """The shared bar is closed once, by :func:`download_mitdb`."""


@contextmanager
def _quiet_pooch() -> Iterator[None]:
    """pooch logs one line per file; the byte-level progress bar says enough."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _writable(directory: Path) -> None:
    """Create ``directory`` and check that a file can be written in it, or raise a clear error."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise DataNotFoundError(
            f"Cannot write the MIT-BIH download into {directory} ({type(exc).__name__}: {exc}). "
            f"Set the environment variable {ENV_CACHE} to a writable folder, or {ENV_DATA} to "
            "a local copy of the database."
        ) from exc


def _download_error(name: str, url: str, exc: BaseException, missing: int, directory: Path):
    """The one error a failed download gives (checksum, HTTP status, network)."""
    import requests

    if isinstance(exc, ValueError) and not isinstance(exc, requests.RequestException):
        return ChecksumError(
            f"Downloaded {name} from {url} does not match the release checksum (incomplete or "
            "corrupted download). Nothing was kept; run again to retry. If it happens again, "
            f"the server does not hold the MIT-BIH 1.0.0 release ({ENV_URL}?)."
        )
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code} {exc.response.reason} for {url}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return DataNotFoundError(
        f"Could not download {name} from {url} ({reason}). {missing} file(s) of the MIT-BIH "
        f"database are missing from {directory}. {_HOW_TO_GET}"
    )


#: The temporary files pooch downloads into (``tempfile.NamedTemporaryFile`` in the folder).
_POOCH_TMP = re.compile(r"^tmp[a-z0-9_]{8}$")
#: Without ``fcntl`` (native Windows), a temporary file this old is taken as abandoned.
_ABANDONED_AFTER = 3600


@contextmanager
def _download_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (``flock`` on the folder itself: no lock file; the
    system releases it when a process dies), then remove the temporary files of downloads that
    were killed: while the lock is held, no other tscam download writes there."""
    try:
        import fcntl
    except ImportError:  # native Windows: remove only temporary files not touched for an hour
        fcntl = None
    fd = os.open(directory, os.O_RDONLY) if fcntl is not None else None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        for path in directory.iterdir():
            if not _POOCH_TMP.match(path.name) or not path.is_file():
                continue
            if fd is None and time.time() - path.stat().st_mtime < _ABANDONED_AFTER:
                continue
            path.unlink(missing_ok=True)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


def download_mitdb(
    directory: Path | str,
    records: Sequence[str] = ALL_RECORDS,
    *,
    threads: int = DOWNLOAD_THREADS,
    retries: int = DOWNLOAD_RETRIES,
    progress: bool = True,
) -> Path:
    """Download the files of ``records`` that ``directory`` lacks, verifying each one.

    The files come from :func:`mirror_url` (PhysioNet, or ``$TSCAM_MITDB_URL``), ``threads`` at
    a time, with pooch: each is streamed into a temporary file beside its destination, checked
    against the release's SHA-256 (:func:`release_checksums`) and only then moved into place,
    so a crash or a lost connection never leaves a file that passes as valid, and a rerun
    downloads only what is still missing (and removes the temporary files a killed run left).
    Two processes never download into the same folder at once (the second waits, then finds
    the files there). A failed file is tried ``retries`` more times; then the first failure is
    raised as one :class:`DataNotFoundError` (network, HTTP status: the message names the URL)
    or :class:`ChecksumError` (wrong or truncated bytes).
    """
    directory = Path(directory)
    wanted = [n for r in check_records(records) for n in record_files(r)]
    if all((directory / n).is_file() for n in wanted):
        return directory
    _download_files(directory, wanted, threads=threads, retries=retries, progress=progress)
    return directory


def _download_files(
    directory: Path,
    wanted: Sequence[str],
    *,
    threads: int = DOWNLOAD_THREADS,
    retries: int = DOWNLOAD_RETRIES,
    progress: bool = True,
) -> None:
    """Download those of the release files ``wanted`` that ``directory`` lacks (see
    :func:`download_mitdb`)."""
    import pooch
    from tqdm.auto import tqdm

    base = mirror_url()
    _writable(directory)
    with _download_lock(directory):
        missing = [n for n in wanted if not (directory / n).is_file()]
        if not missing:
            return
        sums = release_checksums()
        store = pooch.create(
            path=directory,
            base_url=base,
            registry={name: f"sha256:{sums[name]}" for name in missing},
            retry_if_failed=retries,
        )
        lock = threading.Lock()
        bar = tqdm(
            total=None, unit="B", unit_scale=True, disable=not progress,
            desc=f"Downloading {len(missing)} MIT-BIH files",
        )  # fmt: skip

        def fetch(name: str) -> None:
            downloader = pooch.HTTPDownloader(
                progressbar=_SharedBar(bar, lock) if progress else False,
                chunk_size=DOWNLOAD_CHUNK,
                timeout=DOWNLOAD_TIMEOUT,
            )
            path = Path(store.fetch(name, downloader=downloader)).resolve()
            _VERIFIED[path] = _stamp(path)  # pooch checked its SHA-256 before moving it

        failure: tuple[str, BaseException] | None = None
        with _quiet_pooch(), bar, ThreadPoolExecutor(max(1, threads)) as pool:
            futures = {pool.submit(fetch, name): name for name in missing}
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                exc = future.exception()
                if exc is not None and failure is None:
                    failure = (futures[future], exc)
                    for other in futures:  # files not started yet are not fetched
                        other.cancel()
    if failure is not None:
        name, exc = failure
        if not isinstance(exc, Exception):  # KeyboardInterrupt and the like
            raise exc
        left = sum(not (directory / n).is_file() for n in wanted)
        raise _download_error(name, base + name, exc, left, directory) from exc


def locate_mitdb(
    data_dir: Path | str | None = None,
    records: Sequence[str] = ALL_RECORDS,
    *,
    download: bool = True,
) -> Path:
    """Return a folder that holds the header, signal and annotation files of ``records``.

    ``data_dir`` and ``$TSCAM_MITDB`` name read-only local copies: missing files there are an
    error. Otherwise the user cache is used and completed from PhysioNet (if ``download``).
    Files are not checksummed here; :func:`verify_files` does that when beats are extracted.
    """
    records = check_records(records)
    wanted = [n for r in records for n in record_files(r)]
    explicit = data_dir if data_dir is not None else os.environ.get(ENV_DATA) or None
    if explicit is not None:
        directory = Path(explicit).expanduser()
        source = "data_dir" if data_dir is not None else f"${ENV_DATA}"
        if not directory.is_dir():
            raise DataNotFoundError(
                f"{source}={str(explicit)!r}: {directory} is not a folder. Point {source} at a "
                "complete copy of the MIT-BIH database "
                "(https://physionet.org/content/mitdb/1.0.0/), or leave it out to let tscam "
                f"download the database into {cache_dir() / 'mitdb'}."
            )
        missing = [n for n in wanted if not (directory / n).is_file()]
        if missing:
            shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
            raise DataNotFoundError(
                f"{len(missing)} MIT-BIH file(s) missing from {directory} (given by {source}): "
                f"{shown}. Point {source} at a complete copy of the database "
                f"(https://physionet.org/content/mitdb/1.0.0/), or unset it to let tscam download "
                f"the database into {cache_dir() / 'mitdb'}."
            )
        return directory
    directory = cache_dir() / "mitdb"
    missing = [n for n in wanted if not (directory / n).is_file()]
    if missing and not download:
        raise DataNotFoundError(
            f"The MIT-BIH database is not in {directory} and download=False. {_HOW_TO_GET}"
        )
    if missing:
        download_mitdb(directory, records)
    elif any(_POOCH_TMP.match(p.name) for p in directory.iterdir()):
        with _download_lock(directory):  # removes what a killed download left
            pass
    return directory


def copy_records(src: Path | str, dst: Path | str, records: Iterable[str]) -> Path:
    """Copy the files of some records (used to build small local copies, e.g. in tests)."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for r in check_records(records):
        for n in record_files(r):
            shutil.copyfile(src / n, dst / n)
    return dst
