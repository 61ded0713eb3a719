"""Export every chapter of the built book as a reveal.js slide deck, for lectures.

Usage (after ``jupyter-book build .``; ``make book`` runs both)::

    .venv/bin/python scripts/build_slides.py [--build _build] [--only 01_ecg_beats ...]
    .venv/bin/python scripts/build_slides.py --lecture-style   # figures for a projector

For each chapter of ``_toc.yml`` (``notebooks/NN_name``), the script takes the notebook as the
book executed it (``_build/jupyter_execute/notebooks/NN_name.ipynb``: every figure and number is
the book's), prepares it for slides, and writes ``_build/html/slides/NN_name.slides.html`` with
nbconvert's ``SlidesExporter``, plus ``_build/html/slides/index.html`` listing the decks.
With ``--lecture-style`` the notebooks are run once more instead, in a fresh kernel, after
``tscam.style.lecture_style()`` (larger fonts and thicker lines in every figure).

What goes where (the chapters' authors set ``metadata.slideshow.slide_type`` on their cells:
"slide" on section starts, "subslide", "fragment", "skip", "notes"):

- cell tags, as the book treats them, with what a slide cannot do (unfold) left out:
  ``hide-input``/``remove-input`` -> the code is not shown, its output is (an exercise's solution
  shows only the checker's answer); ``hide-output``/``remove-output`` -> the output is not shown;
  ``hide-cell``/``remove-cell`` -> the cell is not shown; ``skip-execution`` (an exercise's stub)
  -> shown as code, without output, as the learner sees it;
- MyST markup that plain Markdown does not know becomes readable text: ``{cite}`key``` becomes
  "[Author et al., year]" (from ``book/references.bib``) linked to the book's references page,
  ``{doc}`target``` a link to that page of the book, other roles their text, directives
  (``{note}``, ``{admonition}``...) a quotation with their title, ``(label)=`` lines vanish;
- figures keep the book's alt text and caption (``metadata.mystnb``).

The decks work offline, like the book: reveal.js comes from ``book/_static/vendor/reveal.js``
(``scripts/fetch_reveal.sh``), require.js, MathJax 3 and the widget manager from the copies that
``scripts/fetch_js.sh`` vendors; all are loaded from ``../_static/`` beside the book. The script
refuses to write a deck that would load anything from another host. Without the vendored files
(set-up without npm), the decks load the same libraries from CDNs instead, as the book does
(``book/_ext/tscam_book.py``): reveal.js at nbconvert's default, the rest as in the book.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import tscam_book  # noqa: E402 - the book's extension: which JavaScript is vendored, CDN copies

#: Where the decks find the book's vendored JavaScript (relative to ``_build/html/slides/``).
STATIC = "../_static"
REVEAL_PREFIX = f"{STATIC}/vendor/reveal.js"
#: The files of reveal.js a deck loads (relative to the reveal.js folder).
REVEAL_FILES = (
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/theme/white.css",
    "plugin/notes/notes.js",
)

#: Cell tags -> what a slide leaves out.
REMOVE_CELL_TAGS = frozenset({"remove-cell", "hide-cell"})
REMOVE_INPUT_TAGS = frozenset({"remove-input", "hide-input"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "hide-output"})

SLIDE_TYPES = frozenset({"slide", "subslide", "fragment", "skip", "notes", "-"})


# --- references: book/references.bib -> "[Author et al., year]" ---------------------------------


def _plain(text: str) -> str:
    """Plain text of a BibTeX value: LaTeX accents ({\\'e}) resolved, braces dropped (pybtex)."""
    from pybtex.richtext import Text

    return re.sub(r"\s+", " ", str(Text.from_latex(text))).strip()


def _last_name(person: object) -> str:
    """ "de Chazal" for "de Chazal, Philip" or "Philip de Chazal"; an institution as written."""
    parts = [*person.prelast_names, *person.last_names]  # type: ignore[attr-defined]
    return _plain(" ".join(parts))


def parse_bib(text: str) -> dict[str, str]:
    """BibTeX entries -> their author-year label: "Zhou et al., 2016", "Moody and Mark, 2001"."""
    from pybtex.database import parse_string

    labels = {}
    for key, entry in parse_string(text, "bibtex").entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_last_name(p) for p in people]
        year = _plain(entry.fields.get("year", "n.d."))
        if not names:
            who = key
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        labels[key] = f"{who}, {year}"
    return labels


# --- MyST -> Markdown that nbconvert renders ----------------------------------------------------

ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:-]*)\}`(?P<body>[^`]*)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
FENCE_OPEN = re.compile(
    r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$"
)
LABEL_LINE = re.compile(r"^\s*\([\w:.-]+\)=\s*$")
COMMENT_LINE = re.compile(r"^\s*%")


@dataclass(frozen=True)
class Links:
    """How a deck refers to the book: cite labels, and a page's title and link by docname."""

    cite_labels: dict[str, str]
    doc_title: Callable[[str], str | None]
    references_href: str = "../book/references.html"

    def cite(self, keys: str, style: str) -> str:
        labels = [self.cite_labels.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip()]
        if style == "t":  # {cite:t}: "Zhou et al. (2016)"
            text = "; ".join(re.sub(r"^(.*), (\S+)$", r"\1 (\2)", label) for label in labels)
        else:
            text = "[" + "; ".join(labels) + "]"
        return f"[{_escape_md(text)}]({self.references_href})"


def _escape_md(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def resolve_doc(target: str, current: str) -> str:
    """The docname a ``{doc}`` target names, seen from the document ``current`` (a docname
    such as ``notebooks/01_ecg_beats``): ``../book/how_to_use`` -> ``book/how_to_use``."""
    target = re.sub(r"\.(md|ipynb)$", "", target.strip())
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in current.split("/")[:-1]]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _role(m: re.Match, links: Links, docname: str) -> str:
    name, body = m.group("name"), m.group("body")
    explicit = EXPLICIT.match(body)
    text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, body)
    if name == "cite" or name.startswith("cite:"):
        return links.cite(body, name.split(":", 1)[1] if ":" in name else "p")
    if name == "doc":
        doc = resolve_doc(target, docname)
        title = text or links.doc_title(doc) or doc
        return f"[{_escape_md(title)}](../{doc}.html)"
    if name == "math":
        return f"${body}$"
    if name == "eq":
        return f"({text or target})"
    if name in ("ref", "numref", "term", "abbr", "download"):
        return f"*{text or target.replace('-', ' ')}*" if name != "abbr" else body.split("(")[0]
    return f"`{body}`" if name in ("code", "kbd", "file", "samp") else (text or body)


def _directive_title(name: str, arg: str) -> str:
    plain = name.split(":")[-1]
    if plain == "admonition":
        return arg or "Note"
    title = plain.replace("-", " ").capitalize()
    return f"{title}: {arg}" if arg else title


def _convert_directives(lines: list[str]) -> list[str]:
    """MyST directives (fenced with ``` or :::) -> a quoted block with the directive's title;
    ``{math}`` -> a display equation. Option lines (``:class: tip``) are dropped."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, indent = m.group("fence"), m.group("indent")
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        while body and re.match(r"^\s*:[\w-]+:", body[0]):  # directive options
            body.pop(0)
        inner = _convert_directives(body)
        name, arg = m.group("name"), m.group("arg").strip()
        if name == "math":
            out += [f"{indent}$$", *inner, f"{indent}$$"]
        elif name in ("code-cell", "code-block", "code", "sourcecode"):
            out += [f"{indent}```{arg}", *inner, f"{indent}```"]
        else:
            out += [f"{indent}> **{_directive_title(name, arg)}**", f"{indent}>"]
            out += [f"{indent}> {line}".rstrip() for line in inner]
    return out


def myst_to_markdown(text: str, links: Links, docname: str) -> str:
    """Markdown that nbconvert renders, from a MyST markdown cell of the document ``docname``."""
    lines = [ln for ln in text.splitlines() if not (LABEL_LINE.match(ln) or COMMENT_LINE.match(ln))]
    lines = _convert_directives(lines)
    out, in_code = [], False
    for line in lines:  # roles, except inside code blocks
        if re.match(r"^\s*```", line):
            in_code = not in_code
        out.append(line if in_code else ROLE.sub(lambda m: _role(m, links, docname), line))
    return "\n".join(out)


# --- cells -------------------------------------------------------------------------------------


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def slide_type(cell: dict) -> str:
    """The cell's ``slideshow.slide_type`` ("-" when unset: it continues the current slide)."""
    value = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") or "-"
    if value not in SLIDE_TYPES:
        raise ValueError(
            f"slide_type {value!r} is not one of {sorted(SLIDE_TYPES)}; fix the cell's "
            "metadata.slideshow.slide_type"
        )
    return value


def notebook_title(nb: dict) -> str:
    """The text of the first ``# `` heading of the notebook (its title in the book)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+?)\s*#*\s*$", cell["source"], re.M)
            if m:
                return m.group(1)
    return ""


def prepare(nb: nbformat.NotebookNode, links: Links, docname: str) -> nbformat.NotebookNode:
    """A copy of the executed notebook ``nb`` ready for the SlidesExporter (see the module's
    docstring): cells left out or stripped by their tags, MyST markup made plain Markdown, the
    first slide typed "slide", and the title in ``metadata.title``."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        slide_type(cell)  # validates
        tags = _tags(cell)
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "markdown":
            cell.source = myst_to_markdown(cell.source, links, docname)
        elif cell.cell_type == "code":
            if tags & REMOVE_INPUT_TAGS:
                # as nbconvert's TagRemovePreprocessor marks it; the templates honour it
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if tags & REMOVE_OUTPUT_TAGS or "skip-execution" in tags:
                cell.outputs = []
            for output in cell.get("outputs", []):  # Markdown a cell displays (a table with
                data = output.get("data", {})  # citations, say) is MyST as well, as in the book
                if "text/markdown" in data:
                    data["text/markdown"] = myst_to_markdown(data["text/markdown"], links, docname)
        cells.append(cell)
    shown = [c for c in cells if slide_type(c) not in ("skip", "notes")]
    if shown and slide_type(shown[0]) != "slide":  # a deck starts with a slide
        shown[0].metadata.setdefault("slideshow", {})["slide_type"] = "slide"
    out.cells = cells
    out.metadata["title"] = notebook_title(out) or docname.rsplit("/", 1)[-1]
    return out


# --- the exporter ------------------------------------------------------------------------------

#: Larger type and generous figures for a projector; long slides scroll (reveal_scroll).
LECTURE_CSS = """
:root {
  --jp-ui-font-size1: 26px;
  --jp-content-font-size1: 26px;
  --jp-code-font-size: 21px;
  --jp-cell-prompt-width: 0px;
}
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3, .reveal .slides h4 {
  text-transform: none;
}
.reveal h1 { font-size: 2.0em; }
.reveal h2 { font-size: 1.55em; }
.reveal h3 { font-size: 1.25em; }
.reveal .jp-RenderedHTMLCommon { font-size: 26px; line-height: 1.45; }
.reveal .jp-RenderedHTMLCommon table { font-size: 22px; }
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal .jp-RenderedImage img { max-width: 100%; height: auto; }
.reveal .tscam-caption { font-size: 20px; color: #444; margin: 0.2em 0 0.6em 0; }
.reveal .jp-OutputArea-output pre { font-size: 20px; }
"""

TEMPLATE = r"""
{%- extends 'index.html.j2' -%}

{%- block html_head_js_jquery -%}{%- endblock html_head_js_jquery -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_requirejs -%}
<script src="{{ resources.require_js_url }}"></script>
<script src="{{ resources.tscam.static }}/widgets-setup.js"
 {%- if resources.tscam.cdn %} data-cdn="1"{% endif %}></script>
{%- endblock html_head_js_requirejs -%}

{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: 'tex2jax_ignore', processHtmlClass: 'tex2jax_process'}
};
</script>
<script defer src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}

{%- block html_head_css -%}
<style type="text/css">{{ resources.tscam.css }}</style>
{%- endblock html_head_css -%}

{% block data_png scoped %}
{%- set meta = cell.metadata.get('mystnb', {}) -%}
{%- set alt = meta.get('image', {}).get('alt', '') or meta.get('figure', {}).get('caption', '') -%}
<div class="jp-RenderedImage jp-OutputArea-output">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ alt | escape_html }}">
{%- if meta.get('figure', {}).get('caption') %}
<p class="tscam-caption">{{ meta.figure.caption | escape_html }}</p>
{%- endif %}
</div>
{%- endblock data_png %}

{% block footer_js %}
<script>
require({waitSeconds: 30},
  ["{{ resources.reveal.url_prefix }}/dist/reveal.js",
   "{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"],
  function (Reveal, RevealNotes) {
    window.Reveal = Reveal;  // as when reveal.js is loaded without require.js
    Reveal.initialize({
      controls: true, progress: true, history: true, hash: true, center: false,
      transition: "{{ resources.reveal.transition }}",
      slideNumber: "{{ resources.reveal.number }}",
      width: {{ resources.reveal.width }}, height: {{ resources.reveal.height }}, margin: 0.03,
      plugins: [RevealNotes]
    });
    // reveal_scroll: a slide taller than the screen scrolls instead of being cut off.
    var scroll = {{ resources.reveal.scroll | json_dumps }};
    function setScrollingSlide() {
      if (!scroll) return;
      var h = Reveal.getConfig().height;  // the slide's own units, before scaling
      document.querySelectorAll('section.present section, .slides > section.present')
        .forEach(function (s) {
          if (s.scrollHeight > h) {
            s.style.height = h + 'px';
            s.style.overflowY = 'auto';
          }
        });
    }
    Reveal.on('ready', setScrollingSlide);
    Reveal.on('slidechanged', setScrollingSlide);
    // Figures drawn for a book page are small on a slide: show them half as large again,
    // up to the slide's width.
    document.querySelectorAll('.jp-RenderedImage img').forEach(function (img) {
      function grow() {
        var w = Math.min(img.naturalWidth * 1.5, Reveal.getConfig().width * 0.95);
        if (w > 0) img.style.width = w + 'px';
      }
      if (img.complete) grow(); else img.addEventListener('load', grow);
    });
  });
</script>
{% endblock footer_js %}
"""


def make_exporter(static: str = STATIC, cdn: bool = False) -> object:
    """nbconvert's SlidesExporter with the course's template, theme and local assets (with
    ``cdn``: the CDN copies of :func:`tscam_book.cdn_assets` and nbconvert's reveal.js)."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    c.SlidesExporter.template_file = "tscam_slides.html.j2"
    c.SlidesExporter.reveal_url_prefix = f"{static}/vendor/reveal.js"
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.reveal_scroll = True
    c.SlidesExporter.reveal_transition = "fade"
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.reveal_width = "1280"
    c.SlidesExporter.reveal_height = "720"
    c.SlidesExporter.require_js_url = f"{static}/vendor/require.js"
    c.SlidesExporter.mathjax_url = f"{static}/vendor/mathjax/tex-mml-chtml.js"
    c.SlidesExporter.widget_renderer_url = f"{static}/vendor/html-manager/embed-amd.js"
    # Not used by the template (blocks removed), but never a CDN either.
    c.SlidesExporter.jquery_url = ""
    c.SlidesExporter.font_awesome_url = ""
    c.SlidesExporter.jupyter_widgets_base_url = f"{static}/vendor/"
    if cdn:
        widgets, mathjax = tscam_book.cdn_assets()
        require, _, manager = widgets
        c.SlidesExporter.reveal_url_prefix = SlidesExporter.reveal_url_prefix.default_value
        c.SlidesExporter.require_js_url = require
        c.SlidesExporter.mathjax_url = mathjax
        c.SlidesExporter.widget_renderer_url = manager
        c.SlidesExporter.jupyter_widgets_base_url = widgets[manager]["data-jupyter-widgets-cdn"]
    exporter = SlidesExporter(
        config=c, extra_loaders=[DictLoader({"tscam_slides.html.j2": TEMPLATE})]
    )
    exporter.tscam_static = static  # type: ignore[attr-defined]
    exporter.tscam_cdn = cdn  # type: ignore[attr-defined]
    return exporter


def export_deck(nb: nbformat.NotebookNode, exporter: object | None = None) -> str:
    """The HTML of the reveal.js deck of a prepared notebook (see :func:`prepare`)."""
    exporter = exporter or make_exporter()
    static = getattr(exporter, "tscam_static", STATIC)
    cdn = getattr(exporter, "tscam_cdn", False)
    resources = {
        "tscam": {"static": static, "css": LECTURE_CSS, "cdn": cdn},
        "metadata": {"name": ""},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)  # type: ignore[attr-defined]
    return body


# --- checks ------------------------------------------------------------------------------------

_URL_ATTR = re.compile(r"""\b(?:src|href|data-src)\s*=\s*["']([^"']+)["']""", re.I)
_CSS_URL = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*["']?([^"')\s]+)""", re.I)
_JS_URL = re.compile(
    r"""(?:import\s[^;]*?from\s*|require\(\s*\[?\s*|["'])((?:https?:)?//[^"'\s)]+)"""
)


def remote_urls(text: str) -> list[str]:
    """URLs of another host that a page would *load*: ``src``/``href`` of scripts, styles,
    images and frames, CSS ``@import``/``url()``, and JavaScript imports. Plain links
    (``<a href>``) are not loads and are ignored."""
    found = set()
    for tag in re.finditer(r"<(script|link|img|iframe|source|embed|object)\b[^>]*>", text, re.I):
        for url in _URL_ATTR.findall(tag.group(0)):
            if re.match(r"^(https?:)?//", url):
                found.add(url)
    for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S | re.I):
        found.update(u for u in _CSS_URL.findall(style) if re.match(r"^(https?:)?//", u))
    for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.S | re.I):
        found.update(_JS_URL.findall(script))
    return sorted(found)


def _widget_state_free(text: str) -> str:
    """The page without embedded widget state/views (JSON data, not code that loads)."""
    return re.sub(
        r'<script type="application/vnd\.jupyter\.widget-(?:state|view)\+json">.*?</script>',
        "",
        text,
        flags=re.S,
    )


def check_deck(text: str, cdn: bool = False) -> list[str]:
    """Problems of a deck's HTML (empty when fine): reveal.js sections, local reveal.js and
    nothing loaded from another host (unless ``cdn``: the JavaScript is not vendored)."""
    problems = []
    if "<section" not in text or 'class="reveal"' not in text:
        problems.append("no reveal.js slides (<section> inside <div class='reveal'>)")
    remote = [] if cdn else remote_urls(_widget_state_free(text))
    if remote:
        problems.append(f"loads from other hosts: {remote}")
    return problems


# --- lecture style: a fresh run -----------------------------------------------------------------

LECTURE_CELL = "import tscam.style\n\ntscam.style.lecture_style()"


def with_lecture_style(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose first code is ``tscam.style.lecture_style()``, in a cell that the
    slides leave out (tag ``remove-cell``)."""
    out = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(LECTURE_CELL)
    cell.metadata["tags"] = ["remove-cell"]
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    out.cells.insert(0, cell)
    return out


def execute_notebook(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a source notebook top to bottom in a fresh ``python3`` kernel (in its folder; cells
    tagged ``skip-execution`` are skipped, as in the book), in the lecture style."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from notebook_runner import run_notebook

    nb = with_lecture_style(nbformat.read(path, as_version=4))
    return run_notebook(path, nb=nb, timeout=timeout)[0]


# --- the book ----------------------------------------------------------------------------------


def toc_chapters(toc: dict) -> list[str]:
    """Docnames of the chapters in a ``_toc.yml`` (``notebooks/NN_name``), in order."""

    def walk(node: object) -> Iterable[str]:
        if isinstance(node, dict):
            if "file" in node:
                yield str(node["file"])
            for key in ("parts", "chapters", "sections"):
                yield from walk(node.get(key) or [])
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    docs = [re.sub(r"\.ipynb$", "", d) for d in walk(toc)]
    return [d for d in docs if re.fullmatch(r"notebooks/\d\d_[\w-]+", d)]


def deck_filename(docname: str) -> str:
    """``notebooks/01_ecg_beats`` -> ``01_ecg_beats.slides.html``."""
    return f"{docname.rsplit('/', 1)[-1]}.slides.html"


def source_title(root: Path, docname: str) -> str | None:
    """The first ``# `` heading of a book page (``.md``) or notebook (``.ipynb``)."""
    md, ipynb = root / f"{docname}.md", root / f"{docname}.ipynb"
    if md.is_file():
        m = re.search(r"^#\s+(.+?)\s*$", md.read_text(encoding="utf-8"), re.M)
        return m.group(1) if m else None
    if ipynb.is_file():
        return notebook_title(nbformat.read(ipynb, as_version=4)) or None
    return None


def index_page(decks: list[tuple[str, str]]) -> str:
    """A plain page linking the decks: ``[(filename, title), ...]``."""
    items = "\n".join(
        f'  <li><a href="{html.escape(f)}">{html.escape(t)}</a></li>' for f, t in decks
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">\n'
        "<title>Lecture slides: Grad-CAM in Time-Series Classification</title></head>\n"
        '<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">\n'
        "<h1>Lecture slides</h1>\n<p>One reveal.js deck per chapter, made from the executed "
        "notebooks of the book. Keys: arrows or space to move, <kbd>s</kbd> for the speaker "
        "view, <kbd>f</kbd> for full screen, <kbd>Esc</kbd> for an overview.</p>\n"
        f"<ol>\n{items}\n</ol>\n"
        '<p><a href="../book/instructor_guide.html">Instructor guide</a></p>\n</body>\n</html>\n'
    )


def reveal_vendored(root: Path = ROOT) -> bool:
    """Whether scripts/fetch_reveal.sh has vendored reveal.js into book/_static/vendor."""
    vendored = root / "book" / "_static" / "vendor" / "reveal.js"
    return all((vendored / f).is_file() for f in REVEAL_FILES)


def ensure_reveal(html_dir: Path, root: Path = ROOT) -> None:
    """Make sure ``_build/html/_static/vendor/reveal.js`` holds reveal.js (Sphinx copies
    ``book/_static``; copy it here when the book was built before reveal.js was fetched)."""
    built = html_dir / "_static" / "vendor" / "reveal.js"
    if all((built / f).is_file() for f in REVEAL_FILES):
        return
    vendored = root / "book" / "_static" / "vendor" / "reveal.js"
    if not reveal_vendored(root):
        raise SystemExit(
            "build_slides: reveal.js is not vendored; run `bash scripts/fetch_reveal.sh` "
            "(needs npm) and try again"
        )
    shutil.rmtree(built, ignore_errors=True)
    shutil.copytree(vendored, built)


def build(
    build_dir: Path, only: list[str] | None = None, root: Path = ROOT, lecture_style: bool = False
) -> list[Path]:
    """Write the deck of every chapter (or of those in ``only``) and the index; return paths.
    The notebooks come from the book's execution, or from a fresh run in the lecture style."""
    html_dir, executed = build_dir / "html", build_dir / "jupyter_execute"
    if not (html_dir / "index.html").is_file():
        raise SystemExit(f"build_slides: {html_dir} has no book; run `jupyter-book build .` first")
    cdn = not (tscam_book.vendored(root / "book" / "_static") and reveal_vendored(root))
    if cdn:
        print(
            "build_slides: the JavaScript is not vendored (no npm at set-up): the decks load "
            "reveal.js, require.js, MathJax and the widget manager from CDNs",
            file=sys.stderr,
        )
    else:
        ensure_reveal(html_dir, root)
    assets = ("widgets-setup.js",) if cdn else (*tscam_book.VENDORED, "widgets-setup.js")
    for asset in assets:
        if not (html_dir / "_static" / asset).is_file():
            raise SystemExit(
                f"build_slides: the book lacks _static/{asset}; run scripts/fetch_js.sh and "
                "build the book again"
            )
    with open(root / "_toc.yml", encoding="utf-8") as f:
        chapters = toc_chapters(yaml.safe_load(f))
    if only:
        chapters = [d for d in chapters if d.rsplit("/", 1)[-1] in set(only)]
    links = Links(
        cite_labels=parse_bib((root / "book" / "references.bib").read_text(encoding="utf-8")),
        doc_title=lambda doc: source_title(root, doc),
    )
    out_dir = html_dir / "slides"
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = make_exporter(cdn=cdn)
    written, listed = [], []
    for docname in chapters:
        if lecture_style:
            print(f"build_slides: running {docname} in the lecture style ...", file=sys.stderr)
            run = execute_notebook(root / f"{docname}.ipynb")
        else:
            src = executed / f"{docname}.ipynb"
            if not src.is_file():
                raise SystemExit(
                    f"build_slides: no executed notebook {src} for {docname}; build the book first"
                )
            run = nbformat.read(src, as_version=4)
        nb = prepare(run, links, docname)
        text = export_deck(nb, exporter)
        problems = check_deck(text, cdn)
        if problems:
            raise SystemExit(f"build_slides: the deck of {docname}: " + "; ".join(problems))
        path = out_dir / deck_filename(docname)
        path.write_text(text, encoding="utf-8")
        written.append(path)
        listed.append((path.name, nb.metadata["title"]))
        print(f"build_slides: {path.relative_to(build_dir.parent)}", file=sys.stderr)
    if not only:
        (out_dir / "index.html").write_text(index_page(listed), encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "_build", help="the book's _build")
    parser.add_argument("--only", nargs="*", default=None, help="chapters (NN_name) to export")
    parser.add_argument(
        "--lecture-style",
        action="store_true",
        help="run each notebook again after tscam.style.lecture_style() instead of using the "
        "book's executed copy (slower; figures with larger fonts and lines)",
    )
    args = parser.parse_args(argv)
    paths = build(args.build.resolve(), args.only, lecture_style=args.lecture_style)
    print(json.dumps({"decks": [p.name for p in paths]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
