#!/usr/bin/env bash
# Runs one golden test: tests/golden/<name>/cmd is a shell fragment run in a scratch
# directory with $MAILTLS (the binary), $SAMPLES and $ROOT set; its stdout must equal
# tests/golden/<name>/expected (after `sed` normalisation of the scratch and checkout paths).
set -euo pipefail
bin=$1; dir=$2; root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MAILTLS="$bin" SAMPLES="$root/samples" ROOT="$root" MAILTLS_DATA_DIR="$root"
cd "$work"
actual=$(bash "$dir/cmd" 2>"$work/stderr" | sed -e "s#$work#WORK#g" -e "s#$root#ROOT#g") || { cat "$work/stderr" >&2; exit 1; }
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then printf '%s\n' "$actual" > "$dir/expected"; exit 0; fi
if ! diff -u "$dir/expected" <(printf '%s\n' "$actual"); then
  echo "golden output differs for $(basename "$dir") (stderr follows)" >&2
  cat "$work/stderr" >&2
  exit 1
fi
