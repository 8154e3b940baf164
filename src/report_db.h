// Small RAII wrappers over SQLite for the report commands (summary, query, tlsrpt,
// report): every one of them only reads, so the database is opened read-only.
// TODO(reports): switch to the store's sqlite_util.h once it is merged.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mailtls {

class ReadOnlyDb {
 public:
  // Opens an existing file with SQLITE_OPEN_READONLY and sets PRAGMA query_only, so
  // that no statement run through this handle can change the file. Null on failure.
  static std::unique_ptr<ReadOnlyDb> open(const std::string& path, std::string& error);
  ~ReadOnlyDb();
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;
  sqlite3* handle() const { return db_; }

 private:
  explicit ReadOnlyDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// One prepared statement. Check ok() after construction and after step() returns false.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  sqlite3_stmt* get() const { return stmt_; }
  // The SQL after the first statement (what sqlite3_prepare_v2 left unparsed).
  std::string_view tail() const { return tail_; }

  // Binds a named parameter (":name") when the statement has it.
  void bind(const char* name, int64_t value);
  void bind(const char* name, const std::string& value);
  bool step();  // true: a row is ready; false: done, or an error (then !ok())

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const;
  // The same without a copy, for scans of many rows: valid until the next step().
  std::string_view view(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string_view tail_;
  std::string error_;
};

}  // namespace mailtls
