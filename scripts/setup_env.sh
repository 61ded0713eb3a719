#!/usr/bin/env bash
# Set up what `make book` and `make test` need: a virtual environment in .venv with the package
# (editable) and its [book,test] extras, and the vendored JavaScript of the book.
#
# Idempotent and quick on a second run: the pip step is skipped while .venv/.tscam-setup holds
# the SHA-256 of the current pyproject.toml (edit pyproject.toml, or delete the stamp, to redo it).
# Python: python3.11 if present, else python3 (>= 3.10). Override with PYTHON=/path/to/python.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
stamp="$venv/.tscam-setup"

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

if [ ! -x "$venv/bin/python" ]; then
    py="$(pick_python)"
    echo "setup_env: creating .venv with $("$py" --version 2>&1) ($py)"
    "$py" -m venv "$venv"
fi

want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
    ! "$venv/bin/python" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("tscam", "torch", "jupyter_book", "pytest")))' \
        >/dev/null 2>&1; then
    echo "setup_env: installing the package with its [book,test] extras into .venv ..."
    # torch==2.13.0 (pinned in pyproject.toml) resolves to the CPU build on these machines.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[book,test]'
    echo "$want" >"$stamp"
fi

if ! bash "$root/scripts/fetch_js.sh"; then
    echo "setup_env: WARNING: could not vendor the book's JavaScript (see above): the built" \
        "book's widgets and maths will not render offline, and the browser tests will fail." >&2
fi
