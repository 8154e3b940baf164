#!/usr/bin/env bash
# Runs every fuzz target for N seconds, each from a fresh copy of its seed corpus
# (samples/ logs for the framer; debug logs, pastes and transcripts for the transcript
# parser, with tests/data/pastes/: real swaks, posttls-finger, openssl, telnet/nc, curl,
# Exchange and Postfix output; compressed logs and tars made here for the reader and the tar reader). A crash
# fails.
set -euo pipefail
build=${1:-build-fuzz}; seconds=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Crashing inputs are kept beside the build, where CI keeps them, not in the scratch copy.
artifacts="$build/fuzz-artifacts"
mkdir -p "$work/framer" "$work/transcript" "$work/reader" "$work/tar" "$work/logs" "$artifacts"
# Seeds are named after their whole path: most samples share a file name (mail_logs.log),
# and copying by name would keep only one of each.
seed() {  # seed DIR FILE...
  local dir=$1 f; shift
  for f in "$@"; do cp "$f" "$dir/$(realpath --relative-to="$root" "$f" | tr / _)"; done
}
seed "$work/framer" $(find "$root/samples" -type f -name '*.log' -size -64k)
seed "$work/transcript" $(find "$root/samples" "$root/tests/data" -type f \
  \( -name '*transcript*' -o -name '*.debug.log' -o -name '*.paste' \) -size -64k)
# The reader and tar targets start from real archives made here by the real tools: a few
# small sample logs compressed each way, and tars of them (ustar, GNU long names, pax).
logs=$(find "$root/samples/scenarios" -type f -name 'mail_logs.log' -size -8k | sort | head -n 4)
i=0
for f in $logs; do
  i=$((i + 1)); cp "$f" "$work/logs/log$i"
  for tool in gzip bzip2 xz zstd; do "$tool" -q -c "$f" > "$work/reader/log$i.$tool"; done
done
long="$work/logs/a-member-name-longer-than-one-hundred-bytes-so-that-gnu-tar-writes-a-long-name-header-before-it.log"
cp "$work/logs/log1" "$long"
( cd "$work/logs"
  tar --format=gnu -cf "$work/tar/gnu.tar" log1 log2 "$(basename "$long")"
  tar --format=pax -cf "$work/tar/pax.tar" log1 "$(basename "$long")"
  tar --format=ustar -cf "$work/tar/ustar.tar" log2 log3 )
for t in "$work"/tar/*.tar; do
  cp "$t" "$work/reader/"
  # fuzz_tar reads its first byte as the chunk size, the tar after it.
  { printf '\007'; cat "$t"; } > "$t.seed" && mv "$t.seed" "$t"
  gzip -c "$t" > "$work/reader/$(basename "$t").gz"
  zstd -q -c "$t" > "$work/reader/$(basename "$t").zst"
done
# Files of several units (xz blocks and streams with padding and another check, bzip2
# blocks, gzip members, zstd frames), whole and with a bit flipped in the middle, so the
# walkers that locate damage (src/read/reader_blocks.h) start from every structure they
# follow; and compressed tars whose second header is damaged.
cat "$work/logs/log1" "$work/logs/log2" > "$work/logs/both"
( cd "$work/logs"
  xz -q -c --block-size=2KiB both > "$work/reader/blocks.xz"
  { xz -q -c log1; printf '\0\0\0\0'; xz -q -c --check=sha256 log2; } > "$work/reader/streams.xz"
  bzip2 -q -c -1 both > "$work/reader/both.bz2"
  { gzip -c log1; gzip -c log2; } > "$work/reader/members.gz"
  { zstd -q -c log1; zstd -q -c log2; } > "$work/reader/frames.zst" )
flip() {  # flip FILE OUT: OUT is FILE with bit 4 of its middle byte flipped
  local size off byte
  size=$(stat -c %s "$1"); off=$((size / 2))
  byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
  cp "$1" "$2"
  printf "$(printf '\\%03o' $((byte ^ 16)))" | dd of="$2" bs=1 seek="$off" conv=notrunc status=none
}
for f in blocks.xz streams.xz both.bz2 members.gz frames.zst; do flip "$work/reader/$f" "$work/reader/flipped-$f"; done
( cd "$work/logs" && tar --format=ustar -cf "$work/damaged.tar" log1 log2 log3 )
second=$(( 512 + ($(stat -c %s "$work/logs/log1") + 511) / 512 * 512 ))
printf 'X' | dd of="$work/damaged.tar" bs=1 seek=$((second + 130)) conv=notrunc status=none
for tool in xz bzip2; do "$tool" -q -c "$work/damaged.tar" > "$work/reader/damaged.tar.$tool"; done
for target in fuzz_framer fuzz_transcript fuzz_reader fuzz_tar; do
  corpus="$work/${target#fuzz_}"
  echo "fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) seed files)"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" "$corpus" 2>&1 | tail -n 12
done
