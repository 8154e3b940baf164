// Stage 7, the store: the SQLite database (schema in schema.sql, docs/schema.md).
//
// Contract:
// - open() in read_write mode creates the schema or migrates it (PRAGMA user_version),
//   sets WAL (a new, empty database: a rollback journal for this first run, WAL from its
//   commit on), and starts one write transaction (BEGIN IMMEDIATE) for the whole run, so a
//   crash or SIGKILL leaves the database exactly as before the run. A second writer
//   waits up to `busy_timeout_ms`, then open() fails with a clear message.
// - read_only mode opens with SQLITE_OPEN_READONLY (and `PRAGMA query_only`): nothing
//   can write through it.
// - Rows are written with prepared statements reused across calls; ids of connections
//   and messages are handed out by the store before the rows are written, so rows can
//   be written in any order and written again (put_* replaces the earlier version).
//   Writing connections in id order (as `ingest` does: the writer numbers each one as it
//   stores it) appends the rows of log_events and transcript at the end of their keys.
//   Rows are buffered per table and written 256 at a time (sql::BatchInsert): reads
//   through this Store flush them first, but a reader using handle() directly before
//   finish() may not see the last rows.
// - finish() builds the indexes left for after the load (schema_indexes_after_load.sql),
//   runs reconcile(), and commits.
//   If any write failed, finish() rolls back instead and reports why; after the first
//   failed statement nothing more is written. A database that is not empty and not one
//   mailtls wrote (another application's, or not SQLite) is refused before anything is
//   written to it. After finish(),
//   the Store can still be read; writes are refused (a Diagnostic, not a crash).
// - A Store is used by one thread at a time (the connection is opened without mutex),
//   except new_connection_id() and new_message_id(): they are atomic, so the parsing
//   thread can hand out ids while a writer thread writes (write_queue.h).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/timer.h"
#include "model/model.h"

struct sqlite3;

namespace mailtls {

struct SourceRecord {
  int64_t id = 0;
  std::string path, fingerprint;
  int64_t fp_len = 0;
  int64_t bytes = 0, lines = 0, lines_parsed = 0, lines_unparsed = 0;
  std::string appliance, locale = "en";
  double locale_confidence = 1.0;
  std::string packaging = "plain";
  int64_t ingested_at = 0;
  int64_t utc_offset = 0;  // seconds, from the log's header (UTC = local - offset)
};

// A count of one class of a source's lines (source_lines).
struct SourceLines {
  std::string line_class;  // specific, generic, other, unrecognised, comment
  std::string log_type;    // "mail_logs" or another subscription's type
  int64_t lines = 0;
};

// A log header of a source (source_appliances).
struct SourceAppliance {
  int64_t line_no = 0;
  std::string serial, version;
};

using Classify = std::function<Verdict(const Connection&)>;

class Store {
 public:
  enum class Mode { read_write, read_only };
  static std::unique_ptr<Store> open(const std::string& path, Mode mode, Diagnostics& diag,
                                     int busy_timeout_ms = 5000);
  ~Store();  // read_write: rolls back an unfinished run (finish() not called)

  // Sources. find_source() returns the source whose fingerprint matches the start of
  // `head` (the first <= kFingerprintBytes decompressed bytes of a log): either the
  // same fp_len bytes hash equal, or a shorter stored fp_len matches the same prefix
  // of `head` (the file has grown since).
  std::optional<SourceRecord> find_source(std::string_view head);
  int64_t add_source(const SourceRecord& s);  // returns the new id
  void update_source(const SourceRecord& s);  // by id
  std::optional<SourceRecord> source(int64_t id);
  // Adds `lines` to the count of one class of the source's lines (store_sources.cc).
  void add_source_lines(int64_t source_id, std::string_view line_class, std::string_view log_type,
                        int64_t lines);
  std::vector<SourceLines> source_lines(int64_t source_id);
  // Adds `lines` host access table refusals logged with ICID 0 (source_refusals).
  void add_source_refusals(int64_t source_id, std::string_view action, int64_t lines);
  // Records that lines first_line..last_line of a source were decoded from damaged data
  // and may be wrong (source_damage; decompressed byte from_byte began the damaged unit).
  void add_source_damage(int64_t source_id, int64_t first_line, int64_t last_line, int64_t from_byte);
  // Records a log header (a later run reading on records only the headers it reads).
  void add_source_appliance(int64_t source_id, const SourceAppliance& header);
  std::vector<SourceAppliance> source_appliances(int64_t source_id);  // by line

  int64_t new_connection_id();
  int64_t new_message_id();

  // Writes (or rewrites) the connection row and all of its rows in log_events,
  // transcript, deliveries, findings and ehlo_keywords.
  void put_connection(const Connection& c, const Verdict& v);
  void put_message(const Message& m);  // with its recipients; replaces by id
  void put_unparsed(int64_t source_id, int64_t line_no, std::string_view text);

  // Merges what several runs or several files wrote in pieces, then reclassifies what
  // changed with `classify`:
  // - messages with the same (appliance, mid): one row kept (the lowest id), fields
  //   coalesced, recipients and deliveries moved to it;
  // - connection fragments with the same (appliance, direction, conn_id): a row without
  //   its opening is merged into the nearest earlier row of that key that has no close
  //   (within `window_seconds`); a row made only of a transcript (debug log) is merged
  //   into the row whose time span contains it (or is nearest, within the window).
  // Returns how many connections were merged away.
  int64_t reconcile(const Classify& classify, int64_t window_seconds = 86400);

  // Indexes, reconcile, commit. `may_commit`, when given, is asked last, just before the
  // commit: false rolls the run back instead (an interrupted ingest). Nothing but
  // finish() can commit (a commit hook refuses any other).
  using CommitGate = std::function<bool()>;
  // `timer` records each step (the buffered rows, indexes, reconcile, commit); whoever
  // listens to it hears each step as it begins (a progress line).
  void finish(const Classify& classify, const CommitGate& may_commit = {});
  void finish(const Classify& classify, const CommitGate& may_commit, Timer& timer);
  bool committed() const { return committed_; }  // finish() kept this run
  // A write failed (reported in the Diagnostics): nothing more is written, and finish()
  // rolls back. Safe to ask from any thread, so an ingest can stop reading early.
  bool write_failed() const;

  // Reading back (explain, reports, reconcile).
  std::optional<Connection> load_connection(int64_t id);
  std::vector<int64_t> find_connections(std::string_view appliance, Direction dir,
                                        int64_t conn_id);  // appliance "" = any; by id
  std::optional<Message> load_message(int64_t id);
  // The message_events of a message, in log order (store_sources.cc).
  std::vector<LogLine> message_events(int64_t message_id);
  // The ids of the messages an inbound connection received (appliance, ICID).
  std::vector<int64_t> messages_of_icid(std::string_view appliance, int64_t icid);

  sqlite3* handle() const { return db_; }

 private:
  Store() = default;
  struct Statements;
  struct RunState;
  bool writable(const char* what);  // reports writes to a read-only or finished store
  static int refuse_unplanned_commit(void* store);
  void merge_messages();
  int64_t reconcile_batch(const std::vector<std::vector<int64_t>>& groups,
                          const Classify& classify, int64_t window_seconds);
  void write_connection_rows(const Connection& c, const Verdict& v);
  void write_verdict_rows(const Connection& c, const Verdict& v);
  void delete_rows(const std::vector<int64_t>& ids, std::initializer_list<const char*> tables);
  void repoint_transcripts(const std::vector<std::pair<int64_t, int64_t>>& moves);
  struct LateMove {
    int64_t piece = 0, adopting = 0, seq_offset = 0, delivery_seq_offset = 0;
  };
  void repoint_late_lines(const std::vector<LateMove>& moves);
  void delete_connection(int64_t id);  // the row and all of its child rows
  void delete_message(int64_t id);     // the row, its recipients and its events
  void write_message_events(const Message& m);
  void delete_message_events(int64_t id);
  sqlite3* db_ = nullptr;
  Mode mode_ = Mode::read_only;
  bool finished_ = false;
  bool committing_ = false, committed_ = false;
  std::atomic<int64_t> next_connection_id_{1}, next_message_id_{1};
  std::unique_ptr<RunState> run_;
  std::unique_ptr<Statements> stmts_;  // after run_, which it reports to
  Diagnostics* diag_ = nullptr;
};

}  // namespace mailtls
