#!/usr/bin/env bash
# The layering check passes on the real tree and fails on a tree where an earlier stage
# includes a later stage's header, or a header is named without its stage folder.
set -euo pipefail
root=$1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$root/tools/check_layering.sh" "$root/src" >/dev/null

mkdir -p "$work/src/parse" "$work/src/store"
printf '#include "store/store.h"\n' > "$work/src/parse/framer.cc"
printf '#include "parse/framer.h"\n' > "$work/src/store/store.cc"
if out=$("$root/tools/check_layering.sh" "$work/src"); then
  echo "a backward include was not reported"; exit 1
fi
grep -q 'parse/framer.cc:1: parse/ includes a later stage' <<<"$out" || { echo "wrong report: $out"; exit 1; }
grep -q 'store/store.cc' <<<"$out" && { echo "a forward include was reported: $out"; exit 1; }

printf '#include "framer.h"\n' > "$work/src/store/store.cc"
rm "$work/src/parse/framer.cc"
if out=$("$root/tools/check_layering.sh" "$work/src"); then
  echo "an include without its stage folder was not reported"; exit 1
fi
grep -q 'without its stage folder' <<<"$out"
echo "layering check: ok"
