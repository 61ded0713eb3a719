"""Helpers shared by the book tests: the table of contents and the notebooks (not a test file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCE_SUFFIXES = (".ipynb", ".md")


def load_yaml(name: str) -> Any:
    with open(ROOT / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "file" in node:
            yield str(node["file"])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                yield from _walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def toc_docnames() -> list[str]:
    """Every document of ``_toc.yml`` in order (root first), as written (no suffix)."""
    toc = load_yaml("_toc.yml")
    return [str(toc["root"]), *_walk(toc)]


def source_of(docname: str) -> Path | None:
    """The file behind a toc entry (``.ipynb`` or ``.md``), or None when there is none."""
    stem = docname[: -len(Path(docname).suffix)] if Path(docname).suffix else docname
    for suffix in SOURCE_SUFFIXES:
        path = ROOT / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def chapter_notebooks() -> list[Path]:
    """The chapters: ``notebooks/NN_name.ipynb``."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def chapter_docnames() -> list[str]:
    """Toc entries that are chapter notebooks, e.g. ``notebooks/01_ecg_beats``."""
    out = []
    for doc in toc_docnames():
        src = source_of(doc)
        if src is not None and src.suffix == ".ipynb" and src.parent == NOTEBOOKS:
            if src.name[:2].isdigit() and src.name[2] == "_":
                out.append(str(src.relative_to(ROOT).with_suffix("")))
    return out


#: The JavaScript set-up vendors into the built book (scripts/fetch_js.sh; with npm only).
VENDORED_JS = (
    "_static/vendor/require.js",
    "_static/vendor/html-manager/embed-amd.js",
    "_static/vendor/mathjax/tex-mml-chtml.js",
)


class BookJS:
    """Where the built book loads its JavaScript from: ``vendored`` (the book itself, offline)
    or the CDN copies the book names (``book/_ext/tscam_book.py: cdn_assets``), when set-up
    had no npm. ``require``, ``manager`` and ``mathjax`` end the ``src`` of their scripts;
    ``remote`` is the set of URLs a page may load from other hosts (empty when vendored)."""

    def __init__(self, book_html: Path) -> None:
        self.vendored = all((book_html / name).is_file() for name in VENDORED_JS)
        if self.vendored:
            self.require, self.manager, self.mathjax = (
                n.removeprefix("_static/") for n in VENDORED_JS
            )
            self.remote: frozenset[str] = frozenset()
            return
        import sys

        sys.path.insert(0, str(ROOT / "book" / "_ext"))
        import tscam_book

        widgets, self.mathjax = tscam_book.cdn_assets()
        self.require, _setup, self.manager = widgets
        self.remote = frozenset((self.require, self.manager, self.mathjax))

    @property
    def mode(self) -> str:
        return "vendored" if self.vendored else "CDN"


def run_notebook(*args: Any, **kwargs: Any) -> Any:
    """The repository's one notebook runner (``scripts/notebook_runner.py``), for the tests."""
    import sys

    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    from notebook_runner import run_notebook as run

    return run(*args, **kwargs)


def package_version() -> str:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def colab_ref() -> str:
    """The git ref the Colab cell installs: the release tag of this version of the book (the
    published book is built from that tag, .github/workflows/book.yml)."""
    return f"v{package_version()}"


def colab_cell() -> str:
    """The one code cell allowed to install anything: first code cell of every chapter, it
    installs the course package from the book's repository (``_config.yml``) at the book's
    release tag, on Colab only, then lets ``tscam.colab.setup`` prepare the notebook."""
    repo = load_yaml("_config.yml")["repository"]
    return (
        "# On Google Colab only (elsewhere this cell does nothing): install the course package\n"
        "# at this book's release, turn on Colab's widgets and fetch the data.\n"
        "import importlib.util\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        '    if importlib.util.find_spec("tscam") is None:\n'
        f'        %pip install --quiet "tscam @ git+{repo["url"]}@{colab_ref()}"\n'
        "    import tscam.colab\n"
        "\n"
        "    tscam.colab.setup()"
    )
