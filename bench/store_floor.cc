// mailtls-store-floor: how long SQLite alone takes to write the rows of an ingest.
//
//   build/bench/mailtls-store-floor IN.db OUT.db
//
// IN.db is a database written by `mailtls ingest`. Each of its tables is read into memory
// (not timed), then written into OUT.db (replaced), a fresh database with the store's
// schema, its in-order indexes and its write pragmas, through the store's own row writer
// (sql::BatchInsert: INSERT OR FAIL ... SELECT from its buffer, 256 rows a statement), in
// one transaction; then the index built after the load and the commit. Nothing is parsed,
// matched, classified or handed between threads, and each table is written in one go in
// key order, which is kinder to the page cache than the ingest's interleaving: the time
// is a lower bound for any ingest that stores these rows, on this machine.
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "store/schema_sql.h"
#include "store/sqlite_util.h"

namespace {

using namespace mailtls;

double thread_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = thread_cpu_seconds();
  double wall_since() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  }
  double cpu_since() const { return thread_cpu_seconds() - cpu; }
};

// One table's rows as the writer would add them: a value kind per column, integers and
// text (the store writes no other kind; `sources` has one REAL column and is copied by
// SQL, it holds one row per input).
struct Rows {
  std::vector<std::string> columns;
  std::vector<int> kinds;  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_NULL
  std::vector<int64_t> ints;
  std::vector<std::pair<size_t, size_t>> texts;  // offset, length in `arena`
  std::string arena;
  size_t count = 0;
};

std::vector<std::string> table_names(sql::Db& db) {
  std::vector<std::string> out;
  sql::Stmt q(db.get(),
              "SELECT name FROM src.sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'"
              " ORDER BY rootpage");
  while (q.row()) out.emplace_back(q.text(0));
  return out;
}

bool load(sql::Db& db, const std::string& table, Rows& rows, std::string& error) {
  sql::Stmt q(db.get(), "SELECT * FROM src." + table);
  if (!q.ok()) {
    error = q.error();
    return false;
  }
  const int n = sqlite3_column_count(q.get());
  for (int c = 0; c < n; ++c) rows.columns.emplace_back(sqlite3_column_name(q.get(), c));
  while (q.row()) {
    for (int c = 0; c < n; ++c) {
      const int kind = sqlite3_column_type(q.get(), c);
      if (kind == SQLITE_INTEGER) {
        rows.ints.push_back(q.int64(c));
      } else if (kind == SQLITE_TEXT) {
        const std::string_view t = q.text(c);
        rows.texts.emplace_back(rows.arena.size(), t.size());
        rows.arena.append(t);
      } else if (kind != SQLITE_NULL) {
        error = table + "." + rows.columns[c] + " holds a value that is neither integer nor text";
        return false;
      }
      rows.kinds.push_back(kind);
    }
    ++rows.count;
  }
  return true;
}

// Writes `rows` through BatchInsert, value by value as the store adds them.
bool write(sql::Db& db, const std::string& table, const Rows& rows, std::string& error) {
  sql::BatchInsert out(db.get(), table, rows.columns);
  size_t i = 0, t = 0;
  for (int kind : rows.kinds) {
    if (kind == SQLITE_INTEGER) out.add_int(rows.ints[i++]);
    else if (kind == SQLITE_TEXT) {
      const auto [at, len] = rows.texts[t++];
      out.add_text(std::string_view(rows.arena).substr(at, len));
    } else out.add_null();
  }
  if (out.flush() != SQLITE_OK || !out.ok()) {
    error = table + ": " + out.error();
    return false;
  }
  return true;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "mailtls-store-floor: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mailtls-store-floor IN.db OUT.db\n");
    return 2;
  }
  const std::string in = argv[1], out = argv[2];
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec)) return fail("IN and OUT are the same file");
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(out + suffix, ec);

  std::string error;
  sql::Db db = sql::Db::open(out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, &error);
  if (!db.ok()) return fail(out + ": " + error);
  // As Store opens a new database (src/store/store_open.cc: set_write_pragmas, skip_checks, migrate).
  const std::string setup =
      "PRAGMA page_size=16384; PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;"
      " PRAGMA cache_size=-65536; PRAGMA temp_store=FILE; PRAGMA ignore_check_constraints=ON;";
  if (db.exec(setup, &error) != SQLITE_OK || db.exec(kSchemaSql, &error) != SQLITE_OK ||
      db.exec(kSchemaIndexesSql, &error) != SQLITE_OK)
    return fail(out + ": " + error);
  sql::Stmt attach(db.get(), "ATTACH ?1 AS src");
  attach.bind_text(1, in);
  if (attach.run() != SQLITE_OK) return fail(in + ": " + attach.error());
  if (db.exec("BEGIN IMMEDIATE", &error) != SQLITE_OK) return fail(error);

  std::printf("%-28s %10s %9s %9s\n", "table", "rows", "wall s", "CPU s");
  double wall = 0, cpu = 0;
  size_t total_rows = 0;
  for (const std::string& table : table_names(db)) {
    Clock c;
    if (table == "sources") {
      if (db.exec("INSERT INTO main.sources SELECT * FROM src.sources", &error) != SQLITE_OK)
        return fail("sources: " + error);
    } else {
      Rows rows;
      if (!load(db, table, rows, error)) return fail(error);
      c = Clock();
      if (!write(db, table, rows, error)) return fail(error);
      total_rows += rows.count;
      std::printf("%-28s %10zu %9.3f %9.3f\n", table.c_str(), rows.count, c.wall_since(), c.cpu_since());
    }
    wall += c.wall_since();
    cpu += c.cpu_since();
  }
  Clock late;
  if (db.exec(kSchemaLateIndexesSql, &error) != SQLITE_OK) return fail(error);
  std::printf("%-28s %10s %9.3f %9.3f\n", "index built after the load", "", late.wall_since(), late.cpu_since());
  wall += late.wall_since();
  cpu += late.cpu_since();
  Clock commit;
  if (db.exec("COMMIT", &error) != SQLITE_OK) return fail(error);
  std::printf("%-28s %10s %9.3f %9.3f\n", "commit", "", commit.wall_since(), commit.cpu_since());
  wall += commit.wall_since();
  cpu += commit.cpu_since();
  std::printf("%-28s %10zu %9.3f %9.3f\n", "total", total_rows, wall, cpu);
  return 0;
}
