#!/usr/bin/env bash
# Vendor the JavaScript the book needs in a browser, so the built book uses no CDN at all.
#
# - Kernel-free widgets: the built pages embed widget state; a browser renders it with
#   require.js and @jupyter-widgets/html-manager's embed-amd.js (with the icon-font files of its
#   dist folder). myst-nb would load both from CDNs; _config.yml (nb_ipywidgets_js) points at
#   _static/vendor/ instead.
# - Maths: Sphinx loads MathJax 3 from a CDN by default; _config.yml (mathjax_path) points at
#   _static/vendor/mathjax/tex-mml-chtml.js (plus the fonts and the components it loads lazily).
#
# Fills book/_static/vendor/ (git-ignored) from the npm registry with `npm pack`.
# Idempotent: a stamp file records the versions fetched; a second run does nothing.
set -euo pipefail

REQUIREJS_VERSION="2.3.8"
HTML_MANAGER_VERSION="1.0.15"   # html-manager 1.x renders ipywidgets 8 (controls 2.0.0)
MATHJAX_VERSION="3.2.2"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/book/_static/vendor"
stamp="$dest/.versions"
want="requirejs@$REQUIREJS_VERSION @jupyter-widgets/html-manager@$HTML_MANAGER_VERSION"
want="$want mathjax@$MATHJAX_VERSION"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -s "$dest/require.js" ] &&
    [ -s "$dest/html-manager/embed-amd.js" ] && [ -s "$dest/mathjax/tex-mml-chtml.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_js: npm is needed to vendor require.js and the widget manager into" \
        "book/_static/vendor (install Node.js/npm, e.g. 'apt-get install npm')." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch_js: fetching $want from the npm registry ..."
(cd "$tmp" && npm pack --silent "requirejs@$REQUIREJS_VERSION" \
    "@jupyter-widgets/html-manager@$HTML_MANAGER_VERSION" "mathjax@$MATHJAX_VERSION" >/dev/null)
mkdir -p "$tmp/rq" "$tmp/hm" "$tmp/mj"
tar -xzf "$tmp"/requirejs-*.tgz -C "$tmp/rq"
tar -xzf "$tmp"/jupyter-widgets-html-manager-*.tgz -C "$tmp/hm"
tar -xzf "$tmp"/mathjax-*.tgz -C "$tmp/mj"

rm -rf "$dest.new"
mkdir -p "$dest.new/html-manager"
cp "$tmp/rq/package/require.js" "$dest.new/require.js"
cp "$tmp/rq/package/package.json" "$dest.new/requirejs.package.json"
# embed-amd.js and the assets it loads at run time (icon fonts), not the other bundles or maps.
for f in "$tmp"/hm/package/dist/*; do
    case "$(basename "$f")" in
        embed.js | embed.js.map | libembed-amd.js) ;;
        *) cp "$f" "$dest.new/html-manager/" ;;
    esac
done
cp "$tmp/hm/package/package.json" "$dest.new/html-manager/package.json"
# MathJax: the combined TeX/MathML -> CommonHTML component, its woff fonts, and the components
# it may load on demand (menu, accessibility, TeX extensions); not the speech engine (sre).
mj="$tmp/mj/package/es5"
mkdir -p "$dest.new/mathjax/output/chtml/fonts" "$dest.new/mathjax/input/tex"
cp "$mj/tex-mml-chtml.js" "$dest.new/mathjax/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$dest.new/mathjax/output/chtml/fonts/"
cp -r "$mj/input/tex/extensions" "$dest.new/mathjax/input/tex/"
cp -r "$mj/ui" "$mj/a11y" "$dest.new/mathjax/"
cp "$tmp/mj/package/LICENSE" "$dest.new/mathjax/LICENSE"
cp "$tmp/mj/package/package.json" "$dest.new/mathjax/package.json"
echo "$want" >"$dest.new/.versions"
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "fetch_js: vendored into book/_static/vendor ($(du -sh "$dest" | cut -f1))"
