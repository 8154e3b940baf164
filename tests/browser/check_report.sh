#!/usr/bin/env bash
# Renders the HTML report of tests/data/reports_fixture.sql in headless Chromium and
# checks the DOM Chromium built (the domain table rows, the chart's bars, no script),
# measures the page's document.scrollWidth in a 400 px wide frame (a phone: nothing may
# overflow sideways; wide tables scroll inside their own box), and takes screenshots at
# 400 and 1400 px. Usage: check_report.sh MAILTLS_BINARY SOURCE_DIR [OUT_DIR]
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
grep -q '<meta name="viewport" content="width=device-width' "$work/report.html" || fail "no viewport setting"
# The report forbids scripts (its CSP); the measuring script runs in a page that frames it
# at 400 px, reading the framed document (same origin with --allow-file-access-from-files).
cat > "$work/measure.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="report.html" style="width:400px;height:900px;border:0"></iframe>
<script>document.getElementById("f").addEventListener("load", function () {
  var d = document.getElementById("f").contentDocument.documentElement;
  document.body.setAttribute("data-scroll-width", String(d.scrollWidth));
});</script></body></html>
HTML
timeout 120 "$browser" "${flags[@]}" --allow-file-access-from-files --window-size=1000,1000 --dump-dom \
  "file://$work/measure.html" > "$work/measure.dom" 2>>"$work/chromium.log"
width=$(grep -o 'data-scroll-width="[0-9]*"' "$work/measure.dom" | grep -o '[0-9]*' || true)
[ -n "$width" ] || fail "the page's width at 400 px could not be measured"
[ "$width" -le 400 ] || fail "the page is $width px wide in a 400 px window: it overflows sideways on a phone"
for size in 400,2400 1400,1600; do
  png="$out/report-${size%%,*}px.png"
  timeout 120 "$browser" "${flags[@]}" --screenshot="$png" --window-size=$size \
    "file://$work/report.html" >>"$work/chromium.log" 2>&1
  [ -s "$png" ] || fail "no screenshot at ${size%%,*} px"
  shot=$(python3 -c 'import struct,sys; print(struct.unpack(">I", open(sys.argv[1], "rb").read()[16:20])[0])' "$png" 2>/dev/null || echo "${size%%,*}")
  [ "$shot" = "${size%%,*}" ] || fail "the screenshot at ${size%%,*} px is $shot px wide"
done
echo "PASSED: DOM checked; scrollWidth $width px at 400 px; screenshots $out/report-400px.png, $out/report-1400px.png"
