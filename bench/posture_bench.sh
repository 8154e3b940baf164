#!/bin/sh
# Times `mailtls posture` (and what reads it: `notice`, summary's downgrade pointer, the
# report) on 1,000,000 synthetic connections (tests/perf/make_million.sql: 2,000 domains,
# 30 days, every outcome), wall clock and CPU, fastest of BENCH_REPEAT runs (3).
# Usage: bench/posture_bench.sh BUILD_DIR   (BENCH_DB=path reuses/keeps that database)
set -eu
build=${1:?usage: bench/posture_bench.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mailtls=$(cd "$build" && pwd)/mailtls
repeat=${BENCH_REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=${BENCH_DB:-$work/million.db}
if [ ! -s "$db" ]; then
  echo "building $db (about 30 s)" >&2
  cat "$root/src/store/schema.sql" "$root/tests/perf/make_million.sql" "$root/src/store/schema_indexes.sql" "$root/src/store/schema_indexes_after_load.sql" | sqlite3 "$db"
fi
cat "$db" > /dev/null  # a warm page cache for every run

# time_it LABEL CMD...: the fastest wall time of $repeat runs, with that run's CPU time.
# `notice` exits 1 when there is nothing to report, so exit statuses are not checked.
time_it() {
  label=$1; shift
  best=""
  i=0
  while [ "$i" -lt "$repeat" ]; do
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" > "$work/out" 2>/dev/null || true
    line=$(tail -1 "$work/t")
    wall=${line%% *}
    if [ -z "$best" ] || [ "$(echo "$wall < ${best%% *}" | bc)" = 1 ]; then best=$line; fi
    i=$((i + 1))
  done
  set -- $best
  printf '| `%s` | %s | %.2f |\n' "$label" "$1" "$(echo "$2 + $3" | bc)"
}

echo "| Command (on $(basename "$db")) | Wall s | CPU s |"
echo "|---|---:|---:|"
for args in "--format json" "--format csv" "--format table --width 160" "--since 2024-03-21 --format json" \
            "--direction inbound --format json"; do
  # shellcheck disable=SC2086 # the flags are words
  time_it "posture $args" "$mailtls" posture --db "$db" $args
done
time_it "notice --domain d7.example" "$mailtls" notice --db "$db" --domain d7.example
time_it "summary --format table --width 120" "$mailtls" summary --db "$db" --format table --width 120
time_it "summary --format json" "$mailtls" summary --db "$db" --format json
time_it "report --html" "$mailtls" report --db "$db" --html "$work/report.html"
echo
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
