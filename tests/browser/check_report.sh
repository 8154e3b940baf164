#!/usr/bin/env bash
# Renders the HTML report of tests/data/reports_fixture.sql in headless Chromium and
# checks the DOM Chromium built (the domain table rows, the chart's bars, no script),
# then takes a screenshot. Usage: check_report.sh MAILTLS_BINARY SOURCE_DIR [OUT_DIR]
# Exit 0: passed; 1: failed; 77: Chromium or sqlite3 is not installed (CTest: skipped).
set -euo pipefail
bin=$1; root=$2; out=${3:-$(mktemp -d)}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ] || ! command -v sqlite3 >/dev/null; then
  echo "SKIPPED: chromium (or sqlite3) not installed"; exit 77
fi
work=$(mktemp -d); profile=$(mktemp -d)
trap 'rm -rf "$work" "$profile"' EXIT
cat "$root/src/store/schema.sql" "$root/src/store/schema_indexes.sql" "$root/src/store/schema_indexes_after_load.sql" "$root/tests/data/reports_fixture.sql" | sqlite3 "$work/store.db"
MAILTLS_DATA_DIR="$root" "$bin" report --db "$work/store.db" --html "$work/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile")
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2>"$work/chromium.log"
fail() { echo "FAIL: $*"; exit 1; }
rows=$(grep -o '<tr><td>' "$work/dom.html" | wc -l)
[ "$rows" -eq 15 ] || fail "expected 15 table rows in the DOM, found $rows"
grep -q '<table id="domain-table">' "$work/dom.html" || fail "no domain table"
[ "$(grep -o '<svg' "$work/dom.html" | wc -l)" -eq 1 ] || fail "no chart svg"
[ "$(grep -o '<rect' "$work/dom.html" | wc -l)" -ge 9 ] || fail "the chart has too few bars"
! grep -q '<script' "$work/dom.html" || fail "a script element in the DOM"
timeout 120 "$browser" "${flags[@]}" --screenshot="$out/report.png" --window-size=1280,1600 \
  "file://$work/report.html" >>"$work/chromium.log" 2>&1
[ -s "$out/report.png" ] || fail "no screenshot"
echo "PASSED: DOM checked; screenshot $out/report.png"
