#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "reports_test_db.h"

using namespace mailtls;
using mailtls::testing::TempStore;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status;
  std::string out, err;
};

Run query(const TempStore& store, const std::string& sql, const std::string& format = "table") {
  QueryOptions o{store.db_path(), sql, format};
  std::ostringstream out, err;
  int status = run_query(o, {out, err});
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("query refuses every statement that writes, and the file stays byte for byte the same", "[query]") {
  TempStore store("query-refuse");
  const std::string before = mailtls::testing::read_text(store.db_path());
  const auto mtime = fs::last_write_time(store.db_path());
  const fs::path attached = store.dir() / "attached.db", vacuumed = store.dir() / "copy.db";
  for (const std::string& sql :
       {std::string("DELETE FROM connections"), std::string("INSERT INTO findings VALUES (1, 0, 'x', NULL)"),
        std::string("UPDATE connections SET domain = 'x'"), std::string("CREATE TABLE t (x)"),
        std::string("DROP TABLE sources"), std::string("CREATE INDEX i ON messages (subject)"),
        "ATTACH '" + attached.string() + "' AS a", "VACUUM INTO '" + vacuumed.string() + "'",
        std::string("PRAGMA user_version = 7"), std::string("PRAGMA query_only = 0"),
        std::string("PRAGMA journal_mode = WAL"), std::string("REINDEX"), std::string("ANALYZE"),
        std::string("WITH x AS (SELECT 1) DELETE FROM findings")}) {
    INFO(sql);
    auto run = query(store, sql);
    CHECK(run.status == 1);
    CHECK(run.err.find("refused: only a read-only statement") != std::string::npos);
    CHECK(run.out.empty());
  }
  CHECK(mailtls::testing::read_text(store.db_path()) == before);
  CHECK(fs::last_write_time(store.db_path()) == mtime);
  CHECK_FALSE(fs::exists(attached));
  CHECK_FALSE(fs::exists(vacuumed));
  CHECK(query(store, "SELECT count(*) AS n FROM connections", "csv").out == "n\n18\n");
  CHECK(query(store, "SELECT count(*) AS n FROM findings", "csv").out == "n\n12\n");
}

TEST_CASE("query runs exactly one statement", "[query]") {
  TempStore store("query-one");
  auto two = query(store, "SELECT 1; DELETE FROM connections");
  CHECK(two.status == 1);
  CHECK(two.err.find("exactly one statement") != std::string::npos);
  CHECK(query(store, "SELECT 1; SELECT 2").status == 1);
  CHECK(query(store, "SELECT 1 AS a;  -- a comment\n", "csv").out == "a\n1\n");
  CHECK(query(store, "  ").status == 1);
  CHECK(query(store, "SELEC 1").err.find("syntax error") != std::string::npos);
}

TEST_CASE("query reads: read-only PRAGMAs and table-valued functions are allowed", "[query]") {
  TempStore store("query-pragma");
  CHECK(query(store, "PRAGMA table_info(connections)").status == 0);
  CHECK(query(store, "PRAGMA user_version", "csv").out == "user_version\n0\n");
  CHECK(query(store, "SELECT name FROM pragma_table_info('findings')", "csv").out == "name\nconnection_id\nseq\ncode\ndetail\n");
}

TEST_CASE("query JSON is an array of objects with typed values", "[query]") {
  TempStore store("query-json");
  auto run = query(store, "SELECT id, domain, started_at, tls_protocol, 0.5 AS half FROM connections "
                          "WHERE id IN (1, 12) ORDER BY id", "json");
  REQUIRE(run.status == 0);
  auto j = nlohmann::json::parse(run.out);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["id"] == 1);
  CHECK(j[0]["domain"] == "gmail.com");
  CHECK(j[0]["tls_protocol"] == "TLSv1.3");
  CHECK(j[0]["half"] == 0.5);
  CHECK(j[1]["started_at"].is_null());
  CHECK(nlohmann::json::parse(query(store, "SELECT 1 WHERE 0", "json").out).empty());
}

TEST_CASE("query CSV quotes what needs quoting; the table fits the width", "[query]") {
  TempStore store("query-csv");
  CHECK(query(store, "SELECT 'a,b' AS x, NULL AS y, 'say \"hi\"' AS z", "csv").out ==
        "x,y,z\n\"a,b\",,\"say \"\"hi\"\"\"\n");
  auto table = query(store, "SELECT id, domain, peer_host FROM connections ORDER BY id LIMIT 2");
  CHECK(table.out.rfind("id  domain", 0) == 0);
}

TEST_CASE("query on a missing file is an error and creates nothing", "[query]") {
  TempStore store("query-missing");
  QueryOptions o{(store.dir() / "nope.db").string(), "SELECT 1", "table"};
  std::ostringstream out, err;
  CHECK(run_query(o, {out, err}) == 1);
  CHECK_FALSE(fs::exists(store.dir() / "nope.db"));
}
