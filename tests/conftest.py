"""Shared test set-up: no network, a headless matplotlib, the MIT-BIH copy, an empty cache.

- Every test runs behind a network guard: connections to anything but loopback addresses and
  unix sockets are refused with a :class:`NetworkBlockedError` (an ``OSError``, as on a machine
  without network), so a test can never download by accident.
- ``mitdb_dir``: the complete, verified copy of MIT-BIH that the package finds
  (``$TSCAM_MITDB``, else the user cache that ``make book`` downloads into). Without one, tests
  that need real data are skipped with the reason, except when ``$CI`` is set: then they fail,
  so CI can never pass by silently skipping the real-data tests. Every test that uses it is marked
  ``realdata`` (and a test that reads MIT-BIH must get it through this fixture).
- ``tscam_cache``: an empty ``$TSCAM_CACHE`` for one test.
- ``skip_or_fail``: skip with a reason locally, fail under CI (for the book and browser tests).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import matplotlib
import pytest

matplotlib.use("Agg", force=True)
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    """True when the environment variable CI is set to anything but an explicit 'false'."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_or_fail(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def skip_or_fail() -> Callable[[str], NoReturn]:
    """``skip_or_fail(reason)``: skip the test, or fail it when CI is set."""
    return _skip_or_fail


# --- no network -------------------------------------------------------------------------------


class NetworkBlockedError(ConnectionRefusedError):
    """Raised by the test-suite's network guard instead of opening a connection."""


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes, bytearray)):  # AF_UNIX path (or abstract name)
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:  # a host name other than localhost: resolving it is network already
        return False


def _refuse(address: object) -> NoReturn:
    raise NetworkBlockedError(
        f"tscam's tests run without network: a connection to {address!r} was blocked. "
        "Use local data (TSCAM_MITDB), files written by the test, or a fake; only loopback "
        "addresses (127.0.0.1, ::1, localhost) and unix sockets are allowed."
    )


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every non-loopback, non-unix connection made by the test process."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: object) -> None:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
            _refuse(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
            _refuse(address)
        return real_connect_ex(self, address)

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        if not _is_local(address):
            _refuse(address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)


# --- data and cache ---------------------------------------------------------------------------


def find_mitdb() -> tuple[Path | None, str]:
    """Where the package finds a complete, verified MIT-BIH (``$TSCAM_MITDB``, else the user
    cache that ``make book`` downloads into), and why not when it does not: ``(path, "")`` or
    ``(None, reason)``. Nothing is downloaded, repaired or written."""
    from tscam.data import ALL_RECORDS, DataError, locate_mitdb, verify_files
    from tscam.data.records import record_files

    try:
        path = locate_mitdb(records=ALL_RECORDS, download=False)
        verify_files(path, [n for r in ALL_RECORDS for n in record_files(r)], repair=False)
    except DataError as exc:
        return None, str(exc)
    return path.resolve(), ""


#: Fixtures that give a test the MIT-BIH database: such a test is marked ``realdata``.
REAL_DATA_FIXTURES = ("mitdb_dir",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that needs MIT-BIH (through ``mitdb_dir``, directly or via another fixture)
    carries the ``realdata`` marker, so ``pytest -m "not realdata"`` runs exactly the others."""
    for item in items:
        if any(f in getattr(item, "fixturenames", ()) for f in REAL_DATA_FIXTURES):
            item.add_marker(pytest.mark.realdata)


@pytest.fixture(scope="session")
def mitdb_dir() -> Path:
    """The verified MIT-BIH copy the package itself would use: ``$TSCAM_MITDB``, else the user
    cache (``$TSCAM_CACHE/mitdb``, ``~/.cache/tscam/mitdb``) filled by ``make book``. Skip
    without one; fail under CI."""
    path, problem = find_mitdb()
    if path is None:
        _skip_or_fail(
            f"real MIT-BIH data unavailable: {problem} (Run `make data` to download and verify "
            "it into the user cache, or point TSCAM_MITDB at a local copy of "
            "https://physionet.org/content/mitdb/1.0.0/.)"
        )
    return path


@pytest.fixture
def tscam_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``$TSCAM_CACHE`` for this test only (the user's cache is not touched)."""
    path = tmp_path / "tscam-cache"
    path.mkdir()
    monkeypatch.setenv("TSCAM_CACHE", str(path))
    return path


# --- the built book ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def book_html() -> Path:
    """``_build/html`` of the built book (run ``make book`` first; skip/fail without it)."""
    html = ROOT / "_build" / "html"
    if not (html / "index.html").is_file():
        _skip_or_fail(f"the book is not built ({html} has no index.html); run `make book` first")
    return html


@pytest.fixture(scope="session")
def book_js(book_html: Path):
    """Where the built book loads its JavaScript from (``book_support.BookJS``): vendored by
    set-up when npm was there, else the CDN copies the book names. Under CI the book must be
    self-contained: a book built without vendored JavaScript fails the tests that take this."""
    from book_support import BookJS

    js = BookJS(book_html)
    if not js.vendored and in_ci():
        pytest.fail(
            f"the built book loads its JavaScript from CDNs ({', '.join(sorted(js.remote))}): "
            "book/_static/vendor was not filled (npm missing at set-up); with CI set the book "
            "must load nothing from other hosts. Install Node.js/npm and run `make book`.",
            pytrace=False,
        )
    return js


@pytest.fixture(autouse=True)
def one_thread():
    """Tests run torch on one thread (restored afterwards): their small batches run faster so,
    and on a busy 2-core machine two OpenMP threads spin against each other."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test leaves open."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
