// sql::BatchInsert, the store's row writer, against real SQLite files: every value kind
// arrives as added, rows cross batch boundaries in order, failures are reported, and the
// mailtls_rows virtual table it reads through serves several writers and connections.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "child_process.h"
#include "store/sqlite_util.h"

using namespace mailtls;

namespace {

using testing::TempDir;

sql::Db open_db(const std::string& path) {
  std::string error;
  sql::Db db = sql::Db::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, &error);
  REQUIRE(db.ok());
  return db;
}

// Each row of `sql` as "v1|v2|...", NULL shown as "NULL" and text quoted.
std::vector<std::string> rows(sql::Db& db, const std::string& sql) {
  std::vector<std::string> out;
  sql::Stmt q(db.get(), sql);
  REQUIRE(q.ok());
  while (q.row()) {
    std::string r;
    for (int c = 0; c < sqlite3_column_count(q.get()); ++c) {
      if (c) r += '|';
      switch (sqlite3_column_type(q.get(), c)) {
        case SQLITE_NULL: r += "NULL"; break;
        case SQLITE_INTEGER: r += std::to_string(q.int64(c)); break;
        default: r += "'" + std::string(q.text(c)) + "'";
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace

TEST_CASE("a batch insert stores integers, text and NULLs exactly as added", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER, d TEXT)") == SQLITE_OK);
  sql::BatchInsert ins(db.get(), "t", {"a", "b", "c", "d"}, 4);
  REQUIRE(ins.ok());
  const std::string with_nul("x\0y", 3);
  ins.add_int(-9223372036854775807LL - 1).add_text("it's \"quoted\", ünïcode").add_null().add_text("");
  ins.add_int(0).add_text(with_nul).add_int_or_null(5).add_text_or_null("");
  ins.add_int(9223372036854775807LL).add_text(std::string(100000, 'z')).add_int_or_null(-1, -1).add_text("end");
  REQUIRE(ins.pending_rows() == 3);
  REQUIRE(ins.flush() == SQLITE_OK);
  REQUIRE(ins.pending_rows() == 0);

  const auto got = rows(db, "SELECT a, b, c, d FROM t WHERE length(b) < 1000 ORDER BY rowid");
  REQUIRE(got == std::vector<std::string>{"-9223372036854775808|'it's \"quoted\", ünïcode'|NULL|''",
                                          std::string("0|'x\0y'|5|NULL", 14)});
  // Text keeps its length and bytes, an embedded NUL included; the long one is whole.
  CHECK(rows(db, "SELECT length(CAST(b AS BLOB)), hex(b) FROM t WHERE rowid = 2") ==
        std::vector<std::string>{"3|'780079'"});
  CHECK(rows(db, "SELECT a, length(b), substr(b, 99998), c, d FROM t WHERE rowid = 3") ==
        std::vector<std::string>{"9223372036854775807|100000|'zzz'|NULL|'end'"});
  CHECK(rows(db, "SELECT typeof(a), typeof(b), typeof(c), typeof(d) FROM t WHERE rowid = 1") ==
        std::vector<std::string>{"'integer'|'text'|'null'|'text'"});
}

TEST_CASE("a batch insert writes each full batch at once and keeps the order of rows", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE t (n INTEGER, s TEXT)") == SQLITE_OK);
  sql::BatchInsert ins(db.get(), "t", {"n", "s"}, 8);
  REQUIRE(ins.ok());
  for (int i = 0; i < 21; ++i) {
    ins.add_int(i).add_text("row " + std::to_string(i));
    // Written when the 8th, 16th row is complete; the rest waits for flush().
    CHECK(ins.pending_rows() == static_cast<size_t>((i + 1) % 8));
    CHECK(db.query_int("SELECT count(*) FROM t") == (i + 1) / 8 * 8);
  }
  REQUIRE(ins.flush() == SQLITE_OK);
  REQUIRE(db.query_int("SELECT count(*) FROM t") == 21);
  CHECK(db.query_int("SELECT count(*) FROM t WHERE rowid != n + 1 OR s != 'row ' || n") == 0);
  CHECK(ins.flush() == SQLITE_OK);  // nothing pending: no row added
  CHECK(db.query_int("SELECT count(*) FROM t") == 21);
}

TEST_CASE("a batch insert that breaks a key reports SQLite's error and keeps it", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)") == SQLITE_OK);
  sql::BatchInsert ins(db.get(), "t", {"k", "v"}, 4);
  ins.add_int(1).add_text("one").add_int(2).add_text("two");
  REQUIRE(ins.flush() == SQLITE_OK);
  ins.add_int(3).add_text("three").add_int(1).add_text("again");
  CHECK(ins.flush() == SQLITE_CONSTRAINT);
  CHECK(ins.rc() == SQLITE_CONSTRAINT);
  CHECK(ins.error().find("UNIQUE constraint failed: t.k") != std::string::npos);
  // OR FAIL: the rows before the failing one stay, the failing one and those after it
  // do not; the transaction, if any, is the caller's to roll back.
  CHECK(rows(db, "SELECT k, v FROM t ORDER BY k") ==
        std::vector<std::string>{"1|'one'", "2|'two'", "3|'three'"});
  // The first failure is the one kept.
  ins.add_int(4).add_null();
  CHECK(ins.flush() == SQLITE_CONSTRAINT);
  CHECK(ins.error().find("UNIQUE") != std::string::npos);
}

TEST_CASE("a batch insert into a table or columns that do not exist says so", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE t (a INTEGER)") == SQLITE_OK);
  sql::BatchInsert no_table(db.get(), "missing", {"a"});
  CHECK_FALSE(no_table.ok());
  CHECK(no_table.error().find("no such table: missing") != std::string::npos);
  sql::BatchInsert no_column(db.get(), "t", {"a", "b"});
  CHECK_FALSE(no_column.ok());
  CHECK(no_column.error().find("no column named b") != std::string::npos);
  std::vector<std::string> many;
  for (size_t i = 0; i <= sql::BatchInsert::kMaxColumns; ++i) many.push_back("c" + std::to_string(i));
  sql::BatchInsert too_wide(db.get(), "t", many);
  CHECK_FALSE(too_wide.ok());
  CHECK(too_wide.error().find("33 columns (1 to 32 allowed)") != std::string::npos);
  // Adding to a writer that could not be prepared writes nothing and keeps the error.
  no_table.add_int(1);
  CHECK(no_table.flush() != SQLITE_OK);
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);
}

TEST_CASE("several batch inserts on one or two connections each write their own rows", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE a (x INTEGER, y TEXT); CREATE TABLE b (p TEXT, q INTEGER, r INTEGER)") ==
          SQLITE_OK);
  sql::BatchInsert to_a(db.get(), "a", {"x", "y"}, 3);
  sql::BatchInsert to_b(db.get(), "b", {"p", "q", "r"}, 2);
  REQUIRE(to_a.ok());
  REQUIRE(to_b.ok());
  for (int i = 0; i < 7; ++i) {
    to_a.add_int(i).add_text("a" + std::to_string(i));
    to_b.add_text("b" + std::to_string(i)).add_int(i * 10).add_null();
  }
  REQUIRE(to_a.flush() == SQLITE_OK);
  REQUIRE(to_b.flush() == SQLITE_OK);
  CHECK(db.query_int("SELECT count(*) FROM a WHERE y = 'a' || x") == 7);
  CHECK(db.query_int("SELECT count(*) FROM b WHERE p = 'b' || (q / 10) AND r IS NULL") == 7);

  // A second connection to another file registers the virtual table for itself.
  TempDir other;
  sql::Db db2 = open_db(other.db());
  REQUIRE(db2.exec("CREATE TABLE a (x INTEGER, y TEXT)") == SQLITE_OK);
  sql::BatchInsert to_a2(db2.get(), "a", {"x", "y"});
  REQUIRE(to_a2.ok());
  to_a2.add_int(42).add_text("elsewhere");
  REQUIRE(to_a2.flush() == SQLITE_OK);
  CHECK(rows(db2, "SELECT x, y FROM a") == std::vector<std::string>{"42|'elsewhere'"});
  CHECK(db.query_int("SELECT count(*) FROM a") == 7);
}

TEST_CASE("the row source of a batch insert reads nothing without its writer", "[store][batch]") {
  TempDir dir;
  sql::Db db = open_db(dir.db());
  REQUIRE(db.exec("CREATE TABLE t (a INTEGER)") == SQLITE_OK);
  sql::BatchInsert ins(db.get(), "t", {"a"});
  REQUIRE(ins.ok());
  // A query (or a user's SQL) naming the table-valued function without the pointer the
  // writer binds gets no rows, never a crash.
  CHECK(db.query_int("SELECT count(*) FROM mailtls_rows(NULL)", -1) == 0);
  CHECK(db.query_int("SELECT count(*) FROM mailtls_rows(42)", -1) == 0);
  CHECK(db.query_int("SELECT count(*) FROM mailtls_rows('text')", -1) == 0);
  CHECK(db.query_int("SELECT count(*) FROM mailtls_rows", -1) == 0);
}
