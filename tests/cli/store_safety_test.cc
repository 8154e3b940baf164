// What the store never does to a database, end to end through the built binary: keep
// part of a run that failed on a full disk (a real tmpfs), write into a file that is not
// a mailtls database, keep or show a run that was interrupted; and that a database on a
// read-only medium can still be read.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "base/diagnostics.h"
#include "child_process.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;

namespace {

void generate(const fs::path& dir, double megabytes, int seed) {
  const auto bytes = std::to_string(static_cast<long long>(megabytes * 1024 * 1024));
  REQUIRE(run({MAILTLS_GEN_BINARY, "--seed", std::to_string(seed), "--bytes", bytes, "--out", dir.string()},
              dir.parent_path() / ("gen" + std::to_string(seed) + ".log"))
              .status == 0);
}

std::vector<std::string> ingest_args(const fs::path& db, const fs::path& input) {
  return {MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", input.string()};
}

// Every row of every table, in key order: equal strings mean equal contents.
// (sources.ingested_at is the wall clock of the run, so it is left out.)
std::string contents(const fs::path& db) {
  std::string all = dump(db, "SELECT id, path, fingerprint, fp_len, bytes, lines, lines_parsed, lines_unparsed, "
                             "appliance, locale, packaging, utc_offset FROM sources ORDER BY id");
  for (const char* table : {"connections", "messages", "recipients", "deliveries", "findings",
                            "ehlo_keywords", "log_events", "transcript", "unparsed"})
    all += std::string(table) + ":\n" + dump(db, std::string("SELECT * FROM ") + table + " ORDER BY 1, 2");
  return all;
}

// A small tmpfs mounted for the test's life (root only), or none.
struct SmallDisk {
  fs::path path;
  bool mounted = false;
  SmallDisk(const fs::path& where, const std::string& size) : path(where) {
    fs::create_directories(path);
    mounted = geteuid() == 0 && ::mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  bool remount_read_only() {
    return ::mount("tmpfs", path.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }
  ~SmallDisk() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
  }
};

}  // namespace

TEST_CASE("a later run that fills the disk leaves the database exactly as before, and the next run works",
          "[store-safety][slow]") {
  TempDir tmp;
  SmallDisk disk(tmp.path / "disk", "12m");
  if (!disk.mounted) {
    WARN("SKIPPED: mounting a tmpfs needs root (this test fills a real small disk)");
    return;
  }
  generate(tmp.path / "first", 0.5, 3);
  // Large enough that the signal, half a second in, always lands before the commit, on
  // an idle machine as on a loaded one (40 MB were read whole in 0.7 s on an idle one).
  generate(tmp.path / "big", 160, 5);
  generate(tmp.path / "after", 0.5, 9);
  const fs::path db = disk.path / "x.db";
  REQUIRE(run(ingest_args(db, tmp.path / "first"), tmp.path / "first.log").status == 0);
  const std::string before = contents(db);

  const Finished full = run(ingest_args(db, tmp.path / "big"), tmp.path / "full.log");
  const std::string said = slurp(tmp.path / "full.log");
  INFO(said);
  CHECK(full.status == 1);
  CHECK_THAT(said, Catch::Contains("database or disk is full") &&
                       Catch::Contains("nothing of this run"));
  CHECK_THAT(said, !Catch::Contains("connections  seconds"));  // no results table for a discarded run
  CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
  CHECK(contents(db) == before);

  // The next run adds its rows as into a database that never saw the failed one.
  REQUIRE(run(ingest_args(db, tmp.path / "after"), tmp.path / "after.log").status == 0);
  const fs::path clean = tmp.path / "clean.db";
  REQUIRE(run(ingest_args(clean, tmp.path / "first"), tmp.path / "c1.log").status == 0);
  REQUIRE(run(ingest_args(clean, tmp.path / "after"), tmp.path / "c2.log").status == 0);
  CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
  CHECK(contents(db) == contents(clean));
}

TEST_CASE("a file that is not a mailtls database is refused and left byte for byte as it was", "[store-safety]") {
  TempDir tmp;
  const fs::path log = tmp.path / "log";
  generate(tmp.path / "in", 0.1, 3);
  auto refused = [&](const fs::path& file) {
    const std::string bytes = slurp(file);
    const auto r = run(ingest_args(file, tmp.path / "in"), log);
    INFO(slurp(log));
    CHECK(r.status == 1);
    CHECK_THAT(slurp(log), Catch::Contains("mailtls leaves it as it is"));
    CHECK(slurp(file) == bytes);
    CHECK_FALSE(fs::exists(file.string() + "-wal"));
    CHECK_FALSE(fs::exists(file.string() + "-journal"));
  };
  SECTION("another application's SQLite database, whatever its user_version") {
    for (int version : {0, 1, 2, 7}) {
      const fs::path other = tmp.path / ("other" + std::to_string(version) + ".db");
      sqlite3* h = nullptr;
      REQUIRE(sqlite3_open(other.c_str(), &h) == SQLITE_OK);
      REQUIRE(sqlite3_exec(h, ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES "
                               "(1, 'keep me'); PRAGMA user_version = " + std::to_string(version))
                                  .c_str(),
                           nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_close(h);
      INFO("user_version " << version);
      refused(other);
      CHECK(dump(other, "PRAGMA journal_mode") == "delete|\n");
    }
  }
  SECTION("a database with mailtls's tables under another application id") {
    const fs::path other = tmp.path / "app.db";
    REQUIRE(run(ingest_args(other, tmp.path / "in"), log).status == 0);
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "PRAGMA application_id = 1234", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    refused(other);
  }
  SECTION("a file that is not SQLite") {
    const fs::path text = tmp.path / "notes.txt";
    write_file(text, std::string("These are my notes, not a database.\n") + std::string(5000, 'x'));
    refused(text);
    const fs::path zeros = tmp.path / "zeros";
    write_file(zeros, std::string(8192, '\0'));
    refused(zeros);
  }
  SECTION("an empty file or a new path is fine") {
    const fs::path empty = tmp.path / "empty.db";
    write_file(empty, "");
    CHECK(run(ingest_args(empty, tmp.path / "in"), log).status == 0);
    CHECK(run(ingest_args(tmp.path / "new.db", tmp.path / "in"), log).status == 0);
    CHECK(dump(empty, "SELECT count(*) > 0 FROM connections") == "1|\n");
  }
}

TEST_CASE("SIGINT or SIGTERM during an ingest discards the run, says so, and prints no results", "[store-safety][slow]") {
  TempDir tmp;
  generate(tmp.path / "first", 0.5, 3);
  // Large enough that the signal, half a second in, always lands before the commit, on
  // an idle machine as on a loaded one (40 MB were read whole in 0.7 s on an idle one).
  generate(tmp.path / "big", 160, 5);
  for (const int signo : {SIGINT, SIGTERM}) {
    for (const bool later : {false, true}) {
      INFO("signal " << signo << (later ? ", a later run" : ", a first run"));
      const fs::path db = tmp.path / ("x" + std::to_string(signo) + (later ? "l" : "f") + ".db");
      if (later) REQUIRE(run(ingest_args(db, tmp.path / "first"), tmp.path / "first.log").status == 0);
      const std::string before = later ? contents(db) : "";
      const pid_t pid = spawn(ingest_args(db, tmp.path / "big"), tmp.path / "run.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      kill(pid, signo);
      const Finished f = wait_for(pid);
      const std::string said = slurp(tmp.path / "run.log");
      INFO(said);
      CHECK(f.status == 128 + signo);
      CHECK_THAT(said, Catch::Contains(signo == SIGINT ? "interrupted (SIGINT)" : "interrupted (SIGTERM)") &&
                           Catch::Contains("this run's rows were discarded"));
      CHECK_THAT(said, !Catch::Contains("connections  seconds"));
      CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
      if (later) CHECK(contents(db) == before);
      else CHECK(dump(db, "SELECT count(*) FROM sqlite_schema") == "0|\n");
    }
  }
}

TEST_CASE("a database on a read-only medium is read by summary, query, explain and report", "[store-safety]") {
  TempDir tmp;
  SmallDisk disk(tmp.path / "ro", "8m");
  if (!disk.mounted) {
    WARN("SKIPPED: mounting a tmpfs needs root (this test remounts a real one read-only)");
    return;
  }
  const fs::path db = disk.path / "samples.db";
  REQUIRE(run({MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", MAILTLS_SAMPLES_DIR "/seeds"},
              tmp.path / "ingest.log")
              .status == 0);
  const std::string dcid = dump(db, "SELECT conn_id FROM connections WHERE direction = 'outbound' LIMIT 1");
  REQUIRE(dcid.size() > 1);
  REQUIRE(disk.remount_read_only());
  const fs::path log = tmp.path / "out.log";
  struct Case { std::vector<std::string> args; std::string expect; };
  for (const Case& c : std::vector<Case>{
           {{MAILTLS_BINARY, "summary", "--db", db.string(), "--format", "csv"}, "connections"},
           {{MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv", "SELECT count(*) AS n FROM sources"}, "n\n"},
           {{MAILTLS_BINARY, "explain", "--db", db.string(), "--dcid", dcid.substr(0, dcid.find('|'))}, "DCID"},
           {{MAILTLS_BINARY, "report", "--db", db.string(), "--html", (tmp.path / "r.html").string()}, ""}}) {
    INFO(c.args[1]);
    const auto r = run(c.args, log);
    INFO(slurp(log));
    CHECK(r.status == 0);
    CHECK_THAT(slurp(log), Catch::Contains(c.expect));
  }
  CHECK(fs::file_size(tmp.path / "r.html") > 1000);
}

// The same, where the disk fills in the middle of a run rather than at its commit: the
// cache is made small so the run spills pages to the WAL as it goes. After SQLITE_FULL
// SQLite rolls the transaction back by itself; nothing of the run may be written after
// that (each later insert would otherwise commit on its own).
TEST_CASE("a disk that fills in the middle of a run keeps nothing written after the failure", "[store-safety]") {
  TempDir tmp;
  SmallDisk disk(tmp.path / "disk", "3m");
  if (!disk.mounted) {
    WARN("SKIPPED: mounting a tmpfs needs root (this test fills a real small disk)");
    return;
  }
  const std::string db = (disk.path / "x.db").string();
  const mailtls::Classify verdict = [](const mailtls::Connection&) { return mailtls::Verdict{}; };
  auto connection = [](mailtls::Store& st, int64_t dcid) {
    mailtls::Connection c;
    c.id = st.new_connection_id();
    c.appliance = "esa1";
    c.direction = mailtls::Direction::outbound;
    c.conn_id = dcid;
    c.started_at = 1000 + dcid;
    c.has_open = true;
    mailtls::LogLine l;
    l.type = mailtls::EventType::dcid_new;
    l.time = c.started_at;
    l.text = "New SMTP DCID " + std::to_string(dcid) + std::string(2000, 'x');
    l.ref = {1, dcid};
    c.log.push_back(l);
    return c;
  };
  mailtls::Diagnostics diag;
  {
    auto st = mailtls::Store::open(db, mailtls::Store::Mode::read_write, diag);
    REQUIRE(st);
    for (int64_t i = 1; i <= 10; ++i) st->put_connection(connection(*st, i), mailtls::Verdict{});
    st->finish(verdict);
  }
  REQUIRE_FALSE(diag.any_error());
  const std::string before = contents(db);
  {
    auto st = mailtls::Store::open(db, mailtls::Store::Mode::read_write, diag);
    REQUIRE(st);
    REQUIRE(sqlite3_exec(st->handle(), "PRAGMA cache_size = 20", nullptr, nullptr, nullptr) == SQLITE_OK);
    int64_t i = 11;
    for (; i < 20000 && !st->write_failed(); ++i) st->put_connection(connection(*st, i), mailtls::Verdict{});
    CHECK(st->write_failed());
    // Writing on after the failure is refused without a word more.
    for (int64_t k = 0; k < 2000; ++k) st->put_connection(connection(*st, i + k), mailtls::Verdict{});
    st->finish(verdict);
    CHECK_FALSE(st->committed());
  }
  REQUIRE(diag.all().size() == 1);
  CHECK_THAT(diag.all()[0].message, Catch::Contains("database or disk is full"));
  CHECK(dump(db, "PRAGMA integrity_check") == "ok|\n");
  CHECK(contents(db) == before);
  // The ids the failed run used are free again.
  {
    auto st = mailtls::Store::open(db, mailtls::Store::Mode::read_write, diag);
    REQUIRE(st);
    for (int64_t i = 11; i <= 20; ++i) st->put_connection(connection(*st, i), mailtls::Verdict{});
    st->finish(verdict);
    CHECK(st->committed());
  }
  CHECK(dump(db, "SELECT count(*) FROM connections") == "20|\n");
}
