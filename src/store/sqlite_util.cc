#include "store/sqlite_util.h"

#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <new>
#include <string>
#include <utility>

namespace mailtls::sql {

// ---- Db ----

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Db Db::open(const std::string& path, int flags, std::string* error) {
  Db d;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    // The handle exists even on failure (unless out of memory) and carries the message.
    if (error) *error = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return d;
  }
  d.db_ = raw;
  return d;
}

namespace {

// A path as a "file:" URI (RFC 3986), for the query parameters of a read-only open.
std::string file_uri(const std::string& path, const char* parameters) {
  static const char digits[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += digits[c >> 4];
      uri += digits[c & 15];
    }
  }
  return uri + "?" + parameters;
}

int first_read(Db& db, std::string* message) {
  return db.exec("SELECT count(*) FROM sqlite_schema", message);
}

}  // namespace

Db Db::open_read_only(const std::string& path, std::string* error) {
  std::string message;
  Db d = open_reader(path, &message);
  if (!d.ok() && error) *error = path + ": " + message;
  return d;
}

Db Db::open_reader(const std::string& path, std::string* error) {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return Db();
  };
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail("no such database (run `mailtls ingest` first)");
  std::string message;
  // NOMUTEX: a reader uses its handle from one thread, and the mutex taken by every
  // sqlite3_column_*() call was an eighth of a summary's time over a million rows.
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  Db d = open(path, flags, &message);
  if (!d.ok()) return fail(message);
  // A report over a database that ingest is writing waits a little for its lock.
  sqlite3_busy_timeout(d.db_, kReaderBusyMs);
  int rc = first_read(d, &message) & 0xff;
  if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) {
    // A WAL database in a directory (or on a medium) this process cannot write: SQLite
    // cannot create the -shm file that WAL readers share. No writer can be at work there
    // either, so the file is read as immutable, which needs no -shm; unless a -wal file
    // holds changes not yet copied into the database, which an immutable open would not
    // see.
    const auto wal = std::filesystem::file_size(path + "-wal", ec);
    if (!ec && wal > 0)
      return fail("cannot read the database: its directory is read-only and " + path +
                  "-wal holds changes not yet in the database file; copy both files to a "
                  "writable directory and read the copy");
    d = open(file_uri(path, "immutable=1"), flags | SQLITE_OPEN_URI, &message);
    if (!d.ok()) return fail(message);
    rc = first_read(d, &message) & 0xff;
  }
  if (rc == SQLITE_BUSY)
    return fail("the database is being written by an ingest and cannot be read until it has "
                "committed (waited " + std::to_string(kReaderBusyMs / 1000) +
                " s); try again when the ingest has finished");
  if (rc == SQLITE_NOTADB) return fail("not a SQLite database");
  if (rc != SQLITE_OK) return fail(message);
  if (d.query_int("PRAGMA page_count", -1) == 0)
    return fail("the database is empty: no ingest has committed to it yet (a first ingest "
                "may be writing it now); try again when it has finished");
  if (d.exec("PRAGMA query_only = 1", &message) != SQLITE_OK) return fail(message);
  // Pages read through a memory map are not copied out of the page cache on a full scan;
  // nothing is written through this handle, so mmap's caveats about writes do not apply.
  if (d.exec("PRAGMA mmap_size = 1073741824", &message) != SQLITE_OK) return fail(message);
  return d;
}

std::string Db::errmsg() const { return db_ ? sqlite3_errmsg(db_) : "database not open"; }

int Db::exec(const std::string& sql, std::string* error) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK && error) *error = msg ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  return rc;
}

int64_t Db::query_int(const std::string& sql, int64_t fallback) {
  Stmt s(db_, sql);
  if (s.row() && !s.is_null(0)) fallback = s.int64(0);
  s.reset();
  return fallback;
}

// ---- Stmt ----

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  // PERSISTENT: these statements live for the whole run, so SQLite should not take
  // their memory from its short-lived lookaside pool.
  const char* tail = nullptr;
  rc_ = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
  if (tail) tail_ = sql.substr(static_cast<size_t>(tail - sql.data()));
  if (rc_ != SQLITE_OK) {
    error_ = sqlite3_errmsg(db);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), stepped_(o.stepped_), rc_(o.rc_),
      error_(std::move(o.error_)), tail_(o.tail_) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = std::exchange(o.stmt_, nullptr);
    stepped_ = o.stepped_;
    rc_ = o.rc_;
    error_ = std::move(o.error_);
    tail_ = o.tail_;
  }
  return *this;
}

void Stmt::ready() {
  if (stepped_) reset();
}

void Stmt::fail(int rc) {
  rc_ = rc;
  error_ = sqlite3_errmsg(db_);
}

Stmt& Stmt::bind_int(int i, int64_t v) {
  ready();
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::bind_double(int i, double v) {
  ready();
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view v) {
  ready();
  // A non-null pointer even for "" so that empty text stays text, not NULL.
  sqlite3_bind_text(stmt_, i, v.data() ? v.data() : "", static_cast<int>(v.size()),
                    SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  ready();
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Stmt& Stmt::bind_text_or_null(int i, std::string_view v) {
  return v.empty() ? bind_null(i) : bind_text(i, v);
}

Stmt& Stmt::bind_int_or_null(int i, int64_t v, int64_t unknown) {
  return v == unknown ? bind_null(i) : bind_int(i, v);
}

Stmt& Stmt::bind_int(const char* name, int64_t v) {
  if (int i = stmt_ ? sqlite3_bind_parameter_index(stmt_, name) : 0) bind_int(i, v);
  return *this;
}

Stmt& Stmt::bind_text(const char* name, std::string_view v) {
  if (int i = stmt_ ? sqlite3_bind_parameter_index(stmt_, name) : 0) bind_text(i, v);
  return *this;
}

bool Stmt::row() {
  if (!stmt_) return false;
  stepped_ = true;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) fail(rc);
  else rc_ = SQLITE_OK;
  reset();
  return false;
}

int Stmt::run() {
  if (!stmt_) return rc_ ? rc_ : SQLITE_MISUSE;
  while (row()) {
  }
  return rc_;
}

void Stmt::reset() {
  // sqlite3_reset repeats the last step's error code; row() has already recorded it.
  if (stmt_) sqlite3_reset(stmt_);
  stepped_ = false;
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string_view Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

// ---- BatchInsert ----

namespace {

// The virtual table mailtls_rows: an eponymous table-valued function whose one argument
// is a BatchInsert (passed with sqlite3_bind_pointer) and whose rows are the rows that
// BatchInsert buffers. Columns c0..c31 are the buffered values; `batch` is the hidden
// argument column.
constexpr const char* kRowsModule = "mailtls_rows";
constexpr const char* kRowsPointerType = "mailtls::sql::BatchInsert";

struct RowsCursor {
  sqlite3_vtab_cursor base{};  // first: SQLite casts between the two
  const BatchInsert* batch = nullptr;
  size_t row = 0;
};

int rows_connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  std::string schema = "CREATE TABLE x(";
  for (size_t c = 0; c < BatchInsert::kMaxColumns; ++c) {
    schema += 'c';
    schema += std::to_string(c);
    schema += ',';
  }
  schema += "batch HIDDEN)";
  int rc = sqlite3_declare_vtab(db, schema.c_str());
  if (rc != SQLITE_OK) return rc;
  auto* vtab = static_cast<sqlite3_vtab*>(sqlite3_malloc(sizeof(sqlite3_vtab)));
  if (!vtab) return SQLITE_NOMEM;
  *vtab = sqlite3_vtab{};
  *out = vtab;
  return SQLITE_OK;
}

int rows_disconnect(sqlite3_vtab* vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

// The one plan: the `batch` argument given by equality; without it there are no rows.
int rows_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn == static_cast<int>(BatchInsert::kMaxColumns) && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      if (!c.usable) return SQLITE_CONSTRAINT;
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->idxNum = 1;
      info->estimatedCost = 1;
      return SQLITE_OK;
    }
  }
  info->idxNum = 0;
  info->estimatedCost = 1e12;
  return SQLITE_OK;
}

int rows_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new (std::nothrow) RowsCursor();
  if (!cursor) return SQLITE_NOMEM;
  *out = &cursor->base;
  return SQLITE_OK;
}

int rows_close(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<RowsCursor*>(cur);
  return SQLITE_OK;
}

int rows_filter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<RowsCursor*>(cur);
  cursor->row = 0;
  cursor->batch = idx_num == 1 && argc == 1
                      ? static_cast<const BatchInsert*>(sqlite3_value_pointer(argv[0], kRowsPointerType))
                      : nullptr;
  return SQLITE_OK;
}

int rows_next(sqlite3_vtab_cursor* cur) {
  ++reinterpret_cast<RowsCursor*>(cur)->row;
  return SQLITE_OK;
}

int rows_eof(sqlite3_vtab_cursor* cur) {
  const auto* cursor = reinterpret_cast<RowsCursor*>(cur);
  return !cursor->batch || cursor->row >= cursor->batch->pending_rows();
}

int rows_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
  const auto* cursor = reinterpret_cast<RowsCursor*>(cur);
  const BatchInsert& b = *cursor->batch;
  if (column < 0 || static_cast<size_t>(column) >= b.columns()) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const BatchInsert::Value& v = b.value(cursor->row, static_cast<size_t>(column));
  switch (v.kind) {
    case BatchInsert::Value::Kind::null: sqlite3_result_null(ctx); break;
    case BatchInsert::Value::Kind::integer: sqlite3_result_int64(ctx, v.i); break;
    case BatchInsert::Value::Kind::text: {
      // SQLITE_STATIC: the buffer outlives the statement's step, which copies the text
      // into the row it builds.
      const std::string_view t = b.text(v);
      sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
      break;
    }
  }
  return SQLITE_OK;
}

int rows_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(reinterpret_cast<RowsCursor*>(cur)->row);
  return SQLITE_OK;
}

sqlite3_module rows_module() {
  sqlite3_module m{};
  m.iVersion = 1;
  m.xCreate = nullptr;  // eponymous only: used as mailtls_rows(?1), never created
  m.xConnect = rows_connect;
  m.xBestIndex = rows_best_index;
  m.xDisconnect = rows_disconnect;
  m.xDestroy = rows_disconnect;
  m.xOpen = rows_open;
  m.xClose = rows_close;
  m.xFilter = rows_filter;
  m.xNext = rows_next;
  m.xEof = rows_eof;
  m.xColumn = rows_column;
  m.xRowid = rows_rowid;
  return m;
}

// Registers mailtls_rows on `db` unless a statement naming it already compiles there (a
// BatchInsert registered it before: registering again would replace the module under
// the statements prepared with it).
int ensure_rows_module(sqlite3* db) {
  sqlite3_stmt* probe = nullptr;
  const std::string sql = std::string("SELECT c0 FROM ") + kRowsModule + "(NULL)";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &probe, nullptr) == SQLITE_OK) {
    sqlite3_finalize(probe);
    return SQLITE_OK;
  }
  sqlite3_finalize(probe);
  static const sqlite3_module kModule = rows_module();  // constant, shared by connections
  return sqlite3_create_module_v2(db, kRowsModule, &kModule, nullptr, nullptr);
}

std::string insert_sql(std::string_view table, const std::vector<std::string>& columns) {
  std::string sql = "INSERT OR FAIL INTO " + std::string(table) + " (";
  std::string select = "SELECT ";
  for (size_t c = 0; c < columns.size(); ++c) {
    sql += (c ? ", " : "") + columns[c];
    select += c ? ", c" : "c";
    select += std::to_string(c);
  }
  return sql + ") " + select + " FROM " + kRowsModule + "(?1)";
}

}  // namespace

BatchInsert::BatchInsert(sqlite3* db, std::string_view table,
                         const std::vector<std::string>& columns, int batch_rows)
    : columns_(columns.size()), batch_rows_(batch_rows > 0 ? static_cast<size_t>(batch_rows) : 1) {
  if (columns_ == 0 || columns_ > kMaxColumns) {
    record(SQLITE_MISUSE, "BatchInsert into " + std::string(table) + ": " +
                              std::to_string(columns_) + " columns (1 to " +
                              std::to_string(kMaxColumns) + " allowed)");
    return;
  }
  if (int rc = ensure_rows_module(db); rc != SQLITE_OK) {
    record(rc, std::string("cannot register the virtual table ") + kRowsModule + ": " +
                   sqlite3_errmsg(db));
    return;
  }
  insert_ = Stmt(db, insert_sql(table, columns));
  if (!insert_.ok()) record(insert_);
  values_.reserve(columns_ * batch_rows_);
}

BatchInsert& BatchInsert::add_int(int64_t v) {
  values_.push_back({Value::Kind::integer, v, 0});
  added();
  return *this;
}

BatchInsert& BatchInsert::add_text(std::string_view v) {
  values_.push_back({Value::Kind::text, static_cast<int64_t>(arena_.size()), v.size()});
  arena_.append(v);
  added();
  return *this;
}

BatchInsert& BatchInsert::add_null() {
  values_.push_back({Value::Kind::null, 0, 0});
  added();
  return *this;
}

BatchInsert& BatchInsert::add_text_or_null(std::string_view v) {
  return v.empty() ? add_null() : add_text(v);
}

BatchInsert& BatchInsert::add_int_or_null(int64_t v, int64_t unknown) {
  return v == unknown ? add_null() : add_int(v);
}

void BatchInsert::added() {
  if (values_.size() == columns_ * batch_rows_) flush();
}

void BatchInsert::record(const Stmt& s) { record(s.rc() ? s.rc() : 1, s.error()); }

void BatchInsert::record(int rc, const std::string& message) {
  if (rc_ != 0) return;  // keep the first failure: later ones usually follow from it
  rc_ = rc;
  error_ = message;
}

int BatchInsert::flush() {
  const bool halted = rc_ != SQLITE_OK || (failed_ && *failed_);
  if (pending_rows() > 0 && ok() && !halted) {
    sqlite3_bind_pointer(insert_.get(), 1, this, kRowsPointerType, nullptr);
    if (insert_.run() != SQLITE_OK) {
      record(insert_);
      if (failed_) *failed_ = true;
    }
  }
  values_.clear();
  arena_.clear();
  return rc_;
}

}  // namespace mailtls::sql
