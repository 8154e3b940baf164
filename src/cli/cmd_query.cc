// `mailtls query`: one read-only SQL statement over the store, printed as a table that
// fits the terminal, JSON (an array of objects with typed values) or CSV.
//
// Four locks keep the database unchanged, because a query is often pasted from
// somewhere: the file is opened SQLITE_OPEN_READONLY with PRAGMA query_only; an
// authorizer refuses ATTACH, DETACH and any PRAGMA not known to only read; and a
// statement for which sqlite3_stmt_readonly() is false is refused before it runs.
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <charconv>
#include <cstdio>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include "cli/commands.h"
#include "base/data_dir.h"
#include "store/sqlite_util.h"
#include "report/table_format.h"
#include "render/texts.h"

namespace mailtls {
namespace {

using Json = nlohmann::ordered_json;

// The texts of locales/en/ui.toml ([query]); the key itself when they cannot be loaded.
class Say {
 public:
  Say() {
    Diagnostics diag;
    texts_ = Texts::load(resolve_data_dir("") / "locales", "en", diag);
  }
  std::string operator()(std::string_view key, const std::map<std::string, std::string>& vars = {}) const {
    return texts_ ? texts_->render(key, vars) : std::string(key);
  }

 private:
  std::unique_ptr<Texts> texts_;
};

constexpr int kMaxValueBytes = 16 << 20;
constexpr sqlite3_int64 kMaxHeapBytes = sqlite3_int64{512} << 20;

constexpr const char* kRefused =
    "mailtls query: refused: only a read-only statement can run (SELECT, WITH, EXPLAIN, "
    "VALUES, or a PRAGMA that only reads); the database is never changed";

// PRAGMAs that read whatever their argument (a table or index name, a row limit).
bool pragma_reads_with_argument(const std::string& name) {
  static const std::set<std::string> names = {
      "table_info", "table_xinfo",    "index_list",        "index_info",   "index_xinfo",
      "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check"};
  return names.count(name) > 0;
}

// PRAGMAs that read when given no argument (with one, most of them write).
bool pragma_reads_without_argument(const std::string& name) {
  static const std::set<std::string> names = {
      "database_list", "compile_options", "function_list", "pragma_list", "collation_list",
      "module_list",   "table_list",      "user_version",  "schema_version", "application_id",
      "page_count",    "page_size",       "freelist_count", "encoding",     "journal_mode",
      "data_version",  "query_only"};
  return names.count(name) > 0;
}

int authorize(void*, int action, const char* a1, const char* a2, const char*, const char*) {
  if (action == SQLITE_ATTACH || action == SQLITE_DETACH) return SQLITE_DENY;
  if (action != SQLITE_PRAGMA) return SQLITE_OK;
  std::string name = a1 ? a1 : "";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool reads = pragma_reads_with_argument(name) || (!a2 && pragma_reads_without_argument(name));
  return reads ? SQLITE_OK : SQLITE_DENY;
}

// The statement to run, or an error message: exactly one statement, read-only.
std::unique_ptr<sql::Stmt> prepare_one(sqlite3* db, const std::string& sql, std::string& error) {
  sqlite3_set_authorizer(db, authorize, nullptr);
  auto st = std::make_unique<sql::Stmt>(db, sql);
  if (!st->succeeded()) {
    bool denied = st->error().find("not authorized") != std::string::npos;
    error = denied ? std::string(kRefused) : "mailtls query: " + st->error();
    return nullptr;
  }
  if (!st->ok()) {  // only blanks or comments
    error = "mailtls query: no SQL statement given";
    return nullptr;
  }
  sql::Stmt rest(db, std::string(st->tail()));
  if (rest.ok() || !rest.succeeded()) {
    error = "mailtls query: give exactly one statement (a second one follows the first ';')";
    return nullptr;
  }
  if (!sqlite3_stmt_readonly(st->get())) {
    error = kRefused;
    return nullptr;
  }
  return st;
}

std::string hex_blob(sqlite3_stmt* st, int col) {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
  static const char digits[] = "0123456789abcdef";
  std::string out = "x'";
  for (int i = 0; i < sqlite3_column_bytes(st, col); ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out + "'";
}

std::string cell_text(const sql::Stmt& st, int col) {
  if (sqlite3_column_type(st.get(), col) == SQLITE_BLOB) return hex_blob(st.get(), col);
  return st.str(col);  // NULL: empty
}

Json cell_json(const sql::Stmt& st, int col) {
  switch (sqlite3_column_type(st.get(), col)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: return st.int64(col);
    case SQLITE_FLOAT: return sqlite3_column_double(st.get(), col);
    case SQLITE_BLOB: return hex_blob(st.get(), col);
    default: return st.str(col);
  }
}

// Column names; a repeated name gets a suffix so that JSON objects keep every value.
std::vector<std::string> column_names(const sql::Stmt& st) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (int i = 0; i < sqlite3_column_count(st.get()); ++i) {
    std::string name = sqlite3_column_name(st.get(), i);
    for (int n = 2; !seen.insert(name).second; ++n) name = sqlite3_column_name(st.get(), i) + (":" + std::to_string(n));
    names.push_back(name);
  }
  return names;
}

bool write_json(sql::Stmt& st, std::ostream& out, size_t& rows) {
  const auto names = column_names(st);
  out << "[";
  for (bool first = true; out && st.row(); first = false, ++rows) {
    Json row = Json::object();
    for (size_t i = 0; i < names.size(); ++i) row[names[i]] = cell_json(st, static_cast<int>(i));
    out << (first ? "\n  " : ",\n  ") << row.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  out << "\n]\n";
  return st.succeeded();
}

bool write_csv(sql::Stmt& st, std::ostream& out, size_t& rows) {
  const auto names = column_names(st);
  write_csv_row(out, names);
  for (; out && st.row(); ++rows) {
    std::vector<std::string> fields;
    for (size_t i = 0; i < names.size(); ++i) fields.push_back(cell_text(st, static_cast<int>(i)));
    write_csv_row(out, fields);
  }
  return st.succeeded();
}

// A table is laid out on its first kTableSampleRows rows (at most kTableSampleBytes of
// them); the rows after them are printed one by one in the same layout, so memory stays
// bounded however many rows come. On a terminal a cell keeps at most kTableCellBytes (it
// is cut to the column's width anyway); elsewhere nothing is cut: a cell wider than its
// column is printed whole, and a long cell in the sample only counts kTableCellBytes
// towards its column's width.
constexpr size_t kTableSampleRows = 1000;
constexpr size_t kTableSampleBytes = 8 << 20;
constexpr size_t kTableCellBytes = 4096;

std::vector<std::string> table_row(const sql::Stmt& st, size_t columns, bool whole) {
  std::vector<std::string> row;
  for (size_t i = 0; i < columns; ++i) {
    const int col = static_cast<int>(i);
    if (!whole && sqlite3_column_type(st.get(), col) == SQLITE_BLOB && sqlite3_column_bytes(st.get(), col) > 2048) {
      row.push_back("x'" + std::string(kTableCellBytes, '.'));  // cut below anyway
      continue;
    }
    std::string text = cell_text(st, col);
    if (!whole && text.size() > kTableCellBytes) text.resize(kTableCellBytes);
    row.push_back(std::move(text));
  }
  return row;
}

// The sample row as it counts for the layout: long cells count kTableCellBytes.
std::vector<std::string> layout_row(const std::vector<std::string>& row) {
  std::vector<std::string> out;
  for (const auto& cell : row) out.push_back(cell.size() > kTableCellBytes ? cell.substr(0, kTableCellBytes) : cell);
  return out;
}

// Columns whose every value in the sample is a number are right-aligned; later columns
// drop first. `width` 0: no limit (output that is not a terminal): nothing cut or dropped.
bool write_table(sql::Stmt& st, Streams io, size_t width, bool quiet, size_t& rows, const Say& say) {
  const bool whole = width == 0;
  Table t;
  const auto names = column_names(st);
  std::vector<bool> numeric(names.size(), true);
  for (size_t i = 0; i < names.size(); ++i) t.columns.push_back({names[i], false, static_cast<int>(i), 12});
  bool more = false;
  size_t sample_bytes = 0;
  while (st.row()) {
    for (size_t i = 0; i < names.size(); ++i) {
      const int type = sqlite3_column_type(st.get(), static_cast<int>(i));
      numeric[i] = numeric[i] && (type == SQLITE_INTEGER || type == SQLITE_FLOAT || type == SQLITE_NULL);
    }
    t.rows.push_back(table_row(st, names.size(), whole));
    for (const auto& cell : t.rows.back()) sample_bytes += cell.size();
    if (t.rows.size() == kTableSampleRows || sample_bytes > kTableSampleBytes) {
      more = true;
      break;
    }
  }
  if (!st.succeeded()) return false;
  for (size_t i = 0; i < names.size(); ++i) t.columns[i].right_align = numeric[i] && !t.rows.empty();
  if (t.columns.empty()) return true;  // BEGIN, COMMIT: nothing to show
  TableLayout layout;
  if (whole) {
    Table sample{t.columns, {}};
    for (const auto& row : t.rows) sample.rows.push_back(layout_row(row));
    layout = fit_table(sample, static_cast<size_t>(-1));
    layout.whole_cells = true;
  } else {
    layout = fit_table(t, width);
  }
  const bool empty = t.rows.empty();
  rows = t.rows.size();
  io.out << render_table(t, layout);
  for (; more && io.out && st.row(); ++rows) {
    t.rows.assign(1, table_row(st, names.size(), whole));
    io.out << render_table_rows(t, layout);
  }
  if (!st.succeeded()) return false;
  io.out << std::flush;  // before the notes on stderr
  std::string hidden;
  for (size_t i : layout.dropped) hidden += (hidden.empty() ? "" : ", ") + t.columns[i].label;
  if (quiet) return true;
  if (empty) io.err << say("query.no_rows") << "\n";
  if (!hidden.empty()) io.err << say("query.hidden_columns", {{"columns", hidden}}) << "\n";
  return true;
}

// Stops a statement that runs past its deadline (SQLite calls this every few thousand
// virtual-machine steps; a non-zero answer interrupts the statement).
int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() > *static_cast<std::chrono::steady_clock::time_point*>(deadline);
}

// Binds every --param name=value to :name (also @name and $name). A value that is a
// whole integer is bound as an integer, any other as text. A parameter of the statement
// that no --param gives, or a --param the statement does not use, is a usage error.
bool bind_params(sqlite3_stmt* st, const std::vector<std::string>& params, std::string& error, const Say& say) {
  std::map<std::string, std::string> given;
  for (const auto& p : params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = say("query.param_form", {{"param", p}});
      return false;
    }
    given[p.substr(0, eq)] = p.substr(eq + 1);
  }
  std::set<std::string> used;
  for (int i = 1; i <= sqlite3_bind_parameter_count(st); ++i) {
    const char* raw = sqlite3_bind_parameter_name(st, i);
    if (!raw || !*raw || raw[0] == '?') {
      error = say("query.param_positional");
      return false;
    }
    const std::string name = raw + 1;
    const auto it = given.find(name);
    if (it == given.end()) {
      error = say("query.param_missing", {{"name", name}});
      return false;
    }
    used.insert(name);
    const std::string& v = it->second;
    int64_t number = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
    if (!v.empty() && ec == std::errc() && end == v.data() + v.size())
      sqlite3_bind_int64(st, i, number);
    else
      sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  for (const auto& [name, value] : given)
    if (!used.count(name)) {
      error = say("query.param_unused", {{"name", name}});
      return false;
    }
  return true;
}

int run_statement(sql::Db& db, const std::string& sql, const QueryOptions& o, Streams io, const Say& say) {
  std::string error;
  auto st = prepare_one(db.get(), sql, error);
  if (!st) {
    io.err << error << "\n";
    return 1;
  }
  if (!bind_params(st->get(), o.params, error, say)) {
    io.err << error << "\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const size_t width = o.width > 0 ? static_cast<size_t>(o.width) : o.terminal ? output_width(0) : 0;
  size_t rows = 0;
  bool ok = o.format == "json" ? write_json(*st, io.out, rows)
            : o.format == "csv" ? write_csv(*st, io.out, rows)
                                : write_table(*st, io, width, o.quiet, rows, say);
  if (!ok) {
    if ((st->rc() & 0xff) == SQLITE_INTERRUPT)
      io.err << "mailtls query: stopped after " << o.timeout
             << " s (--timeout); give a larger --timeout, or 0 for no limit\n";
    else
      io.err << "mailtls query: " << st->error() << "\n";
    return 1;
  }
  if (o.verbose) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char taken[32];
    std::snprintf(taken, sizeof taken, "%.3f", seconds);
    io.err << say("query.rows_taken", {{"rows", std::to_string(rows)}, {"seconds", taken}}) << "\n";
  }
  return 0;
}

}  // namespace

// The statement: the SQL argument, or the file --file names, or stdin for "-".
bool read_sql(const QueryOptions& o, std::string& sql, std::string& error, const Say& say) {
  const std::string& from = !o.sql_file.empty() ? o.sql_file : o.sql;
  if (o.sql_file.empty() && o.sql != "-") {
    sql = o.sql;
    return true;
  }
  constexpr size_t kMaxSqlBytes = 1 << 20;
  std::ifstream file;
  if (from != "-") {
    file.open(from, std::ios::binary);
    if (!file) {
      error = say("query.sql_unreadable", {{"path", from}});
      return false;
    }
  }
  std::istream& in = from == "-" ? std::cin : file;
  sql.resize(kMaxSqlBytes + 1);
  in.read(sql.data(), static_cast<std::streamsize>(sql.size()));
  sql.resize(static_cast<size_t>(in.gcount()));
  if (sql.size() > kMaxSqlBytes) {
    error = say("query.sql_too_long");
    return false;
  }
  return true;
}

int run_query(const QueryOptions& o, Streams io) {
  std::string error, sql;
  const Say say;
  if (o.sql.empty() && o.sql_file.empty()) {
    io.err << say("query.no_sql") << "\n";
    return 2;
  }
  if (!read_sql(o, sql, error, say)) {
    io.err << error << "\n";
    return 1;
  }
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  if (!db.ok()) {
    io.err << "mailtls query: " << error << "\n";
    return 1;
  }
  // Bounds on what one query may take: no value longer than kMaxValueBytes (zeroblob(1e9)
  // fails instead of allocating a gigabyte), SQLite's heap at most kMaxHeapBytes (restored
  // after), and --timeout seconds of running.
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, kMaxValueBytes);
  const sqlite3_int64 heap_before = sqlite3_hard_heap_limit64(kMaxHeapBytes);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout);
  if (o.timeout > 0) sqlite3_progress_handler(db.get(), 10000, past_deadline, &deadline);
  const int status = run_statement(db, sql, o, io, say);
  sqlite3_hard_heap_limit64(heap_before);
  return status;
}

}  // namespace mailtls
