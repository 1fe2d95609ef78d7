#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) one after the other, on the binaries
# `RUSTC_BOOTSTRAP=1 cargo fuzz build -O` made (run them directly so that a concurrent edit of
# src/ does not trigger a rebuild). Crashes go to artifacts/<target>/, logs to artifacts/logs/.
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p artifacts/logs
for t in ${TARGETS:-load_yaml load_json script}; do
  dict=dicts/yaml.dict
  [ "$t" = script ] && dict=dicts/script.dict
  mkdir -p "corpus/$t" "artifacts/$t"
  "$bin/$t" "corpus/$t" -dict="$dict" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 \
    -max_len=16384 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    > "artifacts/logs/$t.log" 2>&1
  echo "$t: exit $?"
done
