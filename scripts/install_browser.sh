#!/usr/bin/env bash
# Install headless Chromium (Debian package) for tests/test_browser.py and tests/test_slides.py
# (driven over the DevTools protocol: no WebDriver needed).
#
# Does nothing when both are already there. Installs only as root (apt-get); otherwise it says
# what is missing and exits 0: the browser test then skips with that reason, or fails under CI.
set -euo pipefail

have_browser() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

if have_browser; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: chromium missing and cannot apt-get install them" \
        "(not root or no apt-get); the browser test will skip (or fail when CI is set)." >&2
    exit 0
fi
echo "install_browser: installing chromium with apt-get ..."
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null; }; then
    echo "install_browser: apt-get install failed; the browser test will skip" \
        "(or fail when CI is set)." >&2
    exit 0
fi
if have_browser; then
    echo "install_browser: $(chromium --version 2>/dev/null || true)"
else
    # (e.g. installed where this PATH does not look): say so; the test skips or fails under CI
    echo "install_browser: chromium was installed but is not on the PATH; the browser test" \
        "will skip (or fail when CI is set)." >&2
fi
