#!/usr/bin/env bash
# The language server's benchmark: builds the release binary and the generator, generates a
# 1,000-application workspace (2 IdPs, so that one is used by 500 or more applications) and the
# 10,000-application bench tenant (200 IdPs), then runs bench/lsp.py (standard library only).
#
#   bench/lsp.sh              # 10,000 awaited edits for the memory check
#   LSP_EDITS=1000 bench/lsp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
(cd bench/gen && cargo build --release --quiet)
gen=bench/gen/target/release/gen
out=/tmp/authlint-bench-lsp
small="$out/apps-1000-idps-2"
large="$out/apps-10000-idps-200"
[ -d "$small" ] || "$gen" --apps 1000 --idps 2 --out "$small" > /dev/null
[ -d "$large" ] || "$gen" --apps 10000 --idps 200 --out "$large" > /dev/null
# A warm page cache: the benchmark measures authlint, not the disk.
cat "$small"/*/* "$large"/*/* > /dev/null
python3 bench/lsp.py "$PWD/target/release/authlint" "$small" "$large" "${LSP_EDITS:-10000}"
