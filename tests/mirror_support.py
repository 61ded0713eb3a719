"""A PhysioNet-shaped mirror of MIT-BIH on loopback, for the download tests and the download
benchmark (not a test file).

:func:`physionet_tree` lays out real release files as PhysioNet serves them
(``<root>/files/mitdb/1.0.0/<name>``); :class:`Mirror` serves such a tree with Python's
``http.server`` on 127.0.0.1 in a thread, records every request, and can misbehave on purpose
for chosen files (see :attr:`Mirror.faults`).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RELEASE = "files/mitdb/1.0.0"

#: What :class:`Mirror` can do wrong with a file:
#: ``short``: a complete response holding the first half of the file (the length says so too);
#: ``cut``: the full length announced, half the bytes sent, then the connection closed;
#: ``corrupt``: the right length, one byte flipped;
#: ``missing``: HTTP 404;
#: ``stall``: half the bytes sent, then nothing until :attr:`Mirror.release` is set.
FAULTS = ("short", "cut", "corrupt", "missing", "stall")


def physionet_tree(source: Path, root: Path, names: Iterable[str], *, link: bool = False) -> Path:
    """Copy the release files ``names`` from ``source`` into ``root/files/mitdb/1.0.0`` (or,
    with ``link``, link them there: the server reads the same bytes without a 100 MB copy)."""
    folder = root / RELEASE
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        if link:
            (folder / name).symlink_to(Path(source, name).resolve())
        else:
            shutil.copyfile(source / name, folder / name)
    return root


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        mirror = self.server.mirror
        name = self.path.rsplit("/", 1)[-1]
        with mirror.lock:
            mirror.requests.append(self.path)
        fault = mirror.faults.get(name)
        path = Path(self.translate_path(self.path))
        if fault is None or not path.is_file():
            return super().do_GET()
        if fault == "missing":
            return self.send_error(404, "File not found")
        data = path.read_bytes()
        half = data[: len(data) // 2]
        body = {"short": half, "corrupt": data[:-1] + bytes([data[-1] ^ 0xFF])}.get(fault, data)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault in ("cut", "stall"):
            self.wfile.write(half)
            self.wfile.flush()
            if fault == "stall":
                mirror.stalled.set()
                mirror.release.wait(30)
            self.close_connection = True
            return None
        self.wfile.write(body)
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    mirror: Mirror


class Mirror:
    """Serve ``root`` (a :func:`physionet_tree`) on 127.0.0.1 until :meth:`close`.

    ``url`` is the release folder (what ``$TSCAM_MITDB_URL`` takes), ``requests`` the paths
    asked for, in order; ``faults`` maps a file name to one of :data:`FAULTS`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.requests: list[str] = []
        self.faults: dict[str, str] = {}
        self.lock = threading.Lock()
        self.stalled, self.release = threading.Event(), threading.Event()
        self._server = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self._server.mirror = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{RELEASE}/"

    def requested(self) -> list[str]:
        """The file names asked for so far."""
        with self.lock:
            return [p.rsplit("/", 1)[-1] for p in self.requests]

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
