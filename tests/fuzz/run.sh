#!/usr/bin/env bash
# Runs every fuzz target for N seconds, each from a fresh copy of its seed corpus
# (samples/ logs for the framer; debug logs, pastes and transcripts for the transcript
# parser). A crash fails.
set -euo pipefail
build=${1:-build-fuzz}; seconds=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Crashing inputs are kept beside the build, where CI keeps them, not in the scratch copy.
artifacts="$build/fuzz-artifacts"
mkdir -p "$work/framer" "$work/transcript" "$artifacts"
# Seeds are named after their whole path: most samples share a file name (mail_logs.log),
# and copying by name would keep only one of each.
seed() {  # seed DIR FILE...
  local dir=$1 f; shift
  for f in "$@"; do cp "$f" "$dir/$(realpath --relative-to="$root" "$f" | tr / _)"; done
}
seed "$work/framer" $(find "$root/samples" -type f -name '*.log' -size -64k)
seed "$work/transcript" $(find "$root/samples" "$root/tests/data" -type f \
  \( -name '*transcript*' -o -name '*.debug.log' -o -name '*.paste' \) -size -64k)
for target in fuzz_framer fuzz_transcript; do
  corpus="$work/${target#fuzz_}"
  echo "fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) seed files)"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" "$corpus" 2>&1 | tail -n 12
done
