// `mailtls ingest` end to end: the built binary on small real-shaped logs, checked in the
// SQLite file it writes.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_process.h"

namespace fs = std::filesystem;

namespace {

// A scratch directory (the shared TempDir) with helpers to write and grow files in it.
struct Scratch : mailtls::testing::TempDir {
  const fs::path& dir = path;
  fs::path write(const std::string& name, const std::string& text) const {
    mailtls::testing::write_file(dir / name, text);
    return dir / name;
  }
  void append(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary | std::ios::app) << text;
  }
};

struct Result {
  int status;
  std::string out;
};

Result sh(const std::string& command) {
  Result r{};
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

Result ingest(const fs::path& db, const std::string& args) {
  return sh(std::string(MAILTLS_BINARY) + " ingest --progress 0 --db " + db.string() + " " + args);
}

// The first column of every row, joined by '|'.
std::string rows(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!out.empty()) out += '|';
    const auto* t = sqlite3_column_text(st, 0);
    out += t ? reinterpret_cast<const char*>(t) : "NULL";
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

const std::string kHeader =
    "Wed Sep  6 13:00:00 2023 Info: Begin Logfile\n"
    "Wed Sep  6 13:00:00 2023 Info: Version: 15.0.1-030 SN: 4229AAAA0000-ESA1\n"
    "Wed Sep  6 13:00:00 2023 Info: Time offset from UTC: -21600 seconds\n";

const std::string kDelivery =
    "Wed Sep  6 13:13:16 2023 Info: New SMTP DCID 30 interface 10.13.102.10 address 10.13.101.31 port 25\n"
    "Wed Sep  6 13:13:16 2023 Info: DCID 30 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-SHA384\n"
    "Wed Sep  6 13:13:16 2023 Info: Delivery start DCID 30 MID 14 to RID [0]\n"
    "Wed Sep  6 13:13:16 2023 Info: Message done DCID 30 MID 14 to RID [0]\n"
    "Wed Sep  6 13:13:17 2023 Info: DCID 30 close\n";

}  // namespace

TEST_CASE("times are stored in UTC using the header's offset", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + kDelivery);
  REQUIRE(ingest(s.dir / "x.db", log.string()).status == 0);
  // 13:13:16 local at UTC-6 is 19:13:16 UTC.
  CHECK(rows(s.dir / "x.db", "SELECT datetime(started_at, 'unixepoch') FROM connections") ==
        "2023-09-06 19:13:16");
  CHECK(rows(s.dir / "x.db", "SELECT utc_offset FROM sources") == "-21600");
}

TEST_CASE("the appliance is the syslog host, else the header's serial, else --appliance", "[ingest]") {
  Scratch s;
  auto with_serial = s.write("a.log", kHeader + kDelivery);
  auto syslog = s.write("b.log",
                        "<166>Sep  6 13:13:16 esa2.example.com mail_logs: Info: New SMTP DCID 30 interface "
                        "10.0.0.2 address 192.0.2.30 port 25\n"
                        "<166>Sep  6 13:13:17 esa2.example.com mail_logs: Info: DCID 30 close\n");
  auto bare = s.write("c.log",
                      "Wed Sep  6 13:13:16 2023 Info: New SMTP DCID 30 interface 10.0.0.3 address "
                      "192.0.2.31 port 25\n"
                      "Wed Sep  6 13:13:17 2023 Info: DCID 30 close\n");
  REQUIRE(ingest(s.dir / "x.db", "--year 2023 --appliance esa3 " + with_serial.string() + " " +
                                     syslog.string() + " " + bare.string())
              .status == 0);
  // Three appliances, three DCID 30s: never merged.
  CHECK(rows(s.dir / "x.db", "SELECT appliance FROM connections ORDER BY appliance") ==
        "4229AAAA0000-ESA1|esa2.example.com|esa3");
}

TEST_CASE("a message aborted then finished is one message, ended by its finish line",
          "[ingest]") {
  Scratch s;
  // The order of the corpus (cribl-cisco-esa-mailtext, lines 322-325): `Message aborted`,
  // then `Message finished ... done`. Lines of the message may follow the abort.
  auto log = s.write("mail.current",
                     kHeader +
                         "Wed Sep  6 13:13:10 2023 Info: Start MID 14 ICID 7\n"
                         "Wed Sep  6 13:13:10 2023 Info: MID 14 ICID 7 From: <a@remote.example>\n"
                         "Wed Sep  6 13:13:11 2023 Info: Message aborted MID 14 Dropped by CASE\n"
                         "Wed Sep  6 13:13:11 2023 Info: MID 14 Subject 'late line'\n"
                         "Wed Sep  6 13:13:11 2023 Info: Message finished MID 14 done\n"
                         "Wed Sep  6 13:13:12 2023 Info: Message finished MID 15 done\n");
  REQUIRE(ingest(s.dir / "x.db", log.string()).status == 0);
  CHECK(rows(s.dir / "x.db", "SELECT mid || ':' || ifnull(mail_from, '') || ':' || ifnull(subject, '')"
                             " FROM messages ORDER BY mid") ==
        "14:a@remote.example:late line|15::");
}

TEST_CASE("a file ingested again adds nothing, even renamed and compressed", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + kDelivery);
  REQUIRE(ingest(s.dir / "x.db", log.string()).status == 0);
  const std::string before = rows(s.dir / "x.db", "SELECT count(*) FROM connections");
  fs::copy_file(log, s.dir / "renamed.log");
  REQUIRE(sh("gzip -c " + log.string() + " > " + (s.dir / "mail.@20230906T130000.s.gz").string()).status == 0);
  auto again = ingest(s.dir / "x.db", (s.dir / "renamed.log").string() + " " +
                                          (s.dir / "mail.@20230906T130000.s.gz").string());
  REQUIRE(again.status == 0);
  CHECK(again.out.find("already ingested") != std::string::npos);
  CHECK(rows(s.dir / "x.db", "SELECT count(*) FROM connections") == before);
  CHECK(rows(s.dir / "x.db", "SELECT count(*) FROM sources") == "1");
}

TEST_CASE("the same log given twice in one run is stored once", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + kDelivery);
  fs::copy_file(log, s.dir / "copy.log");
  REQUIRE(sh("gzip -c " + log.string() + " > " + (s.dir / "copy.gz").string()).status == 0);
  // The lanes of one run read their inputs at the same time: the copies must wait for
  // the first to be read, then find it whole.
  auto run = ingest(s.dir / "x.db", log.string() + " " + (s.dir / "copy.log").string() + " " +
                                        (s.dir / "copy.gz").string());
  REQUIRE(run.status == 0);
  CHECK(rows(s.dir / "x.db", "SELECT count(*) FROM sources") == "1");
  CHECK(rows(s.dir / "x.db", "SELECT count(*) FROM connections") == "1");
  size_t notes = 0;
  for (size_t at = run.out.find("already ingested"); at != std::string::npos; at = run.out.find("already ingested", at + 1))
    ++notes;
  CHECK(notes == 2);
}

TEST_CASE("a log and a longer copy of it in one run are stored once, the copy read on", "[ingest]") {
  Scratch s;
  const std::string first = kHeader + kDelivery;
  const std::string later =
      "Wed Sep  6 13:14:00 2023 Info: New SMTP DCID 31 interface 10.13.102.10 address 10.13.101.32 port 25\n"
      "Wed Sep  6 13:14:01 2023 Info: DCID 31 STARTTLS command not supported\n"
      "Wed Sep  6 13:14:02 2023 Info: DCID 31 close\n";
  auto shorter = s.write("a.log", first);
  auto longer = s.write("b.log", first + later);
  auto run = ingest(s.dir / "x.db", shorter.string() + " " + longer.string());
  REQUIRE(run.status == 0);
  CHECK(run.out.find("read on from line 9") != std::string::npos);
  CHECK(rows(s.dir / "x.db", "SELECT count(*) FROM sources") == "1");
  CHECK(rows(s.dir / "x.db", "SELECT lines FROM sources") == "11");
  CHECK(rows(s.dir / "x.db", "SELECT conn_id FROM connections ORDER BY conn_id") == "30|31");
}

TEST_CASE("a file that has grown is read on from where it stopped", "[ingest]") {
  Scratch s;
  const std::string first = kHeader +
      "Wed Sep  6 13:13:16 2023 Info: New SMTP DCID 30 interface 10.13.102.10 address 10.13.101.31 port 25\n"
      "Wed Sep  6 13:13:16 2023 Info: DCID 30 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-SHA384\n";
  auto log = s.write("mail.current", first);
  REQUIRE(ingest(s.dir / "x.db", log.string()).status == 0);
  s.append("mail.current",
           "Wed Sep  6 13:13:17 2023 Info: DCID 30 close\n"
           "Wed Sep  6 13:14:00 2023 Info: New SMTP DCID 31 interface 10.13.102.10 address 10.13.101.32 port 25\n"
           "Wed Sep  6 13:14:01 2023 Info: DCID 31 STARTTLS command not supported\n"
           "Wed Sep  6 13:14:02 2023 Info: DCID 31 close\n");
  auto second = ingest(s.dir / "x.db", log.string());
  REQUIRE(second.status == 0);
  CHECK(second.out.find("read on from line 6") != std::string::npos);
  const auto db = s.dir / "x.db";
  CHECK(rows(db, "SELECT lines FROM sources") == "9");
  // DCID 30 was opened in the first run and closed in the second: one connection, whole.
  CHECK(rows(db, "SELECT count(*) FROM connections WHERE conn_id = 30") == "1");
  CHECK(rows(db, "SELECT has_open || has_close || tls_outcome FROM connections WHERE conn_id = 30") ==
        "11tls-success");
  // The header's offset still applies to the lines read on.
  CHECK(rows(db, "SELECT datetime(ended_at, 'unixepoch') FROM connections WHERE conn_id = 30") ==
        "2023-09-06 19:13:17");
  CHECK(rows(db, "SELECT tls_outcome FROM connections WHERE conn_id = 31") == "starttls-not-offered");
}

TEST_CASE("a debug log joins its connection whichever file is read first", "[ingest]") {
  Scratch s;
  auto mail = s.write("mail.current", kHeader + kDelivery);
  auto debug = s.write("domain_debug.current",
                       kHeader +
                           "Wed Sep  6 13:13:16 2023 Info: 30 Sent: 'EHLO esa1.example.com'\n"
                           "Wed Sep  6 13:13:16 2023 Info: 30 Rcvd: '250-mx.example.net'\n"
                           "Wed Sep  6 13:13:16 2023 Info: 30 Rcvd: '250 STARTTLS'\n"
                           "Wed Sep  6 13:13:16 2023 Info: 30 Sent: 'STARTTLS'\n"
                           "Wed Sep  6 13:13:16 2023 Info: 30 Rcvd: '220 Go ahead with TLS'\n"
                           "Wed Sep  6 13:13:16 2023 Info: 30 Sent: 'EHLO esa1.example.com'\n");
  for (const auto& order : {mail.string() + " " + debug.string(), debug.string() + " " + mail.string()}) {
    const auto db = s.dir / ("x" + std::to_string(order.front() == mail.string().front()) + ".db");
    fs::remove(db);
    REQUIRE(ingest(db, order).status == 0);
    INFO(order);
    CHECK(rows(db, "SELECT count(*) FROM connections") == "1");
    CHECK(rows(db, "SELECT count(*) FROM transcript") == "6");
    CHECK(rows(db, "SELECT tls_outcome || ' ' || confidence FROM connections") == "tls-success high");
    CHECK(rows(db, "SELECT code FROM findings") == "ehlo-repeated-after-tls");
    CHECK(rows(db, "SELECT sender FROM transcript ORDER BY seq LIMIT 2") == "client|server");
  }
}

TEST_CASE("a line no grammar knows is kept in unparsed with its file and line number", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + "Wed Sep  6 13:13:16 2023 Info: frobnicated the widget 42\n" +
                                         kDelivery);
  auto r = ingest(s.dir / "x.db", log.string());
  REQUIRE(r.status == 0);
  const auto db = s.dir / "x.db";
  CHECK(rows(db, "SELECT line_no || ':' || text FROM unparsed") ==
        "4:Wed Sep  6 13:13:16 2023 Info: frobnicated the widget 42");
  CHECK(rows(db, "SELECT lines || ' ' || lines_parsed || ' ' || lines_unparsed FROM sources") == "9 8 1");
  CHECK(r.out.find("unrecognised") != std::string::npos);
}

TEST_CASE("logs read from stdin are ingested like a file", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + kDelivery);
  REQUIRE(sh("cat " + log.string() + " | " + MAILTLS_BINARY + " ingest --progress 0 --db " +
             (s.dir / "x.db").string() + " -").status == 0);
  CHECK(rows(s.dir / "x.db", "SELECT path FROM sources") == "-");
  CHECK(rows(s.dir / "x.db", "SELECT tls_outcome FROM connections") == "tls-success");
}

TEST_CASE("the per-input report gives lines, specific, generic, other-logs, unrecognised, connections and time", "[ingest]") {
  Scratch s;
  auto log = s.write("mail.current", kHeader + kDelivery);
  auto r = ingest(s.dir / "x.db", log.string());
  REQUIRE(r.status == 0);
  std::istringstream lines(r.out);
  std::string header, rule, row;
  std::getline(lines, header);
  std::getline(lines, rule);  // a line of dashes under the header
  std::getline(lines, row);
  CHECK(rule.find_first_not_of('-') == std::string::npos);
  for (const char* column : {"lines", "specific", "generic", "other-logs", "unrecognised", "connections", "seconds"})
    CHECK(header.find(column) != std::string::npos);
  std::istringstream fields(row);
  std::string name;
  long total = -1, specific = -1, generic = -1, other = -1, unrecognised = -1, connections = -1;
  fields >> name >> total >> specific >> generic >> other >> unrecognised >> connections;
  CHECK(total == 8);
  CHECK(specific == 8);
  CHECK(generic == 0);
  CHECK(other == 0);
  CHECK(unrecognised == 0);
  CHECK(connections == 1);
}

TEST_CASE("every log of the shared corpus is at least 99% recognised", "[ingest][corpus]") {
  const fs::path corpus = fs::path(MAILTLS_SHARED_DIR) / "corpus";
  if (!fs::is_directory(corpus)) {
    WARN("skipped: " << corpus << " is not here (it is only beside the project in CI)");
    return;
  }
  Scratch s;
  REQUIRE(ingest(s.dir / "c.db", corpus.string()).status == 0);
  // Comment lines are not log lines, nor are the Splunk test templates ({{...}} placeholders).
  // An unparsed record may span several physical lines (joined by '\n').
  const std::string template_lines =
      "(SELECT coalesce(sum(length(u.text) - length(replace(u.text, char(10), '')) + 1), 0) "
      "FROM unparsed u WHERE u.source_id = s.id AND u.text LIKE '%{{%')";
  const std::string sql = "SELECT s.path, s.lines - " + template_lines + ", s.lines_unparsed - " +
                          template_lines + " FROM sources s";
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2((s.dir / "c.db").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  int files = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ++files;
    const std::string path = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    const double lines = sqlite3_column_int64(st, 1), unparsed = sqlite3_column_int64(st, 2);
    INFO(path << ": " << unparsed << " of " << lines << " log lines unparsed");
    if (lines > 0) CHECK(unparsed / lines <= 0.01);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  CHECK(files >= 10);
}
