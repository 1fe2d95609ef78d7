#!/usr/bin/env bash
# The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core
# (pinned by package-lock.json) through report.test.js (node's test runner). Installs what it
# needs (Debian chromium when /usr/bin/chromium is missing; the npm packages) and fails, never
# skips, when it cannot. Called by .ci/run after the build; by hand: `cargo build`, then
# `bash tests/e2e/html-report/run.sh`. Writes docs/report.png (the README's screenshot).
#
# AUTHLINT=path picks the binary (default: target/debug/authlint); CHROMIUM=path the browser.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
fail() { echo "e2e html report: $*" >&2; exit 1; }

[ -x "${AUTHLINT:-$root/target/debug/authlint}" ] || fail "no authlint binary (cargo build first)"
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get > /dev/null; then
  apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null
fi
command -v node > /dev/null || fail "node is missing"
command -v npm > /dev/null || fail "npm is missing"
# The npm packages go under target/ (ignored by git), not into tests/: the tests walk tests/ for
# YAML and JSON files.
tools="$root/target/e2e-html-report"
mkdir -p "$tools"
cp "$here/package.json" "$here/package-lock.json" "$tools/"
(cd "$tools" && npm ci --no-audit --no-fund --silent) || fail "npm ci failed"
# The test itself fails when Chromium is missing.
NODE_PATH="$tools/node_modules" node --test "$here/report.test.js"
