// Several real processes on one database: a second ingest started at several moments of
// a first, and readers (mailtls query, mailtls summary, the sqlite3 command-line tool) in
// a loop meanwhile. Each either gets a result of a committed state or a clear error, and
// the database ends exactly as clean ingests leave it.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "child_process.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;

namespace {

void generate(const fs::path& dir, double megabytes, int seed) {
  const auto bytes = std::to_string(static_cast<long long>(megabytes * size_scale() * 1024 * 1024));
  REQUIRE(run({MAILTLS_GEN_BINARY, "--seed", std::to_string(seed), "--bytes", bytes, "--out", dir.string()},
              dir.parent_path() / ("gen" + std::to_string(seed) + ".log"))
              .status == 0);
}

std::vector<std::string> ingest_args(const fs::path& db, const fs::path& input) {
  return {MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", input.string()};
}

std::string table_counts(const fs::path& db) {
  return dump(db,
              "SELECT (SELECT count(*) FROM sources), (SELECT sum(lines) FROM sources), "
              "(SELECT count(*) FROM connections), (SELECT count(*) FROM messages), "
              "(SELECT count(*) FROM recipients), (SELECT count(*) FROM deliveries), "
              "(SELECT count(*) FROM transcript), (SELECT count(*) FROM log_events), "
              "(SELECT count(*) FROM findings), (SELECT count(*) FROM unparsed)");
}

std::string verdicts(const fs::path& db) {
  return dump(db,
              "SELECT appliance, direction, conn_id, started_at, domain, tls_outcome, confidence "
              "FROM connections ORDER BY appliance, direction, conn_id, started_at");
}

int64_t connections(const fs::path& db) {
  return fs::exists(db) ? std::stoll(dump(db, "SELECT count(*) FROM connections")) : 0;
}

bool have_sqlite3_cli() { return shell("command -v sqlite3 >/dev/null 2>&1"); }

// What one reader got.
struct Reading {
  std::string tool;
  int status = 0;
  std::string output;
};

// Runs the three readers in turn, again and again, until `stop`.
std::vector<Reading> read_in_a_loop(const fs::path& db, const fs::path& scratch, const std::atomic<bool>& stop) {
  std::vector<Reading> got;
  const bool cli = have_sqlite3_cli();
  for (int i = 0; !stop.load(); ++i) {
    const fs::path log = scratch / ("reader" + std::to_string(i % 3) + ".log");
    Reading r;
    if (i % 3 == 0) {
      r.tool = "query";
      r.status = run({MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv",
                      "SELECT count(*) AS n FROM connections"},
                     log).status;
    } else if (i % 3 == 1) {
      r.tool = "summary";
      r.status = run({MAILTLS_BINARY, "summary", "--db", db.string(), "--format", "csv"}, log).status;
    } else {
      if (!cli) continue;
      r.tool = "sqlite3";
      r.status = run({"/bin/sh", "-c", "exec sqlite3 \"$0\" 'SELECT count(*) FROM connections'", db.string()}, log).status;
    }
    r.output = slurp(log);
    got.push_back(r);
  }
  return got;
}

// The count a successful query or sqlite3 reading printed (the last line).
int64_t count_in(const Reading& r) {
  std::istringstream in(r.output);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return std::stoll(last);
}

}  // namespace

TEST_CASE("a second ingest at any moment of a first waits and adds its rows or fails clearly; readers get a committed state or a clear error",
          "[reliability][slow][concurrency]") {
  TempDir tmp;
  generate(tmp.path / "big", 16, 5);
  generate(tmp.path / "small", 0.5, 3);
  generate(tmp.path / "base", 0.5, 9);
  const fs::path big = tmp.path / "big", small = tmp.path / "small", base = tmp.path / "base";

  // The first writer's run is a first run, or a later one; the second ingest starts at a
  // fraction of the first's time.
  for (const bool later : {false, true}) {

  // The committed states the database may pass through, made by clean ingests.
  auto clean = [&](const std::string& name, std::vector<fs::path> inputs) {
    const fs::path db = tmp.path / (name + ".db");
    if (!fs::exists(db))
      for (const auto& in : inputs) REQUIRE(run(ingest_args(db, in), tmp.path / "clean.log").status == 0);
    return db;
  };
  std::vector<fs::path> prefix;
  if (later) prefix.push_back(base);
  auto with = [&](std::vector<fs::path> more) {
    std::vector<fs::path> all = prefix;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  const std::string p = later ? "base+" : "";
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path only_first = clean(p + "big", with({big}));
  const auto first_time = std::chrono::steady_clock::now() - t0;
  const fs::path both = clean(p + "big+small", with({big, small}));
  const fs::path only_second = clean(p + "small", with({small}));
  std::set<int64_t> committed_counts = {connections(only_first), connections(both), connections(only_second)};
  if (later) committed_counts.insert(connections(clean("base", {base})));

  for (const double at : {0.0, 0.3, 0.6, 0.9}) {
  INFO((later ? "a later run" : "a first run") << ", second ingest at " << at);
  const fs::path db = tmp.path / "shared.db";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix);
  if (later) REQUIRE(run(ingest_args(db, base), tmp.path / "base.log").status == 0);

  std::atomic<bool> stop{false};
  std::vector<Reading> readings;
  std::thread readers([&] { readings = read_in_a_loop(db, tmp.path, stop); });
  const pid_t first = spawn(ingest_args(db, big), tmp.path / "first.log");
  std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(first_time * at));
  const Finished second = run(ingest_args(db, small), tmp.path / "second.log");
  const Finished first_done = wait_for(first);
  stop = true;
  readers.join();

  INFO("first: " << slurp(tmp.path / "first.log"));
  INFO("second: " << slurp(tmp.path / "second.log"));
  CHECK(first_done.status == 0);  // the first ingest always completes
  CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
  if (second.status == 0) {
    CHECK(table_counts(db) == table_counts(both));
    CHECK(verdicts(db) == verdicts(both));
  } else {
    CHECK(second.status == 1);
    CHECK_THAT(slurp(tmp.path / "second.log"),
               Catch::Contains("the database is being written by another process") &&
                   Catch::Contains("try again when it has finished"));
    CHECK(table_counts(db) == table_counts(only_first));
    CHECK(verdicts(db) == verdicts(only_first));
  }

  CHECK(readings.size() >= 3);
  for (const Reading& r : readings) {
    INFO(r.tool << " exited " << r.status << ": " << r.output);
    if (r.status == 0) {
      if (r.tool != "summary") CHECK(committed_counts.count(count_in(r)) == 1);
    } else if (r.tool == "sqlite3") {
      // The sqlite3 tool's own words: the lock of a first run, or no table yet.
      CHECK((r.output.find("database is locked") != std::string::npos ||
             r.output.find("no such table") != std::string::npos));
    } else {
      CHECK(r.status == 1);
      // Locked by a first run, empty before its commit, or not created yet.
      CHECK_THAT(r.output, Catch::Contains("try again") || Catch::Contains("no such database (run `mailtls ingest` first)"));
    }
  }
    }
  }
}
