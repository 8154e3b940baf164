#include "report_db.h"

namespace mailtls {

std::unique_ptr<ReadOnlyDb> ReadOnlyDb::open(const std::string& path, std::string& error) {
  sqlite3* db = nullptr;
  // NOMUTEX: a report uses its handle from one thread, and the mutex taken by every
  // sqlite3_column_*() call was an eighth of a summary's time over a million rows.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, "PRAGMA query_only = 1", nullptr, nullptr, nullptr);
  // Reading the pages through a memory map saves copying each one out of the page cache
  // on a full scan; nothing is written, so the usual caveats of mmap do not apply.
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, "PRAGMA mmap_size = 1073741824", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    error = path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return nullptr;
  }
  // A report over a database that ingest is writing waits a little for its lock.
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<ReadOnlyDb>(new ReadOnlyDb(db));
}

ReadOnlyDb::~ReadOnlyDb() { sqlite3_close(db_); }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db);
    return;
  }
  if (tail) tail_ = sql.substr(static_cast<size_t>(tail - sql.data()));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(const char* name, int64_t value) {
  if (int i = sqlite3_bind_parameter_index(stmt_, name)) sqlite3_bind_int64(stmt_, i, value);
}

void Statement::bind(const char* name, const std::string& value) {
  if (int i = sqlite3_bind_parameter_index(stmt_, name))
    sqlite3_bind_text(stmt_, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

bool Statement::step() {
  if (!stmt_) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
  return false;
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

}  // namespace mailtls
