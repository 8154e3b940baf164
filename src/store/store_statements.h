// Internal to the store (store_*.cc): the open database with every prepared statement the
// store reuses, and apart from them the state of the current run.
#pragma once

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "store/sqlite_util.h"
#include "store/store.h"

namespace mailtls {

// A text quoted for a diagnostic: 'text'.
inline std::string quote(const std::string& s) { return "'" + s + "'"; }

// The child tables of a connection, in the order of Statements::delete_children.
enum class Child { log_events, transcript, deliveries, findings, ehlo_keywords, count_ };
inline constexpr size_t kChildCount = static_cast<size_t>(Child::count_);
inline constexpr std::array<const char*, kChildCount> kChildTables = {
    "log_events", "transcript", "deliveries", "findings", "ehlo_keywords"};
// All five are WITHOUT ROWID tables keyed by (connection_id, seq): a connection's rows
// are found through the key from the first row written, before any index is built.

// The columns the row readers below expect, in order; the single-row loaders
// (Statements::get_*) and reconcile's batch loader select exactly these.
inline constexpr const char* kConnectionColumns =
    "appliance, direction, conn_id, started_at, ended_at, last_seen, has_open, has_close,"
    " peer_ip, peer_host, domain, tls_protocol, tls_cipher, messages, local_ip";
inline constexpr int kConnectionColumnCount = 15;
inline constexpr const char* kLogColumns = "kind, line, detail, source_id, line_no, time";
inline constexpr int kLogColumnCount = 6;
inline constexpr const char* kTranscriptColumns = "sender, line, source_id, line_no, time";
inline constexpr int kTranscriptColumnCount = 5;
inline constexpr const char* kDeliveryColumns = "message_id, mid, rid, result, response";
inline constexpr int kDeliveryColumnCount = 5;

void read_connection_row(const sql::Stmt& q, Connection& c);
LogLine read_log_line(const sql::Stmt& q);
TranscriptLine read_transcript_line(const sql::Stmt& q);
Delivery read_delivery(const sql::Stmt& q);

// The bookkeeping of the current run (one write transaction): whether a write failed,
// which ids it has written, the message keys it may have written twice. No statements.
struct Store::RunState {
  RunState(std::string db_path, Diagnostics& diagnostics)
      : path(std::move(db_path)), diag(&diagnostics) {}
  // Reports the first failure of the run; finish() then rolls back.
  void report(const std::string& message);
  // True when `id` may already have rows: written earlier in this run, or in an earlier
  // run. Marks it as written. The first write of a new id is the fast path: no deletes.
  bool written_before(int64_t id, int64_t base, std::vector<bool>& written);

  std::string path;
  Diagnostics* diag;
  // A write failed: nothing more is written (every BatchInsert shares this flag) and
  // finish() rolls back. The first failure is reported once (`reported`); the driver
  // thread reads `failure_seen` to stop reading inputs early.
  bool failed = false;
  bool reported = false;
  std::atomic<bool> failure_seen{false};
  bool fresh = false;  // the database was empty: this run writes with a rollback journal

  // The (appliance, mid) keys a fresh run may have written twice, so that reconcile looks
  // at those instead of grouping the whole messages table. A Bloom filter of the keys
  // written (fixed size, so memory stays flat) names every key seen twice, and a few that
  // were not (checked at reconcile); past kMaxDuplicateCandidates the run groups the table
  // as a later run does.
  static constexpr size_t kMessageFilterBits = size_t{1} << 23;  // 1 MiB
  static constexpr size_t kMaxDuplicateCandidates = 100000;
  std::vector<uint64_t> message_filter;
  std::vector<std::pair<std::string, int64_t>> duplicate_candidates;
  bool too_many_candidates = false;
  void note_message_key(std::string_view appliance, int64_t mid);

  // Ids from base on were handed out in this run; the bitmaps say which were written.
  int64_t connection_base = 1, message_base = 1;
  std::vector<bool> connection_written, message_written;
};

// The open database and every prepared statement the store reuses. A failed step is
// reported to the run's state.
struct Store::Statements {
  Statements(sql::Db d, RunState& run_state);
  // The first statement that failed to prepare, if any (empty when all are ready).
  std::string prepare_error() const;

  // Steps a write statement to the end, reporting a failure.
  void execute(sql::Stmt& s);
  // Writes every buffered row (reads and deletes need them in the tables).
  void flush_all();
  // Reports a failure recorded by a buffered insert.
  void check_batches();
  void delete_children(int64_t connection_id);
  // schema_indexes_after_load.sql; the other indexes exist from the open (migrate()).
  void build_indexes();

  sql::Db db;
  RunState& run;

  // Writes.
  sql::Stmt insert_source, update_source;
  // A rewrite of a connection or message deletes its row before adding the new one.
  sql::BatchInsert connections, messages, log_events, transcript, deliveries, findings,
      ehlo_keywords, recipients, unparsed;
  std::array<sql::Stmt, kChildCount> delete_children_stmt;
  sql::Stmt delete_recipients, delete_connection_row, delete_message_row, move_deliveries;
  sql::Stmt recount_messages;
  // Reads.
  sql::Stmt get_connection, get_log, get_transcript, get_deliveries, get_message,
      get_recipients, get_source, source_lengths, source_by_fingerprint, connections_by_key,
      connections_by_key_any, fragment_pieces, duplicate_message_keys, messages_by_key;
};

}  // namespace mailtls
