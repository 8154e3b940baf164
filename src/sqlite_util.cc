#include "sqlite_util.h"

#include <sqlite3.h>

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

Db Db::open_read_only(const std::string& path, std::string* error) {
  std::string message;
  // NOMUTEX: a reader uses its handle from one thread, and the mutex taken by every
  // sqlite3_column_*() call was an eighth of a summary's time over a million rows.
  Db d = open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &message);
  if (d.ok() && d.exec("PRAGMA query_only = 1", &message) != SQLITE_OK) d = Db();
  // Pages read through a memory map are not copied out of the page cache on a full scan;
  // nothing is written through this handle, so mmap's caveats about writes do not apply.
  if (d.ok() && d.exec("PRAGMA mmap_size = 1073741824", &message) != SQLITE_OK) d = Db();
  if (!d.ok()) {
    if (error) *error = path + ": " + message;
    return d;
  }
  // A report over a database that ingest is writing waits a little for its lock.
  sqlite3_busy_timeout(d.db_, 5000);
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

std::string insert_sql(std::string_view table, const std::vector<std::string>& columns,
                       size_t rows) {
  std::string sql = "INSERT OR FAIL INTO " + std::string(table) + " (";
  std::string tuple = "(";
  for (size_t c = 0; c < columns.size(); ++c) {
    sql += (c ? ", " : "") + columns[c];
    tuple += c ? ",?" : "?";
  }
  tuple += ")";
  sql += ") VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += (r ? "," : "") + tuple;
  return sql;
}

}  // namespace

BatchInsert::BatchInsert(sqlite3* db, std::string_view table,
                         const std::vector<std::string>& columns, int batch_rows)
    : columns_(columns.size()),
      batch_rows_(batch_rows > 0 ? static_cast<size_t>(batch_rows) : 1),
      full_(db, insert_sql(table, columns, batch_rows_)),
      single_(db, insert_sql(table, columns, 1)) {
  values_.reserve(columns_ * batch_rows_);
  if (!full_.ok()) record(full_);
  else if (!single_.ok()) record(single_);
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

void BatchInsert::bind_rows(Stmt& s, size_t first_value, size_t rows) {
  for (size_t k = 0; k < rows * columns_; ++k) {
    const Value& v = values_[first_value + k];
    int param = static_cast<int>(k + 1);
    switch (v.kind) {
      case Value::Kind::null: s.bind_null(param); break;
      case Value::Kind::integer: s.bind_int(param, v.i); break;
      case Value::Kind::text:
        s.bind_text(param, std::string_view(arena_).substr(static_cast<size_t>(v.i), v.len));
        break;
    }
  }
}

void BatchInsert::record(const Stmt& s) {
  if (rc_ != 0) return;  // keep the first failure: later ones usually follow from it
  rc_ = s.rc() ? s.rc() : 1;
  error_ = s.error();
}

int BatchInsert::flush() {
  size_t rows = pending_rows();
  if (rows > 0 && ok()) {
    size_t done = 0;
    for (; rows - done >= batch_rows_; done += batch_rows_) {
      bind_rows(full_, done * columns_, batch_rows_);
      if (full_.run() != 0) record(full_);
    }
    for (; done < rows; ++done) {
      bind_rows(single_, done * columns_, 1);
      if (single_.run() != 0) record(single_);
    }
  }
  values_.clear();
  arena_.clear();
  return rc_;
}

}  // namespace mailtls::sql
