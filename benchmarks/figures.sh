#!/usr/bin/env bash
# Produces the fault-tolerance (and, when the queries are on the class path, Nexmark) figures of
# benchmarks/README.md: every run is one JSON line appended to $OUT (default benchmarks/target/figures.jsonl).
# Pairs that are compared run interleaved, REPS times, in one session; summarise with figures-summary.py.
# Build first: mvn -B -q -pl benchmarks -am package -DskipTests
# Usage: benchmarks/figures.sh [throughput|breakdown|stall|restore|replay|dd|nexmark|all]...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run="$here/run-harness.sh"
OUT=${OUT:-$here/target/figures.jsonl}
REPS=${REPS:-5}
EVENTS=${EVENTS:-20000000}          # keyed aggregate, K = 1M
BIG_KEYS=${BIG_KEYS:-8000000}       # ~1 GB of arena pages
BIG_EVENTS=${BIG_EVENTS:-40000000}
NEXMARK_EVENTS=${NEXMARK_EVENTS:-5000000}
NEXMARK_REPS=${NEXMARK_REPS:-2}
mkdir -p "$(dirname "$OUT")"
# a private copy of the jar: a rebuild during the session must not change (or break) the runs
HARNESS_JAR=$(mktemp --suffix=.jar)
cp "$here/target/benchmarks.jar" "$HARNESS_JAR"
export HARNESS_JAR
trap 'rm -f "$HARNESS_JAR"' EXIT

emit() { # label, harness args...
  local label=$1; shift
  local line
  line=$("$run" "$@" 2>/dev/null | tail -n 1)
  if [[ "$line" != \{* ]]; then line="{\"ok\":false,\"args\":\"$*\"}"; fi
  printf '{"figure":"%s",%s\n' "$label" "${line#\{}" >> "$OUT"
  echo "$label: ${line:0:160}..." >&2
}

throughput() {
  for i in $(seq "$REPS"); do
    emit throughput --query keyed-aggregate --keys 1000000 --events "$EVENTS" --warmup-events 2000000 --model none
    emit throughput --query keyed-aggregate --keys 1000000 --events "$EVENTS" --warmup-events 2000000 \
      --model exactly_once --interval 1
  done
}

breakdown() { # where exactly_once's cost comes from: journal alone, checkpoints alone, both
  for i in $(seq 3); do
    for args in "--model none" "--model exactly_once --interval 0" "--model at_least_once --interval 1" \
        "--model exactly_once --interval 1"; do
      # shellcheck disable=SC2086
      emit breakdown --query keyed-aggregate --keys 1000000 --events "$EVENTS" --warmup-events 2000000 $args
    done
  done
}

stall() {
  for i in $(seq 3); do
    emit stall --query keyed-aggregate --keys "$BIG_KEYS" --events "$BIG_EVENTS" --arena-mib 1024 \
      --model exactly_once --interval 1
  done
}

restore() { # one full-state checkpoint after end of input (circuit idle): write bandwidth and restore
  for i in $(seq 3); do
    emit restore --query keyed-aggregate --keys "$BIG_KEYS" --events $((BIG_KEYS * 2)) --arena-mib 1024 \
      --model exactly_once --interval 0 --final-checkpoint --then restore
  done
}

replay() {
  for i in $(seq 3); do
    emit replay --query keyed-aggregate --keys 1000000 --events "$EVENTS" --warmup-events 2000000 \
      --model exactly_once --interval 0 --then replay
  done
}

dd_bandwidth() { # same filesystem as the harness's temp storage
  local dir; dir=$(mktemp -d)
  for i in $(seq 3); do
    local s; s=$(dd if=/dev/zero of="$dir/dd.bin" bs=1M count=1024 oflag=direct 2>&1 | tail -n 1)
    printf '{"figure":"dd","dir":"%s","result":"%s"}\n' "$dir" "$s" >> "$OUT"
    echo "dd: $s" >&2
    rm -f "$dir/dd.bin"
  done
  rmdir "$dir"
}

nexmark() {
  for q in 0 1 2 3 4 5 6 7 8; do
    for i in $(seq "$NEXMARK_REPS"); do
      emit nexmark --query "nexmark-q$q" --events "$NEXMARK_EVENTS" --warmup-events 500000 --model none
      emit nexmark --query "nexmark-q$q" --events "$NEXMARK_EVENTS" --warmup-events 500000 \
        --model exactly_once --interval 1
    done
  done
}

[[ $# -eq 0 ]] && set -- all
for what in "$@"; do
  case "$what" in
    throughput) throughput ;;
    breakdown) breakdown ;;
    stall) stall ;;
    restore) restore ;;
    replay) replay ;;
    dd) dd_bandwidth ;;
    nexmark) nexmark ;;
    all) throughput; stall; restore; dd_bandwidth; replay ;;
    *) echo "unknown figure $what" >&2; exit 2 ;;
  esac
done
