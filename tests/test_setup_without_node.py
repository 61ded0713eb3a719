"""A laptop with only Python: set-up's decisions without npm on the PATH, and the book and the
slides falling back to CDN copies of their JavaScript when nothing was vendored."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from book_support import ROOT, load_yaml

sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "scripts"))
import build_slides as bs  # noqa: E402
import tscam_book  # noqa: E402

#: What set-up's decision step runs (bash builtins aside), and nothing else: no npm, no node.
TOOLS = ("bash", "dirname", "uname", "cat", "grep")


def _path_without_npm(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed on the PATH"
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(sys.executable)
    return str(bin_dir)


def _plan(path: str, **env: str) -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup_env.sh"), "--plan"],
        env={"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return out.stdout


def test_setup_without_npm_says_the_book_uses_cdns_in_one_line(tmp_path):
    path = _path_without_npm(tmp_path)
    assert shutil.which("npm", path=path) is None and shutil.which("node", path=path) is None
    out = _plan(path)
    cdn = [line for line in out.splitlines() if "npm" in line and "Python:" not in line]
    assert len(cdn) == 1 and "npm not found" in cdn[0] and "CDNs" in cdn[0], out
    assert "Python 3." in out


def test_setup_picks_the_torch_index(tmp_path):
    path = _path_without_npm(tmp_path)
    skipped = _plan(path, TSCAM_TORCH_INDEX="none")
    assert "torch from the default package index (TSCAM_TORCH_INDEX=none)" in skipped, skipped
    assert "did not answer" not in skipped
    # The probe itself, against a loopback index (the tests stay off the network): quiet and
    # falling back when nothing answers, the CPU index where one does.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unreachable = _plan(path, TSCAM_TORCH_INDEX=f"http://127.0.0.1:{port}/whl/cpu")
    (tmp_path / "index" / "whl" / "cpu" / "torch").mkdir(parents=True)
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "index"))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        index = f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
        answering = _plan(path, TSCAM_TORCH_INDEX=index)
        server.shutdown()
    if sys.platform.startswith("linux"):
        assert f"the PyTorch CPU wheel index http://127.0.0.1:{port}/whl/cpu did not answer" in (
            unreachable
        ), unreachable
        assert f"torch: the CPU build, from {index}" in answering, answering
    else:
        assert "torch from the default package index" in unreachable + answering


class _Index(SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.requests.append(self.path)
        super().do_GET()


def test_set_up_with_nothing_to_install_does_not_probe_the_torch_index(tmp_path):
    """A second `make` (the stamp matches, the packages import) asks no index anything."""
    import hashlib

    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup_env.sh", root / "scripts")
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, root)
    (root / ".venv" / "bin").mkdir(parents=True)
    python = root / ".venv" / "bin" / "python"  # this environment, as a set-up .venv
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((root / name).read_bytes())
    (root / ".venv" / ".tscam-setup").write_text(digest.hexdigest() + "\n")
    (tmp_path / "index" / "whl" / "cpu" / "torch").mkdir(parents=True)
    _Index.requests = []
    handler = partial(_Index, directory=str(tmp_path / "index"))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        index = f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
        env = {
            "PATH": _path_without_npm(tmp_path),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "TSCAM_TORCH_INDEX": index,
        }
        out = subprocess.run(
            ["bash", str(root / "scripts" / "setup_env.sh")],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        plan = _plan(env["PATH"], TSCAM_TORCH_INDEX=index)
        server.shutdown()
    assert "installing" not in out.stdout + out.stderr, out.stdout + out.stderr
    if sys.platform.startswith("linux"):
        # the probe happens for --plan only (the control that the server is seen at all)
        assert _Index.requests == ["/whl/cpu/torch/"], _Index.requests
        assert f"from {index}" in plan


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not on the PATH")
def test_setup_with_npm_vendors_the_javascript():
    out = _plan(os.environ["PATH"])
    assert "JavaScript: vendored with npm" in out


def _sphinx_config() -> SimpleNamespace:
    cfg = load_yaml("_config.yml")["sphinx"]["config"]
    return SimpleNamespace(nb_ipywidgets_js=dict(cfg["nb_ipywidgets_js"]),
                           mathjax_path=cfg["mathjax_path"])  # fmt: skip


def test_book_without_vendored_javascript_uses_jupyter_books_cdn_copies(tmp_path):
    (tmp_path / "book" / "_static").mkdir(parents=True)  # a clone where fetch_js.sh never ran
    config = _sphinx_config()
    tscam_book.use_cdn_without_vendored_js(SimpleNamespace(confdir=str(tmp_path)), config)
    from myst_nb.core.config import ipywidgets_js_factory
    from sphinx.ext.mathjax import MATHJAX_URL

    default = list(ipywidgets_js_factory())
    assert list(config.nb_ipywidgets_js) == [default[0], "widgets-setup.js", default[1]]
    assert config.nb_ipywidgets_js["widgets-setup.js"] == {"data-cdn": "1"}
    assert config.mathjax_path == MATHJAX_URL


def test_book_with_vendored_javascript_keeps_it(tmp_path):
    static = tmp_path / "book" / "_static"
    for name in tscam_book.VENDORED:
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_text("// vendored")
    config = _sphinx_config()
    before = dict(config.nb_ipywidgets_js), config.mathjax_path
    tscam_book.use_cdn_without_vendored_js(SimpleNamespace(confdir=str(tmp_path)), config)
    assert (config.nb_ipywidgets_js, config.mathjax_path) == before


def test_slides_without_vendored_javascript_load_the_cdn_copies():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter\n\nText.")])
    nb = bs.prepare(nb, bs.Links(cite_labels={}, doc_title=lambda doc: None), "notebooks/99_x")
    html = bs.export_deck(nb, bs.make_exporter(cdn=True))
    assert bs.check_deck(html, cdn=True) == []
    assert bs.check_deck(html) != [], "the offline check must still see the CDN loads"
    widgets, mathjax = tscam_book.cdn_assets()
    assert f'src="{next(iter(widgets))}"' in html and mathjax in html
    tag = re.search(r"<script\b[^>]*widgets-setup\.js[^>]*>", html)
    assert tag and 'data-cdn="1"' in tag.group(0), "widget assets stay on the CDN"
    assert "https://unpkg.com/reveal.js@" in html
