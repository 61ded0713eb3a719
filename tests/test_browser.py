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
