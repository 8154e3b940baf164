// connections.messages and fallback_messages, which `summary` sums instead of joining
// deliveries and messages, must equal what those joins give: on the reports fixture
// (whose counts are written by hand) and on a store that `mailtls ingest` wrote. One
// deliberate difference: inbound, a copy made by a split or rewrite ("MID 1 was split
// creating MID 2") has messages.icid too, but did not cross the connection: ingest
// counts the `Start MID ... ICID` lines, so it may count fewer than the join.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "reports_test_db.h"

namespace fs = std::filesystem;
using mailtls::testing::TempStore;

namespace {

// The connections whose stored counts differ from the joins the summary used to run:
// outbound distinct delivered messages, inbound messages started on the ICID (messages.icid
// of the same appliance), and the same count on connections with cleartext-fallback.
const char* kMismatches =
    "WITH joined AS (SELECT c.id, c.messages, c.fallback_messages, "
    "  CASE c.direction WHEN 'outbound' THEN (SELECT count(DISTINCT d.message_id) FROM deliveries d "
    "    WHERE d.connection_id = c.id AND d.result = 'delivered') "
    "  ELSE (SELECT count(*) FROM messages m WHERE m.appliance = c.appliance AND m.icid = c.conn_id) END AS n, "
    "  EXISTS (SELECT 1 FROM findings f WHERE f.connection_id = c.id AND f.code = 'cleartext-fallback') AS fb "
    "  FROM connections c) "
    "SELECT count(*) FROM joined WHERE messages != n OR fallback_messages != (CASE WHEN fb THEN n ELSE 0 END)";
// As kMismatches, but inbound the stored count may be lower (split copies, see above).
const char* kIngestMismatches =
    "WITH joined AS (SELECT c.id, c.direction, c.messages, c.fallback_messages, "
    "  CASE c.direction WHEN 'outbound' THEN (SELECT count(DISTINCT d.message_id) FROM deliveries d "
    "    WHERE d.connection_id = c.id AND d.result = 'delivered') "
    "  ELSE (SELECT count(*) FROM messages m WHERE m.appliance = c.appliance AND m.icid = c.conn_id) END AS n, "
    "  EXISTS (SELECT 1 FROM findings f WHERE f.connection_id = c.id AND f.code = 'cleartext-fallback') AS fb "
    "  FROM connections c) "
    "SELECT count(*) FROM joined WHERE fallback_messages != (CASE WHEN fb THEN messages ELSE 0 END) "
    "OR (direction = 'outbound' AND messages != n) OR (direction = 'inbound' AND (messages > n OR messages = 0 AND n > 0))";

int64_t query_int(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

int run(const std::string& cmd) {
  const int status = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("the fixture's message counts are the ones the joins give", "[summary]") {
  TempStore store("summary-counts");
  CHECK(query_int(store.db_path(), kMismatches) == 0);
  CHECK(query_int(store.db_path(), "SELECT sum(messages) FROM connections") == 13);
}

TEST_CASE("ingest writes message counts equal to the joins", "[summary]") {
  const fs::path dir = fs::temp_directory_path() / ("mailtls-counts-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "store.db").string();
  REQUIRE(run(std::string("'") + MAILTLS_GEN_BINARY + "' --seed 7 --bytes 4M --out '" + (dir / "logs").string() + "'") == 0);
  REQUIRE(run(std::string("'") + MAILTLS_BINARY + "' ingest --progress 0 --db '" + db + "' '" +
              (dir / "logs").string() + "'") == 0);
  CHECK(query_int(db, "SELECT count(*) FROM connections WHERE direction = 'inbound' AND messages > 0") > 100);
  CHECK(query_int(db, "SELECT count(*) FROM connections WHERE direction = 'outbound' AND messages > 0") > 100);
  CHECK(query_int(db, kIngestMismatches) == 0);
  fs::remove_all(dir);
}
