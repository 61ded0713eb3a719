#!/usr/bin/env bash
# Vendor reveal.js for the lecture slides, so the decks (scripts/build_slides.py) use no CDN.
#
# nbconvert's slides load reveal.js from unpkg.com by default. This script fills
# book/_static/vendor/reveal.js/ (git-ignored, like the rest of book/_static/vendor/) from the
# npm registry with `npm pack`: reveal.js's dist/ (core, reset, themes with their fonts) and the
# speaker-notes plugin, nothing else. Sphinx copies it into _build/html/_static/, where the decks
# in _build/html/slides/ find it under ../_static/vendor/reveal.js.
#
# Kept apart from scripts/fetch_js.sh on purpose: that script replaces book/_static/vendor/ as a
# whole when its own versions change, so run this one after it (a second run is a no-op while
# the stamp file matches).
set -euo pipefail

REVEAL_VERSION="4.6.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/book/_static/vendor/reveal.js"
stamp="$dest/.version"
want="reveal.js@$REVEAL_VERSION"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -s "$dest/dist/reveal.js" ] &&
    [ -s "$dest/dist/theme/white.css" ] && [ -s "$dest/plugin/notes/notes.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_reveal: npm is needed to vendor reveal.js into book/_static/vendor/reveal.js" \
        "(install Node.js/npm, e.g. 'apt-get install npm')." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch_reveal: fetching $want from the npm registry ..."
(cd "$tmp" && npm pack --silent "reveal.js@$REVEAL_VERSION" >/dev/null)
mkdir -p "$tmp/rv"
tar -xzf "$tmp"/reveal.js-*.tgz -C "$tmp/rv"
src="$tmp/rv/package"

rm -rf "$dest.new"
mkdir -p "$dest.new/dist/theme" "$dest.new/plugin/notes"
cp "$src/dist/reveal.js" "$src/dist/reveal.css" "$src/dist/reset.css" "$dest.new/dist/"
# The themes whose fonts are local (scripts/build_slides.py uses "white"), with those fonts; not
# the themes that import fonts from Google Fonts, so no vendored theme can reach another host.
for f in "$src"/dist/theme/*.css; do
    if ! grep -q "@import url(http" "$f"; then
        cp "$f" "$dest.new/dist/theme/"
    fi
done
cp -r "$src/dist/theme/fonts" "$dest.new/dist/theme/"
cp "$src/plugin/notes/notes.js" "$dest.new/plugin/notes/"
cp "$src/LICENSE" "$src/package.json" "$dest.new/"
echo "$want" >"$dest.new/.version"
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "fetch_reveal: vendored into book/_static/vendor/reveal.js ($(du -sh "$dest" | cut -f1))"
