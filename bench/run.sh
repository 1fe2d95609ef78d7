#!/usr/bin/env bash
# authlint benchmark: wall time and peak memory of `authlint check` on synthetic tenants of
# 1,000 / 10,000 / 50,000 applications in the REST shapes (issue: "Lint a 10,000-application
# tenant in half a second"), a 10,000-application tenant in IAM-CTL's bean YAML, three
# environments of 3,000 bean applications side by side, plus one application whose script has 60
# independent ifs. See bench/README.md.
#
# Settings (environment):
#   BENCH_CASES="rest bean envs wide"  which cases to run (any subset, in any order)
#   BENCH_SIZES="1000 10000 50000"  REST application counts  BENCH_IDPS=200   IdPs per tenant/environment
#   BENCH_BEAN_SIZES=10000          bean application counts  BENCH_SEED=1     generator seed
#   BENCH_ENVS=dev,staging,prod     environments (or a count) BENCH_ENV_APPS=3000 applications per environment
#   BENCH_RUNS=5                    timed runs per case      BENCH_DIR=/tmp/authlint-bench  tenant cache
#   AUTHLINT=path                   benchmark this binary instead of building target/release/authlint
#   BENCH_FALLBACK=1                act as if hyperfine and GNU time were missing (tests the fallbacks)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cases=${BENCH_CASES:-rest bean envs wide}
sizes=${BENCH_SIZES:-1000 10000 50000}
bean_sizes=${BENCH_BEAN_SIZES:-10000}
envs=${BENCH_ENVS:-dev,staging,prod}
env_apps=${BENCH_ENV_APPS:-3000}
idps=${BENCH_IDPS:-200}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-5}
work=${BENCH_DIR:-/tmp/authlint-bench}
wide_ifs=60

for c in $cases; do
  case $c in
    rest | bean | envs | wide) ;;
    *) echo "BENCH_CASES: unknown case '$c' (rest, bean, envs, wide)" >&2; exit 2 ;;
  esac
done

log() { printf '== %s\n' "$*" >&2; }

# --- build -------------------------------------------------------------------------------------
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

# --- tools: hyperfine and GNU time are optional ------------------------------------------------
have_hyperfine=false
gnu_time=/usr/bin/time
if [ "${BENCH_FALLBACK:-}" = 1 ]; then
  gnu_time=/nonexistent
else
  command -v hyperfine > /dev/null && have_hyperfine=true
  if [ ! -x "$gnu_time" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    log "installing GNU time for peak RSS"
    apt-get install -y -qq time > /dev/null 2>&1 || true
  fi
fi
have_jq=false
command -v jq > /dev/null && have_jq=true

# A hidden `--parse-only` flag may exist: probe it on an empty directory (clap exits 2 on an
# unknown flag), which also finds it when `--help` does not list it.
empty=$(mktemp -d)
parse_only=false
if "$authlint" check --help 2>&1 | grep -q -- '--parse-only' ||
  { "$authlint" check --parse-only "$empty" > /dev/null 2>&1; [ $? -ne 2 ]; }; then
  parse_only=true
fi
rmdir "$empty"

# --- helpers -----------------------------------------------------------------------------------

# tenant NAME ARGS...: generates a tenant once, keyed by its arguments and the generator's source
# (a changed generator must not reuse stale files). Written to a temporary directory and renamed,
# so an interrupted generation is never mistaken for a finished one.
tenant() {
  local name=$1
  shift
  local key
  key=$(cat "$root"/bench/gen/src/*.rs | cksum | cut -d' ' -f1)
  local dir=$work/$name-$key
  if [ ! -d "$dir" ]; then
    log "generating $dir"
    mkdir -p "$work"
    rm -rf "$dir.partial"
    "$gen" --out "$dir.partial" "$@"
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

# measure_once OUT CMD...: runs CMD once with its stdout in OUT; prints "PEAK_RSS_KIB CPU_SECONDS".
# GNU time gets both from the kernel at exit. CPU time (user + system) is much less disturbed by
# other load on the machine than wall time, so it is worth a column. Without GNU time we sample
# VmHWM (the kernel's own high-water mark) from /proc, which can miss a peak reached in the last
# few milliseconds, and print "-" for the CPU time.
measure_once() {
  local out=$1
  shift
  if [ -x "$gnu_time" ]; then
    local report
    report=$(mktemp)
    "$gnu_time" -v -o "$report" "$@" > "$out" || true
    awk -F': ' '/Maximum resident set size/ {rss = $2} /User time/ {cpu += $2} /System time/ {cpu += $2}
      END {print rss, cpu}' "$report"
    rm -f "$report"
  else
    "$@" > "$out" &
    # Read with builtins (no fork per sample) until the process is a zombie, whose VmHWM is gone.
    local pid=$! hwm=0 key value
    while kill -0 "$pid" 2> /dev/null; do
      while read -r key value _; do
        case $key in
          State:) [ "$value" = Z ] && break 2 ;;
          VmHWM:) [ "$value" -gt "$hwm" ] && hwm=$value ;;
        esac
      done < "/proc/$pid/status" 2> /dev/null || true
      sleep 0.005
    done
    wait "$pid" || true
    # A run shorter than one sample shows nothing: say so rather than print 0.
    [ "$hwm" -gt 0 ] && echo "$hwm -" || echo "- -"
  fi
}

# time_runs N CMD: prints "mean stddev min median" wall seconds over N runs of the shell command
# CMD. On a shared machine the median is the figure to quote: a few runs that wait for the CPU
# move the mean, not the median.
time_runs() {
  local n=$1 cmd=$2
  if $have_hyperfine; then
    local csv err
    csv=$(mktemp)
    err=$(mktemp)
    # -i: authlint exits 1 when it reports errors, which generated tenants do on purpose.
    if ! hyperfine --style none --runs "$n" -i --export-csv "$csv" "$cmd" > /dev/null 2> "$err"; then
      cat "$err" >&2
      exit 1
    fi
    awk -F, 'NR == 2 {print $2, $3, $7, $4}' "$csv"
    rm -f "$csv" "$err"
  else
    local i start end
    for ((i = 0; i < n; i++)); do
      start=$(date +%s%N)
      bash -c "$cmd" || true
      end=$(date +%s%N)
      echo $(((end - start) / 1000))
    done | sort -n | awk '{v[NR] = $1; s += $1; q += $1 * $1}
      END {mean = s / NR; sd = sqrt(q / NR - mean * mean); med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%f %f %f %f\n", mean / 1e6, sd / 1e6, v[1] / 1e6, med / 1e6}'
  fi
}

# findings JSON DIR: "apps-with-findings (unexpected)" from authlint's JSON. Every generated app
# says in a comment whether it was made flawed on purpose; an app with findings that was not is
# either a generator mistake or an authlint false positive, and worth a look. With environments
# side by side the same name is one application per environment: each finding is counted for the
# file of its own environment (the directory holding the `Applications/` or `IdentityProviders/`
# folder of the diagnostic's file).
findings() {
  local json=$1 dir=$2
  if ! $have_jq; then
    echo "n/a (no jq)"
    return
  fi
  local bad
  bad=$(jq '[.diagnostics[] | select(.rule == "syntax-error" or .rule == "invalid-config")] | length' "$json")
  if [ "$bad" -ne 0 ]; then
    echo "generated tenant $dir has $bad syntax-error/invalid-config diagnostics:" >&2
    jq -r '.diagnostics[] | select(.rule == "syntax-error" or .rule == "invalid-config") | "\(.file):\(.line): \(.message)"' "$json" | head >&2
    exit 1
  fi
  local found unexpected
  found=$(mktemp)
  jq -r '[.diagnostics[] | select(.app != null)
      | (.file | sub("/(Applications|IdentityProviders)/[^/]*$"; "")) + "/Applications/" + .app + ".yml"]
    | unique | .[]' "$json" > "$found"
  # grep -L: the files without the marker (one grep for all of them).
  unexpected=$(xargs -r -d '\n' grep -L '^# authlint-bench: flawed on purpose' < "$found" | wc -l)
  echo "$(wc -l < "$found") ($unexpected unexpected)"
  rm -f "$found"
}

# file_sizes DIR: the average application and IdP file size in KB (1,000 bytes).
file_sizes() {
  local kind
  for kind in Applications IdentityProviders; do
    find "$1" -path "*/$kind/*" -type f -printf '%s\n' |
      awk -v k="$kind" '{s += $1} END {printf "%s %.1f KB  ", (k == "Applications" ? "apps" : "IdPs"), NR ? s / NR / 1000 : 0}'
  done
}

rows=()
notes=()

# bench LABEL DIR [EXTRA-FLAGS]: warms the page cache, measures peak RSS and CPU time (that run is
# also the warm-up and the sanity check), then times the runs.
bench() {
  local label=$1 dir=$2 extra=${3:-}
  local apps files size json once timing findings_text=""
  apps=$(find "$dir" -path '*/Applications/*' -type f | wc -l)
  files=$(find "$dir" -type f | wc -l)
  size=$(du -sh "$dir" | cut -f1)
  # Read every file once so all runs see the same, warm, page cache.
  find "$dir" -type f -exec cat {} + > /dev/null

  json=$(mktemp)
  if [ -z "$extra" ]; then
    once=$(measure_once "$json" "$authlint" check "$dir" --format json)
    findings_text=$(findings "$json" "$dir")
  else
    once=$(measure_once /dev/null "$authlint" check $extra "$dir")
    findings_text="-"
  fi
  rm -f "$json"

  local n=$runs
  [ "$apps" -ge 50000 ] && [ "$n" -gt 3 ] && n=3 # a 50k run takes seconds: fewer runs
  log "timing $label ($n runs)"
  if [ -z "$extra" ]; then
    timing=$(time_runs "$n" "$authlint check $dir --format json > /dev/null")
  else
    timing=$(time_runs "$n" "$authlint check $extra $dir > /dev/null")
  fi
  rows+=("$(printf '%-29s %7s %7s %6s %4s %s %s  %s' "$label" "$apps" "$files" "$size" "$n" \
    "$(awk '{printf "%8.1f ± %6.1f %8.1f %8.1f", $1 * 1000, $2 * 1000, $4 * 1000, $3 * 1000}' <<< "$timing")" \
    "$(awk '{printf "%8s %8s", ($2 == "-" ? "-" : $2 == 0 ? "<10" : sprintf("%.0f", $2 * 1000)), ($1 == "-" ? "-" : sprintf("%.1f", $1 / 1024))}' <<< "$once")" \
    "$findings_text")")
}

# bench_tenant LABEL DIR: the check case, and the parse-only one when authlint offers it.
bench_tenant() {
  bench "check $1" "$2"
  if $parse_only; then
    bench "parse-only $1" "$2" --parse-only
  fi
  notes+=("$(printf '%-29s %s' "$1" "$(file_sizes "$2")")")
}

# --- the cases ---------------------------------------------------------------------------------
for c in $cases; do
  case $c in
    rest)
      for n in $sizes; do
        bench_tenant "${n} apps" "$(tenant "tenant-a$n-i$idps-s$seed" --apps "$n" --idps "$idps" --seed "$seed")"
      done
      ;;
    bean)
      # IAM-CTL's bean YAML: 4-6 KB applications, 10-20 KB IdPs.
      for n in $bean_sizes; do
        bench_tenant "bean ${n} apps" \
          "$(tenant "bean-a$n-i$idps-s$seed" --format bean --apps "$n" --idps "$idps" --seed "$seed")"
      done
      ;;
    envs)
      # One bean export per environment side by side (DIR/dev, DIR/staging, DIR/prod), the same
      # names in each and JIT settings that differ between them.
      if [[ $envs =~ ^[0-9]+$ ]]; then n_envs=$envs; else n_envs=$(tr ',' '\n' <<< "$envs" | grep -c .); fi
      bench_tenant "$n_envs envs x $env_apps bean" \
        "$(tenant "envs-${envs//,/-}-a$env_apps-i$idps-s$seed" --format bean --environments "$envs" \
          --apps "$env_apps" --idps "$idps" --seed "$seed")"
      ;;
    wide)
      # One application, 60 independent ifs: 2^60 paths if the analysis enumerated them. Two IdPs
      # keep the run about the script, not about reading files.
      dir=$(tenant "wide-if$wide_ifs-s$seed" --apps 1 --idps 2 --wide-ifs "$wide_ifs" --seed "$seed")
      bench "one script, $wide_ifs ifs" "$dir"
      ;;
  esac
done

# --- report ------------------------------------------------------------------------------------
echo
echo "authlint: $authlint"
echo "machine:  $(nproc) CPUs, $(awk -F': *' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "timing:   $($have_hyperfine && echo "hyperfine $(hyperfine --version | cut -d' ' -f2)" || echo "bash loop (install hyperfine for better numbers)")," \
  "peak RSS: $([ -x "$gnu_time" ] && echo "GNU time -v" || echo "/proc VmHWM sampling (a lower bound)")"
$parse_only || echo "parse-only: not offered by this authlint (skipped)"
echo
printf '%-29s %7s %7s %6s %4s %8s   %6s %8s %8s %8s %8s  %s\n' case apps files size runs "mean ms" "sd" "median" "min ms" \
  "cpu ms" "RSS MiB" "apps with findings"
printf '%s\n' "${rows[@]}"
echo
echo "mean/sd/median/min: wall time of the timed runs. cpu ms (user + system) and RSS MiB (peak): one run under GNU time."
echo "goals: 10,000 applications (REST) in 500 ms of wall time; bean 10,000 apps + 200 IdPs and 3 envs x 3,000"
echo "bean apps (200 IdPs each): 500 ms median, 200 MB peak RSS. 'unexpected': findings in apps generated clean"
echo "(in their own environment)."
if [ ${#notes[@]} -gt 0 ]; then
  echo
  echo "average file size:"
  printf '  %s\n' "${notes[@]}"
fi
