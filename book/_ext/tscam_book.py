"""Small Sphinx fixes for the course book (loaded through ``sphinx.local_extensions``).

Inline scripts (``app.add_js_file(None, body=...)``, as sphinx-thebe adds its configuration)
end up twice in every page with Sphinx 7.4: once as registered with ``filename=None`` and once
re-added by the HTML builder with ``filename=''``. The second copy of a ``const`` declaration is
a JavaScript error in every page. This extension drops such duplicates from each page.
"""

from __future__ import annotations

from typing import Any


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
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
