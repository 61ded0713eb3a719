"""The rendered book in a real browser: headless Chromium (Debian package) opens every chapter,
takes a screenshot (kept in _build/screenshots/), checks that every image loaded and nothing
came from another host, and proves that each kernel-free gallery switches the picture it shows
when its control changes, as a reader would see it.

Chromium is driven over the DevTools protocol through a pipe (``--remote-debugging-pipe``):
no WebDriver, no extra Python package, nothing downloaded. `make test` installs Chromium
(scripts/install_browser.sh); without it these tests skip, or fail when CI is set.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from book_support import ROOT, chapter_docnames

pytestmark = pytest.mark.book

SCREENSHOTS = ROOT / "_build" / "screenshots"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class Chromium:
    """A minimal DevTools-protocol client for one headless Chromium, talking over a pipe."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="tscam-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def child_fds() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={self.profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            preexec_fn=child_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # already gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for f in (self._out, self._in):
            f.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = self._in.read(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)


class Tab:
    """One page of the browser."""

    def __init__(self, browser: Chromium) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def events(self, method: str) -> list[dict]:
        return [
            e["params"]
            for e in self.browser.events
            if e.get("sessionId") == self.session and e["method"] == method
        ]

    def js(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.1)

    def open(self, url: str) -> None:
        self.browser.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'", what=f"{url} to load")

    def screenshot(self, path: Path, clip: dict | None = None) -> None:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip is None:
            size = self.js(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 16000)}
        params["clip"] = {**clip, "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def site(book_html) -> Iterator[str]:
    """The built book served on 127.0.0.1 (a random free port) for the browser."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tab(skip_or_fail) -> Iterator[Tab]:
    exe = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe is None:
        skip_or_fail(
            "headless Chromium is not installed; run `bash scripts/install_browser.sh` "
            "(as root: apt-get install chromium)"
        )
    browser = Chromium(exe)
    try:
        yield Tab(browser)
    finally:
        browser.close()


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


def assert_clean_page(tab: Tab, site: str, name: str) -> None:
    """No JavaScript error, no failed request and no request to another host than ``site``."""
    exceptions = [
        e["exceptionDetails"].get("exception", {}).get("description", e["exceptionDetails"])
        for e in tab.events("Runtime.exceptionThrown")
    ]
    assert not exceptions, f"{name}: JavaScript errors: {exceptions}"
    failed = sorted(
        {
            f"{r['response']['status']} {r['response']['url']}"
            for r in tab.events("Network.responseReceived")
            if r["response"]["status"] >= 400 and not r["response"]["url"].endswith("favicon.ico")
        }
    )
    assert not failed, f"{name}: requests that failed: {failed}"
    host = site.split("://", 1)[1]
    foreign = sorted(
        {
            r["request"]["url"]
            for r in tab.events("Network.requestWillBeSent")
            if r["request"]["url"].startswith(("http:", "https:"))
            and r["request"]["url"].split("/")[2] != host
        }
    )
    assert not foreign, f"{name}: requests to other hosts: {foreign}"


@pytest.mark.parametrize("docname", chapter_docnames())
def test_chapter_in_a_browser(tab, site, docname):
    name = docname.replace("/", "_")
    tab.open(f"{site}/{docname}.html")
    images = tab.wait_for(IMAGES_LOADED, what="the images of the page")
    tab.wait_for(WIDGETS_RENDERED, what="the widgets to render")
    time.sleep(0.3)
    tab.screenshot(SCREENSHOTS / f"{name}.png")

    broken = [i["src"] for i in images if i["w"] == 0]
    assert not broken, f"{docname}: images that did not load: {broken}"
    if tab.js("document.querySelectorAll('article .math').length"):
        tab.wait_for(
            "document.querySelectorAll('article mjx-container').length > 0",
            what="MathJax to typeset the page's maths",
        )
    assert_clean_page(tab, site, docname)


def test_kernel_free_galleries_switch(tab, site):
    """Each option of every gallery control shows a different picture (up to five options
    tried), and the first option shows the first picture again; at least one gallery exists."""
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
