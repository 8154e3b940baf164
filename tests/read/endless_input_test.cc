// Endless input end to end: a log whose connections never close (every "close" line
// removed) must still give each connection the verdict its evidence allows, finished by
// the idle time-out, while the connections held in memory stay bounded.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "child_process.h"

using namespace mailtls::testing;

namespace {

// Generates `bytes` of logs into `dir`/closed and the same logs with no close line
// into `dir`/open.
void generate_pair(const fs::path& dir, int64_t bytes) {
  fs::create_directories(dir / "open");
  REQUIRE(run({MAILTLS_GEN_BINARY, "--seed", "9", "--bytes", std::to_string(bytes), "--out", (dir / "closed").string()},
              dir / "gen.out")
              .status == 0);
  const std::regex close_line(R"([ID]CID [0-9]+ close\r?)");
  for (const auto& e : fs::directory_iterator(dir / "closed")) {
    std::istringstream in(slurp(e.path()));
    std::string kept;
    for (std::string line; std::getline(in, line);)
      if (!std::regex_search(line, close_line)) kept += line + "\n";
    write_file(dir / "open" / e.path().filename(), kept);
  }
}

Finished ingest(const fs::path& db, const fs::path& input, const fs::path& log) {
  return run({MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", "--idle-timeout", "300",
              "--max-open", "2000", input.string()},
             log);
}

}  // namespace

TEST_CASE("connections that never close get their verdicts from the idle time-out, in flat memory",
          "[reliability][slow]") {
  TempDir tmp;
  const double scale = size_scale();
  generate_pair(tmp.path / "small", static_cast<int64_t>(4e6 * scale));
  generate_pair(tmp.path / "large", static_cast<int64_t>(16e6 * scale));
  const auto small = ingest(tmp.path / "small.db", tmp.path / "small" / "open", tmp.path / "small.out");
  const auto large = ingest(tmp.path / "large.db", tmp.path / "large" / "open", tmp.path / "large.out");
  const auto closed = ingest(tmp.path / "closed.db", tmp.path / "large" / "closed", tmp.path / "closed.out");
  REQUIRE(small.status == 0);
  REQUIRE(large.status == 0);
  REQUIRE(closed.status == 0);

  const fs::path db = tmp.path / "large.db";
  CHECK(dump(db, "SELECT count(*) FROM connections WHERE has_close = 1") == "0|\n");
  CHECK(dump(db, "SELECT count(*) FROM connections") == dump(tmp.path / "closed.db", "SELECT count(*) FROM connections"));
  // A close line decides only "cleartext": every other verdict is the same without it.
  const std::string compare =
      "ATTACH '" + (tmp.path / "closed.db").string() + "' AS c; ";
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, compare.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto count = [&](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  const std::string joined =
      " FROM connections o JOIN c.connections k USING (appliance, direction, conn_id, started_at) ";
  const int64_t decided = count("SELECT count(*)" + joined + "WHERE k.tls_outcome <> 'cleartext'");
  CHECK(decided > 100);
  CHECK(count("SELECT count(*)" + joined + "WHERE k.tls_outcome <> 'cleartext' AND o.tls_outcome = k.tls_outcome") ==
        decided);
  CHECK(count("SELECT count(*)" + joined +
              "WHERE k.tls_outcome = 'cleartext' AND o.tls_outcome NOT IN ('cleartext', 'unknown')") == 0);
  sqlite3_close(h);

  INFO("peak RSS small " << small.max_rss_kb << " kB, large " << large.max_rss_kb << " kB");
  if (kUnderAddressSanitizer) {
    WARN("built with a sanitizer: peak RSS is the sanitizer's, memory bound not checked");
  } else {
    CHECK(large.max_rss_kb < small.max_rss_kb * 3 / 2 + 16 * 1024);
  }
}
