#!/usr/bin/env bash
# The smallest thread stack each worst-case script runs with: one application per shape of input
# that makes a parser or the analysis recurse (prefix operators, assignment, ternary and arrow
# chains, statement chains without brackets, brackets at the nesting limit), each about 32 KiB
# (or at the limit), run with `--threads 1` under growing `AUTHLINT_STACK_MIB` until it exits 0
# or 1 (a crash is a stack overflow). Since the analysis grows its stack on demand and a deep
# script parses on a stack sized from `script::parse_stack_bound`, every case should run with the
# smallest stack tried; a larger figure is a recursion that escapes both.
#
#   bench/stack.sh                          # the release build (builds it)
#   AUTHLINT=target/debug/authlint bench/stack.sh
#   STACK_BYTES=65536 bench/stack.sh        # scripts of 64 KiB
#
# See README, "Running under limits".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
authlint=${AUTHLINT:-}
if [ -z "$authlint" ]; then
  (cd "$root" && cargo build --release --quiet)
  authlint=$root/target/release/authlint
fi
bytes=${STACK_BYTES:-32768}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$bytes" <<'EOF'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
def app(expr):
    body = f"      var x = {expr};\n      executeStep(2);"
    script = ("var onLoginRequest = function (context) {\n  executeStep(1, {\n    onSuccess: function (context) {\n"
              + body + "\n    }\n  });\n};\n")
    return ("name: deep\nauthenticationSequence:\n  steps:\n    - id: 1\n      options:\n"
            "        - {idp: LOCAL, authenticator: BasicAuthenticator}\n    - id: 2\n      options:\n"
            "        - {idp: LOCAL, authenticator: totp}\n  script: |\n"
            + "".join("    " + l + "\n" for l in script.split("\n")))
cases = {
    "prefix-not": "!" * n + "1",
    "prefix-minus": "- " * (n // 2) + "1",
    "typeof": "typeof " * (n // 7) + "1",
    "new": "new " * (n // 4) + "X",
    "assignment-chain": "y=" * (n // 2) + "1",
    "ternary-chain": "c?1:" * (n // 4) + "1",
    "arrow-chain": "a=>" * (n // 3) + "1",
    "plus-terms": "1+" * (n // 2) + "1",
    "if-chain": "1; " + "if (a) " * (n // 7) + "x = 1",
    "brackets-at-limit": "(" * 1000 + "1" + ")" * 1000,
    "calls-at-limit": "f(" * 1000 + "1" + ")" * 1000,
}
for name, expr in cases.items():
    os.makedirs(f"{work}/{name}")
    with open(f"{work}/{name}/app.yml", "w") as f:
        f.write(app(expr))
EOF

printf '%-20s %10s  %s\n' case "stack MiB" "verdict"
for dir in "$work"/*/; do
  name=$(basename "$dir")
  found=""
  for mib in 1 2 4 8 16 24 32 48 64 96 128 192 256 384 512 768 1024; do
    status=0
    AUTHLINT_STACK_MIB=$mib "$authlint" check "$dir" --threads 1 --format concise > "$work/out" 2> /dev/null || status=$?
    if [ "$status" -le 1 ]; then
      found=$mib
      break
    fi
  done
  verdict=$(grep -o '\[[a-z-]*\]' "$work/out" 2> /dev/null | head -1 || true)
  printf '%-20s %10s  %s\n' "$name" "${found:->1024}" "${verdict:-(none)}"
done
echo "($(basename "$authlint"), scripts of $bytes bytes, $(uname -m))"
