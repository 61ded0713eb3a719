"""Checks on the rendered book in _build/html (built by `make book` / `make test` first).

Skipped with a reason when the book is not built, except under CI, where they fail.
"""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from book_support import ROOT, chapter_docnames, source_of, toc_docnames

pytestmark = pytest.mark.book

BINDER = "mybinder.org/v2/gh/tscam-course/tscam/main"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LEAK_MARKERS = ("/work/", "/root/", "/tmp/", "/home/", str(ROOT), str(ROOT / ".venv"))


def page(book_html: Path, docname: str) -> Path:
    return book_html / f"{docname}.html"


class _Images(HTMLParser):
    """Images of the article body: each with its alt text, and whether a captioned figure
    holds it. The page's header and navigation (logos, icons) are outside <article>."""

    def __init__(self) -> None:
        super().__init__()
        self.article = 0
        self.figures: list[dict] = []  # open <figure> elements
        self.in_caption = False
        self.images: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article":
            self.article += 1
        elif tag == "figure" and self.article:
            self.figures.append({"caption": "", "images": []})
        elif tag == "figcaption" and self.figures:
            self.in_caption = True
        elif tag == "img" and self.article:
            img = {"alt": (a.get("alt") or "").strip(), "src": a.get("src") or "", "fig": None}
            if self.figures:
                img["fig"] = self.figures[-1]
            self.images.append(img)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.article -= 1
        elif tag == "figure" and self.figures:
            self.figures.pop()
        elif tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.in_caption and self.figures:
            self.figures[-1]["caption"] += data


def _meaningful_alt(alt: str) -> bool:
    """Alt text that describes something: not empty and not just the image's file path
    (Sphinx falls back to the path when a notebook gives no alt text)."""
    return bool(alt) and not re.search(r"\.(png|jpe?g|svg|gif)$", alt) and "_images/" not in alt


def _caption_of(img: dict) -> str:
    fig = img["fig"]
    text = re.sub(r"^\s*Fig\.\s*[\d.]+\s*", "", fig["caption"]) if fig else ""
    return text.replace("#", "").strip()


def _images(path: Path) -> list[dict]:
    parser = _Images()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.images


@pytest.mark.parametrize("docname", toc_docnames())
def test_every_toc_page_was_built(book_html, docname):
    assert source_of(docname) is not None, f"{docname} in _toc.yml has no source file"
    assert page(book_html, docname).is_file(), f"no HTML page for {docname}"


@pytest.mark.parametrize("docname", chapter_docnames())
def test_chapter_figures_are_described(book_html, docname):
    """Each chapter has at least two figures, and every image says what it shows (alt text or
    a figure caption)."""
    images = _images(page(book_html, docname))
    undescribed = [i["src"] for i in images if not (_meaningful_alt(i["alt"]) or _caption_of(i))]
    assert not undescribed, (
        f"{docname}: images without alt text or caption: {undescribed}. Give the cell "
        "`mystnb: {figure: {caption, name}, image: {alt}}` metadata (see book/how_to_use.md)."
    )
    assert len(images) >= 2, f"{docname}: expected at least 2 figures, found {len(images)}"


@pytest.mark.parametrize("docname", chapter_docnames())
def test_galleries_embed_their_widget_state(book_html, book_js, docname):
    text = page(book_html, docname).read_text(encoding="utf-8")
    source = source_of(docname).read_text(encoding="utf-8")
    builds_widgets = re.search(r"gallery(_grid)?\(|explorer\(|ipywidgets|jslink", source)
    has_views = WIDGET_VIEW in text
    if builds_widgets:
        assert has_views, f"{docname} builds widgets but its page shows none"
    if not has_views:
        pytest.skip(f"{docname} has no widgets")
    state = re.search(
        r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', text, re.S
    )
    assert state, f"{docname} shows widgets but embeds no widget state ({WIDGET_STATE})"
    assert '"state": {"' in state.group(1), "the embedded widget state is empty"
    # require.js, the book's glue, then the widget manager: from the book itself when set-up
    # vendored them, else require.js and the manager from the CDNs the book names.
    scripts = re.findall(r'<script[^>]*\bsrc="([^"?]+)', text)
    order = [book_js.require, "widgets-setup.js", book_js.manager]

    def at(name: str) -> int:
        local = not name.startswith("https://")
        hits = (
            i for i, s in enumerate(scripts) if s.endswith(f"_static/{name}" if local else name)
        )
        return next(hits, -1)

    found = [at(o) for o in order]
    assert -1 not in found and found == sorted(found), (
        f"{docname} ({book_js.mode} JavaScript): expected the scripts {order} in this order, "
        f"got {scripts}"
    )
    if book_js.vendored:
        assert (book_html / "_static/vendor/html-manager/embed-amd.js").is_file()


@pytest.mark.parametrize("docname", chapter_docnames())
def test_binder_launch_link(book_html, docname):
    text = htmllib.unescape(page(book_html, docname).read_text(encoding="utf-8"))
    links = re.findall(r'href="(https://mybinder\.org/[^"]+)"', text)
    assert any(BINDER in link for link in links), f"no Binder link in {docname}: {links}"
    target = f"urlpath=lab/tree/{docname}.ipynb"
    assert any(target in link for link in links), f"Binder link does not open {target}: {links}"


def _html_pages(book_html: Path) -> list[Path]:
    return sorted(p for p in book_html.rglob("*.html") if "_static" not in p.parts)


def test_no_local_paths_leak(book_html):
    leaks = {}
    for path in _html_pages(book_html):
        text = path.read_text(encoding="utf-8")
        found = sorted({m for m in LEAK_MARKERS if m in text})
        if found:
            leaks[str(path.relative_to(book_html))] = found
    assert not leaks, f"local paths in the rendered book: {leaks}"


def test_no_error_outputs(book_html):
    bad = {}
    for path in _html_pages(book_html):
        text = path.read_text(encoding="utf-8")
        found = [
            marker
            for marker in ("output_error", "output traceback", "Traceback (most recent call last)")
            if marker in text
        ]
        # Warnings printed by notebook code (stderr) are a defect of the chapter too.
        stderr = re.findall(r'<div class="output stderr[^"]*">(.*?)</div>', text, re.S)
        if any("Warning" in block for block in stderr):
            found.append("a warning on stderr")
        if found:
            bad[str(path.relative_to(book_html))] = found
    assert not bad, f"error outputs in the rendered book: {bad}"


def test_no_scripts_from_other_hosts(book_html, book_js):
    """With vendored JavaScript the book is self-contained: scripts load from the book itself,
    not from CDNs. Without (no npm at set-up), only the CDN copies the book names load."""
    remote = {}
    for path in _html_pages(book_html):
        srcs = re.findall(r'<script[^>]*\bsrc="(https?:[^"]+)"', path.read_text(encoding="utf-8"))
        other = sorted(set(srcs) - book_js.remote)
        if other:
            remote[str(path.relative_to(book_html))] = other
    assert not remote, f"scripts loaded from other hosts ({book_js.mode} JavaScript): {remote}"


def _bib_titles() -> dict[str, str]:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    out = {}
    for key, body in re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", text, re.S):
        m = re.search(r"\btitle\s*=\s*\{(.*)\},?\s*$", body, re.M)
        assert m, f"no title in bib entry {key}"
        out[key] = re.sub(r"[{}]", "", m.group(1))
    return out


def _words(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def test_references_page_lists_the_bibliography(book_html):
    text = htmllib.unescape(
        re.sub(r"<[^>]+>", " ", page(book_html, "book/references").read_text(encoding="utf-8"))
    )
    words = _words(text)
    titles = _bib_titles()
    assert len(titles) >= 19
    missing = [key for key, title in titles.items() if _words(title) not in words]
    assert not missing, f"bibliography entries missing from the references page: {missing}"
