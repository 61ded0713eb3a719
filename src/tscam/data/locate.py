"""Find the MIT-BIH database on disk, download it from PhysioNet if needed, verify checksums.

Where the files are looked for, in order:

1. the ``data_dir`` argument of the calling function;
2. the environment variable ``TSCAM_MITDB`` (a local copy, e.g. on a course server or in CI);
3. the user cache, ``$TSCAM_CACHE/mitdb`` (default ``~/.cache/tscam/mitdb``).

Only the user cache is ever written to: missing records are downloaded there with ``wfdb``,
one file at a time into a temporary file that is verified against the release's SHA-256 list
(shipped with the package) and only then moved into place. An interrupted download therefore
leaves nothing that passes as valid, and the next call resumes with the files still missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from tscam.data.errors import ChecksumError, DataNotFoundError, UnknownRecordError
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


def verify_files(directory: Path, names: Iterable[str]) -> None:
    """Check each file against the release checksums; raise :class:`ChecksumError` on a mismatch."""
    sums = release_checksums()
    for name in names:
        got = sha256_file(directory / name)
        if got != sums[name]:
            raise ChecksumError(
                f"{directory / name} does not match the MIT-BIH 1.0.0 release "
                f"(SHA-256 {got[:16]}..., expected {sums[name][:16]}...). The file is corrupted "
                "or was changed. Delete it and run again to download it afresh, or copy the file "
                "again from https://physionet.org/content/mitdb/1.0.0/."
            )


def _fetch_file(name: str, dest_dir: Path) -> None:
    """Download one release file from PhysioNet into ``dest_dir`` (tests replace this)."""
    import wfdb

    wfdb.dl_files(PHYSIONET_DB, str(dest_dir), [name], keep_subdirs=False, overwrite=True)


def download_mitdb(directory: Path | str, records: Sequence[str] = ALL_RECORDS) -> Path:
    """Download the files of ``records`` that ``directory`` lacks, verifying each one.

    Every file is first written to a temporary folder beside its destination, checked against
    the release's SHA-256 and only then moved into place (atomic rename), so a crash or a lost
    connection never leaves a half-written file behind, and a rerun resumes where it stopped.
    """
    from tqdm.auto import tqdm

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wanted = [n for r in check_records(records) for n in record_files(r)]
    missing = [n for n in wanted if not (directory / n).is_file()]
    if not missing:
        return directory
    sums = release_checksums()
    with tempfile.TemporaryDirectory(prefix=".download-", dir=directory) as tmp:
        tmp_dir = Path(tmp)
        for name in tqdm(missing, desc="Downloading MIT-BIH from PhysioNet", unit="file"):
            try:
                _fetch_file(name, tmp_dir)
            except Exception as exc:  # network errors come in many types
                raise DataNotFoundError(
                    f"Could not download {name} from PhysioNet ({type(exc).__name__}: {exc}). "
                    f"{len(missing)} file(s) of the MIT-BIH database are missing from "
                    f"{directory}. {_HOW_TO_GET}"
                ) from exc
            part = tmp_dir / name
            if not part.is_file():
                raise DataNotFoundError(f"Download of {name} produced no file. {_HOW_TO_GET}")
            got = sha256_file(part)
            if got != sums[name]:
                part.unlink()
                raise ChecksumError(
                    f"Downloaded {name} does not match the release checksum (incomplete or "
                    "corrupted download). Nothing was kept; run again to retry."
                )
            os.replace(part, directory / name)
    return directory


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
        missing = [n for n in wanted if not (directory / n).is_file()]
        if missing:
            source = "data_dir" if data_dir is not None else f"${ENV_DATA}"
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
    return directory


def copy_records(src: Path | str, dst: Path | str, records: Iterable[str]) -> Path:
    """Copy the files of some records (used to build small local copies, e.g. in tests)."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for r in check_records(records):
        for n in record_files(r):
            shutil.copyfile(src / n, dst / n)
    return dst
