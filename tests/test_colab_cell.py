"""The Colab cell of every chapter (tests/book_support.py: colab_cell) decides right: it installs
the course package on Colab when the package is missing, and does nothing elsewhere or when the
package is there. The cell's real source runs in an IPython shell (which turns its ``%pip`` line
into a magic call); only the ``%pip`` magic is replaced by one that records its arguments."""

from __future__ import annotations

import sys
import types

import nbformat
import pytest
from book_support import chapter_notebooks, colab_cell, load_yaml


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    calls: list[str] = []
    ip.register_magic_function(calls.append, magic_kind="line", magic_name="pip")
    ip.tscam_pip_calls = calls
    yield ip
    InteractiveShell.clear_instance()


def _run(shell, monkeypatch, *, colab: bool, installed: bool) -> list[str]:
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if not installed:  # what `import tscam` sees on a fresh Colab runtime: no such module
        monkeypatch.setitem(sys.modules, "tscam", None)
    result = shell.run_cell(colab_cell(), store_history=False)
    result.raise_error()
    return list(shell.tscam_pip_calls)


def test_every_chapter_has_the_same_colab_cell():
    for path in chapter_notebooks():
        nb = nbformat.read(path, as_version=4)
        assert sum(c.source == colab_cell() for c in nb.cells) == 1, path.name


def test_on_colab_without_the_package_it_installs_from_the_repository(shell, monkeypatch):
    repo = load_yaml("_config.yml")["repository"]
    calls = _run(shell, monkeypatch, colab=True, installed=False)
    assert calls == [f'install --quiet "tscam @ git+{repo["url"]}@{repo["branch"]}"']


def test_on_colab_with_the_package_it_does_nothing(shell, monkeypatch):
    assert _run(shell, monkeypatch, colab=True, installed=True) == []


@pytest.mark.parametrize("installed", [True, False])
def test_elsewhere_it_does_nothing(shell, monkeypatch, installed):
    assert _run(shell, monkeypatch, colab=False, installed=installed) == []
