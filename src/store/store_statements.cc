// The store's prepared statements and the bookkeeping of a run (see store_statements.h).
#include "store/store_statements.h"

#include <sqlite3.h>

#include <algorithm>

#include "store/schema_sql.h"

namespace mailtls {

Store::Statements::Statements(sql::Db d, RunState& run_state)
    : db(std::move(d)),
      run(run_state),
      connections(db.get(), "connections",
                  {"id", "appliance", "direction", "conn_id", "started_at", "ended_at", "peer_ip",
                   "peer_host", "domain", "tls_outcome", "tls_protocol", "tls_cipher",
                   "tls_detail", "confidence", "has_open", "has_close", "last_seen", "messages",
                   "fallback_messages", "local_ip"}),
      messages(db.get(), "messages",
               {"id", "appliance", "mid", "icid", "mail_from", "subject", "message_id", "bytes"}),
      log_events(db.get(), "log_events",
                 {"connection_id", "seq", "kind", "time", "detail", "source_id", "line_no",
                  "line"}),
      transcript(db.get(), "transcript",
                 {"connection_id", "seq", "sender", "line", "time", "source_id", "line_no"}),
      deliveries(db.get(), "deliveries",
                 {"connection_id", "seq", "message_id", "rid", "result", "response", "mid"}),
      findings(db.get(), "findings", {"connection_id", "seq", "code", "detail"}),
      ehlo_keywords(db.get(), "ehlo_keywords",
                    {"connection_id", "seq", "phase", "keyword", "params"}),
      recipients(db.get(), "recipients", {"message_id", "rid", "address"}),
      unparsed(db.get(), "unparsed", {"source_id", "line_no", "text"}) {
  for (sql::BatchInsert* b : {&connections, &messages, &log_events, &transcript, &deliveries,
                              &findings, &ehlo_keywords, &recipients, &unparsed})
    b->halt_on(&run.failed);
  sqlite3* h = db.get();
  insert_source = sql::Stmt(
      h,
      "INSERT INTO sources (path, fingerprint, fp_len, bytes, lines, lines_parsed,"
      " lines_unparsed, appliance, locale, locale_confidence, packaging, ingested_at,"
      " utc_offset) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
  update_source = sql::Stmt(
      h,
      "UPDATE sources SET path=?1, fingerprint=?2, fp_len=?3, bytes=?4, lines=?5,"
      " lines_parsed=?6, lines_unparsed=?7, appliance=?8, locale=?9, locale_confidence=?10,"
      " packaging=?11, ingested_at=?12, utc_offset=?13 WHERE id=?14");
  for (size_t i = 0; i < kChildCount; ++i)
    delete_children_stmt[i] =
        sql::Stmt(h, std::string("DELETE FROM ") + kChildTables[i] + " WHERE connection_id=?1");
  delete_recipients = sql::Stmt(h, "DELETE FROM recipients WHERE message_id=?1");
  delete_connection_row = sql::Stmt(h, "DELETE FROM connections WHERE id=?1");
  delete_message_row = sql::Stmt(h, "DELETE FROM messages WHERE id=?1");
  move_deliveries = sql::Stmt(h, "UPDATE deliveries SET message_id=?1 WHERE message_id=?2");
  // After move_deliveries two deliveries of one connection may name the same message:
  // its distinct count is taken again from the rows (the same rule as message_count()).
  const std::string kDelivered =
      "'" + std::string(delivery_result_name(DeliveryResult::delivered)) + "'";
  recount_messages = sql::Stmt(
      h,
      "UPDATE connections SET messages = (SELECT count(DISTINCT d.message_id) FROM deliveries d"
      " WHERE d.connection_id = connections.id AND d.result = " + kDelivered + "),"
      " fallback_messages = CASE WHEN fallback_messages > 0 THEN (SELECT count(DISTINCT"
      " d.message_id) FROM deliveries d WHERE d.connection_id = connections.id AND"
      " d.result = " + kDelivered + ") ELSE 0 END"
      " WHERE direction = 'outbound' AND id IN (SELECT connection_id FROM deliveries"
      " WHERE message_id = ?1)");

  get_connection = sql::Stmt(
      h, std::string("SELECT ") + kConnectionColumns + " FROM connections WHERE id=?1");
  get_log = sql::Stmt(h, std::string("SELECT ") + kLogColumns +
                             " FROM log_events WHERE connection_id=?1 ORDER BY seq");
  get_transcript = sql::Stmt(h, std::string("SELECT ") + kTranscriptColumns +
                                    " FROM transcript WHERE connection_id=?1 ORDER BY seq");
  get_deliveries = sql::Stmt(h, std::string("SELECT ") + kDeliveryColumns +
                                    " FROM deliveries WHERE connection_id=?1 ORDER BY seq");
  get_message = sql::Stmt(h,
                          "SELECT appliance, mid, icid, mail_from, subject, message_id, bytes"
                          " FROM messages WHERE id=?1");
  get_recipients = sql::Stmt(
      h, "SELECT rid, address FROM recipients WHERE message_id=?1 ORDER BY rowid");
  const char* source_columns =
      "SELECT id, path, fingerprint, fp_len, bytes, lines, lines_parsed, lines_unparsed,"
      " appliance, locale, locale_confidence, packaging, ingested_at, utc_offset FROM sources ";
  get_source = sql::Stmt(h, std::string(source_columns) + "WHERE id=?1");
  source_by_fingerprint = sql::Stmt(
      h, std::string(source_columns) + "WHERE fingerprint=?1 AND fp_len=?2 ORDER BY id DESC");
  source_lengths = sql::Stmt(
      h, "SELECT DISTINCT fp_len FROM sources WHERE fp_len<=?1 ORDER BY fp_len DESC");
  connections_by_key = sql::Stmt(
      h, "SELECT id FROM connections WHERE appliance=?1 AND direction=?2 AND conn_id=?3"
         " ORDER BY id");
  // Any appliance: the few distinct appliances are enumerated by seeking through the
  // key index (a loose index scan), so the lookup stays indexed instead of a full scan.
  connections_by_key_any = sql::Stmt(
      h,
      "WITH RECURSIVE a(v) AS (SELECT min(appliance) FROM connections UNION ALL"
      " SELECT (SELECT min(appliance) FROM connections WHERE appliance > v) FROM a"
      " WHERE v IS NOT NULL)"
      " SELECT id FROM connections WHERE appliance IN (SELECT v FROM a WHERE v IS NOT NULL)"
      " AND direction=?1 AND conn_id=?2 ORDER BY id");
  // Every piece of every key that has a fragment, grouped by key: one indexed pass
  // instead of one lookup per key.
  fragment_pieces = sql::Stmt(
      h,
      "SELECT c.id, c.appliance, c.direction, c.conn_id FROM"
      " (SELECT DISTINCT appliance, direction, conn_id FROM connections WHERE has_open=0) k"
      " JOIN connections c ON c.appliance=k.appliance AND c.direction=k.direction"
      " AND c.conn_id=k.conn_id ORDER BY c.appliance, c.direction, c.conn_id, c.id");
  duplicate_message_keys = sql::Stmt(
      h, "SELECT appliance, mid FROM messages GROUP BY appliance, mid HAVING count(*)>1");
  messages_by_key =
      sql::Stmt(h, "SELECT id FROM messages WHERE appliance=?1 AND mid=?2 ORDER BY id");
}

std::string Store::Statements::prepare_error() const {
  for (const sql::BatchInsert* b : {&connections, &messages, &log_events, &transcript,
                                    &deliveries, &findings, &ehlo_keywords, &recipients,
                                    &unparsed})
    if (!b->ok()) return b->error();
  for (const sql::Stmt* s :
       {&insert_source, &update_source,
        &delete_recipients, &delete_connection_row, &delete_message_row, &move_deliveries,
        &recount_messages,
        &get_connection, &get_log, &get_transcript, &get_deliveries, &get_message,
        &get_recipients, &get_source, &source_lengths, &source_by_fingerprint,
        &connections_by_key, &connections_by_key_any, &fragment_pieces,
        &duplicate_message_keys, &messages_by_key})
    if (!s->ok()) return s->error();
  for (const auto& s : delete_children_stmt)
    if (!s.ok()) return s.error();
  return {};
}

void Store::RunState::report(const std::string& message) {
  failed = true;
  if (reported) return;  // later failures usually follow from the first
  reported = true;
  failure_seen.store(true, std::memory_order_relaxed);
  diag->error(path, -1, "writing the database failed: '" + message + "'" +
                            "; nothing of this run will be kept");
}

void Store::Statements::execute(sql::Stmt& s) {
  if (run.failed) return;  // nothing is written after a failure
  if (s.run() != SQLITE_OK) run.report(s.error());
}

void Store::Statements::check_batches() {
  for (sql::BatchInsert* b : {&connections, &messages, &log_events, &transcript,
                              &deliveries, &findings, &ehlo_keywords, &recipients, &unparsed})
    if (b->rc() != SQLITE_OK) run.report(b->error());
}

void Store::Statements::flush_all() {
  for (sql::BatchInsert* b : {&connections, &messages, &log_events, &transcript,
                              &deliveries, &findings, &ehlo_keywords, &recipients, &unparsed})
    b->flush();
  check_batches();
}

bool Store::RunState::written_before(int64_t id, int64_t base, std::vector<bool>& written) {
  if (id < base) return true;
  size_t i = static_cast<size_t>(id - base);
  if (i >= written.size()) written.resize(std::max(i + 1, written.size() * 2));
  bool before = written[i];
  written[i] = true;
  return before;
}

void Store::RunState::note_message_key(std::string_view appliance, int64_t mid) {
  if (too_many_candidates) return;
  if (message_filter.empty()) message_filter.assign(kMessageFilterBits / 64, 0);
  uint64_t h = 14695981039346656037ull;  // FNV-1a over the appliance, then the MID mixed in
  for (char c : appliance) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  h ^= static_cast<uint64_t>(mid) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 29;
  const size_t a = static_cast<size_t>(h % kMessageFilterBits);
  const size_t b = static_cast<size_t>((h >> 32) * 0x85ebca6bull % kMessageFilterBits);
  const bool seen = (message_filter[a / 64] >> (a % 64) & 1) && (message_filter[b / 64] >> (b % 64) & 1);
  message_filter[a / 64] |= uint64_t{1} << (a % 64);
  message_filter[b / 64] |= uint64_t{1} << (b % 64);
  if (!seen) return;
  if (duplicate_candidates.size() >= kMaxDuplicateCandidates) {
    too_many_candidates = true;
    duplicate_candidates.clear();
    duplicate_candidates.shrink_to_fit();
    return;
  }
  duplicate_candidates.emplace_back(appliance, mid);
}

void Store::Statements::build_indexes() {
  std::string error;
  if (db.exec(kSchemaLateIndexesSql, &error) != SQLITE_OK) run.report("building the indexes: " + error);
}

void Store::Statements::delete_children(int64_t connection_id) {
  flush_all();  // rows of this connection may still be in the buffers
  for (auto& s : delete_children_stmt) {
    s.bind_int(1, connection_id);
    execute(s);
  }
}

}  // namespace mailtls
