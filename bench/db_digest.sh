#!/bin/sh
# Prints one md5 per table of a mailtls database, so two ingests of the same logs can be
# compared after a change meant to be invisible (a speed-up): same digests, same data.
#   bench/db_digest.sh DB            ids included (the same reading order gives the same ids)
#   bench/db_digest.sh --content DB  ids replaced by natural keys (connection: appliance,
#                                    direction, conn_id, started_at; message: appliance, mid),
#                                    for changes that reorder how rows are written
# sources.ingested_at (the clock) is left out of both.
set -eu
mode=exact
if [ "${1:-}" = "--content" ]; then mode=content; shift; fi
db=${1:?usage: db_digest.sh [--content] DB}
q() { printf '%-14s %s\n' "$1" "$(sqlite3 -batch "$db" "$2" | md5sum | cut -c1-32)"; }
q sources "SELECT path, fingerprint, fp_len, bytes, lines, lines_parsed, lines_unparsed, appliance, locale, locale_confidence, packaging, utc_offset FROM sources ORDER BY path"
q unparsed "SELECT s.path, u.line_no, u.text FROM unparsed u JOIN sources s ON s.id = u.source_id ORDER BY 1, 2"
if [ $mode = exact ]; then
  for t in connections log_events transcript messages recipients deliveries findings ehlo_keywords; do
    q $t "SELECT * FROM $t ORDER BY 1, 2, 3"
  done
  exit 0
fi
ck="c.appliance || '/' || c.direction || '/' || c.conn_id || '/' || ifnull(c.started_at, '-')"
mk="m.appliance || '/' || m.mid"
q connections "SELECT $ck, c.ended_at, c.peer_ip, c.peer_host, c.domain, c.tls_outcome, c.tls_protocol, c.tls_cipher, c.tls_detail, c.confidence, c.has_open, c.has_close, c.last_seen, c.messages, c.fallback_messages, c.local_ip FROM connections c ORDER BY 1"
q log_events "SELECT $ck, x.seq, x.kind, x.time, x.detail, s.path, x.line_no, x.line FROM log_events x JOIN connections c ON c.id = x.connection_id LEFT JOIN sources s ON s.id = x.source_id ORDER BY 1, 2"
q transcript "SELECT $ck, x.seq, x.sender, x.line, x.time, s.path, x.line_no FROM transcript x JOIN connections c ON c.id = x.connection_id LEFT JOIN sources s ON s.id = x.source_id ORDER BY 1, 2"
q findings "SELECT $ck, x.code, x.detail FROM findings x JOIN connections c ON c.id = x.connection_id ORDER BY 1, 2, 3"
q ehlo_keywords "SELECT $ck, x.phase, x.keyword, x.params FROM ehlo_keywords x JOIN connections c ON c.id = x.connection_id ORDER BY 1, 2, 3, 4"
q messages "SELECT $mk, m.icid, m.mail_from, m.subject, m.message_id, m.bytes FROM messages m ORDER BY 1"
q recipients "SELECT $mk, r.rid, r.address FROM recipients r JOIN messages m ON m.id = r.message_id ORDER BY 1, 2, 3"
q deliveries "SELECT $ck, $mk, d.rid, d.result, d.response, d.mid FROM deliveries d JOIN connections c ON c.id = d.connection_id JOIN messages m ON m.id = d.message_id ORDER BY 1, 2, 3, 4, 5"
