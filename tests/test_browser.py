"""The rendered book in a real browser: headless Chromium (Debian package) opens every chapter,
takes a screenshot (kept in _build/screenshots/), checks that every image loaded and nothing
came from another host, and proves that each kernel-free gallery switches the picture it shows
when its control changes, as a reader would see it.

Chromium is driven over the DevTools protocol through a pipe (``--remote-debugging-pipe``):
no WebDriver, no extra Python package, nothing downloaded. `make test` installs Chromium
(scripts/install_browser.sh); without it these tests skip, or fail when CI is set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_support import chapter_docnames
from browser_support import SCREENSHOTS, Tab, assert_clean_page, chromium_tab, serving

pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def site(book_html) -> Iterator[str]:
    """The built book served on 127.0.0.1 (a random free port) for the browser."""
    with serving(book_html) as url:
        yield url


@pytest.fixture(scope="module")
def tab(skip_or_fail) -> Iterator[Tab]:
    with chromium_tab(skip_or_fail) as t:
        yield t


# JavaScript run in the page -------------------------------------------------------------------

IMAGES_LOADED = """
(() => {
  const imgs = Array.from(document.querySelectorAll('article img'));
  imgs.forEach(i => { i.loading = 'eager'; });
  if (!imgs.every(i => i.complete)) return null;
  return imgs.map(i => ({src: i.currentSrc.slice(-60), w: i.naturalWidth}));
})()
"""

WIDGETS_RENDERED = """
(() => {
  const views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length;
  return views === 0 || document.querySelectorAll('.jupyter-widgets').length > 0;
})()
"""

# A kernel-free gallery: a selection control (a dropdown's <select> or a group of toggle
# buttons) and, in the smallest widget box around it, the pictures it switches between. The
# picture shown is fingerprinted from its pixels, so "it switched" means a different image is
# visible, not merely that some attribute changed.
GALLERY_JS = """
window.__tscam = {
  frozen: [],
  panels: [],
  freeze() {  // fix the list once the page has settled, so that indices stay valid
    this.frozen = this.controls();
    this.panels = this.frozen.map(c => this.panel(c));
    return this.frozen.length;
  },
  box_of(ctl) {  // the panel found at freeze time (a placeholder panel may hold no image)
    const i = this.frozen.indexOf(ctl);
    return i >= 0 ? this.panels[i] : this.panel(ctl);
  },
  controls() {
    return Array.from(document.querySelectorAll(
        '.widget-dropdown select, .widget-toggle-buttons')).filter(c => this.panel(c));
  },
  panel(ctl) {
    let box = ctl.parentElement;
    while (box && !(box.classList.contains('widget-box') && box.querySelector('.widget-image'))) {
      box = box.parentElement;
    }
    return box;
  },
  fingerprint(ctl) {
    const box = this.box_of(ctl);
    const shown = Array.from(box.querySelectorAll('img'))
      .filter(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0);
    if (!shown.length) {  // a gallery's placeholder for a missing combination: its text
      const text = Array.from(box.querySelectorAll('.widget-html'))
        .filter(e => e.offsetParent !== null).map(e => e.innerText.trim()).join('|');
      return text ? 'text:' + text : null;
    }
    return shown.map(img => {
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let k = 0; k < d.length; k += 7) { h ^= d[k]; h = Math.imul(h, 16777619) >>> 0; }
      return c.width + 'x' + c.height + ':' + h.toString(16);
    }).join('|');
  },
  options(ctl) {
    return ctl.tagName === 'SELECT' ? ctl.options.length
      : ctl.querySelectorAll('.widget-toggle-button').length;
  },
  choose(ctl, k) {  // what a reader does: pick an option, or click a button
    if (ctl.tagName === 'SELECT') {
      ctl.selectedIndex = k;
      ctl.dispatchEvent(new Event('change', {bubbles: true}));
    } else {
      ctl.querySelectorAll('.widget-toggle-button')[k].click();
    }
  },
  box(ctl) {
    const r = this.box_of(ctl).getBoundingClientRect();
    const pad = 16;  // a margin around the gallery, so nothing at its edge is cut off
    return {x: Math.max(0, r.x + scrollX - pad), y: Math.max(0, r.y + scrollY - pad),
            width: r.width + 2 * pad, height: r.height + 3 * pad};
  },
};
true
"""


# Every image of a cell output, as shown at the 1280 px viewport: its shown width against its
# drawn (natural) width, and whether its cell carries the tag `full-width` (myst-nb gives the
# cell's <div> the class `tag_full-width`; the theme lets it span the margin). Collapsed outputs
# (`hide-output`, `hide-cell`: <details>) are opened first, as a reader would; an image that is
# still not displayed (a gallery's other pictures) is reported as hidden, not measured.
IMAGE_WIDTHS = """
(() => {
  document.querySelectorAll('article details').forEach(d => { d.open = true; });
  const imgs = Array.from(document.querySelectorAll('article .cell_output img'));
  imgs.forEach(i => { i.loading = 'eager'; });
  if (!imgs.every(i => i.complete)) return null;
  return imgs.map(i => {
    const r = i.getBoundingClientRect();
    return {src: (i.currentSrc || i.src).slice(-60), natural: i.naturalWidth, shown: r.width,
            hidden: i.offsetParent === null || r.width === 0,
            full: i.closest('.tag_full-width, .tag_full_width') !== null};
  });
})()
"""

#: The least share of its drawn width at which an image of a cell output may be shown.
MIN_SHOWN = 0.8


def shrunk_images(images: list[dict]) -> list[str]:
    """The images shown at less than MIN_SHOWN of their drawn width (cells not `full-width`)."""
    return [
        f"{i['src']}: {i['shown']:.0f} of {i['natural']} px ({i['shown'] / i['natural']:.0%})"
        for i in images
        if not i["hidden"]
        and not i["full"]
        and i["natural"] > 0
        and i["shown"] / i["natural"] < MIN_SHOWN
    ]


def _image_widths(tab: Tab, url: str, widgets: bool) -> list[dict]:
    tab.open(url)
    if widgets:
        tab.wait_for(WIDGETS_RENDERED, what=f"the widgets of {url}")
    tab.wait_for(IMAGES_LOADED, what=f"the images of {url}")
    time.sleep(0.3)
    return tab.wait_for(IMAGE_WIDTHS, what=f"the images of the cell outputs of {url}")


def _fingerprint_after(tab: Tab, g: int, k: int | None, before: str | None) -> str:
    """Choose option ``k`` of control ``g`` (None: no change); wait for a new picture."""
    if k is not None:
        tab.js(f"__tscam.choose(__tscam.frozen[{g}], {k})")
    deadline = time.monotonic() + 10
    while True:
        fp = tab.js(f"__tscam.fingerprint(__tscam.frozen[{g}])")
        if fp and (fp != before or time.monotonic() > deadline):
            return fp
        time.sleep(0.1)


def _offline_cdn(tab: Tab, book_js) -> None:
    """A book built without npm loads its JavaScript from CDNs; the tests run offline, so those
    requests are blocked, as a browser without network would fail them."""
    if not book_js.vendored:
        tab.send("Network.setBlockedURLs", {"urls": sorted(book_js.remote)})


@pytest.mark.parametrize("docname", chapter_docnames())
def test_chapter_in_a_browser(tab, site, book_js, docname):
    """Every image loads and nothing comes from another host (with vendored JavaScript: the
    widgets render and MathJax typesets; without, only the CDN copies the book names are
    requested, and the page shows its figures without them)."""
    name = docname.replace("/", "_")
    _offline_cdn(tab, book_js)
    tab.open(f"{site}/{docname}.html")
    images = tab.wait_for(IMAGES_LOADED, what="the images of the page")
    if book_js.vendored:
        tab.wait_for(WIDGETS_RENDERED, what="the widgets to render")
    time.sleep(0.3)
    tab.screenshot(SCREENSHOTS / f"{name}.png")

    broken = [i["src"] for i in images if i["w"] == 0]
    assert not broken, f"{docname}: images that did not load: {broken}"
    if book_js.vendored and tab.js("document.querySelectorAll('article .math').length"):
        tab.wait_for(
            "document.querySelectorAll('article mjx-container').length > 0",
            what="MathJax to typeset the page's maths",
        )
    assert_clean_page(tab, site, docname, allowed=book_js.remote)


def test_kernel_free_galleries_switch(tab, site, book_js):
    """Each option of every gallery control shows a different picture (up to five options
    tried), and the first option shows the first picture again; at least one gallery exists."""
    if not book_js.vendored:  # (under CI, book_js has failed already)
        pytest.skip(
            "the book loads the widget manager from a CDN (no npm at set-up) and the tests run "
            "offline: install Node.js/npm and run `make book` to test the galleries"
        )
    checked = 0
    for docname in chapter_docnames():
        tab.open(f"{site}/{docname}.html")
        tab.wait_for(WIDGETS_RENDERED, what=f"the widgets of {docname}")
        tab.js(GALLERY_JS)
        count, deadline = -1, time.monotonic() + 10
        while time.monotonic() < deadline:  # widgets render one by one: wait until none is new
            time.sleep(0.5)
            now = tab.js("__tscam.controls().length")
            if now == count:
                break
            count = now
        for g in range(tab.js("__tscam.freeze()")):
            n = min(tab.js(f"__tscam.options(__tscam.frozen[{g}])"), 5)
            if n < 2:
                continue
            tab.js(f"__tscam.frozen[{g}].scrollIntoView({{block: 'center'}})")
            tab.wait_for(
                f"__tscam.fingerprint(__tscam.frozen[{g}])",
                what=f"gallery {g} of {docname} to show a picture",
            )
            shot = f"{docname.replace('/', '_')}_gallery{g}"
            seen = [_fingerprint_after(tab, g, None, None)]
            tab.screenshot(
                SCREENSHOTS / f"{shot}_option0.png",
                clip=tab.js(f"__tscam.box(__tscam.frozen[{g}])"),
            )
            for k in range(1, n):
                seen.append(_fingerprint_after(tab, g, k, seen[-1]))
            tab.screenshot(
                SCREENSHOTS / f"{shot}_option{n - 1}.png",
                clip=tab.js(f"__tscam.box(__tscam.frozen[{g}])"),
            )
            again = _fingerprint_after(tab, g, 0, seen[-1])
            assert len(set(seen)) == n, (
                f"gallery {g} of {docname}: some options show the same picture: {seen}"
            )
            assert again == seen[0], f"gallery {g} of {docname}: option 0 lost its picture"
            checked += 1
    assert checked >= 1, "no kernel-free gallery with two or more options found in the chapters"


@pytest.mark.parametrize("docname", chapter_docnames())
def test_figures_fit_the_text_column(tab, site, book_js, docname):
    """At 1280 px, every image of a cell output is shown at 0.8 of its drawn width or more
    (issue 19: figures drawn for the 672 px text column), unless its cell is tagged
    `full-width`."""
    _offline_cdn(tab, book_js)
    images = _image_widths(tab, f"{site}/{docname}.html", book_js.vendored)
    shown = [i for i in images if not i["hidden"]]
    assert shown, f"{docname}: no image of a cell output is shown"
    shrunk = shrunk_images(images)
    assert not shrunk, (
        f"{docname}: images shown at less than {MIN_SHOWN:.0%} of their drawn width (draw them at "
        "most tscam.style.TEXT_WIDTH_IN wide, or tag the cell `full-width`): " + "; ".join(shrunk)
    )


def _png(path: Path, width_px: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width_px / 100, 1), dpi=100)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def test_figure_width_rule_fails_on_a_synthetic_page(tab, tmp_path: Path):
    """The measurement on a page built like a chapter's (myst-nb's cell and output classes, a
    672 px column, the theme's 136 % for `full-width` cells): a narrow figure passes, a wide one
    fails, a wide one in a `full-width` cell passes, a wide one in a collapsed output fails."""
    narrow, wide = _png(tmp_path / "narrow.png", 600), _png(tmp_path / "wide.png", 1400)

    def cell(img: str, tags: str = "", details: bool = False) -> str:
        out = f'<div class="cell_output docutils container"><img alt="x" src="{img}"></div>'
        if details:
            out = f'<details class="hide above-output"><summary>Show</summary>{out}</details>'
        return f'<div class="cell docutils container {tags}">{out}</div>'

    (tmp_path / "page.html").write_text(
        "<!doctype html><html><head><style>"
        "article { width: 672px; margin: 0 auto; } img { max-width: 100%; }"
        ".cell.tag_full-width { width: 136%; }"
        "</style></head><body><article>"
        + cell(narrow)
        + cell(wide)
        + cell(wide, tags="tag_full-width")
        + cell(wide, details=True)
        + "</article></body></html>",
        encoding="utf-8",
    )
    with serving(tmp_path) as url:
        images = _image_widths(tab, f"{url}/page.html", widgets=False)
    assert [(i["natural"], i["full"], i["hidden"]) for i in images] == [
        (600, False, False),
        (1400, False, False),
        (1400, True, False),
        (1400, False, False),
    ]
    assert images[1]["shown"] == pytest.approx(672, abs=1)
    shrunk = shrunk_images(images)
    assert len(shrunk) == 2 and all("wide.png" in s and "48%" in s for s in shrunk), shrunk
