#!/usr/bin/env bash
# Draws authlint's diagrams with the real tools, which `cargo test` does not need: Graphviz
# (`dot -Tsvg`) for `graph --format dot`; for `graph` and the diagrams of `check --format
# markdown`, Mermaid's own parser (npm `mermaid`, in jsdom: check-mermaid.mjs), then Mermaid itself
# in a real browser as GitHub draws it (Mermaid's browser bundle in Debian's Chromium, headless,
# driven by playwright-core: render-mermaid.mjs, which first proves on hand-written bad diagrams
# that its checks reject them). Hostile names must come out as text: no link, no script, no
# KaTeX, every label drawn exactly as authlint wrote it.
# Installs what it needs (Debian graphviz, and chromium when /usr/bin/chromium is missing; npm
# packages pinned by package-lock.json) and fails, never skips, when it cannot. ~15 s after the
# first install. Called by .ci/run after the build.
#
# AUTHLINT=path picks the binary (default: target/debug/authlint); CHROMIUM=path the browser.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${AUTHLINT:-$root/target/debug/authlint}
fail() { echo "e2e diagrams: $*" >&2; exit 1; }

[ -x "$bin" ] || fail "no authlint binary at $bin (cargo build first)"
if ! command -v dot > /dev/null; then
  if command -v apt-get > /dev/null; then
    apt-get update -qq > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz > /dev/null
  fi
fi
command -v dot > /dev/null || fail "Graphviz (dot) is missing and could not be installed"
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get > /dev/null; then
  apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null
fi
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "Chromium (${CHROMIUM:-/usr/bin/chromium}) is missing and could not be installed"
command -v node > /dev/null || fail "node is missing"
command -v npm > /dev/null || fail "npm is missing"
# The npm packages go under target/ (ignored by git), not into tests/: the tests walk tests/ for
# YAML and JSON files.
tools="$root/target/e2e-diagrams"
mkdir -p "$tools"
cp "$here/package.json" "$here/package-lock.json" "$here/check-mermaid.mjs" "$here/render-mermaid.mjs" "$tools/"
(cd "$tools" && npm ci --no-audit --no-fund --silent) || fail "npm ci failed"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root"
cases="fixtures/tenant fixtures/graph fixtures/ok fixtures/err"
n=0
for c in $cases; do
  n=$((n + 1))
  "$bin" graph "$c" --format dot > "$out/$n.dot" || fail "authlint graph $c --format dot failed"
  # Graphviz reports syntax errors (and warnings) on stderr: any is a failure.
  dot -Tsvg "$out/$n.dot" -o "$out/$n.svg" 2> "$out/$n.dot.err" || fail "dot rejects the graph of $c: $(cat "$out/$n.dot.err")"
  [ ! -s "$out/$n.dot.err" ] || fail "dot warns about the graph of $c: $(cat "$out/$n.dot.err")"
  "$bin" graph "$c" > "$out/$n.mmd" || fail "authlint graph $c failed"
done
echo "dot: drew the graphs of $cases"

# The hostile names are text in the SVG, never markup.
hostile="$out/2.svg"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$hostile" || fail "the hostile name is not in the SVG as text"
# An entity in a name is drawn as typed, and a right-to-left override as a visible marker.
grep -q '&amp;lt;b&amp;gt; admin⟨U+202E⟩gnp.exe' "$hostile" || fail "an entity or a bidi control in a name is not drawn as typed"
if grep -q '<script' "$hostile"; then fail "the SVG holds a <script> element"; fi

# The diagrams of the Markdown summary, one file each.
status=0
"$bin" check fixtures/tenant fixtures/graph --format markdown > "$out/summary.md" || status=$?
[ "$status" -eq 1 ] || fail "check --format markdown: expected exit status 1, got $status"
awk -v dir="$out" '/^```mermaid$/ { n++; file = dir "/md-" n ".mmd"; next } /^```$/ { file = ""; next } file { print > file }' "$out/summary.md"
ls "$out"/md-*.mmd > /dev/null 2>&1 || fail "the Markdown summary has no diagram"

# Hostile names that some label must show, decoded, as text.
expect=(
  --expect 'pay"roll <script>alert(1)</script> %% comment click a0_n0 call alert() style a0_n0 fill:#f00 `x` | ] } --> \N \" end'
  --expect 'Evil"]; click a0_n1 call alert() %% --> <script>alert(1)</script>: Auth<b>|x|</b>&amp; -->'
  --expect "context.request.params.x != '\"]; click a0_n0 call alert()..."
  --expect '$$\href{javascript:alert(1)}{x}$$ &lt;b&gt; admin⟨U+202E⟩gnp.exe @team www.evil.example #12'
)
node "$tools/check-mermaid.mjs" "$out"/*.mmd "${expect[@]}" || fail "Mermaid rejects a diagram (see above)"
# The same diagrams drawn by Mermaid in Chromium, as GitHub draws them.
node "$tools/render-mermaid.mjs" "$out"/*.mmd "${expect[@]}" || fail "Mermaid in Chromium does not draw a diagram as written (see above)"
echo "e2e diagrams: passed"
