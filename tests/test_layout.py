"""Where tools live: what scripts, benchmarks and tests share stays outside ``src/tscam``."""

from __future__ import annotations

from book_support import ROOT


def test_one_notebook_runner_outside_the_package():
    """The runner of scripts, benchmarks and tests is ``scripts/notebook_runner.py``: the
    package ships none, and nothing else builds its own nbclient client."""
    import importlib.util

    assert importlib.util.find_spec("tscam._notebooks") is None
    src = ROOT / "src" / "tscam"
    assert not [p for p in src.rglob("*.py") if "nbclient" in p.read_text(encoding="utf-8")]
    users = sorted(
        str(p.relative_to(ROOT))
        for folder in ("scripts", "benchmarks", "tests")
        for p in (ROOT / folder).glob("*.py")
        if "NotebookClient(" in p.read_text(encoding="utf-8") and p.name != "test_layout.py"
    )
    assert users == ["scripts/notebook_runner.py"], users
