#!/usr/bin/env bash
# The ingest benchmark: one generated input, measured plain, gzip and zstd, against the
# speed of grep, gzip -dc and zstd -dc on the very same bytes. See docs/performance.md.
#
# usage: bench/run.sh BUILD_DIR [SIZE]     (SIZE as mailtls-gen --bytes; default 1G)
# Builds nothing: expects BUILD_DIR/mailtls and BUILD_DIR/bench/mailtls-gen (and uses
# BUILD_DIR/bench/mailtls-store-floor when it is there).
# Environment: BENCH_SEED (default 20261101); BENCH_REPEAT=N runs each command N times and
# keeps the fastest (default 1; use 3 on a shared machine); BENCH_KEEP=1 keeps the inputs
# and databases in bench/out/ afterwards (by default only the report and logs stay).
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [SIZE]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
BUILD=$(cd "$1" && pwd) || usage
SIZE=${2:-1G}
SEED=${BENCH_SEED:-20261101}
REPEAT=${BENCH_REPEAT:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
MAILTLS=$BUILD/mailtls
GEN=$BUILD/bench/mailtls-gen
LOGS="mail.current domain_debug.current injection_debug.current"

for exe in "$MAILTLS" "$GEN"; do
  [ -x "$exe" ] || { echo "$0: $exe is missing: build it first (cmake --build $1)" >&2; exit 2; }
done
for tool in gzip zstd grep awk; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done

# --- measuring -------------------------------------------------------------------------
# timed NAME CMD...: runs CMD (stdout to $STDOUT_TO, default /dev/null; stderr to
# $OUT/NAME.err) and sets T_NAME (wall seconds, ms resolution), CPU_NAME (user + system
# seconds, n/a without GNU time), RSS_NAME (peak resident set, KB) and RC_NAME (exit
# status). GNU time reports the peak RSS of the command itself; without it,
# /proc/PID/status VmHWM is polled.
timed() {
  local name=$1; shift
  local rc=0 rss=0 cpu=n/a start end pid hwm u s
  local out=${STDOUT_TO:-/dev/null}
  start=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M %U %S' -o "$OUT/$name.time" "$@" >"$out" 2>"$OUT/$name.err" || rc=$?
    read -r rss u s < <(tail -n 1 "$OUT/$name.time")
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
  else
    "$@" >"$out" 2>"$OUT/$name.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$hwm" ] && [ "$hwm" -gt "$rss" ] && rss=$hwm
      sleep 0.05
    done
    wait "$pid" || rc=$?
  fi
  end=$(date +%s.%N)
  printf -v "T_$name" '%s' "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')"
  printf -v "CPU_$name" '%s' "$cpu"
  printf -v "RSS_$name" '%s' "$rss"
  printf -v "RC_$name" '%s' "$rc"
}

# best NAME CMD...: timed, BENCH_REPEAT times; keeps the fastest run's figures. The
# function named in $BEFORE_EACH (if any) runs before every repetition.
best() {
  local name=$1; shift
  local i bt="" bc="" br="" brc="" t c r rc
  for ((i = 0; i < REPEAT; i++)); do
    [ -z "${BEFORE_EACH:-}" ] || "$BEFORE_EACH"
    timed "$name" "$@"
    t="T_$name" c="CPU_$name" r="RSS_$name" rc="RC_$name"
    if [ -z "$bt" ] || awk -v a="${!t}" -v b="$bt" 'BEGIN {exit !(a < b)}'; then
      bt=${!t} bc=${!c} br=${!r} brc=${!rc}
    fi
  done
  printf -v "T_$name" '%s' "$bt"
  printf -v "CPU_$name" '%s' "$bc"
  printf -v "RSS_$name" '%s' "$br"
  printf -v "RC_$name" '%s' "$brc"
}

# calc EXPR: floating-point arithmetic; prints n/a when a figure is missing.
calc() { awk "BEGIN { if (\"$2\" == \"n/a\" || \"$3\" == \"n/a\") print \"n/a\"; else printf \"$1\n\", $4 }"; }
# ok_name NAME: the figures of NAME when it succeeded, n/a otherwise.
t_of() { local rc="RC_$1" t="T_$1"; [ "${!rc}" = 0 ] && echo "${!t}" || echo n/a; }
cpu_of() { local rc="RC_$1" c="CPU_$1"; [ "${!rc}" = 0 ] && echo "${!c}" || echo n/a; }
rss_mb() { local rc="RC_$1" r="RSS_$1"; [ "${!rc}" = 0 ] && calc '%.0f' "${!r}" x "${!r} / 1024" || echo n/a; }
mbps() { [ "$1" = n/a ] && echo n/a || calc '%.1f' "$1" x "$BYTES / 1e6 / ($1 > 0 ? $1 : 0.001)"; }
lps() { [ "$1" = n/a ] && echo n/a || calc '%.0f' "$1" x "$LINES / ($1 > 0 ? $1 : 0.001)"; }
verdict() {  # verdict VALUE OP LIMIT -> PASS / FAIL / n/a
  [ "$1" = n/a ] && { echo n/a; return; }
  awk -v v="$1" -v l="$3" "BEGIN { print ((v $2 l) ? \"PASS\" : \"FAIL\") }"
}

# --- input -----------------------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT/plain" "$OUT/gz" "$OUT/zst"
echo "generating $SIZE (seed $SEED) into $OUT/plain ..." >&2
STDOUT_TO=$OUT/gen.json timed gen "$GEN" --seed "$SEED" --bytes "$SIZE" --out "$OUT/plain"
[ "$RC_gen" = 0 ] || { echo "$0: mailtls-gen failed: $(cat "$OUT/gen.err")" >&2; exit 1; }
# The generator's own figure per CPU second: on a shared machine, wall time and disk
# write-back also measure the neighbours.
GEN_CPU_MBPS=$(sed -n 's/.*"mb_per_cpu_s": \([0-9.]*\).*/\1/p' "$OUT/gen.json")
BYTES=$(cd "$OUT/plain" && cat $LOGS | wc -c)
LINES=$(cd "$OUT/plain" && cat $LOGS | wc -l)

# Per-file copies: the ingest sees the same three logs whatever the packaging, and
# gzip -dc / zstd -dc decompress exactly the files the ingest reads.
echo "compressing (gzip -6, zstd -3) ..." >&2
for f in $LOGS; do
  gzip -6 -n -c "$OUT/plain/$f" >"$OUT/gz/$f.gz"
  zstd -3 -q -c "$OUT/plain/$f" >"$OUT/zst/$f.zst"
done
GZ_BYTES=$(cat "$OUT"/gz/*.gz | wc -c)
ZST_BYTES=$(cat "$OUT"/zst/*.zst | wc -c)
cat "$OUT"/plain/* "$OUT"/gz/* "$OUT"/zst/* >/dev/null  # every run starts with a warm cache

# --- runs ------------------------------------------------------------------------------
# sync: the inputs just written (1.3 GB at 1G) and the previous run's database are still
# being written back to disk; a run timed meanwhile shares the two cores with that
# writeback (seen: 12.9 s instead of 9.2-9.5 s for the same plain ingest).
fresh_db() { rm -f "$DB" "$DB-wal" "$DB-shm"; sync; }
ingest() {  # ingest NAME DIR: a fresh database each time
  DB=$OUT/bench-$1.db
  echo "mailtls ingest ($1) ..." >&2
  BEFORE_EACH=fresh_db best "ingest_$1" "$MAILTLS" ingest --db "$DB" --progress 0 "$2"
}
ingest plain "$OUT/plain"
ingest gzip "$OUT/gz"
ingest zstd "$OUT/zst"
echo "baselines ..." >&2
sync
best summary "$MAILTLS" summary --db "$OUT/bench-plain.db" --format json
# SQLite alone writing the rows the plain ingest wrote (bench/store_floor.cc): the time
# no ingest storing them can beat here. Its own figure (the writes, not the loading of
# the rows into memory before them), fastest of BENCH_REPEAT.
FLOOR_T=n/a FLOOR_CPU=n/a
if [ -x "$BUILD/bench/mailtls-store-floor" ] && [ "$RC_ingest_plain" = 0 ]; then
  echo "mailtls-store-floor ..." >&2
  for ((i = 0; i < REPEAT; i++)); do
    rm -f "$OUT/bench-floor.db"
    sync
    "$BUILD/bench/mailtls-store-floor" "$OUT/bench-plain.db" "$OUT/bench-floor.db" \
      >"$OUT/floor.out" 2>"$OUT/floor.err" || continue
    read -r t c < <(awk '$1 == "total" {print $3, $4}' "$OUT/floor.out")
    if [ "$FLOOR_T" = n/a ] || awk -v a="$t" -v b="$FLOOR_T" 'BEGIN {exit !(a < b)}'; then
      FLOOR_T=$t FLOOR_CPU=$c
    fi
  done
fi
# Not to /dev/null: GNU grep then stops at the first match, as if given -q.
STDOUT_TO=$OUT/grep.out best grep env LC_ALL=C grep -c TLS "$OUT"/plain/mail.current \
  "$OUT"/plain/domain_debug.current "$OUT"/plain/injection_debug.current
# grep -c exits 1 when a file has no match; that is not a failure here.
[ "$RC_grep" = 1 ] && RC_grep=0
best gunzip gzip -dc "$OUT"/gz/mail.current.gz "$OUT"/gz/domain_debug.current.gz \
  "$OUT"/gz/injection_debug.current.gz
best unzstd zstd -dc "$OUT"/zst/mail.current.zst "$OUT"/zst/domain_debug.current.zst \
  "$OUT"/zst/injection_debug.current.zst

# --- report ----------------------------------------------------------------------------
P=$(t_of ingest_plain); G=$(t_of ingest_gzip); Z=$(t_of ingest_zstd)
GREP=$(t_of grep); GUN=$(t_of gunzip); UNZ=$(t_of unzstd); SUM=$(t_of summary)
RATIO_GZ=$(calc '%.2f' "$G" "$GUN" "$G / $GUN")
RATIO_ZST=$(calc '%.2f' "$Z" "$UNZ" "$Z / $UNZ")
RATIO_GREP=$(calc '%.2f' "$P" "$GREP" "$GREP / $P")
RATIO_FLOOR=$(calc '%.2f' "$FLOOR_T" "$GUN" "$FLOOR_T / $GUN")
MAX_RSS=n/a
for n in ingest_plain ingest_gzip ingest_zstd; do
  r=$(rss_mb $n)
  [ "$r" = n/a ] && continue
  { [ "$MAX_RSS" = n/a ] || [ "$r" -gt "$MAX_RSS" ]; } && MAX_RSS=$r
done
mb() { calc '%.1f' "$1" x "$1 / 1e6"; }
fail_note() {
  local rc="RC_$1"
  [ "${!rc}" = 0 ] || echo " (exit ${!rc}: $(head -c 120 "$OUT/$1.err" | tr '\n' ' '))"
}

cat <<EOF

## Results ($(date -u +%Y-%m-%d), commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown))

Input: \`mailtls-gen --seed $SEED --bytes $SIZE\`: $(mb "$BYTES") MB, $LINES lines in 3 files;
gzip -6: $(mb "$GZ_BYTES") MB; zstd -3: $(mb "$ZST_BYTES") MB. MB = 10^6 bytes of uncompressed log.

| Run | Input | Seconds | CPU s | MB/s | Lines/s | Peak RSS (MB) | Target | Status |
|---|---|---:|---:|---:|---:|---:|---|---|
| \`mailtls ingest\` | plain | $P | $(cpu_of ingest_plain) | $(mbps "$P") | $(lps "$P") | $(rss_mb ingest_plain) | ≥ 100 MB/s, ≤ 256 MB | $(verdict "$(mbps "$P")" '>=' 100) |
| \`mailtls ingest\` | gzip -6 | $G | $(cpu_of ingest_gzip) | $(mbps "$G") | $(lps "$G") | $(rss_mb ingest_gzip) | ≤ 1.5 × \`gzip -dc\` | $(verdict "$RATIO_GZ" '<=' 1.5) |
| \`mailtls ingest\` | zstd -3 | $Z | $(cpu_of ingest_zstd) | $(mbps "$Z") | $(lps "$Z") | $(rss_mb ingest_zstd) | ≤ 256 MB | $(verdict "$(rss_mb ingest_zstd)" '<=' 256) |
| \`mailtls summary --format json\` | database | $SUM | $(cpu_of summary) | | | $(rss_mb summary) | | |
| \`mailtls-store-floor\`: SQLite alone writes the plain ingest's rows | database | $FLOOR_T | $FLOOR_CPU | $(mbps "$FLOOR_T") | | | | |
| \`LC_ALL=C grep -c TLS\` | plain | $GREP | $(cpu_of grep) | $(mbps "$GREP") | $(lps "$GREP") | $(rss_mb grep) | | |
| \`gzip -dc > /dev/null\` | gzip -6 | $GUN | $(cpu_of gunzip) | $(mbps "$GUN") | $(lps "$GUN") | $(rss_mb gunzip) | | |
| \`zstd -dc > /dev/null\` | zstd -3 | $UNZ | $(cpu_of unzstd) | $(mbps "$UNZ") | $(lps "$UNZ") | $(rss_mb unzstd) | | |
| \`mailtls-gen\` (writes the input to disk) | — | $(t_of gen) | $(cpu_of gen) | $(mbps "$(t_of gen)") | $(lps "$(t_of gen)") | $(rss_mb gen) | | |
| \`mailtls-gen\` per CPU second | — | | | ${GEN_CPU_MBPS:-n/a} | | | ≥ 200 MB/s | $(verdict "${GEN_CPU_MBPS:-n/a}" '>=' 200) |

| Ratio | Value | Target | Status |
|---|---:|---|---|
| ingest gzip time / \`gzip -dc\` time | $RATIO_GZ | ≤ 1.5 | $(verdict "$RATIO_GZ" '<=' 1.5) |
| SQLite alone (\`mailtls-store-floor\`) / \`gzip -dc\` time: the lowest gzip ratio an ingest storing these rows can reach here | $RATIO_FLOOR | | |
| ingest zstd time / \`zstd -dc\` time | $RATIO_ZST | | |
| ingest plain MB/s / \`grep -c\` MB/s | $RATIO_GREP | | |
| peak RSS of the three ingests (MB) | $MAX_RSS | ≤ 256 | $(verdict "$MAX_RSS" '<=' 256) |
EOF
for n in ingest_plain ingest_gzip ingest_zstd summary; do
  note=$(fail_note $n)
  [ -z "$note" ] || echo "- $n failed$note"
done

cat <<EOF

Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)),
$(awk '/^MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr),
load average at the end $(cut -d' ' -f1-3 /proc/loadavg). Timings: fastest of $REPEAT run(s), warm page
cache; Seconds is wall-clock time, CPU s is user + system time.
EOF

if [ "${BENCH_KEEP:-0}" != 1 ]; then
  rm -rf "$OUT/plain" "$OUT/gz" "$OUT/zst" "$OUT"/bench-*.db*
fi
