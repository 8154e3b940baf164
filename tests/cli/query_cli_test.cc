// `mailtls query` end to end through the built binary: nothing is cut when standard
// output is not a terminal, --width lays the table out for a given width, --param binds
// :name (the example queries of docs/schema.md run as written), and the SQL can come
// from a file or standard input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "seeds_db.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;

namespace {

fs::path seeds_db(const TempDir& tmp) { return ingest_seeds(tmp); }

// Runs argv through sh with stdout to `out`, stderr to `err` and stdin from `in`.
Finished run_io(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
                const std::string& in = "/dev/null", const std::string& env = "") {
  std::vector<std::string> sh = {"/bin/sh", "-c", "o=$0 e=$1 i=$2; shift 2; " + env + " exec \"$@\" > \"$o\" 2> \"$e\" < \"$i\"",
                                 out.string(), err.string(), in};
  sh.insert(sh.end(), argv.begin(), argv.end());
  return run(sh, err.string() + ".sh");
}

}  // namespace

TEST_CASE("query cuts nothing when its output is not a terminal, and --width lays the table out for that width",
          "[query][cli]") {
  TempDir tmp;
  const fs::path db = seeds_db(tmp), out = tmp.path / "out", err = tmp.path / "err";
  const std::string long_text(300, 'x');
  const std::string sql = "SELECT 1 AS a, '" + long_text + "' AS wide, 'last column' AS c";
  // Not a terminal: COLUMNS does not matter, every column and the whole cell are there.
  REQUIRE(run_io({MAILTLS_BINARY, "query", "--db", db.string(), sql}, out, err, "/dev/null", "COLUMNS=40").status == 0);
  CHECK_THAT(slurp(out), Catch::Contains(long_text) && Catch::Contains("last column"));
  CHECK(slurp(err).empty());
  // --width: the table fits 40 columns, and the hint names an option query accepts.
  REQUIRE(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--width", "40", sql}, out, err).status == 0);
  for (const auto& line : {slurp(out)}) CHECK(line.find(long_text) == std::string::npos);
  std::istringstream lines(slurp(out));
  for (std::string line; std::getline(lines, line);) CHECK(line.size() <= 40 + 2 * 3);  // "…" is 3 bytes
  for (const char* width : {"0", "-3", "x"}) {
    INFO(width);
    CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--width", width, "SELECT 1"}, out, err).status == 2);
  }
}

TEST_CASE("query --param binds :name, and the example queries of docs/schema.md with :id run", "[query][cli]") {
  TempDir tmp;
  const fs::path db = seeds_db(tmp), out = tmp.path / "out", err = tmp.path / "err";
  const std::string id = dump(db, "SELECT min(connection_id) FROM log_events");
  const std::string id_value = id.substr(0, id.find('|'));
  REQUIRE_FALSE(id_value.empty());
  REQUIRE(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv", "--param", "id=" + id_value,
                  "--param", "d=gmail.com", "SELECT :id AS id, typeof(:id) AS t, :d AS d"},
                 out, err)
              .status == 0);
  CHECK(slurp(out) == "id,t,d\n" + id_value + ",integer,gmail.com\n");
  // A parameter not given, a --param not used, or one without '=' are usage errors.
  CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "SELECT :id"}, out, err).status == 2);
  CHECK_THAT(slurp(err), Catch::Contains("--param id="));
  CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--param", "x=1", "SELECT 1"}, out, err).status == 2);
  CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--param", "x", "SELECT :x"}, out, err).status == 2);

  // Every ```sql block of docs/schema.md that uses :id runs with --param id=N and finds rows.
  const std::string doc = slurp(fs::path(MAILTLS_TEST_DIR) / ".." / "docs" / "schema.md");
  const std::regex block("```sql\n([^`]*)```");
  int with_id = 0;
  for (std::sregex_iterator it(doc.begin(), doc.end(), block), end; it != end; ++it) {
    const std::string example = (*it)[1];
    if (example.find(":id") == std::string::npos) continue;
    ++with_id;
    INFO(example);
    REQUIRE(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv", "--param", "id=" + id_value,
                    example},
                   out, err)
                .status == 0);
    const std::string rows = slurp(out);
    CHECK(std::count(rows.begin(), rows.end(), '\n') > 1);
  }
  CHECK(with_id >= 1);
}

TEST_CASE("query reads its SQL from a file or from standard input", "[query][cli]") {
  TempDir tmp;
  const fs::path db = seeds_db(tmp), out = tmp.path / "out", err = tmp.path / "err", sql = tmp.path / "q.sql";
  write_file(sql, "-- how many connections\nSELECT count(*) > 0 AS some FROM connections;\n");
  for (const auto& args : std::vector<std::vector<std::string>>{{"--file", sql.string()}, {"-f", "-"}, {"-"}}) {
    std::vector<std::string> argv = {MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv"};
    argv.insert(argv.end(), args.begin(), args.end());
    INFO(args.back());
    REQUIRE(run_io(argv, out, err, sql.string()).status == 0);
    CHECK(slurp(out) == "some\n1\n");
  }
  CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string(), "--file", (tmp.path / "none.sql").string()}, out, err)
            .status == 1);
  CHECK(run_io({MAILTLS_BINARY, "query", "--db", db.string()}, out, err).status == 2);
}
