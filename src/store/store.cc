// The store: opening and migrating the database, writing rows, reading them back.
// Reconciliation of fragments is in store_reconcile.cc.
#include "store/store.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <thread>

#include "base/fingerprint.h"
#include "store/schema_sql.h"
#include "store/store_statements.h"

namespace mailtls {
namespace {

// Version 1 to 2: the tables of a connection's rows (log_events, transcript, deliveries,
// findings, ehlo_keywords) become WITHOUT ROWID tables keyed by (connection_id, seq),
// which replaces their indexes by connection. deliveries, findings and ehlo_keywords gain
// the column seq, numbered here in their old rowid order (the order the store read them
// in); it follows connection_id, as SQLite 3.40's integrity_check misreads a WITHOUT ROWID
// table whose key columns are not its first. The definitions are spelled out (not taken
// from schema.sql) so that this step still makes version 2 after a later version changes
// the tables again. The rows are copied in key order, so the new B-trees are built by
// appending; a duplicate key (which no version of the store writes) fails the migration,
// and the transaction of the run rolls it back. deliveries_msg goes with its table and is
// built again with the other indexes at the end of the run.
constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE log_events_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  time INTEGER,
  detail TEXT,
  source_id INTEGER,
  line_no INTEGER,
  line TEXT NOT NULL,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO log_events_v2 (connection_id, seq, kind, time, detail, source_id, line_no, line)
  SELECT connection_id, seq, kind, time, detail, source_id, line_no, line FROM log_events
  ORDER BY connection_id, seq;
DROP TABLE log_events;
ALTER TABLE log_events_v2 RENAME TO log_events;
CREATE TABLE transcript_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL CHECK (sender IN ('client', 'server')),
  line TEXT NOT NULL,
  time INTEGER,
  source_id INTEGER,
  line_no INTEGER,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO transcript_v2 (connection_id, seq, sender, line, time, source_id, line_no)
  SELECT connection_id, seq, sender, line, time, source_id, line_no FROM transcript
  ORDER BY connection_id, seq;
DROP TABLE transcript;
ALTER TABLE transcript_v2 RENAME TO transcript;
CREATE TABLE deliveries_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  result TEXT NOT NULL,
  response TEXT,
  mid INTEGER,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO deliveries_v2 (connection_id, seq, message_id, rid, result, response, mid)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         message_id, rid, result, response, mid
  FROM deliveries ORDER BY connection_id, rowid;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE TABLE findings_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  code TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO findings_v2 (connection_id, seq, code, detail)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         code, detail
  FROM findings ORDER BY connection_id, rowid;
DROP TABLE findings;
ALTER TABLE findings_v2 RENAME TO findings;
CREATE TABLE ehlo_keywords_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('before-tls', 'after-tls')),
  keyword TEXT NOT NULL,
  params TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO ehlo_keywords_v2 (connection_id, seq, phase, keyword, params)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         phase, keyword, params
  FROM ehlo_keywords ORDER BY connection_id, rowid;
DROP TABLE ehlo_keywords;
ALTER TABLE ehlo_keywords_v2 RENAME TO ehlo_keywords;
)sql";

// upgrades()[v - 1] takes a database from user_version v to v + 1. An empty file
// (version 0) gets the current schema.sql at once. A future schema change appends its
// statements here and raises kSchemaVersion, so databases of every earlier version are
// brought up to date in order.
std::vector<const char*> upgrades() { return {kMigrateV1ToV2}; }

std::string quote(const std::string& s) { return "'" + s + "'"; }

void open_error(Diagnostics& diag, const std::string& path, const std::string& message) {
  diag.add({Diagnostic::Severity::error, path, -1, message, false});
}

// Pragmas for a bulk writer. WAL lets readers (query, summary) keep reading the last
// committed state while a run writes; NORMAL sync is safe with WAL (a crash may lose
// the last commit, never corrupt); a 64 MiB cache bounds SQLite's share of memory.
// Temporary data stays in files: the sorter that builds an index holds the whole
// table's keys, which in memory would grow with the input (450 MB at 1 GB of logs).
// A new database gets 16 KiB pages (an existing one keeps its own): a quarter of the
// pages to fetch, spill, log in the WAL and checkpoint, which took a quarter off the
// CPU of the finish phases (index build and commit) at 200 MB of logs.
//
// A new (empty) database is the exception: its first run writes with a rollback journal,
// and finish() turns it to WAL after the commit. A rollback journal only keeps the pages
// that existed when the run began, and an empty file has none, so every page is written
// once; through WAL each page went to the log and then again into the database at the
// checkpoint (at 1 GB of logs that second copy was 1.2 s of the commit and 1.5 s of
// system time). Nothing is lost by it: there is no committed state yet for a reader to
// see, and a crash still leaves the file as it was (empty), through the hot journal.
bool set_write_pragmas(sql::Db& db, bool fresh, std::string* error) {
  return db.exec(std::string("PRAGMA page_size=16384; PRAGMA journal_mode=") +
                     (fresh ? "DELETE" : "WAL") +
                     "; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;",
                 error) == SQLITE_OK;
}

// The writer skips the schema's CHECK constraints. SQLite 3.40 evaluates
// `confidence IN ('high', 'medium', 'low')` by building a temporary B-tree of the three
// values for every row inserted, which was a third of the CPU of writing the rows. Every
// CHECKed column the store writes (direction, confidence, transcript sender, EHLO phase)
// is the name of an enum value, so none of them can fail; `PRAGMA integrity_check`
// still verifies them all (tested).
bool skip_checks(sql::Db& db, std::string* error) {
  return db.exec("PRAGMA ignore_check_constraints=ON", error) == SQLITE_OK;
}

// Takes the write lock for the whole run. SQLITE_BUSY after the busy timeout means
// another process is writing.
bool begin_run(sql::Db& db, const std::string& path, int busy_timeout_ms, Diagnostics& diag) {
  std::string error;
  int rc = db.exec("BEGIN IMMEDIATE", &error);
  if (rc == SQLITE_OK) return true;
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    open_error(diag, path,
               "the database is being written by another process (waited " +
                   std::to_string(busy_timeout_ms) + " ms): " + quote(error));
  else
    open_error(diag, path, "cannot start a write transaction: " + quote(error));
  return false;
}

bool migrate(sql::Db& db, const std::string& path, Diagnostics& diag) {
  int64_t version = db.query_int("PRAGMA user_version");
  if (version > kSchemaVersion) {
    open_error(diag, path,
               "the database has schema version " + std::to_string(version) +
                   ", newer than this mailtls understands (" + std::to_string(kSchemaVersion) +
                   ")");
    return false;
  }
  std::string error;
  if (version == 0) {
    if (db.exec(kSchemaSql, &error) != SQLITE_OK) {
      open_error(diag, path, "cannot create the schema: " + quote(error));
      return false;
    }
    version = kSchemaVersion;
  }
  auto steps = upgrades();
  for (; version < kSchemaVersion; ++version) {
    if (db.exec(steps[static_cast<size_t>(version - 1)], &error) != SQLITE_OK) {
      open_error(diag, path,
                 "cannot migrate the schema from version " + std::to_string(version) + ": " +
                     quote(error));
      return false;
    }
  }
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  // A first run creates these before its rows (schema_indexes.sql says why); later runs
  // find them there.
  if (db.exec(kSchemaIndexesSql, &error) != SQLITE_OK) {
    open_error(diag, path, "cannot create the indexes: " + quote(error));
    return false;
  }
  return true;
}

bool check_readable_version(sql::Db& db, const std::string& path, Diagnostics& diag) {
  int64_t version = db.query_int("PRAGMA user_version", -1);
  if (version < 0) {
    open_error(diag, path, "cannot read the database: " + quote(db.errmsg()));
    return false;
  }
  if (version == 0) {
    open_error(diag, path, "not a mailtls database (no schema version)");
    return false;
  }
  if (version > kSchemaVersion) {
    open_error(diag, path, "the database has schema version " + std::to_string(version) +
                               ", newer than this mailtls understands");
    return false;
  }
  return true;
}

}  // namespace

// ---- Opening ----

std::unique_ptr<Store> Store::open(const std::string& path, Mode mode, Diagnostics& diag,
                                   int busy_timeout_ms) {
  bool read_only = mode == Mode::read_only;
  std::error_code ec;
  if (read_only && !std::filesystem::exists(path, ec)) {
    open_error(diag, path, "no such database (run `mailtls ingest` first)");
    return nullptr;
  }
  // NOMUTEX: a Store belongs to one thread, and the mutex costs time on every call.
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  std::string error;
  sql::Db db = sql::Db::open(path, flags, &error);
  if (!db.ok()) {
    open_error(diag, path, "cannot open the database: " + quote(error));
    return nullptr;
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  bool fresh = false;  // an empty database: see set_write_pragmas
  if (read_only) {
    db.exec("PRAGMA query_only=1");
    if (!check_readable_version(db, path, diag)) return nullptr;
  } else {
    // Reading the page count also rolls back a hot journal left by a killed first run.
    fresh = db.query_int("PRAGMA page_count", -1) == 0;
    if (!set_write_pragmas(db, fresh, &error) || !skip_checks(db, &error)) {
      open_error(diag, path, "cannot set up the database: " + quote(error));
      return nullptr;
    }
    if (!begin_run(db, path, busy_timeout_ms, diag)) return nullptr;
    if (!migrate(db, path, diag)) return nullptr;  // closing the Db rolls back
  }
  std::unique_ptr<Store> store(new Store());
  store->mode_ = mode;
  store->diag_ = &diag;
  store->stmts_ = std::make_unique<Statements>(std::move(db), path, diag);
  Statements& s = *store->stmts_;
  s.fresh = fresh;
  store->db_ = s.db.get();
  if (std::string e = s.prepare_error(); !e.empty()) {
    open_error(diag, path, "cannot prepare the store's statements: " + quote(e));
    store->finished_ = true;  // nothing to roll back beyond what closing does
    return nullptr;
  }
  store->next_connection_id_ = s.connection_base =
      s.db.query_int("SELECT coalesce(max(id), 0) + 1 FROM connections", 1);
  store->next_message_id_ = s.message_base =
      s.db.query_int("SELECT coalesce(max(id), 0) + 1 FROM messages", 1);
  return store;
}

Store::~Store() {
  if (stmts_ && mode_ == Mode::read_write && !finished_) stmts_->db.exec("ROLLBACK");
}

bool Store::writable(const char* what) {
  if (mode_ == Mode::read_only) {
    diag_->error(stmts_->path, -1,
                 std::string(what) + ": the database was opened read-only", false);
    return false;
  }
  if (finished_) {
    diag_->error(stmts_->path, -1, std::string(what) + ": the run is already finished", false);
    return false;
  }
  return true;
}

// ---- Sources ----

namespace {

void bind_source(sql::Stmt& s, const SourceRecord& r, int64_t ingested_at) {
  s.bind_text(1, r.path).bind_text(2, r.fingerprint).bind_int(3, r.fp_len);
  s.bind_int(4, r.bytes).bind_int(5, r.lines).bind_int(6, r.lines_parsed);
  s.bind_int(7, r.lines_unparsed).bind_text(8, r.appliance).bind_text(9, r.locale);
  s.bind_double(10, r.locale_confidence).bind_text(11, r.packaging).bind_int(12, ingested_at);
  s.bind_int(13, r.utc_offset);
}

SourceRecord read_source(const sql::Stmt& s) {
  SourceRecord r;
  r.id = s.int64(0);
  r.path = s.str(1);
  r.fingerprint = s.str(2);
  r.fp_len = s.int64(3);
  r.bytes = s.int64(4);
  r.lines = s.int64(5);
  r.lines_parsed = s.int64(6);
  r.lines_unparsed = s.int64(7);
  r.appliance = s.str(8);
  r.locale = s.str(9);
  r.locale_confidence = s.real(10);
  r.packaging = s.str(11);
  r.ingested_at = s.int64(12);
  r.utc_offset = s.int64(13);
  return r;
}

}  // namespace

std::optional<SourceRecord> Store::find_source(std::string_view head) {
  Statements& s = *stmts_;
  // Few distinct lengths exist (kFingerprintBytes for most logs, the size of each
  // smaller file): hash `head` once per length, longest first, so the most specific
  // match wins. An empty stored source would match every head, so length 0 only
  // matches an empty head.
  std::vector<int64_t> lengths;
  s.source_lengths.bind_int(1, static_cast<int64_t>(head.size()));
  while (s.source_lengths.row()) lengths.push_back(s.source_lengths.int64(0));
  for (int64_t len : lengths) {
    if (len == 0 && !head.empty()) continue;
    std::string fp = fingerprint(head.substr(0, static_cast<size_t>(len)));
    s.source_by_fingerprint.bind_text(1, fp).bind_int(2, len);
    if (s.source_by_fingerprint.row()) {
      SourceRecord r = read_source(s.source_by_fingerprint);
      s.source_by_fingerprint.reset();
      return r;
    }
  }
  return std::nullopt;
}

int64_t Store::add_source(const SourceRecord& r) {
  if (!writable("add_source")) return 0;
  Statements& s = *stmts_;
  bind_source(s.insert_source, r, r.ingested_at ? r.ingested_at : std::time(nullptr));
  s.run(s.insert_source);
  return s.failed ? 0 : sqlite3_last_insert_rowid(db_);
}

void Store::update_source(const SourceRecord& r) {
  if (!writable("update_source")) return;
  Statements& s = *stmts_;
  bind_source(s.update_source, r, r.ingested_at ? r.ingested_at : std::time(nullptr));
  s.update_source.bind_int(14, r.id);
  s.run(s.update_source);
}

std::optional<SourceRecord> Store::source(int64_t id) {
  sql::Stmt& q = stmts_->get_source;
  q.bind_int(1, id);
  if (!q.row()) return std::nullopt;
  SourceRecord r = read_source(q);
  q.reset();
  return r;
}

// ---- Writing ----

// Relaxed: an id only needs to be unique; the rows that carry it reach the writer
// through the queue's mutex, which orders everything else.
int64_t Store::new_connection_id() {
  return next_connection_id_.fetch_add(1, std::memory_order_relaxed);
}
int64_t Store::new_message_id() { return next_message_id_.fetch_add(1, std::memory_order_relaxed); }

namespace {

// Never hands out `id` again, even while another thread takes ids from `next`.
void raise_past(std::atomic<int64_t>& next, int64_t id) {
  int64_t current = next.load(std::memory_order_relaxed);
  while (id >= current &&
         !next.compare_exchange_weak(current, id + 1, std::memory_order_relaxed)) {
  }
}

// The connection's messages as the summary counts them (docs/reports.md): outbound the
// distinct messages with a delivered delivery, inbound those started on it.
int64_t message_count(const Connection& c) {
  if (c.direction == Direction::inbound) return c.messages_received;
  std::vector<int64_t> ids;
  for (const Delivery& d : c.deliveries)
    if (d.result == DeliveryResult::delivered) ids.push_back(d.message_id);
  std::sort(ids.begin(), ids.end());
  return std::unique(ids.begin(), ids.end()) - ids.begin();
}

bool has_finding(const Verdict& v, FindingCode code) {
  return std::any_of(v.findings.begin(), v.findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

void add_connection(sql::BatchInsert& q, const Connection& c, const Verdict& v) {
  q.add_int(c.id).add_text(c.appliance).add_text(direction_name(c.direction));
  q.add_int(c.conn_id).add_int_or_null(c.started_at).add_int_or_null(c.ended_at);
  q.add_text_or_null(c.peer_ip).add_text_or_null(c.peer_host);
  q.add_text_or_null(c.domain).add_text(outcome_name(v.outcome));
  q.add_text_or_null(c.tls_protocol).add_text_or_null(c.tls_cipher);
  q.add_text_or_null(v.detail).add_text(confidence_name(v.confidence));
  q.add_int(c.has_open).add_int(c.has_close).add_int_or_null(c.last_seen);
  const int64_t messages = message_count(c);
  q.add_int(messages).add_int(has_finding(v, FindingCode::cleartext_fallback) ? messages : 0);
  q.add_text_or_null(c.local_ip);
}

}  // namespace

void Store::put_connection(const Connection& c, const Verdict& v) {
  if (!writable("put_connection")) return;
  Statements& s = *stmts_;
  raise_past(next_connection_id_, c.id);
  if (s.written_before(c.id, s.connection_base, s.connection_written)) delete_connection(c.id);
  write_connection_rows(c, v);
}

// The connection row and the rows its verdict decides (findings, EHLO keywords), for an
// id whose row and verdict rows are known to be gone (or never written).
void Store::write_verdict_rows(const Connection& c, const Verdict& v) {
  Statements& s = *stmts_;
  add_connection(s.connections, c, v);
  int64_t seq = 0;
  for (const Finding& f : v.findings)
    s.findings.add_int(c.id).add_int(seq++).add_text(finding_name(f.code)).add_text_or_null(f.detail);
  seq = 0;
  for (const EhloKeyword& k : v.keywords_before_tls)
    s.ehlo_keywords.add_int(c.id).add_int(seq++).add_text("before-tls").add_text(k.keyword)
        .add_text_or_null(k.params);
  for (const EhloKeyword& k : v.keywords_after_tls)
    s.ehlo_keywords.add_int(c.id).add_int(seq++).add_text("after-tls").add_text(k.keyword)
        .add_text_or_null(k.params);
}

// The rows of `c`, for an id whose child rows are known to be gone (or never written).
void Store::write_connection_rows(const Connection& c, const Verdict& v) {
  Statements& s = *stmts_;
  write_verdict_rows(c, v);
  int64_t seq = 0;
  for (const LogLine& l : c.log) {
    s.log_events.add_int(c.id).add_int(seq++).add_text(event_name(l.type));
    s.log_events.add_int_or_null(l.time).add_text_or_null(l.detail);
    s.log_events.add_int_or_null(l.ref.source_id).add_int_or_null(l.ref.line_no);
    s.log_events.add_text(l.text);
  }
  seq = 0;
  for (const TranscriptLine& t : c.transcript) {
    s.transcript.add_int(c.id).add_int(seq++).add_text(sender_name(t.sender)).add_text(t.text);
    s.transcript.add_int_or_null(t.time).add_int_or_null(t.ref.source_id);
    s.transcript.add_int_or_null(t.ref.line_no);
  }
  seq = 0;
  for (const Delivery& d : c.deliveries) {
    s.deliveries.add_int(c.id).add_int(seq++).add_int(d.message_id).add_int(d.rid);
    s.deliveries.add_text(delivery_result_name(d.result)).add_text_or_null(d.response).add_int_or_null(d.mid);
  }
}

void Store::put_message(const Message& m) {
  if (!writable("put_message")) return;
  Statements& s = *stmts_;
  raise_past(next_message_id_, m.id);
  if (s.written_before(m.id, s.message_base, s.message_written)) {
    delete_message(m.id);
  } else if (s.fresh) {
    s.note_message_key(m.appliance, m.mid);
  }
  sql::BatchInsert& q = s.messages;
  q.add_int(m.id).add_text(m.appliance).add_int(m.mid);
  q.add_int_or_null(m.icid, -1).add_text_or_null(m.mail_from);
  q.add_text_or_null(m.subject).add_text_or_null(m.message_id);
  q.add_int_or_null(m.bytes, -1);
  for (const Recipient& r : m.recipients)
    s.recipients.add_int(m.id).add_int(r.rid).add_text(r.address);
  s.check_batches();
}

void Store::put_unparsed(int64_t source_id, int64_t line_no, std::string_view text) {
  if (!writable("put_unparsed")) return;
  stmts_->unparsed.add_int(source_id).add_int(line_no).add_text(text);
  // Checked once per batch, not per line: the hot path stays a few stores into a buffer.
  if (stmts_->unparsed.pending_rows() == 0) stmts_->check_batches();
}

void Store::delete_connection(int64_t id) {
  Statements& s = *stmts_;
  s.delete_children(id);
  s.delete_connection_row.bind_int(1, id);
  s.run(s.delete_connection_row);
}

void Store::delete_message(int64_t id) {
  Statements& s = *stmts_;
  s.flush_all();
  s.delete_recipients.bind_int(1, id);
  s.run(s.delete_recipients);
  s.delete_message_row.bind_int(1, id);
  s.run(s.delete_message_row);
}

namespace {

// Wall and CPU time (user + system, every thread of the process) at one instant, for the
// MAILTLS_TIMING report of the finish phases: the machine is shared, so CPU is the
// figure that compares across runs.
struct Stamp {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_ms(RUSAGE_SELF);
  // This thread's alone: in an ingest, the writer's (finish runs on it).
  double thread_cpu = cpu_ms(RUSAGE_THREAD);
  static double cpu_ms(int who) {
    rusage u{};
    getrusage(who, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
  }
};

std::string elapsed(const Stamp& a, const Stamp& b) {
  char text[64];
  std::snprintf(text, sizeof text, "%.0f ms (%.0f ms CPU)",
                std::chrono::duration<double, std::milli>(b.wall - a.wall).count(), b.cpu - a.cpu);
  return text;
}

// Starts writing to disk what the run has written so far (the database file, or its WAL),
// on a thread of its own while the indexes are built, so the commit's sync finds little
// left to write. Flushing pages SQLite has already handed to the kernel changes nothing
// for a crash: the kernel may write them at any moment anyway.
std::thread flush_written(const std::string& path) {
  return std::thread([path] {
    for (const std::string& file : {path, path + "-wal"}) {
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      ::fdatasync(fd);
      ::close(fd);
    }
  });
}

}  // namespace

void Store::finish(const Classify& classify) {
  if (mode_ == Mode::read_only || finished_) return;
  Statements& s = *stmts_;
  const bool timing = std::getenv("MAILTLS_TIMING") != nullptr;
  const Stamp t0;
  s.flush_all();
  const Stamp t1;
  std::thread flusher;
  if (!s.failed) flusher = flush_written(s.path);
  if (!s.failed) s.build_indexes();
  // Again for the index pages, while reconcile runs.
  if (flusher.joinable()) flusher.join();
  if (!s.failed) flusher = flush_written(s.path);
  const Stamp t2;
  const int64_t merged = s.failed ? 0 : reconcile(classify);
  s.flush_all();
  const Stamp t3;
  finished_ = true;
  if (flusher.joinable()) flusher.join();
  if (timing)
    std::fprintf(stderr,
                 "finish: %.0f ms CPU before finish, %.0f ms of it on the finishing thread;"
                 " flush %s, indexes %s, reconcile %s (%lld pieces merged)\n",
                 t0.cpu, t0.thread_cpu, elapsed(t0, t1).c_str(), elapsed(t1, t2).c_str(), elapsed(t2, t3).c_str(),
                 static_cast<long long>(merged));
  if (s.failed) {
    s.db.exec("ROLLBACK");
    return;
  }
  std::string error;
  const Stamp t4;
  const int commit_rc = s.db.exec("COMMIT", &error);
  // Readers and later runs use WAL; if another connection keeps the switch from
  // happening now, the next run makes it (set_write_pragmas).
  if (commit_rc == SQLITE_OK && s.fresh) s.db.exec("PRAGMA journal_mode=WAL");
  if (timing) std::fprintf(stderr, "finish: commit %s\n", elapsed(t4, Stamp()).c_str());
  if (commit_rc != SQLITE_OK) {
    diag_->error(s.path, -1, "cannot commit this run: " + quote(error) +
                                 "; nothing of this run was kept");
    s.db.exec("ROLLBACK");
  }
}

// ---- Reading ----

// Row readers, shared with reconcile's batch loader (columns: store_statements.h).

LogLine read_log_line(const sql::Stmt& q) {
  LogLine l;
  l.type = event_type_by_name(q.text(0)).value_or(EventType::other);
  l.text = q.str(1);
  l.detail = q.str(2);
  l.ref = {q.int64(3), q.int64(4)};
  l.time = q.int64(5);
  return l;
}

TranscriptLine read_transcript_line(const sql::Stmt& q) {
  TranscriptLine t;
  t.sender = q.text(0) == "server" ? Sender::server : Sender::client;
  t.text = q.str(1);
  t.ref = {q.int64(2), q.int64(3)};
  t.time = q.int64(4);
  return t;
}

Delivery read_delivery(const sql::Stmt& q) {
  Delivery d;
  d.message_id = q.int64(0);
  d.mid = q.int64(1);
  d.rid = static_cast<int>(q.int64(2));
  d.result = delivery_result_by_name(q.text(3)).value_or(DeliveryResult::started);
  d.response = q.str(4);
  return d;
}

void read_connection_row(const sql::Stmt& q, Connection& c) {
  c.appliance = q.str(0);
  c.direction = direction_by_name(q.text(1)).value_or(Direction::inbound);
  c.conn_id = q.int64(2);
  c.started_at = q.int64(3);
  c.ended_at = q.int64(4);
  c.last_seen = q.int64(5);
  c.has_open = q.int64(6) != 0;
  c.has_close = q.int64(7) != 0;
  c.peer_ip = q.str(8);
  c.peer_host = q.str(9);
  c.domain = q.str(10);
  c.tls_protocol = q.str(11);
  c.tls_cipher = q.str(12);
  // Outbound counts follow from the deliveries; inbound ones only from this column.
  if (c.direction == Direction::inbound) c.messages_received = q.int64(13);
  c.local_ip = q.str(14);
}


std::optional<Connection> Store::load_connection(int64_t id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  s.get_connection.bind_int(1, id);
  if (!s.get_connection.row()) return std::nullopt;
  Connection c;
  c.id = id;
  read_connection_row(s.get_connection, c);
  s.get_connection.reset();
  s.get_log.bind_int(1, id);
  while (s.get_log.row()) c.log.push_back(read_log_line(s.get_log));
  s.get_transcript.bind_int(1, id);
  while (s.get_transcript.row()) c.transcript.push_back(read_transcript_line(s.get_transcript));
  s.get_deliveries.bind_int(1, id);
  while (s.get_deliveries.row()) c.deliveries.push_back(read_delivery(s.get_deliveries));
  return c;
}

std::vector<int64_t> Store::find_connections(std::string_view appliance, Direction dir,
                                             int64_t conn_id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  sql::Stmt& q = appliance.empty() ? s.connections_by_key_any : s.connections_by_key;
  int p = 1;
  if (!appliance.empty()) q.bind_text(p++, appliance);
  q.bind_text(p, direction_name(dir));
  q.bind_int(p + 1, conn_id);
  std::vector<int64_t> ids;
  while (q.row()) ids.push_back(q.int64(0));
  return ids;
}

std::optional<Message> Store::load_message(int64_t id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  sql::Stmt& q = s.get_message;
  q.bind_int(1, id);
  if (!q.row()) return std::nullopt;
  Message m;
  m.id = id;
  m.appliance = q.str(0);
  m.mid = q.int64(1);
  m.icid = q.is_null(2) ? -1 : q.int64(2);
  m.mail_from = q.str(3);
  m.subject = q.str(4);
  m.message_id = q.str(5);
  m.bytes = q.is_null(6) ? -1 : q.int64(6);
  q.reset();
  s.get_recipients.bind_int(1, id);
  while (s.get_recipients.row())
    m.recipients.push_back({static_cast<int>(s.get_recipients.int64(0)),
                            s.get_recipients.str(1)});
  return m;
}

}  // namespace mailtls
