// What mailtls writes, end to end through the built binary: it never overwrites its input,
// an output it cannot write is an error, hostile log text never reaches a terminal as
// control characters, spreadsheets get no formula, and explain/query stay bounded.
#include <catch2/catch.hpp>

#include <filesystem>

#include "seeds_db.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;

namespace {

fs::path seeds_db(const TempDir& tmp) { return ingest_seeds(tmp); }

// Runs argv with standard output to `out` (a path) and standard error to `log`.
Finished run_to(const std::vector<std::string>& argv, const std::string& out, const fs::path& log) {
  std::vector<std::string> sh = {"/bin/sh", "-c", "exec \"$@\" > \"$0\"", out};
  sh.insert(sh.end(), argv.begin(), argv.end());
  return run(sh, log);
}

}  // namespace

TEST_CASE("report --html never overwrites the database or a file it did not write, and writes through a temporary name",
          "[outputs]") {
  TempDir tmp;
  const fs::path db = seeds_db(tmp), log = tmp.path / "log";
  const std::string db_bytes = slurp(db);
  auto report = [&](const fs::path& html) {
    return run({MAILTLS_BINARY, "report", "--db", db.string(), "--html", html.string()}, log);
  };
  CHECK(report(db).status == 1);
  CHECK_THAT(slurp(log), Catch::Contains("it is the database the report reads"));
  fs::create_symlink(db, tmp.path / "link.html");
  CHECK(report(tmp.path / "link.html").status == 1);
  CHECK(slurp(db) == db_bytes);

  const fs::path notes = tmp.path / "notes.html";
  write_file(notes, "<html>my own page</html>\n");
  CHECK(report(notes).status == 1);
  CHECK_THAT(slurp(log), Catch::Contains("not a report written by mailtls"));
  CHECK(slurp(notes) == "<html>my own page</html>\n");

  const fs::path page = tmp.path / "r.html";
  REQUIRE(report(page).status == 0);
  CHECK(report(page).status == 0);  // its own report may be written again
  CHECK(fs::file_size(page) > 1000);
  for (const auto& e : fs::directory_iterator(tmp.path))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);

  CHECK(run_to({MAILTLS_BINARY, "report", "--db", db.string(), "--html", "-"}, (tmp.path / "stdout.html").string(),
               log)
            .status == 0);
  CHECK(slurp(tmp.path / "stdout.html") == slurp(page));
}

TEST_CASE("an output that cannot be written exits non-zero with a message", "[outputs]") {
  TempDir tmp;
  const fs::path db = seeds_db(tmp), log = tmp.path / "log";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {MAILTLS_BINARY, "summary", "--db", db.string()},
           {MAILTLS_BINARY, "summary", "--db", db.string(), "--format", "csv"},
           {MAILTLS_BINARY, "query", "--db", db.string(), "--format", "json", "SELECT * FROM connections"},
           {MAILTLS_BINARY, "query", "--db", db.string(), "SELECT * FROM connections"},
           {MAILTLS_BINARY, "ingest", "--db", (tmp.path / "t.db").string(), "--progress", "0",
            MAILTLS_SAMPLES_DIR "/seeds"}}) {
    INFO(args[1]);
    const auto r = run_to(args, "/dev/full", log);
    INFO(slurp(log));
    CHECK(r.status == 1);
    CHECK_THAT(slurp(log), Catch::Contains("cannot write to standard output"));
  }
}

TEST_CASE("log text reaches a terminal with its control characters escaped, and CSV for spreadsheets has no formula",
          "[outputs]") {
  TempDir tmp;
  const fs::path log = tmp.path / "log";
  // A table cell: ESC, BEL, a C1 CSI and a lone 0x9b byte are shown, not obeyed.
  const auto q = run({MAILTLS_BINARY, "query", "--db", seeds_db(tmp).string(),
                      "SELECT char(27) || ']0;pwned' || char(7) || 'x' || char(155) || CAST(x'9b' AS TEXT) AS host"},
                     log);
  CHECK(q.status == 0);
  const std::string shown = slurp(log);
  CHECK_THAT(shown, Catch::Contains("\\x1b]0;pwned\\x07x\\u009b\\x9b"));
  CHECK(shown.find('\x1b') == std::string::npos);
  CHECK(shown.find('\x07') == std::string::npos);

  // The ingest results name an input file whose name carries an escape sequence.
  const fs::path hostile = tmp.path / "mail\x1b[2J.log";
  fs::copy_file(fs::path(MAILTLS_SAMPLES_DIR) / "seeds" / fs::directory_iterator(fs::path(MAILTLS_SAMPLES_DIR) / "seeds")->path().filename(), hostile);
  run({MAILTLS_BINARY, "ingest", "--db", (tmp.path / "h.db").string(), "--progress", "0", hostile.string()}, log);
  CHECK_THAT(slurp(log), Catch::Contains("mail\\x1b[2J.log"));
  CHECK(slurp(log).find('\x1b') == std::string::npos);

  // explain --transcript shows a hostile greeting escaped.
  write_file(tmp.path / "paste.txt",
             "S: 220 mx.example.com \x1b]2;title\x07 ESMTP\nC: EHLO me\nS: 250-mx.example.com\nS: 250 STARTTLS\n"
             "C: STARTTLS\nS: 220 go ahead\n");
  run({MAILTLS_BINARY, "explain", "--transcript", (tmp.path / "paste.txt").string()}, log);
  CHECK(slurp(log).find('\x1b') == std::string::npos);

  // summary --format csv: a domain that starts a formula is neutralised.
  const fs::path db = seeds_db(tmp);
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "UPDATE connections SET domain = '=HYPERLINK(\"http://x\")' WHERE direction = 'outbound'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  REQUIRE(run_to({MAILTLS_BINARY, "summary", "--db", db.string(), "--format", "csv"}, (tmp.path / "s.csv").string(),
                 log)
              .status == 0);
  CHECK_THAT(slurp(tmp.path / "s.csv"), Catch::Contains("\"'=HYPERLINK(\"\"http://x\"\")\""));
  // query --format csv keeps values as stored (documented in --help).
  REQUIRE(run_to({MAILTLS_BINARY, "query", "--db", db.string(), "--format", "csv",
                  "SELECT DISTINCT domain FROM connections WHERE direction = 'outbound'"},
                 (tmp.path / "q.csv").string(), log)
              .status == 0);
  CHECK_THAT(slurp(tmp.path / "q.csv"), Catch::Contains("\"=HYPERLINK(\"\"http://x\"\")\""));
}

TEST_CASE("explain --transcript reads at most 16 MiB and query stops at its time limit in bounded memory",
          "[outputs][slow]") {
  TempDir tmp;
  const fs::path log = tmp.path / "log";
  // A sanitizer's shadow memory is part of the peak RSS: its bound only tells bounded from
  // unbounded (gigabytes), the plain build's the real figure.
  const auto rss_bound_kb = [](long kb) { return mailtls::testing::kUnderAddressSanitizer ? 1024L * 1024 : kb; };
  const auto zero = run({MAILTLS_BINARY, "explain", "--transcript", "/dev/zero"}, log);
  CHECK(zero.status == 1);
  CHECK_THAT(slurp(log), Catch::Contains("is longer than 16 MiB: only its first 16 MiB were read"));
  CHECK(zero.max_rss_kb < rss_bound_kb(200 * 1024));

  const fs::path db = seeds_db(tmp);
  const std::string endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, "
                              "printf('%.200c', 'y') AS pad FROM c";
  for (const char* format : {"table", "csv"}) {
    INFO(format);
    const auto q = run_to({MAILTLS_BINARY, "query", "--db", db.string(), "--timeout", "2", "--format", format, endless},
                          "/dev/null", log);
    CHECK(q.status == 1);
    CHECK_THAT(slurp(log), Catch::Contains("stopped after 2 s (--timeout)"));
    CHECK(q.max_rss_kb < rss_bound_kb(100 * 1024));
  }
  const auto blob = run_to({MAILTLS_BINARY, "query", "--db", db.string(), "SELECT zeroblob(1000000000)"}, "/dev/null", log);
  CHECK(blob.status == 1);
  CHECK_THAT(slurp(log), Catch::Contains("too big"));
  CHECK(blob.max_rss_kb < rss_bound_kb(100 * 1024));
}

TEST_CASE("posture and notice show a hostile domain and evidence line escaped, not obeyed", "[outputs][posture]") {
  TempDir tmp;
  const fs::path logs = tmp.path / "logs", log = tmp.path / "log";
  fs::create_directories(logs);
  fs::copy_file(fs::path(MAILTLS_SAMPLES_DIR) / "posture" / "mail_logs.log", logs / "mail_logs.log");
  // The first connection to wingtip.example without TLS: its EHLO reply, quoted by the
  // letter, carries an OSC title sequence, BEL and a C1 CSI (UTF-8 C2 9B).
  std::string debug = slurp(fs::path(MAILTLS_SAMPLES_DIR) / "posture" / "debug.log");
  const std::string reply = "4030 Rcvd: '250-mx.wingtip.example Hello [192.0.2.10]'";
  const size_t at = debug.find(reply);
  REQUIRE(at != std::string::npos);
  debug.replace(at, reply.size(), "4030 Rcvd: '250-mx.wingtip.example Hello [192.0.2.10] \x1b]0;pwned\x07\xc2\x9b" "2J'");
  write_file(logs / "debug.log", debug);
  const fs::path db = tmp.path / "p.db";
  REQUIRE(run({MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0", logs.string()}, log).status == 0);
  // A peer domain as hostile as a log can make it (the store keeps the bytes).
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "UPDATE connections SET domain = 'wing' || char(27) || '[1m' || char(155) || 'tip.example' "
                          "WHERE domain = 'wingtip.example'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  auto shown_safely = [](const std::string& out) {
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\x07') == std::string::npos);
    CHECK(out.find("\xc2\x9b") == std::string::npos);
  };

  // The table and the notes under it (the downgrade line names the domain).
  REQUIRE(run({MAILTLS_BINARY, "posture", "--db", db.string(), "--width", "200"}, log).status == 0);
  std::string out = slurp(log);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("wing\\x1b[1m\\u009btip.example: "));
  shown_safely(out);

  // The letter: the domain in its sentences and the evidence line from the debug log.
  REQUIRE(run({MAILTLS_BINARY, "notice", "--db", db.string(), "--domain", "wing\x1b[1m\xc2\x9btip.example"}, log)
              .status == 0);
  out = slurp(log);
  CHECK_THAT(out, Catch::Contains("wing\\x1b[1m\\u009btip.example"));
  CHECK_THAT(out, Catch::Contains("\\x1b]0;pwned\\x07\\u009b2J"));
  shown_safely(out);

  // The message for a domain with nothing to report names it escaped too.
  run({MAILTLS_BINARY, "notice", "--db", db.string(), "--domain", "no\x1b[1mne.example"}, log);
  CHECK_THAT(slurp(log), Catch::Contains("no\\x1b[1mne.example"));
  shown_safely(slurp(log));
}
