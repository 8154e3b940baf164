#!/usr/bin/env bash
# The include order of the pipeline: a file in src/<stage>/ may include headers of its own
# stage or of an earlier one, always written from src/ ("parse/grammar.h"). The compiler
# cannot enforce this with one include root, so CI runs this check.
# Usage: tools/check_layering.sh [SRC_DIR]   (exit 1 and one line per violation)
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}
stages=(base model read parse session verdict store ingest render report cli)
declare -A rank
for i in "${!stages[@]}"; do rank[${stages[$i]}]=$i; done

status=0
for dir in "$src"/*/; do
  stage=$(basename "$dir")
  if [[ -z ${rank[$stage]+x} ]]; then
    echo "$dir: a folder that is not a pipeline stage (add it to tools/check_layering.sh and CMakeLists.txt)"
    status=1
    continue
  fi
  while IFS=: read -r file line text; do
    header=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$text")
    target=${header%%/*}
    if [[ $header != */* ]]; then
      echo "$file:$line: include \"$header\" without its stage folder"
      status=1
    elif [[ -z ${rank[$target]+x} ]]; then
      echo "$file:$line: include \"$header\" names no stage"
      status=1
    elif (( rank[$target] > rank[$stage] )); then
      echo "$file:$line: $stage/ includes a later stage's header \"$header\""
      status=1
    fi
  done < <(grep -nH -E '^#include "' "$dir"*.h "$dir"*.cc "$dir"*.in 2>/dev/null || true)
done
for file in "$src"/*.h "$src"/*.cc; do
  [[ -e $file ]] && { echo "$file: a source file outside the stage folders"; status=1; }
done
[[ $status == 0 ]] && echo "layering: every include follows the pipeline order"
exit $status
