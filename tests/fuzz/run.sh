#!/usr/bin/env bash
# Runs every fuzz target for N seconds, each from a fresh copy of its seed corpus
# (samples/ for the framer, transcripts for the transcript parser). A crash fails.
set -euo pipefail
build=${1:-build-fuzz}; seconds=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/framer" "$work/transcript"
find "$root/samples" -type f -name '*.log' -size -64k -exec cp -t "$work/framer" {} + 2>/dev/null || true
find "$root/samples" "$root/tests/data" -type f \( -name '*transcript*' -o -name '*.debug.log' \) -size -64k \
  -exec cp -t "$work/transcript" {} + 2>/dev/null || true
for target in fuzz_framer fuzz_transcript; do
  corpus="$work/${target#fuzz_}"
  echo "fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) seed files)"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$work/" "$corpus" 2>&1 | tail -n 12
done
