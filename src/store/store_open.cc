// The store, opening: the database file, its pragmas, the write transaction of a run, and
// the schema (created, or migrated by the numbered files of migrations/).
#include "store/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "store/schema_sql.h"
#include "store/store_statements.h"

namespace mailtls {
namespace {

void open_error(Diagnostics& diag, const std::string& path, const std::string& message) {
  diag.problem(path, message);
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
// A new (empty) database is the exception: its first run writes with a rollback journal
// (the default of an empty file, so its journal mode is left alone), and finish() turns
// it to WAL after the commit. A rollback journal only keeps the pages that existed when
// the run began, and an empty file has none, so every page is written once; through WAL
// each page went to the log and then again into the database at the checkpoint (at 1 GB
// of logs that second copy was 1.2 s of the commit and 1.5 s of system time). Nothing is
// lost by it: there is no committed state yet for a reader to see, and a crash still
// leaves the file as it was (empty), through the hot journal.
bool set_write_pragmas(sql::Db& db, bool empty, std::string* error) {
  return db.exec(std::string("PRAGMA page_size=16384;") + (empty ? "" : " PRAGMA journal_mode=WAL;") +
                     " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;",
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

std::string busy_message(int busy_timeout_ms) {
  return "the database is being written by another process (waited " +
         std::to_string(busy_timeout_ms) + " ms); try again when it has finished";
}

// Takes the write lock for the whole run. SQLITE_BUSY after the busy timeout means
// another process is writing.
bool begin_run(sql::Db& db, const std::string& path, int busy_timeout_ms, Diagnostics& diag) {
  std::string error;
  int rc = db.exec("BEGIN IMMEDIATE", &error);
  if (rc == SQLITE_OK) return true;
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    open_error(diag, path, busy_message(busy_timeout_ms) + ": " + quote(error));
  else
    open_error(diag, path, "cannot start a write transaction: " + quote(error));
  return false;
}

// The tables every version of the schema has: a file without all of them is not one
// mailtls wrote.
constexpr const char* kMailtlsTables[] = {"sources",    "connections", "messages",      "recipients",
                                          "log_events", "transcript",  "deliveries",    "findings",
                                          "ehlo_keywords", "unparsed"};

enum class Holds { nothing, mailtls, refused };

// What an existing file holds, found by reading only, before anything is written to it,
// so a file that is not a mailtls database is left byte for byte as it was: an empty
// file (or a SQLite file without a table, version or application id) can take the
// schema; a mailtls database is used; anything else is refused.
Holds inspect(sql::Db& db, const std::string& path, int busy_timeout_ms, Diagnostics& diag) {
  sql::Stmt tables(db.get(), "SELECT name FROM sqlite_schema WHERE type = 'table'");
  std::vector<std::string> names;
  while (tables.row()) names.push_back(tables.str(0));
  if (!tables.succeeded() || !tables.ok()) {
    const int rc = tables.ok() ? tables.rc() : sqlite3_errcode(db.get());
    const std::string why = tables.error().empty() ? db.errmsg() : tables.error();
    if ((rc & 0xff) == SQLITE_NOTADB)
      open_error(diag, path, "not a SQLite database; mailtls leaves it as it is (give --db a new file)");
    else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
      open_error(diag, path, busy_message(busy_timeout_ms));
    else
      open_error(diag, path, "cannot read the database: " + quote(why));
    return Holds::refused;
  }
  const int64_t version = db.query_int("PRAGMA user_version");
  const int64_t application = db.query_int("PRAGMA application_id");
  if (names.empty() && version == 0 && application == 0) return Holds::nothing;
  const bool all_tables = std::all_of(std::begin(kMailtlsTables), std::end(kMailtlsTables), [&](const char* t) {
    return std::find(names.begin(), names.end(), t) != names.end();
  });
  if (!all_tables || version <= 0 || application != 0) {
    std::string held;
    for (size_t i = 0; i < names.size() && i < 3; ++i) held += (i ? ", " : "") + names[i];
    if (names.size() > 3) held += ", ...";
    open_error(diag, path,
               "a SQLite database that is not a mailtls database (user_version " +
                   std::to_string(version) + (held.empty() ? "" : ", tables " + held) +
                   "); mailtls leaves it as it is (give --db a new file)");
    return Holds::refused;
  }
  return Holds::mailtls;
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
  // kMigrations[v - 1] (migrations/<v + 1>.sql) takes a database from version v to v + 1.
  for (; version < kSchemaVersion; ++version) {
    if (db.exec(kMigrations[version - 1], &error) != SQLITE_OK) {
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
  const bool read_only = mode == Mode::read_only;
  std::string error;
  // NOMUTEX: a Store belongs to one thread, and the mutex costs time on every call.
  sql::Db db = read_only ? sql::Db::open_reader(path, &error)
                         : sql::Db::open(path, SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                         &error);
  if (!db.ok()) {
    open_error(diag, path, read_only ? error : "cannot open the database: " + quote(error));
    return nullptr;
  }
  bool fresh = false;  // an empty database: see set_write_pragmas
  if (read_only) {
    if (!check_readable_version(db, path, diag)) return nullptr;
  } else {
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    // Read before anything is written: a foreign file is refused untouched. Reading also
    // rolls back a hot journal left by a killed first run.
    const Holds before = inspect(db, path, busy_timeout_ms, diag);
    if (before == Holds::refused) return nullptr;
    const bool empty = before == Holds::nothing && db.query_int("PRAGMA page_count", -1) == 0;
    if (!set_write_pragmas(db, empty, &error) ||
        !skip_checks(db, &error)) {
      const bool busy = (sqlite3_errcode(db.get()) & 0xff) == SQLITE_BUSY;
      open_error(diag, path, busy ? busy_message(busy_timeout_ms)
                                  : "cannot set up the database: " + quote(error));
      return nullptr;
    }
    if (!begin_run(db, path, busy_timeout_ms, diag)) return nullptr;
    // Again under the write lock: another ingest may have written the file meanwhile,
    // and whether this run is the first decides how it writes (Statements::fresh).
    // (The transaction has page 1 allocated by now, so the page count cannot tell.)
    const Holds now = inspect(db, path, busy_timeout_ms, diag);
    if (now == Holds::refused) return nullptr;
    fresh = empty && now == Holds::nothing;
    if (!migrate(db, path, diag)) return nullptr;  // closing the Db rolls back
  }
  std::unique_ptr<Store> store(new Store());
  store->mode_ = mode;
  store->diag_ = &diag;
  store->run_ = std::make_unique<RunState>(path, diag);
  store->run_->fresh = fresh;
  store->stmts_ = std::make_unique<Statements>(std::move(db), *store->run_);
  Statements& s = *store->stmts_;
  store->db_ = s.db.get();
  if (!read_only) sqlite3_commit_hook(store->db_, &Store::refuse_unplanned_commit, store.get());
  if (std::string e = s.prepare_error(); !e.empty()) {
    open_error(diag, path, "cannot prepare the store's statements: " + quote(e));
    store->finished_ = true;  // nothing to roll back beyond what closing does
    return nullptr;
  }
  store->next_connection_id_ = store->run_->connection_base =
      s.db.query_int("SELECT coalesce(max(id), 0) + 1 FROM connections", 1);
  store->next_message_id_ = store->run_->message_base =
      s.db.query_int("SELECT coalesce(max(id), 0) + 1 FROM messages", 1);
  return store;
}

Store::~Store() {
  if (stmts_ && mode_ == Mode::read_write && !finished_) stmts_->db.exec("ROLLBACK");
}

// Only finish() commits. After a failed statement SQLite may have rolled the run's
// transaction back by itself (SQLITE_FULL does), leaving the connection in autocommit
// mode, where every later statement would commit on its own: this turns such a commit
// into a rollback.
int Store::refuse_unplanned_commit(void* store) {
  return static_cast<Store*>(store)->committing_ ? 0 : 1;
}

bool Store::write_failed() const { return run_ && run_->failure_seen.load(std::memory_order_relaxed); }

bool Store::writable(const char* what) {
  if (mode_ == Mode::read_write && run_->failed) {
    stmts_->check_batches();  // reports a failed insert once, if not yet
    return false;
  }
  if (mode_ == Mode::read_only) {
    diag_->problem(run_->path, std::string(what) + ": the database was opened read-only");
    return false;
  }
  if (finished_) {
    diag_->problem(run_->path, std::string(what) + ": the run is already finished");
    return false;
  }
  return true;
}

}  // namespace mailtls
