"""The Colab cell of every chapter (tests/book_support.py: colab_cell), run for real.

The cell's own source runs in an IPython shell in a fresh virtual environment (which sees this
environment's packages, but not tscam): elsewhere than on Colab it does nothing; on Colab its
``%pip install`` really installs the package, from a local git repository that holds this
working tree at the book's release tag, served over HTTP on 127.0.0.1 (the cell's URL, and only
the URL, points there), then
``tscam.colab.setup`` turns on the widget manager of ipywidgets 8, finds the data and, when
the install replaced a package the runtime had loaded, says in one line to restart. Only
``google.colab`` itself is a stand-in (a module that records what the cell asks of it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from book_support import ROOT, chapter_notebooks, colab_cell, colab_ref, load_yaml

DRIVER = r"""
import json, sys, types
from pathlib import Path

out = Path(sys.argv[1])
cell = Path(sys.argv[2]).read_text()
calls = []
if sys.argv[3] == "colab":
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("wm"))
    google = types.ModuleType("google")
    google.colab = colab
    sys.modules.update({"google": google, "google.colab": colab})
if sys.argv[4] == "old-widgets":  # what Colab's runtime had imported before the install
    sys.modules["ipywidgets"] = types.SimpleNamespace(__version__="7.7.1")
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
result = shell.run_cell(cell, store_history=False)
import importlib.util
spec = importlib.util.find_spec("tscam")
out.write_text(json.dumps({
    "ok": result.success,
    "error": repr(result.error_in_exec or result.error_before_exec),
    "calls": calls,
    "tscam": spec.origin if spec else None,
}))
"""


def test_every_chapter_has_the_same_colab_cell():
    for path in chapter_notebooks():
        nb = nbformat.read(path, as_version=4)
        assert sum(c.source == colab_cell() for c in nb.cells) == 1, path.name


def test_the_cell_installs_the_release_of_the_book_not_a_branch():
    repo = load_yaml("_config.yml")["repository"]
    assert f'"tscam @ git+{repo["url"]}@{colab_ref()}"' in colab_cell()
    assert colab_ref().startswith("v") and "@main" not in colab_cell()
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert "tags:" in workflow and "v*" in workflow, "the book is published from release tags"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment that also sees this environment's packages (pip, torch,
    IPython, ...) through a .pth file, but not tscam (neither this checkout nor an install)."""
    path = tmp_path_factory.mktemp("colab") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=300
    )
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "parent-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return path


@pytest.fixture(scope="module")
def release_repo(tmp_path_factory) -> Iterator[str]:
    """A git repository holding this working tree's package at the book's release tag, served
    over HTTP on 127.0.0.1 (git's "dumb" protocol: plain files), as GitHub serves the real one.
    Yields its URL."""
    top = tmp_path_factory.mktemp("colab")
    repo = top / "tscam"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, repo)
    shutil.copytree(ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"], ["tag", colab_ref()]):
        subprocess.run([*git, *cmd], check=True, capture_output=True)
    served = top / "served"
    served.mkdir()
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo), str(served / "tscam.git")], check=True
    )
    subprocess.run(["git", "-C", str(served / "tscam.git"), "update-server-info"], check=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(served))) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}/tscam.git"
        server.shutdown()


def _run_cell(venv: Path, repo: str, tmp_path: Path, where: str, loaded: str, env: dict) -> dict:
    repo_url = load_yaml("_config.yml")["repository"]["url"]
    cell = colab_cell().replace(f"git+{repo_url}@", f"git+{repo}@")
    assert cell != colab_cell()
    (tmp_path / "cell.py").write_text(cell)
    (tmp_path / "driver.py").write_text(DRIVER)
    out = subprocess.run(
        [venv / "bin" / "python", tmp_path / "driver.py", tmp_path / "result.json",
         tmp_path / "cell.py", where, loaded],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    return {**json.loads((tmp_path / "result.json").read_text()), "stdout": out.stdout}


@pytest.fixture
def cell_env(mitdb_dir, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # pip offline: the dependencies come from this environment, the build backend too
    env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(TSCAM_MITDB=str(mitdb_dir), TSCAM_CACHE=str(tmp_path / "cache"))
    return env


def test_elsewhere_the_cell_does_nothing(venv, release_repo, tmp_path, cell_env):
    result = _run_cell(venv, release_repo, tmp_path, "local", "fresh", cell_env)
    assert result["ok"], result["error"] + result["stdout"]
    assert result["tscam"] is None, "nothing was installed"
    assert result["calls"] == [] and result["stdout"].strip() == ""


def test_on_colab_the_cell_installs_the_release_and_prepares_the_notebook(
    venv, release_repo, tmp_path, cell_env, mitdb_dir
):
    result = _run_cell(venv, release_repo, tmp_path, "colab", "fresh", cell_env)
    assert result["ok"], result["error"] + result["stdout"]
    assert result["tscam"] and str(venv) in result["tscam"], "installed into the environment"
    assert result["calls"] == ["wm"], "the widget manager of ipywidgets 8 is turned on"
    lines = [line for line in result["stdout"].splitlines() if line.startswith("tscam:")]
    assert "RESTART" not in result["stdout"]
    assert any(str(mitdb_dir) in line and "ready" in line for line in lines), result["stdout"]

    # The same runtime's next chapter: installed already, nothing installed again; a runtime
    # that had imported ipywidgets 7 before the install is told, in one line, to restart.
    again = _run_cell(venv, release_repo, tmp_path, "colab", "old-widgets", cell_env)
    assert again["ok"], again
    restart = [line for line in again["stdout"].splitlines() if "RESTART" in line]
    assert len(restart) == 1 and "ipywidgets 7.7.1 -> 8." in restart[0], again["stdout"]
    assert again["calls"] == [], "no widget manager before the restart"
