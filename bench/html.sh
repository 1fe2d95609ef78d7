#!/usr/bin/env bash
# HTML report benchmark (issue 18): how long `authlint check --format html` takes on the
# 10,000-application bench tenant (target: <= 2 s of wall time, release build), how big the page
# is, and (when Chromium and the browser test's packages are installed) how long Chromium takes
# to open it. See bench/README.md.
#
# Settings (environment):
#   BENCH_APPS=10000   applications      BENCH_IDPS=200   identity providers   BENCH_SEED=1  seed
#   BENCH_RUNS=5       timed runs        BENCH_DIR=/tmp/authlint-bench (tenant cache, shared with run.sh)
#   AUTHLINT=path      time this binary instead of building target/release/authlint
#   BENCH_BROWSER=0    skip the Chromium load (default: run it when /usr/bin/chromium and
#                      target/e2e-html-report/node_modules, from tests/e2e/html-report/run.sh, are there)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
apps=${BENCH_APPS:-10000}
idps=${BENCH_IDPS:-200}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-5}
work=${BENCH_DIR:-/tmp/authlint-bench}

log() { printf '== %s\n' "$*" >&2; }

if [ -n "${AUTHLINT:-}" ]; then
  authlint=$AUTHLINT
else
  log "cargo build --release (authlint)"
  (cd "$root" && cargo build --release --quiet)
  authlint=$root/target/release/authlint
fi
log "cargo build --release (bench/gen)"
(cd "$root/bench/gen" && cargo build --release --quiet)
gen=$root/bench/gen/target/release/gen

# The same tenant, and the same cache key, as run.sh's `rest` case.
key=$(cat "$root"/bench/gen/src/*.rs | cksum | cut -d' ' -f1)
dir=$work/tenant-a$apps-i$idps-s$seed-$key
if [ ! -d "$dir" ]; then
  log "generating $dir"
  mkdir -p "$work"
  rm -rf "$dir.partial"
  "$gen" --out "$dir.partial" --apps "$apps" --idps "$idps" --seed "$seed"
  mv "$dir.partial" "$dir"
fi
find "$dir" -type f -exec cat {} + > /dev/null

page=$work/report-a$apps-i$idps-s$seed.html
# One run for the page itself, its peak RSS and CPU time (GNU time, when installed).
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M %U %S' -o "$work/html-time.txt" "$authlint" check "$dir" --format html > "$page" || true
  # The last line: GNU time first says "Command exited with non-zero status 1" (findings).
  read -r rss user sys <<< "$(tail -n 1 "$work/html-time.txt")"
  rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.0f", (u + s) * 1000}')
else
  "$authlint" check "$dir" --format html > "$page" || true
  rss_mib=- cpu_ms=-
fi
"$authlint" check "$dir" --format html --timings 2> "$work/html-stages.txt" > /dev/null || true

# time_runs CMD: "median min max" of the wall time in ms over $runs runs.
time_runs() {
  local i start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    bash -c "$1" || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
  done | sort -n | awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR]}'
}
log "timing check --format html ($runs runs)"
read -r html_median html_min html_max <<< "$(time_runs "$authlint check $dir --format html > /dev/null")"
log "timing check --format json ($runs runs, for comparison)"
read -r json_median json_min json_max <<< "$(time_runs "$authlint check $dir --format json > /dev/null")"

size=$(wc -c < "$page")
diagrams=$(grep -o '<svg class="flow"' "$page" | wc -l)
clean=$(grep -o 'data-scene="' "$page" | wc -l)
findings=$(grep -o '<section class="finding' "$page" | wc -l)
# The diagrams' JSON runs from its script element to the page's own script at the end.
json_size=$((size - $(grep -bo '<script type="application/json" id="scenes">' "$page" | cut -d: -f1)))

browser="(skipped)"
node_modules=$root/target/e2e-html-report/node_modules
if [ "${BENCH_BROWSER:-1}" != 0 ] && [ -x /usr/bin/chromium ] && [ -d "$node_modules/playwright-core" ]; then
  log "opening the page in Chromium"
  browser=$(NODE_PATH=$node_modules node "$root/bench/html-open.js" "$page")
fi

echo
echo "authlint: $authlint"
echo "machine:  $(nproc) CPUs, $(awk -F': *' '/model name/ {print $2; exit}' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tenant:   $dir ($apps applications, $idps IdPs)"
echo
printf '%-28s %10s %8s %8s %8s %8s\n' "" "median ms" "min ms" "max ms" "cpu ms" "RSS MiB"
printf '%-28s %10s %8s %8s %8s %8s\n' "check --format html" "$html_median" "$html_min" "$html_max" "$cpu_ms" "$rss_mib"
printf '%-28s %10s %8s %8s %8s %8s\n' "check --format json" "$json_median" "$json_min" "$json_max" "-" "-"
echo
echo "stages of one html run (--timings):"
sed 's/^/  /' "$work/html-stages.txt"
echo
awk -v s="$size" -v j="$json_size" -v d="$diagrams" -v c="$clean" -v f="$findings" 'BEGIN {
  printf "page: %.1f MB (%d bytes); %d findings, %d inline SVG diagrams, %d clean applications drawn on demand from %.1f MB of JSON\n",
    s / 1e6, s, f, d, c, j / 1e6 }'
echo "Chromium: $browser"
echo "kept at: $page"
echo "goal: the 10,000-application page written in <= 2 s (median wall time, release build)."
