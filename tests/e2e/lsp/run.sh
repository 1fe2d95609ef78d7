#!/usr/bin/env bash
# End-to-end test of `authlint server` with a third-party LSP client (pytest-lsp from PyPI).
#
#   tests/e2e/lsp/run.sh [PYTEST ARGS...]
#
# Needs python3 (with its venv module) and the binary: AUTHLINT_BIN, or target/debug/authlint
# (run `cargo build` first). The pinned client goes into a virtual environment under target/
# (AUTHLINT_LSP_VENV to put it elsewhere), made once and reused. Anything missing fails the
# run: this never skips.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

fail() {
  echo "tests/e2e/lsp/run.sh: $*" >&2
  exit 1
}

command -v python3 > /dev/null || fail "python3 is missing (install Python 3.9 or newer)"
export AUTHLINT_BIN="${AUTHLINT_BIN:-$repo/target/debug/authlint}"
[ -x "$AUTHLINT_BIN" ] || fail "$AUTHLINT_BIN is missing: run \`cargo build\` or set AUTHLINT_BIN"

venv="${AUTHLINT_LSP_VENV:-$repo/target/e2e-lsp-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
# --no-deps: exactly the pinned set goes in, and `pip check` then fails if it lacks a dependency.
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-deps \
  --requirement "$here/requirements.txt" || fail "pip could not install $here/requirements.txt"
"$venv/bin/python" -m pip check > /dev/null || fail "the pinned requirements are inconsistent: $("$venv/bin/python" -m pip check)"

cd "$here"
exec "$venv/bin/python" -m pytest "$@"
