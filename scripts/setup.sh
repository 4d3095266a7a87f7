#!/usr/bin/env bash
# Create .venv with Python 3.12 and install Tradefly with its pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python312() {
    if [[ -n "${TRADEFLY_PYTHON:-}" ]]; then echo "$TRADEFLY_PYTHON"; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local root candidate
        root="$(pyenv root)"
        candidate="$(ls -d "$root"/versions/3.12.* 2>/dev/null | sort -V | tail -n 1 || true)"
        if [[ -n "$candidate" && -x "$candidate/bin/python" ]]; then echo "$candidate/bin/python"; return; fi
    fi
    for name in python3.12 python3; do
        if command -v "$name" >/dev/null 2>&1 \
            && "$name" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
            command -v "$name"; return
        fi
    done
    echo "error: Python 3.12 not found (install it with pyenv or set TRADEFLY_PYTHON)" >&2
    exit 1
}

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
    rm -rf .venv
    "$(find_python312)" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
