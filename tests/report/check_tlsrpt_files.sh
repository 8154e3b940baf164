#!/usr/bin/env bash
# Every RFC 8460 file `mailtls tlsrpt` writes, plain and gzip, from the report fixture
# (three days) and from the samples ingested for real, passes tests/support/tlsrpt_check.py:
# the RFC's JSON schema, the field rules of parsedmarc's parse_smtp_tls_report_json and
# the section 5.3 file name. The checker is first shown to catch a report those rules reject.
# Usage: check_tlsrpt_files.sh MAILTLS_BINARY SOURCE_DIR
# Exit 0: passed; 1: failed; 77: python3 or sqlite3 is not installed (CTest: skipped).
set -euo pipefail
bin=$1; root=$2
command -v python3 >/dev/null && command -v sqlite3 >/dev/null || { echo "SKIPPED: python3 or sqlite3 missing"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
check() { python3 "$root/tests/support/tlsrpt_check.py" "$root/tests/data/tlsrpt_schema.json" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

# The checker itself: a report without its summary and with a string count is refused.
mkdir "$work/bad"
printf '%s' '{"organization-name":"X","date-range":{"start-datetime":"2024-03-05T00:00:00Z","end-datetime":"2024-03-05T23:59:59Z"},"contact-info":"a@b.example","report-id":"r","policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"d.example"},"failure-details":[{"result-type":"validation-failure","failed-session-count":"1"}]}]}' \
  > "$work/bad/b.example!d.example!1709596800!1709683199.json"
! check "$work/bad"/*.json >/dev/null || fail "the checker accepted a report without a summary"

cat "$root/src/store/schema.sql" "$root/src/store/schema_indexes.sql" "$root/src/store/schema_indexes_after_load.sql" \
    "$root/tests/data/reports_fixture.sql" | sqlite3 "$work/fixture.db"
"$bin" ingest --progress 0 --db "$work/samples.db" \
  "$root"/samples/scenarios/{certificate-invalid,cleartext,cleartext-fallback,starttls-masked,ehlo-misordered} \
  "$root/samples/seeds" >/dev/null 2>&1 || true
[ -s "$work/samples.db" ] || fail "the samples were not ingested"
n=0
for db in fixture samples; do
  for day in 2024-03-04 2024-03-05 2024-03-06 2019-10-10; do
    for gz in "" --gzip; do
      out="$work/out-$db-$day${gz:+-gz}"
      "$bin" tlsrpt --db "$work/$db.db" --date "$day" --organization "Corp Example" \
        --contact "mailto:tlsrpt@corp.example" --out "$out" $gz >/dev/null 2>&1 || fail "tlsrpt $db $day $gz"
      files=("$out"/*.json*)
      [ -e "${files[0]}" ] || continue
      check "${files[@]}" || fail "reports of $db $day $gz"
      n=$((n + ${#files[@]}))
    done
  done
done
[ "$n" -ge 20 ] || fail "only $n report files were checked"
helo=$(cat "$work"/out-samples-*/*.json | grep -c '"receiving-mx-helo"' || true)
[ "$helo" -ge 1 ] || fail "no report of the samples (debug logs included) gives receiving-mx-helo"
echo "PASSED: $n report files"
