"""The lecture slides: ``scripts/build_slides.py`` turns each executed chapter into a reveal.js
deck in ``_build/html/slides/``.

- Its logic on small in-memory notebooks: which cells and outputs a deck shows (cell tags), how
  MyST markup becomes Markdown, the references' labels, and a deck exported from a tiny notebook
  that loads nothing from another host.
- On the built book (skipped with a reason when ``_build/html`` is missing, failed under CI):
  every chapter of ``_toc.yml`` has a deck with reveal.js sections that loads nothing from
  another host, the instructor guide links every deck, and each deck runs in headless Chromium
  (a screenshot of its first slides goes to ``_build/screenshots/``).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from book_support import ROOT, chapter_docnames
from browser_support import SCREENSHOTS, assert_clean_page, chromium_tab, serving

SCRIPT = ROOT / "scripts" / "build_slides.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("build_slides", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bs = _load_script()

BIB = r"""
% a comment line
@inproceedings{zhou2016cam,
  author    = {Zhou, Bolei and Khosla, Aditya and Lapedriza, Agata},
  title     = {Learning Deep Features for Discriminative Localization},
  year      = {2016}
}

@article{moody2001mitbih,
  author    = {Moody, George B. and Mark, Roger G.},
  title     = {The Impact of the {MIT-BIH} Arrhythmia Database},
  year      = {2001}
}

@techreport{aami2012ec57,
  author      = {{Association for the Advancement of Medical Instrumentation}},
  title       = {{ANSI/AAMI EC57:2012}},
  year        = {2012}
}

@article{mondejar2019,
  author    = {Mond{\'e}jar-Guerra, V{\'i}ctor and Novo, Jorge and Rouco, Jos{\'e}},
  title     = {Heartbeat Classification},
  year      = {2019}
}

@article{dechazal2004,
  author    = {de Chazal, Philip and O'Dwyer, Maria},
  title     = {Automatic Classification of Heartbeats},
  year      = {2004}
}

@misc{solo2020,
  author = {Philip de Chazal},
  title  = {A single author written first-name first},
  year   = 2020
}
"""

TITLES = {"book/how_to_use": "How to use this course", "notebooks/03_cam": "CAM"}


def _links() -> object:
    return bs.Links(cite_labels=bs.parse_bib(BIB), doc_title=TITLES.get)


# --- references ---------------------------------------------------------------------------------


def test_parse_bib_labels():
    labels = bs.parse_bib(BIB)
    assert labels == {
        "zhou2016cam": "Zhou et al., 2016",
        "moody2001mitbih": "Moody and Mark, 2001",
        "aami2012ec57": "Association for the Advancement of Medical Instrumentation, 2012",
        "mondejar2019": "Mondéjar-Guerra et al., 2019",
        "dechazal2004": "de Chazal and O'Dwyer, 2004",
        "solo2020": "de Chazal, 2020",
    }


def test_parse_bib_reads_every_entry_of_the_course():
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,\s]+),", text, re.M)
    labels = bs.parse_bib(text)
    assert sorted(labels) == sorted(keys)
    bad = {k: v for k, v in labels.items() if not re.search(r"[\w.], (1[89]|20)\d\d$", v)}
    assert not bad, f"labels without an author and a year: {bad}"
    assert not any("{" in v or "\\" in v for v in labels.values()), labels


# --- MyST -> Markdown ---------------------------------------------------------------------------


def test_cite_roles_become_linked_author_year_labels():
    md = bs.myst_to_markdown(
        "CAM {cite}`zhou2016cam`; both {cite:p}`zhou2016cam,moody2001mitbih`; "
        "{cite:t}`moody2001mitbih` showed it; unknown {cite}`nokey`.",
        _links(),
        "notebooks/03_cam",
    )
    ref = "(../book/references.html)"
    assert f"CAM [\\[Zhou et al., 2016\\]]{ref};" in md
    assert f"both [\\[Zhou et al., 2016; Moody and Mark, 2001\\]]{ref};" in md
    assert f"[Moody and Mark (2001)]{ref} showed it" in md
    assert "[\\[nokey\\]]" in md
    assert "{cite" not in md


def test_doc_roles_link_to_the_book_pages():
    md = bs.myst_to_markdown(
        "See {doc}`../book/how_to_use`, {doc}`03_cam`, {doc}`the intro <../book/intro>`.",
        _links(),
        "notebooks/04_grad_cam",
    )
    assert "[How to use this course](../book/how_to_use.html)" in md
    assert "[CAM](../notebooks/03_cam.html)" in md
    assert "[the intro](../book/intro.html)" in md


@pytest.mark.parametrize(
    ("target", "current", "doc"),
    [
        ("../book/references", "notebooks/01_ecg_beats", "book/references"),
        ("02_fcn_baseline.ipynb", "notebooks/01_ecg_beats", "notebooks/02_fcn_baseline"),
        ("/book/intro", "notebooks/01_ecg_beats", "book/intro"),
        ("instructor_guide", "book/summary", "book/instructor_guide"),
    ],
)
def test_resolve_doc(target, current, doc):
    assert bs.resolve_doc(target, current) == doc


def test_directives_labels_and_other_roles():
    text = "\n".join(
        [
            "(sec-label)=",
            "% a MyST comment",
            "```{note}",
            "Maps are hypotheses, see {numref}`fig-ch04-example`.",
            "```",
            ":::{admonition} Why the logit?",
            ":class: tip",
            "Because of the softmax, {math}`p_c`.",
            ":::",
            "```{math}",
            "y_c = b_c",
            "```",
            "```python",
            "x = '{cite}`zhou2016cam`'  # code is left alone",
            "```",
        ]
    )
    md = bs.myst_to_markdown(text, _links(), "notebooks/04_grad_cam")
    lines = md.splitlines()
    assert "(sec-label)=" not in md and "MyST comment" not in md
    assert lines[:3] == ["> **Note**", ">", "> Maps are hypotheses, see *fig ch04 example*."]
    assert "> **Why the logit?**" in lines and "> Because of the softmax, $p_c$." in lines
    assert ":class: tip" not in md
    assert "$$\ny_c = b_c\n$$" in md
    assert "x = '{cite}`zhou2016cam`'  # code is left alone" in lines


# --- cells --------------------------------------------------------------------------------------


def _nb() -> nbformat.NotebookNode:
    """A small chapter: a title, a section, an exercise pair, hidden and removed cells."""
    png = base64.b64encode(_png_bytes()).decode()
    cells = [
        nbformat.v4.new_markdown_cell("# A tiny chapter", metadata={}),
        nbformat.v4.new_markdown_cell(
            "## Overview\n\nWe cite {cite}`zhou2016cam`.",
            metadata={"slideshow": {"slide_type": "slide"}},
        ),
        nbformat.v4.new_code_cell("import tscam  # the setup", metadata={}),
        nbformat.v4.new_code_cell(
            "plot_it()",
            metadata={
                "slideshow": {"slide_type": "subslide"},
                "mystnb": {
                    "figure": {"caption": "A square of one colour.", "name": "fig-x"},
                    "image": {"alt": "A small square filled with one colour."},
                },
            },
            outputs=[nbformat.v4.new_output("display_data", data={"image/png": png})],
        ),
        nbformat.v4.new_markdown_cell("### Exercise: count", metadata={}),
        nbformat.v4.new_code_cell(
            "n_v = ...  # STUB: your answer", metadata={"tags": ["skip-execution"]}
        ),
        nbformat.v4.new_code_cell(
            "# Solution\nn_v = SECRET_SOLUTION",
            metadata={"tags": ["hide-input"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="CHECKER SAYS YES\n")],
        ),
        nbformat.v4.new_code_cell(
            "removed_cell_code()",
            metadata={"tags": ["remove-cell"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="REMOVED OUTPUT\n")],
        ),
        nbformat.v4.new_code_cell(
            "hidden_cell_code()",
            metadata={"tags": ["hide-cell"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="HIDDEN CELL OUT\n")],
        ),
        nbformat.v4.new_code_cell(
            "shown_code_hidden_output()",
            metadata={"tags": ["hide-output"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="HIDDEN OUTPUT\n")],
        ),
        nbformat.v4.new_markdown_cell(
            "Say this aloud: SPEAKER NOTE", metadata={"slideshow": {"slide_type": "notes"}}
        ),
        nbformat.v4.new_markdown_cell(
            "SKIPPED TEXT", metadata={"slideshow": {"slide_type": "skip"}}
        ),
        nbformat.v4.new_markdown_cell(
            "## Summary\n\nDone.", metadata={"slideshow": {"slide_type": "slide"}}
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


def _png_bytes() -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.5, 0.5), dpi=20)
    fig.patch.set_facecolor("#0072B2")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_prepare_applies_the_cell_tags():
    nb = _nb()
    out = bs.prepare(nb, _links(), "notebooks/99_tiny")
    sources = [c.source for c in out.cells]
    assert not any("removed_cell_code" in s or "hidden_cell_code" in s for s in sources)
    solution = next(c for c in out.cells if "SECRET_SOLUTION" in c.source)
    assert solution.metadata.transient == {"remove_source": True}
    assert solution.outputs and "CHECKER SAYS YES" in solution.outputs[0].text
    stub = next(c for c in out.cells if "STUB" in c.source)
    assert "transient" not in stub.metadata and stub.outputs == []
    hidden_out = next(c for c in out.cells if "shown_code_hidden_output" in c.source)
    assert hidden_out.outputs == [] and "transient" not in hidden_out.metadata
    assert out.metadata["title"] == "A tiny chapter"
    assert bs.slide_type(out.cells[0]) == "slide", "a deck starts with a slide"
    assert "[\\[Zhou et al., 2016\\]]" in out.cells[1].source
    # the input notebook is not changed
    assert len(nb.cells) == 13 and "transient" not in nb.cells[6].metadata
    assert "{cite}" in nb.cells[1].source


def test_prepare_makes_displayed_markdown_plain_too():
    # a table a cell displays with Markdown(...) may cite, as the book renders it (MyST)
    table = "| model | accuracy |\n|---|---:|\n| Zhou {cite}`zhou2016cam` | 93 |"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A tiny chapter"),
        nbformat.v4.new_code_cell("Markdown(table)", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/markdown": table, "text/plain": "<Markdown>"},
            execution_count=1)]),
    ])  # fmt: skip
    out = bs.prepare(nb, _links(), "notebooks/99_tiny")
    shown = out.cells[1].outputs[0].data["text/markdown"]
    assert "{cite}" not in shown and "[\\[Zhou et al., 2016\\]]" in shown
    assert "{cite}" in nb.cells[1].outputs[0].data["text/markdown"]  # the input is unchanged


def test_prepare_rejects_an_unknown_slide_type():
    nb = _nb()
    nb.cells[2].metadata["slideshow"] = {"slide_type": "Slide!"}
    with pytest.raises(ValueError, match="slide_type 'Slide!'"):
        bs.prepare(nb, _links(), "notebooks/99_tiny")


def test_with_lecture_style_adds_a_removed_first_cell():
    nb = bs.with_lecture_style(_nb())
    first = nb.cells[0]
    assert first.cell_type == "code" and "lecture_style()" in first.source
    assert "remove-cell" in first.metadata["tags"]
    prepared = bs.prepare(nb, _links(), "notebooks/99_tiny")
    assert prepared.cells[0].source == "# A tiny chapter"


# --- the exported deck --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_deck() -> str:
    nb = bs.prepare(_nb(), _links(), "notebooks/99_tiny")
    return bs.export_deck(nb)


def test_deck_shows_what_the_tags_allow(tiny_deck):
    html = tiny_deck
    assert "STUB" in html, "the exercise stub is shown as code"
    assert "SECRET_SOLUTION" not in html, "a solution's code must not be on a slide"
    assert "CHECKER SAYS YES" in html, "a solution's output is shown"
    for gone in ("removed_cell_code", "REMOVED OUTPUT", "hidden_cell_code", "HIDDEN CELL OUT"):
        assert gone not in html
    assert "shown_code_hidden_output" in html and "HIDDEN OUTPUT" not in html
    assert "SKIPPED TEXT" not in html
    notes = re.search(r'<aside class="notes">(.*?)</aside>', html, re.S)
    assert notes and "SPEAKER NOTE" in notes.group(1)


def test_deck_structure_and_figures(tiny_deck):
    html = tiny_deck
    assert 'class="reveal"' in html
    # title slide, Overview slide (with a subslide), Summary slide: 3 top-level sections
    assert len(re.findall(r"<section\b", html)) >= 4
    img = re.search(r"<img\b[^>]*>", html)
    assert img and 'src="data:image/png;base64,' in img.group(0), "figures are embedded"
    assert 'alt="A small square filled with one colour."' in img.group(0)
    assert "A square of one colour." in html, "the book's caption is shown under the figure"
    assert "<title>A tiny chapter slides</title>" in html


def test_deck_loads_only_local_assets(tiny_deck):
    html = tiny_deck
    assert bs.check_deck(html) == []
    assert f'{bs.REVEAL_PREFIX}/dist/reveal.js"' in html
    assert f'href="{bs.REVEAL_PREFIX}/dist/theme/white.css"' in html
    assert f'src="{bs.STATIC}/vendor/require.js"' in html
    assert f'src="{bs.STATIC}/vendor/mathjax/tex-mml-chtml.js"' in html
    assert "unpkg.com" not in html and "cdnjs" not in html and "mermaid" not in html


def test_remote_urls_finds_loads_and_ignores_links():
    page = """
    <html><head>
    <script src="https://cdn.example.org/a.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/b.css">
    <style>@import url(https://fonts.googleapis.com/css?family=Lato);
           .x { background: url('../local.png'); }</style>
    <script type="module">import mermaid from 'https://cdn.example.org/m.mjs';</script>
    <script>require(["https://cdn.example.org/r.js"], function () {});</script>
    <script src="../_static/vendor/require.js"></script>
    </head><body><a href="https://revealjs.com">reveal.js</a>
    <img src="data:image/png;base64,AAAA"></body></html>
    """
    assert bs.remote_urls(page) == [
        "//fonts.example.org/b.css",
        "https://cdn.example.org/a.js",
        "https://cdn.example.org/m.mjs",
        "https://cdn.example.org/r.js",
        "https://fonts.googleapis.com/css?family=Lato",
    ]
    assert bs.check_deck("<div class='reveal'><section></section></div>") != []  # wrong quotes
    assert bs.check_deck('<div class="reveal"><section>ok</section></div>') == []


def test_toc_chapters_and_deck_names():
    toc = yaml.safe_load(
        """
        format: jb-book
        root: book/intro
        parts:
          - chapters:
              - file: book/how_to_use
          - chapters:
              - file: notebooks/01_ecg_beats
              - file: notebooks/02_fcn_baseline.ipynb
                sections:
                  - file: notebooks/scratch
          - chapters:
              - file: book/summary
        """
    )
    assert bs.toc_chapters(toc) == ["notebooks/01_ecg_beats", "notebooks/02_fcn_baseline"]
    assert bs.deck_filename("notebooks/05_lstm_grad_cam") == "05_lstm_grad_cam.slides.html"


def test_index_page_lists_the_decks():
    page = bs.index_page([("01_a.slides.html", "A & B"), ("02_b.slides.html", "C")])
    assert '<a href="01_a.slides.html">A &amp; B</a>' in page
    assert page.index("01_a") < page.index("02_b")
    assert bs.remote_urls(page) == []


def test_fetch_script_vendors_reveal_where_the_decks_look():
    script = (ROOT / "scripts" / "fetch_reveal.sh").read_text(encoding="utf-8")
    assert 'dest="$root/book/_static/vendor/reveal.js"' in script
    assert re.search(r'REVEAL_VERSION="4\.\d+\.\d+"', script)
    for f in bs.REVEAL_FILES:
        assert f.split("/")[-1] in script, f"fetch_reveal.sh does not vendor {f}"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "book/_static/vendor/" in ignored, "vendored files must stay out of git"


# --- the built book -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slides_dir(book_html) -> Path:
    slides = book_html / "slides"
    if not slides.is_dir():
        pytest.fail(
            f"the book is built but has no decks ({slides} is missing): run "
            "`.venv/bin/python scripts/build_slides.py` after `jupyter-book build` "
            "(`make book` does both)",
            pytrace=False,
        )
    return slides


@pytest.mark.book
@pytest.mark.parametrize("docname", chapter_docnames())
def test_every_chapter_has_a_deck(slides_dir, book_html, book_js, docname):
    """Each deck is complete; it loads nothing from other hosts when set-up vendored the
    JavaScript (else the CDN copies, as the book does)."""
    deck = slides_dir / bs.deck_filename(docname)
    assert deck.is_file(), f"no deck for {docname}: {deck}"
    html = deck.read_text(encoding="utf-8")
    cdn = not book_js.vendored
    assert bs.check_deck(html, cdn) == [], f"{deck.name}: {bs.check_deck(html, cdn)}"
    assert len(re.findall(r"<section\b", html)) >= 3, f"{deck.name}: fewer than 3 slides"
    assert "<img " in html, f"{deck.name}: no figure"
    for f in bs.REVEAL_FILES if book_js.vendored else ():
        assert (book_html / "_static" / "vendor" / "reveal.js" / f).is_file(), f
    assert "{cite}" not in html and "{doc}" not in html, f"{deck.name}: MyST roles left over"


@pytest.mark.book
def test_instructor_guide_links_every_deck(slides_dir, book_html):
    page = book_html / "book" / "instructor_guide.html"
    assert page.is_file(), "the instructor guide page was not built"
    links = re.findall(r'href="\.\./slides/([^"#]+)"', page.read_text(encoding="utf-8"))
    missing = [bs.deck_filename(d) for d in chapter_docnames() if bs.deck_filename(d) not in links]
    assert not missing, f"decks the instructor guide does not link: {missing}"
    broken = [link for link in links if not (slides_dir / link).is_file()]
    assert not broken, f"the instructor guide links decks that were not built: {broken}"
    assert (slides_dir / "index.html").is_file()


# --- in a browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_tab(slides_dir, skip_or_fail):
    with chromium_tab(skip_or_fail) as tab:
        yield tab


@pytest.fixture(scope="module")
def served(book_html):
    with serving(book_html) as url:
        yield url


@pytest.mark.book
@pytest.mark.parametrize("docname", chapter_docnames())
def test_deck_in_a_browser(browser_tab, served, slides_dir, book_js, docname):
    if not book_js.vendored:  # (under CI, book_js has failed already)
        pytest.skip(
            "the decks load reveal.js from a CDN (no npm at set-up) and the tests run offline: "
            "install Node.js/npm and run `make book` to test them in a browser"
        )
    tab = browser_tab
    name = bs.deck_filename(docname)
    assert (slides_dir / name).is_file(), f"no deck for {docname} in {slides_dir}"
    tab.open(f"{served}/slides/{name}")
    tab.wait_for("window.Reveal && Reveal.isReady()", what=f"reveal.js to start {name}")
    total = tab.js("Reveal.getTotalSlides()")
    assert total >= 3, f"{name}: reveal.js found {total} slides"
    typeset = tab.js(
        "MathJax.startup.promise.then(() => document.querySelectorAll('mjx-container').length)"
    )
    if re.search(r"\$[^$\n]+\$", (slides_dir / name).read_text(encoding="utf-8")):
        assert typeset > 0, f"{name}: the deck has maths, but MathJax typeset none"
    stem = name.removesuffix(".html").replace(".", "_")
    view = {"x": 0, "y": 0, "width": 1280, "height": 900}
    time.sleep(0.3)
    tab.screenshot(SCREENSHOTS / f"slides_{stem}_1.png", clip=view)
    # the first slide with a figure, as a projector would show it
    tab.js(
        "(() => { const s = Reveal.getSlides().findIndex(x => x.querySelector('img'));"
        " if (s >= 0) { const ix = Reveal.getIndices(Reveal.getSlides()[s]);"
        " Reveal.slide(ix.h, ix.v); } })()"
    )
    time.sleep(0.8)
    assert tab.js("Reveal.getCurrentSlide().querySelectorAll('img').length") > 0
    # a long slide scrolls (reveal_scroll): bring its first figure into view
    tab.js(
        "(() => { const s = Reveal.getCurrentSlide(), img = s.querySelector('img');"
        " s.scrollTop = Math.max(0, img.getBoundingClientRect().top"
        " - s.getBoundingClientRect().top - 40); })()"
    )
    time.sleep(0.3)
    tab.screenshot(SCREENSHOTS / f"slides_{stem}_figure.png", clip=view)

    assert_clean_page(tab, served, name)
