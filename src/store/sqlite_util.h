// Small RAII wrappers over the SQLite C API, shared by the store and the commands that
// read the database (query, summary, report...). No exceptions: every object that can
// fail carries ok()/error(), and result codes are SQLite's own (SQLITE_OK, ...).
//
//   sql::Db db = sql::Db::open(path, SQLITE_OPEN_READONLY, &err);
//   sql::Stmt s(db.get(), "SELECT id FROM connections WHERE domain = ?1");
//   s.bind_text(1, domain);
//   while (s.row()) use(s.int64(0));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace mailtls::sql {

// An open database connection; closes it when destroyed.
class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // `flags` are sqlite3_open_v2 flags. On failure returns a closed Db and sets *error
  // to SQLite's message.
  static Db open(const std::string& path, int flags, std::string* error);
  // For the commands that only read (query, summary, tlsrpt, report, explain): the file
  // must exist, is opened SQLITE_OPEN_READONLY with PRAGMA query_only, so no statement
  // run through this handle can change it, and waits up to 5 s for the lock of an ingest
  // writing it. A database in a read-only directory or on a read-only medium is opened
  // immutable (unless its -wal holds changes). Fails with a message meant for the user
  // when an ingest holds the lock ("being written ... try again") or the database is
  // empty (a first ingest has not committed). *error gets "<path>: <message>".
  static Db open_read_only(const std::string& path, std::string* error);
  // The same; *error gets the message alone.
  static Db open_reader(const std::string& path, std::string* error);
  static constexpr int kReaderBusyMs = 5000;

  bool ok() const { return db_ != nullptr; }
  sqlite3* get() const { return db_; }
  std::string errmsg() const;

  // Runs one or more statements that return no rows we need. Returns the result code;
  // on failure *error (when given) gets SQLite's message.
  int exec(const std::string& sql, std::string* error = nullptr);
  // The first column of the first row of `sql`, or `fallback` when there is no row or
  // the value is NULL.
  int64_t query_int(const std::string& sql, int64_t fallback = 0);

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement, meant to be prepared once and reused. Binding after a step
// resets it first, so a caller never needs to call reset() between uses.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);  // check ok()
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  int rc() const { return rc_; }                // last result code
  // Nothing has failed: the SQL was prepared and no step has returned an error. Check
  // after the row() loop; ok() alone says nothing about the steps.
  bool succeeded() const { return rc_ == 0; }
  sqlite3_stmt* get() const { return stmt_; }   // for column metadata (types, names)
  // The SQL after the first statement, which prepare left unparsed (empty when the
  // whole text was one statement): a view into the SQL given. `mailtls query` refuses a second statement with it.
  std::string_view tail() const { return tail_; }
  const std::string& error() const { return error_; }  // message of the last failure

  // Parameters are 1-based, as in SQLite. Text is bound without copying: the caller
  // keeps it alive until the statement has been stepped.
  Stmt& bind_int(int i, int64_t v);
  Stmt& bind_double(int i, double v);
  Stmt& bind_text(int i, std::string_view v);
  Stmt& bind_null(int i);
  // NULL for "unknown": empty text, or an integer equal to `unknown`.
  Stmt& bind_text_or_null(int i, std::string_view v);
  Stmt& bind_int_or_null(int i, int64_t v, int64_t unknown = 0);
  // By name (":name"), for SQL assembled from optional clauses: a name the statement
  // does not have is skipped, so callers can bind every value whatever was assembled.
  Stmt& bind_int(const char* name, int64_t v);
  Stmt& bind_text(const char* name, std::string_view v);

  // Steps once: true when a row is available. At the end (or on an error, see rc()) the
  // statement is reset, so it releases its read locks and can be bound again.
  bool row();
  // Steps to the end and resets; SQLITE_OK on success.
  int run();
  void reset();

  // Columns of the current row, 0-based. NULL reads as 0 / empty.
  int64_t int64(int col) const;
  double real(int col) const;
  std::string_view text(int col) const;
  std::string str(int col) const { return std::string(text(col)); }
  bool is_null(int col) const;

 private:
  void ready();  // resets a statement that was stepped before binding again
  void fail(int rc);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool stepped_ = false;
  int rc_ = 0;
  std::string error_;
  std::string_view tail_;
};

// Buffers rows for one table and writes them with one statement per `batch_rows` rows:
// "INSERT OR FAIL INTO t (a, b) SELECT c0, c1 FROM mailtls_rows(?1)", where mailtls_rows
// is a virtual table (registered on the connection by the first BatchInsert) that hands
// SQLite the buffered values straight from this object's buffer. SQLite then inserts the
// rows as it does for INSERT ... SELECT, without a bound parameter per value or the
// compound SELECT a multi-row VALUES list compiles to, and any number of rows fits one
// statement: the writer thread ran 6.6% fewer instructions than with VALUES lists of
// 16-64 rows (callgrind, docs/performance.md). Values are copied into the buffer, so the
// caller's strings need not outlive add(). Rows are written in the order added; call flush()
// before reading the table or deleting from it.
//
// OR FAIL, not the default ABORT: a multi-row statement that may abort makes SQLite keep a
// statement journal, a copy of every page the statement changes that the transaction
// already held, so that the statement alone can be undone. Inside one long transaction
// that is nearly every page written: 2 GB of temporary-file writes for 160 MB of database
// (measured at 209 MB of logs). A failed insert fails the whole run, which rolls the
// transaction back, so undoing one statement is never needed. A row that would replace
// one with the same key is a failure: the caller deletes the old row first.
class BatchInsert {
 public:
  // At most kMaxColumns columns.
  BatchInsert(sqlite3* db, std::string_view table, const std::vector<std::string>& columns,
              int batch_rows = 256);
  static constexpr size_t kMaxColumns = 32;
  bool ok() const { return insert_.ok(); }
  int rc() const { return rc_; }  // first failure, SQLITE_OK when none
  const std::string& error() const { return error_; }

  // A row is `columns.size()` values added in column order; a full batch is written
  // as soon as its last value is added.
  BatchInsert& add_int(int64_t v);
  BatchInsert& add_text(std::string_view v);
  BatchInsert& add_null();
  BatchInsert& add_text_or_null(std::string_view v);
  BatchInsert& add_int_or_null(int64_t v, int64_t unknown = 0);

  // Writes the buffered rows. Returns SQLITE_OK or the first failure.
  int flush();
  // Shares one failure flag among the inserts of a run: a failure of any of them sets
  // it, and once it is set no insert writes again (its rows are dropped). After a failed
  // statement SQLite may have rolled the whole transaction back on its own (a full disk
  // does), and a later insert would then run, and commit, on its own.
  void halt_on(bool* failed) { failed_ = failed; }
  size_t pending_rows() const { return values_.size() / columns_; }

  // What the virtual table reads: value `column` of buffered row `row`.
  struct Value {
    enum class Kind : uint8_t { null, integer, text } kind;
    int64_t i;    // the integer, or the text's offset in arena_
    size_t len;   // text length
  };
  size_t columns() const { return columns_; }
  const Value& value(size_t row, size_t column) const { return values_[row * columns_ + column]; }
  std::string_view text(const Value& v) const {
    return std::string_view(arena_).substr(static_cast<size_t>(v.i), v.len);
  }

 private:
  void added();
  void record(const Stmt& s);
  void record(int rc, const std::string& message);
  size_t columns_;
  size_t batch_rows_;
  std::vector<Value> values_;
  std::string arena_;
  Stmt insert_;
  int rc_ = 0;
  std::string error_;
  bool* failed_ = nullptr;
};

}  // namespace mailtls::sql
