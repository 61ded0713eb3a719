"""Small Sphinx fixes for the course book (loaded through ``sphinx.local_extensions``).

JavaScript from CDNs when it is not vendored. ``_config.yml`` loads require.js, the widget
manager and MathJax from ``book/_static/vendor/``, which ``scripts/fetch_js.sh`` fills with npm
(set-up runs it when npm is on the PATH), so the book loads nothing from other hosts. Without
those files (a laptop without Node.js) this extension switches to the copies Jupyter Book uses by
default (myst-nb's require.js and widget manager, Sphinx's MathJax 3, from CDNs), so the book
still builds and works online.

Inline scripts (``app.add_js_file(None, body=...)``, as sphinx-thebe adds its configuration)
end up twice in every page with Sphinx 7.4: once as registered with ``filename=None`` and once
re-added by the HTML builder with ``filename=''``. The second copy of a ``const`` declaration is
a JavaScript error in every page. This extension drops such duplicates from each page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The vendored files ``_config.yml`` names (relative to ``book/_static``).
VENDORED = (
    "vendor/require.js",
    "vendor/html-manager/embed-amd.js",
    "vendor/mathjax/tex-mml-chtml.js",
)


def vendored(static: Path) -> bool:
    """Whether ``static`` (``book/_static``) holds the JavaScript scripts/fetch_js.sh vendors."""
    return all((static / name).is_file() for name in VENDORED)


def cdn_assets() -> tuple[dict[str, dict[str, str]], str]:
    """Jupyter Book's default JavaScript from CDNs: (``nb_ipywidgets_js``, ``mathjax_path``),
    with the book's ``widgets-setup.js`` (MathJax 3 for widget labels) between require.js and
    the widget manager, told by ``data-cdn`` to leave the widget manager's assets on the CDN."""
    from myst_nb.core.config import ipywidgets_js_factory
    from sphinx.ext.mathjax import MATHJAX_URL

    require, manager = ipywidgets_js_factory().items()
    widgets = dict([require, ("widgets-setup.js", {"data-cdn": "1"}), manager])
    return widgets, MATHJAX_URL


def use_cdn_without_vendored_js(app: Any, config: Any) -> None:
    static = Path(app.confdir) / "book" / "_static"
    if "vendor/require.js" not in config.nb_ipywidgets_js or vendored(static):
        return
    from sphinx.util import logging

    config.nb_ipywidgets_js, config.mathjax_path = cdn_assets()
    logging.getLogger(__name__).info(
        "tscam_book: book/_static/vendor is not filled (no npm at set-up): the book loads "
        "require.js, the widget manager and MathJax from CDNs"
    )


def _key(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", use_cdn_without_vendored_js)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
