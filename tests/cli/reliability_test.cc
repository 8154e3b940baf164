// Whole-program behaviour under crashes, reordering, concurrency and endless input.
// These run the real binaries on inputs made by the bench generator (mailtls-gen).
#include <catch2/catch.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "child_process.h"

namespace fs = std::filesystem;

namespace {

using namespace mailtls::testing;

// The rows that must not depend on the order or number of ingests.
std::string verdicts(const fs::path& db) {
  return dump(db,
              "SELECT appliance, direction, conn_id, started_at, ended_at, peer_ip, domain, "
              "tls_outcome, confidence, tls_detail, "
              "(SELECT group_concat(code, ',') FROM (SELECT code FROM findings f "
              "  WHERE f.connection_id = c.id ORDER BY code)), "
              "(SELECT count(*) FROM transcript t WHERE t.connection_id = c.id) "
              "FROM connections c ORDER BY appliance, direction, conn_id, started_at");
}

std::string table_counts(const fs::path& db) {
  return dump(db,
              "SELECT (SELECT count(*) FROM sources), (SELECT sum(lines) FROM sources), "
              "(SELECT count(*) FROM connections), (SELECT count(*) FROM messages), "
              "(SELECT count(*) FROM recipients), (SELECT count(*) FROM deliveries), "
              "(SELECT count(*) FROM transcript), (SELECT count(*) FROM log_events), "
              "(SELECT count(*) FROM findings), (SELECT count(*) FROM unparsed)");
}

// About `megabytes` MiB of logs, times MAILTLS_TEST_SCALE: the sanitizer build runs the
// same tests on smaller inputs (see the Makefile's sanitize target).
void generate(const fs::path& dir, int megabytes, int seed = 7) {
  const double scale = mailtls::testing::size_scale();
  const auto bytes = std::to_string(static_cast<long long>(megabytes * scale * 1024 * 1024));
  const auto f = run({MAILTLS_GEN_BINARY, "--seed", std::to_string(seed), "--bytes", bytes, "--out", dir.string()},
                     dir.parent_path() / "gen.log");
  REQUIRE(f.status == 0);
}

std::vector<std::string> ingest_args(const fs::path& db, const std::vector<fs::path>& inputs) {
  std::vector<std::string> a{MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0"};
  for (const auto& i : inputs) a.push_back(i.string());
  return a;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// Starts an ingest of `inputs` into `db` and kills it with SIGKILL once it has begun to
// write (its rollback journal or WAL exists), so it dies in the middle of its run.
void ingest_and_kill(const fs::path& db, const std::vector<fs::path>& inputs, const fs::path& log) {
  pid_t pid = spawn(ingest_args(db, inputs), log);
  const fs::path wal = db.string() + "-wal", journal = db.string() + "-journal";
  for (int i = 0; i < 400 && !fs::exists(wal) && !fs::exists(journal); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  kill(pid, SIGKILL);
  CHECK(wait_for(pid).status == 128 + SIGKILL);
}

TEST_CASE("an ingest killed with SIGKILL and run again gives exactly the rows of one clean ingest",
          "[reliability][slow]") {
  TempDir tmp;
  generate(tmp.path / "logs", 40);
  const auto inputs = files_in(tmp.path / "logs");
  const fs::path clean = tmp.path / "clean.db", killed = tmp.path / "killed.db";
  REQUIRE(run(ingest_args(clean, inputs), tmp.path / "clean.log").status == 0);

  SECTION("the first run into a new database (rollback journal)") {
    ingest_and_kill(killed, inputs, tmp.path / "killed.log");
  }
  SECTION("a later run into a database that holds an earlier one (WAL)") {
    const std::vector<fs::path> first_input{inputs.front()};
    REQUIRE(run(ingest_args(killed, first_input), tmp.path / "first.log").status == 0);
    const std::string after_first = table_counts(killed);
    ingest_and_kill(killed, inputs, tmp.path / "killed.log");
    CHECK(table_counts(killed) == after_first);  // the killed run left nothing behind
  }
  CHECK(dump(killed, "PRAGMA integrity_check") == "ok|\n");
  REQUIRE(run(ingest_args(killed, inputs), tmp.path / "again.log").status == 0);
  CHECK(dump(killed, "PRAGMA integrity_check") == "ok|\n");
  CHECK(dump(killed, "PRAGMA journal_mode") == "wal|\n");
  CHECK(table_counts(killed) == table_counts(clean));
  CHECK(verdicts(killed) == verdicts(clean));
}

TEST_CASE("the same inputs ingested in any order, or twice, give the same connections and verdicts",
          "[reliability]") {
  TempDir tmp;
  generate(tmp.path / "logs", 3, 11);
  auto inputs = files_in(tmp.path / "logs");
  REQUIRE(inputs.size() >= 2);
  const fs::path forward = tmp.path / "forward.db", backward = tmp.path / "backward.db",
                 split = tmp.path / "split.db";
  REQUIRE(run(ingest_args(forward, inputs), tmp.path / "f.log").status == 0);
  std::vector<fs::path> reversed(inputs.rbegin(), inputs.rend());
  REQUIRE(run(ingest_args(backward, reversed), tmp.path / "b.log").status == 0);
  // One input per run, last first, then everything again.
  for (const auto& input : reversed) REQUIRE(run(ingest_args(split, {input}), tmp.path / "s.log").status == 0);
  REQUIRE(run(ingest_args(split, inputs), tmp.path / "s2.log").status == 0);

  const std::string expected = verdicts(forward);
  CHECK(expected.size() > 1000);
  CHECK(verdicts(backward) == expected);
  CHECK(verdicts(split) == expected);
  CHECK(table_counts(split) == table_counts(forward));
}

TEST_CASE("queries work while an ingest writes, and a second ingest waits or fails clearly",
          "[reliability][slow]") {
  TempDir tmp;
  generate(tmp.path / "small", 1, 3);
  generate(tmp.path / "big", 60, 5);
  const fs::path db = tmp.path / "x.db";
  REQUIRE(run(ingest_args(db, files_in(tmp.path / "small")), tmp.path / "first.log").status == 0);
  const std::string before = table_counts(db);

  pid_t writer = spawn(ingest_args(db, files_in(tmp.path / "big")), tmp.path / "writer.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // A reader sees the last committed state while the writer is busy.
  const auto q = run({MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv",
                      "SELECT count(*) FROM connections"},
                     tmp.path / "query.log");
  CHECK(q.status == 0);
  CHECK(table_counts(db) == before);
  // A second writer meanwhile: it either waits for the first or says why it cannot write.
  const auto second = run(ingest_args(db, files_in(tmp.path / "small")), tmp.path / "second.log");
  if (second.status != 0) CHECK(slurp(tmp.path / "second.log").find("another") != std::string::npos);
  CHECK(wait_for(writer).status == 0);
  CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
}

TEST_CASE("memory stays flat as the input grows", "[reliability][slow]") {
  TempDir tmp;
  generate(tmp.path / "small", 8, 21);
  generate(tmp.path / "large", 64, 21);
  const auto small = run(ingest_args(tmp.path / "s.db", files_in(tmp.path / "small")), tmp.path / "s.log");
  const auto large = run(ingest_args(tmp.path / "l.db", files_in(tmp.path / "large")), tmp.path / "l.log");
  REQUIRE(small.status == 0);
  REQUIRE(large.status == 0);
  INFO("peak RSS small " << small.max_rss_kb << " kB, large " << large.max_rss_kb << " kB");
  if (mailtls::testing::kUnderAddressSanitizer) {
    WARN("built with a sanitizer: peak RSS is the sanitizer's, memory bound not checked");
    return;
  }
  CHECK(large.max_rss_kb < 256 * 1024);
  CHECK(large.max_rss_kb < small.max_rss_kb * 2 + 32 * 1024);
}
