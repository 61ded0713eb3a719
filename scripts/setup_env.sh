#!/usr/bin/env bash
# Set up what `make book` and `make test` need: a virtual environment in .venv with the package
# (editable) and its [book,test] extras at the versions of constraints.txt, and, when npm is on
# the PATH, the book's JavaScript vendored into book/_static/vendor (else the book uses CDNs).
#
# Idempotent and quick on a second run: the pip step is skipped while .venv/.tscam-setup holds
# the SHA-256 of pyproject.toml and constraints.txt (computed with Python; edit either, or delete
# the stamp, to redo it). Python: python3.11 if present, else python3 (>= 3.10); override with
# PYTHON=/path/to/python.
#
# torch: on Linux the CPU build, from the PyTorch CPU wheel index (with the default index for
# everything else) when that index answers within a few seconds, else from the default index
# alone. The index is probed only when something is about to be installed (and by --plan).
# TSCAM_TORCH_INDEX=URL names another index; TSCAM_TORCH_INDEX=none uses the default index
# without probing.
#
# `bash scripts/setup_env.sh --plan` prints the decisions (Python, torch index, JavaScript) and
# changes nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
stamp="$venv/.tscam-setup"
cpu_index="https://download.pytorch.org/whl/cpu"
plan=0
[ "${1:-}" = "--plan" ] && plan=1

pick_python() {
    local cand
    for cand in ${PYTHON:-} python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    echo "setup_env: need Python >= 3.10 (python3.11 preferred); none found on PATH." >&2
    return 1
}

# SHA-256 of files, with Python (macOS has no sha256sum).
hash_files() {
    "$py" -c 'import hashlib, sys
h = hashlib.sha256()
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        h.update(f.read())
print(h.hexdigest())' "$@"
}

# The extra index for torch: the CPU wheel index on Linux when it answers quickly, else none.
torch_index() {
    local want="${TSCAM_TORCH_INDEX:-$cpu_index}"
    if [ "$want" = "none" ] || [ "$(uname -s)" != "Linux" ]; then
        return 0
    fi
    "$py" - "$want" <<'PY' 2>/dev/null || true
import sys, urllib.request
url = sys.argv[1].rstrip("/") + "/torch/"
try:
    with urllib.request.urlopen(url, timeout=4) as r:
        if r.status == 200:
            print(sys.argv[1])
except Exception:
    pass
PY
}

if [ -x "$venv/bin/python" ]; then
    py="$venv/bin/python"
else
    py="$(pick_python)"
fi
# Sets $index (the extra index for torch, or empty) and $torch_msg; probes the index (up to 4 s),
# so it runs only when an install is about to happen, or for --plan.
decide_torch() {
    index="$(torch_index)"
    if [ "$(uname -s)" != "Linux" ]; then
        torch_msg="torch from the default package index"
    elif [ "${TSCAM_TORCH_INDEX:-}" = "none" ]; then
        torch_msg="torch from the default package index (TSCAM_TORCH_INDEX=none)"
    elif [ -n "$index" ]; then
        torch_msg="torch: the CPU build, from $index"
    else
        torch_msg="torch from the default package index (the PyTorch CPU wheel index ${TSCAM_TORCH_INDEX:-$cpu_index} did not answer)"
    fi
}
if command -v npm >/dev/null 2>&1; then
    js_msg="JavaScript: vendored with npm into book/_static/vendor (the book loads nothing from other hosts)"
else
    js_msg="npm not found: the book will load MathJax, require.js, the widget manager and reveal.js from CDNs (install Node.js/npm for an offline book)"
fi
if [ "$plan" = 1 ]; then
    decide_torch
    echo "setup_env: Python: $("$py" --version 2>&1) ($py)"
    echo "setup_env: $torch_msg"
    echo "setup_env: $js_msg"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "setup_env: creating .venv with $("$py" --version 2>&1) ($py)"
    "$py" -m venv "$venv"
    py="$venv/bin/python"
fi

want="$(hash_files pyproject.toml constraints.txt)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
    ! "$py" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("tscam", "torch", "jupyter_book", "pytest")))' \
        >/dev/null 2>&1; then
    decide_torch
    echo "setup_env: installing the package with its [book,test] extras into .venv; $torch_msg"
    args=(--quiet --disable-pip-version-check -c constraints.txt -e '.[book,test]')
    if [ -n "$index" ]; then
        # CPU torch first: its index first, the default index as extra (torch's dependencies);
        # the main install below then keeps it (the constraint torch==X matches X+cpu).
        torch_pin="$(grep -E '^torch==' constraints.txt)"
        "$py" -m pip install --quiet --disable-pip-version-check -c constraints.txt \
            --index-url "$index" --extra-index-url "${PIP_INDEX_URL:-https://pypi.org/simple}" \
            "$torch_pin"
    fi
    "$py" -m pip install "${args[@]}"
    echo "$want" >"$stamp"
fi

if command -v npm >/dev/null 2>&1; then
    if ! bash "$root/scripts/fetch_js.sh" || ! bash "$root/scripts/fetch_reveal.sh"; then
        echo "setup_env: WARNING: could not vendor the book's JavaScript (see above): the built" \
            "book falls back to CDNs, and the browser tests will fail." >&2
    fi
else
    echo "setup_env: $js_msg"
fi
