"""tscam.style: the lecture look as a plain call (global) and as a context manager (temporary)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

from tscam.style import BOOK, LECTURE, Style, book_style, lecture_style  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_rcparams():
    saved = dict(matplotlib.rcParams)
    yield
    matplotlib.rcParams.update(saved)


def test_context_manager_applies_inside_and_restores_after():
    rc = matplotlib.rcParams
    before = {k: rc[k] for k in LECTURE}
    with lecture_style() as s:
        assert isinstance(s, Style)
        assert rc["font.size"] == 16.0 and rc["lines.linewidth"] == 2.5
        assert rc["axes.spines.top"] is False
    assert {k: rc[k] for k in LECTURE} == before


def test_restores_even_when_the_block_raises():
    size = matplotlib.rcParams["font.size"]
    with pytest.raises(RuntimeError), lecture_style():
        raise RuntimeError("boom")
    assert matplotlib.rcParams["font.size"] == size


def test_plain_call_applies_globally_and_book_style_undoes_it():
    lecture_style()
    assert matplotlib.rcParams["font.size"] == 16.0
    assert matplotlib.rcParams["lines.linewidth"] == 2.5
    book_style()
    for key, value in BOOK.items():
        assert matplotlib.rcParams[key] == value
    assert set(LECTURE) <= set(BOOK)  # so book_style() resets everything lecture_style() sets


def test_lecture_is_larger_than_book():
    assert LECTURE["font.size"] > BOOK["font.size"]
    assert LECTURE["lines.linewidth"] > BOOK["lines.linewidth"]


def test_overrides_and_unknown_settings():
    with lecture_style(**{"font.size": 20.0}):
        assert matplotlib.rcParams["font.size"] == 20.0
    with pytest.raises(KeyError, match="font.sise"):
        Style({"font.sise": 3})


def test_importing_the_modules_changes_nothing():
    code = (
        "import matplotlib as m; before = dict(m.rcParams); "
        "import tscam.style, tscam.plotting, tscam.aggregate; "
        "assert dict(m.rcParams) == before, 'rcParams changed at import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
