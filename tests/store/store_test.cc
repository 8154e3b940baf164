// The store against real SQLite files in a temporary directory. Rows are checked with
// raw sqlite3 where the point is what lands in the tables.
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "base/fingerprint.h"
#include "store/schema_sql.h"
#include "child_process.h"
#include "store/store.h"

using namespace mailtls;
namespace fs = std::filesystem;

namespace {

using testing::TempDir;

// One integer from a query run on its own connection, as another tool would.
int64_t count(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return v;
}

std::string text(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  std::string v = "<none>";
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_type(s, 0) == SQLITE_NULL
            ? "<null>"
            : reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return v;
}

// A stand-in classifier: enough to see that reconcile reclassified a merged row.
Verdict fake_classify(const Connection& c) {
  Verdict v;
  v.confidence = Confidence::medium;
  for (const auto& l : c.log)
    if (l.type == EventType::dcid_tls_success || l.type == EventType::icid_tls_success)
      v.outcome = Outcome::tls_success;
  if (v.outcome == Outcome::unknown && c.has_open && c.has_close) v.outcome = Outcome::cleartext;
  if (!c.transcript.empty()) {
    v.confidence = Confidence::high;
    v.findings.push_back({FindingCode::ehlo_repeated_after_tls, ""});
    v.keywords_before_tls.push_back({"STARTTLS", ""});
  }
  return v;
}

LogLine log_line(EventType type, int64_t time, std::string text, int64_t line_no = 1) {
  LogLine l;
  l.type = type;
  l.time = time;
  l.text = std::move(text);
  l.ref = {1, line_no};
  return l;
}

TranscriptLine said(Sender who, int64_t time, std::string text) {
  TranscriptLine t;
  t.sender = who;
  t.time = time;
  t.text = std::move(text);
  t.ref = {2, time};
  return t;
}

// An outbound connection with its opening at `start` (and its close at `end`, if set).
Connection outbound(Store& st, int64_t dcid, int64_t start, int64_t end,
                    std::string appliance = "esa1") {
  Connection c;
  c.id = st.new_connection_id();
  c.appliance = std::move(appliance);
  c.direction = Direction::outbound;
  c.conn_id = dcid;
  if (start) {
    c.started_at = start;
    c.has_open = true;
    c.log.push_back(log_line(EventType::dcid_new, start, "New SMTP DCID"));
  }
  if (end) {
    c.ended_at = end;
    c.has_close = true;
    c.log.push_back(log_line(EventType::dcid_close, end, "DCID close"));
  }
  c.last_seen = end ? end : start;
  return c;
}

std::unique_ptr<Store> open_rw(const std::string& db, Diagnostics& diag, int timeout = 5000) {
  auto st = Store::open(db, Store::Mode::read_write, diag, timeout);
  REQUIRE(st);
  return st;
}

}  // namespace

TEST_CASE("schema user_version is set", "[store]") {
  TempDir dir;
  Diagnostics diag;
  open_rw(dir.db(), diag)->finish(fake_classify);
  CHECK(count(dir.db(), "PRAGMA user_version") == kSchemaVersion);
  CHECK(text(dir.db(), "PRAGMA journal_mode") == "wal");
  CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE name='deliveries_msg'") == 1);
}

TEST_CASE("a finished first run has every index of both index files", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection c = outbound(*st, 10, 100, 200);
  st->put_connection(c, fake_classify(c));
  st->finish(fake_classify);
  const std::string all = std::string(kSchemaIndexesSql) + kSchemaLateIndexesSql;
  const std::string marker = "CREATE INDEX IF NOT EXISTS ";
  int names = 0;
  for (size_t at = all.find(marker); at != std::string::npos; at = all.find(marker, at + 1)) {
    const size_t from = at + marker.size();
    const std::string name = all.substr(from, all.find(' ', from) - from);
    INFO(name);
    CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE type='index' AND name='" +
                              name + "'") == 1);
    ++names;
  }
  CHECK(names == 9);
  CHECK(text(dir.db(), "PRAGMA integrity_check") == "ok");
}

namespace {

// Runs `sql` on its own read-write connection, as the version 1 binary would have.
void exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
          SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(h);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A table's columns as SQLite describes them: name, type, NOT NULL, place in the key.
std::string columns(const std::string& db, const std::string& table) {
  return text(db, "SELECT group_concat(name || ' ' || type || ' ' || \"notnull\" || ' ' || pk, ', ')"
                  " FROM pragma_table_info('" + table + "')");
}

}  // namespace

TEST_CASE("a version 1 database is migrated with its rows and keeps taking runs", "[store]") {
  TempDir dir;
  // A database as version 1 left it: rowid tables, the two indexes, rows written out of
  // key order.
  exec(dir.db(), read_file(fs::path(MAILTLS_TEST_DIR) / "data" / "schema_v1.sql") +
                     "PRAGMA user_version = 1;"
                     "INSERT INTO connections (id, appliance, direction, conn_id, started_at,"
                     " has_open, last_seen) VALUES (1, 'esa1', 'outbound', 7, 100, 1, 100);"
                     "INSERT INTO log_events VALUES (1, 1, 'dcid_close', 150, NULL, NULL, 2,"
                     " 'DCID close');"
                     "INSERT INTO log_events VALUES (1, 0, 'dcid_new', 100, NULL, NULL, 1,"
                     " 'New SMTP DCID');"
                     "INSERT INTO transcript VALUES (1, 1, 'client', 'EHLO me', 102, NULL, 4);"
                     "INSERT INTO transcript VALUES (1, 0, 'server', '220 hi', 101, NULL, 3);"
                     "INSERT INTO messages (id, appliance, mid) VALUES (5, 'esa1', 50), (6, 'esa1', 60);"
                     "INSERT INTO deliveries VALUES (1, 6, 0, 'delivered', '250 b', 60);"
                     "INSERT INTO deliveries VALUES (1, 5, 0, 'bounced', '550 a', 50);"
                     "INSERT INTO findings VALUES (1, 'cleartext-fallback', NULL);"
                     "INSERT INTO ehlo_keywords VALUES (1, 'before-tls', 'SIZE', '100');"
                     "INSERT INTO ehlo_keywords VALUES (1, 'before-tls', 'STARTTLS', NULL);");
  Diagnostics diag;
  {
    auto st = open_rw(dir.db(), diag);
    auto old = st->load_connection(1);
    REQUIRE(old);
    REQUIRE(old->log.size() == 2);
    CHECK(old->log[0].text == "New SMTP DCID");
    REQUIRE(old->transcript.size() == 2);
    CHECK(old->transcript[0].text == "220 hi");
    CHECK(old->transcript[1].text == "EHLO me");
    // Numbered in the order version 1 kept them (rowid), which is the order it read them.
    REQUIRE(old->deliveries.size() == 2);
    CHECK(old->deliveries[0].response == "250 b");
    CHECK(old->deliveries[1].response == "550 a");
    Connection c = outbound(*st, 8, 300, 400);
    CHECK(c.id == 2);
    c.transcript = {said(Sender::server, 301, "220 there")};
    st->put_connection(c, fake_classify(c));
    st->finish(fake_classify);
  }
  CHECK_FALSE(diag.any_error());
  CHECK(count(dir.db(), "PRAGMA user_version") == kSchemaVersion);
  CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE name IN"
                        " ('log_events_conn', 'transcript_conn', 'log_events_v2',"
                        " 'transcript_v2')") == 0);
  for (const char* table : {"log_events", "transcript", "deliveries", "findings", "ehlo_keywords"}) {
    INFO(table);
    // WITHOUT ROWID: no rowid to select.
    CHECK(count(dir.db(), std::string("SELECT count(rowid) FROM ") + table) == -1);
  }
  CHECK(text(dir.db(), "SELECT group_concat(seq || ':' || keyword, ' ') FROM"
                       " (SELECT seq, keyword FROM ehlo_keywords WHERE connection_id = 1 ORDER BY seq)") ==
        "0:SIZE 1:STARTTLS");
  CHECK(text(dir.db(), "SELECT seq || ':' || code FROM findings WHERE connection_id = 1") ==
        "0:cleartext-fallback");
  CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE name IN ('deliveries_conn',"
                        " 'findings_conn', 'ehlo_keywords_conn')") == 0);
  CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE name = 'deliveries_msg'") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events") == 4);
  CHECK(text(dir.db(), "SELECT group_concat(line, '|') FROM"
                       " (SELECT line FROM transcript ORDER BY connection_id, seq)") ==
        "220 hi|EHLO me|220 there");
  CHECK(text(dir.db(), "PRAGMA integrity_check") == "ok");

  // The same tables as a database created by this version.
  TempDir fresh;
  open_rw(fresh.db(), diag)->finish(fake_classify);
  for (const char* table : {"log_events", "transcript", "deliveries", "findings", "ehlo_keywords"}) {
    INFO(table);
    CHECK(columns(dir.db(), table) == columns(fresh.db(), table));
    CHECK(columns(dir.db(), table).find("seq INTEGER 1 2") != std::string::npos);
  }
}

TEST_CASE("a version 1 database whose migration fails is left at version 1", "[store]") {
  TempDir dir;
  // Two rows with one key cannot enter the keyed table: the open fails and rolls back.
  exec(dir.db(), read_file(fs::path(MAILTLS_TEST_DIR) / "data" / "schema_v1.sql") +
                     "PRAGMA user_version = 1;"
                     "INSERT INTO transcript VALUES (1, 0, 'server', '220 a', 1, NULL, 1);"
                     "INSERT INTO transcript VALUES (1, 0, 'server', '220 b', 1, NULL, 2);");
  Diagnostics diag;
  CHECK_FALSE(Store::open(dir.db(), Store::Mode::read_write, diag, 1000));
  REQUIRE(diag.all().size() == 1);
  CHECK(diag.all()[0].message.find("cannot migrate the schema from version 1") != std::string::npos);
  CHECK(count(dir.db(), "PRAGMA user_version") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM transcript") == 2);
  CHECK(count(dir.db(), "SELECT count(*) FROM sqlite_schema WHERE name='transcript_conn'") == 1);
}

TEST_CASE("every connection field survives a round trip through the store", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection c;
  c.id = st->new_connection_id();
  c.appliance = "esa2";
  c.direction = Direction::outbound;
  c.conn_id = 4242;
  c.started_at = 1700000000;
  c.ended_at = 1700000060;
  c.last_seen = 1700000061;
  c.has_open = c.has_close = true;
  c.peer_ip = "192.0.2.7";
  c.peer_host = "mx.example.net";
  c.domain = "example.net";
  c.tls_protocol = "TLSv1.2";
  c.tls_cipher = "ECDHE-RSA-AES256-GCM-SHA384";
  LogLine l = log_line(EventType::dcid_tls_failed, 1700000005, "DCID 4242 TLS failed", 17);
  l.detail = "STARTTLS unexpected response";
  c.log = {log_line(EventType::dcid_new, 1700000000, "New SMTP DCID 4242", 16), l};
  c.transcript = {said(Sender::server, 1700000001, "250-STARTTLS"),
                  said(Sender::client, 1700000002, "STARTTLS")};
  c.deliveries = {{7, 99, 0, DeliveryResult::delivered, "250 ok"}, {8, 100, 1, DeliveryResult::bounced, ""}};
  st->put_connection(c, fake_classify(c));
  auto back = st->load_connection(c.id);
  REQUIRE(back);
  CHECK(back->appliance == c.appliance);
  CHECK(back->direction == c.direction);
  CHECK(back->conn_id == c.conn_id);
  CHECK(back->started_at == c.started_at);
  CHECK(back->ended_at == c.ended_at);
  CHECK(back->last_seen == c.last_seen);
  CHECK(back->has_open);
  CHECK(back->has_close);
  CHECK(back->peer_ip == c.peer_ip);
  CHECK(back->peer_host == c.peer_host);
  CHECK(back->domain == c.domain);
  CHECK(back->tls_protocol == c.tls_protocol);
  CHECK(back->tls_cipher == c.tls_cipher);
  REQUIRE(back->log.size() == 2);
  CHECK(back->log[1].type == EventType::dcid_tls_failed);
  CHECK(back->log[1].text == l.text);
  CHECK(back->log[1].detail == l.detail);
  CHECK(back->log[1].ref.source_id == 1);
  CHECK(back->log[1].ref.line_no == 17);
  CHECK(back->log[1].time == l.time);
  REQUIRE(back->transcript.size() == 2);
  CHECK(back->transcript[0].sender == Sender::server);
  CHECK(back->transcript[0].text == "250-STARTTLS");
  CHECK(back->transcript[1].sender == Sender::client);
  CHECK(back->transcript[1].time == 1700000002);
  CHECK(back->transcript[1].ref.line_no == 1700000002);
  REQUIRE(back->deliveries.size() == 2);
  CHECK(back->deliveries[0].message_id == 7);
  CHECK(back->deliveries[0].mid == 99);
  CHECK(back->deliveries[1].rid == 1);
  CHECK(back->deliveries[1].result == DeliveryResult::bounced);
  CHECK(back->deliveries[0].response == "250 ok");
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM findings") == 1);
  CHECK(text(dir.db(), "SELECT phase || ' ' || keyword FROM ehlo_keywords") ==
        "before-tls STARTTLS");
  CHECK(text(dir.db(), "SELECT confidence FROM connections") == "high");
}

TEST_CASE("unknown values are stored as NULL", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection c = outbound(*st, 5, 0, 0);
  c.log.push_back(log_line(EventType::dcid_tls_success, 0, "DCID 5 TLS success"));
  c.log.back().ref = {};
  st->put_connection(c, Verdict{});
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections WHERE started_at IS NULL AND"
                        " ended_at IS NULL AND last_seen IS NULL AND peer_ip IS NULL AND"
                        " domain IS NULL AND tls_detail IS NULL") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events WHERE time IS NULL AND detail IS"
                        " NULL AND source_id IS NULL AND line_no IS NULL") == 1);
}

TEST_CASE("a connection written twice keeps only its second version", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection c = outbound(*st, 10, 100, 0);
  c.transcript = {said(Sender::server, 101, "220 hi")};
  st->put_connection(c, fake_classify(c));
  Connection other = outbound(*st, 11, 100, 200);
  st->put_connection(other, fake_classify(other));
  c.ended_at = 150;
  c.has_close = true;
  c.log.push_back(log_line(EventType::dcid_close, 150, "closed"));
  c.transcript.push_back(said(Sender::client, 102, "EHLO me"));
  st->put_connection(c, fake_classify(c));
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 2);
  CHECK(count(dir.db(), "SELECT ended_at FROM connections WHERE conn_id=10") == 150);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events WHERE connection_id=" +
                            std::to_string(c.id)) == 2);
  CHECK(count(dir.db(), "SELECT count(*) FROM transcript") == 2);
  CHECK(count(dir.db(), "SELECT count(*) FROM findings") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events WHERE connection_id=" +
                            std::to_string(other.id)) == 2);
}

TEST_CASE("a connection from an earlier run written again replaces it", "[store]") {
  TempDir dir;
  Diagnostics diag;
  Connection c;
  {
    auto st = open_rw(dir.db(), diag);
    c = outbound(*st, 10, 100, 200);
    st->put_connection(c, fake_classify(c));
    st->finish(fake_classify);
  }
  auto st = open_rw(dir.db(), diag);
  CHECK(st->new_connection_id() == c.id + 1);  // ids continue after the stored ones
  c.peer_ip = "198.51.100.1";
  st->put_connection(c, fake_classify(c));
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events") == 2);
  CHECK(text(dir.db(), "SELECT peer_ip FROM connections") == "198.51.100.1");
}

TEST_CASE("a run that is not finished leaves the database unchanged", "[store]") {
  TempDir dir;
  Diagnostics diag;
  {
    auto st = open_rw(dir.db(), diag);
    Connection c = outbound(*st, 1, 100, 200);
    st->put_connection(c, fake_classify(c));
    st->finish(fake_classify);
  }
  {
    auto st = open_rw(dir.db(), diag);
    for (int i = 0; i < 500; ++i) {
      Connection c = outbound(*st, 100 + i, 300, 400);
      st->put_connection(c, fake_classify(c));
      st->put_unparsed(1, i, "junk");
    }
  }  // destroyed without finish(): rolled back
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 1);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events") == 2);
  CHECK(count(dir.db(), "SELECT count(*) FROM unparsed") == 0);
  CHECK_FALSE(diag.any_error());
}

TEST_CASE("a failed write rolls the whole run back and says so", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection c = outbound(*st, 1, 100, 200);
  st->put_connection(c, Verdict{});
  // A temporary trigger stands in for a full disk: every unparsed insert fails.
  REQUIRE(sqlite3_exec(st->handle(),
                       "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.unparsed"
                       " BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  for (int i = 0; i < 100; ++i) st->put_unparsed(1, i, "junk");
  st->finish(fake_classify);
  REQUIRE(diag.all().size() == 1);
  CHECK(diag.all()[0].file == dir.db());
  CHECK_THAT(diag.all()[0].message, Catch::Contains("disk full (simulated)"));
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == -1);  // no tables: nothing kept
}

TEST_CASE("a read-only store refuses writes", "[store]") {
  TempDir dir;
  Diagnostics diag;
  open_rw(dir.db(), diag)->finish(fake_classify);
  auto ro = Store::open(dir.db(), Store::Mode::read_only, diag);
  REQUIRE(ro);
  Connection c;
  c.id = ro->new_connection_id();
  ro->put_connection(c, Verdict{});
  ro->put_unparsed(1, 1, "x");
  CHECK(diag.any_error());
  CHECK(sqlite3_exec(ro->handle(), "INSERT INTO unparsed VALUES (1, 1, 'x')", nullptr, nullptr,
                     nullptr) != SQLITE_OK);
  ro.reset();
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 0);
  CHECK(count(dir.db(), "SELECT count(*) FROM unparsed") == 0);
}

TEST_CASE("a missing database cannot be opened read-only", "[store]") {
  TempDir dir;
  Diagnostics diag;
  CHECK_FALSE(Store::open(dir.db(), Store::Mode::read_only, diag));
  REQUIRE(diag.all().size() == 1);
  CHECK(diag.all()[0].file == dir.db());
  CHECK_FALSE(fs::exists(dir.db()));
}

TEST_CASE("a second writer waits then fails clearly", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto first = open_rw(dir.db(), diag);
  Diagnostics diag2;
  auto t0 = std::chrono::steady_clock::now();
  auto second = Store::open(dir.db(), Store::Mode::read_write, diag2, 300);
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK_FALSE(second);
  CHECK(waited >= std::chrono::milliseconds(250));
  REQUIRE(diag2.all().size() == 1);
  CHECK(diag2.all()[0].file == dir.db());
  CHECK_THAT(diag2.all()[0].message, Catch::Contains("being written by another process"));
  first->finish(fake_classify);
  CHECK(Store::open(dir.db(), Store::Mode::read_write, diag2, 300));  // free again
}

TEST_CASE("a reader sees the last finished run while a writer works", "[store]") {
  TempDir dir;
  Diagnostics diag;
  open_rw(dir.db(), diag)->finish(fake_classify);
  auto writer = open_rw(dir.db(), diag);
  Connection c = outbound(*writer, 1, 100, 200);
  writer->put_connection(c, Verdict{});
  writer->finish(fake_classify);
  auto reader = Store::open(dir.db(), Store::Mode::read_only, diag);
  REQUIRE(reader);
  CHECK(reader->load_connection(c.id));
}

TEST_CASE("a grown file is found by its shorter fingerprint", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  std::string small = "Mon Jan  1 00:00:00 2024 Info: Begin Logfile\n";
  SourceRecord s;
  s.path = "mail.current";
  s.fp_len = static_cast<int64_t>(small.size());
  s.fingerprint = fingerprint(small);
  s.bytes = s.fp_len;
  s.lines = 1;
  s.appliance = "esa1";
  s.id = st->add_source(s);
  CHECK(s.id > 0);
  std::string grown = small + std::string(5000, 'x');
  auto found = st->find_source(std::string_view(grown).substr(0, kFingerprintBytes));
  REQUIRE(found);
  CHECK(found->id == s.id);
  CHECK(found->appliance == "esa1");
  CHECK_FALSE(st->find_source("Tue " + grown.substr(4)));
  CHECK_FALSE(st->find_source(small.substr(0, 10)));  // a shorter head is another file

  s.bytes = 5045;
  s.lines_parsed = 7;
  st->update_source(s);
  CHECK(st->source(s.id)->lines_parsed == 7);
  CHECK_FALSE(st->source(s.id + 1));
}

TEST_CASE("unparsed lines are all stored, whatever the batch size", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  for (int i = 1; i <= 1000; ++i) st->put_unparsed(3, i, "line " + std::to_string(i));
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM unparsed WHERE source_id=3") == 1000);
  CHECK(text(dir.db(), "SELECT text FROM unparsed WHERE line_no=999") == "line 999");
}

TEST_CASE("a message round trips and is replaced by id", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Message m;
  m.id = st->new_message_id();
  m.appliance = "esa1";
  m.mid = 555;
  m.mail_from = "a@example.org";
  m.recipients = {{0, "b@example.net"}};
  st->put_message(m);
  m.subject = "hello";
  m.bytes = 1234;
  m.recipients.push_back({1, "c@example.net"});
  st->put_message(m);
  auto back = st->load_message(m.id);
  REQUIRE(back);
  CHECK(back->icid == -1);
  CHECK(back->bytes == 1234);
  CHECK(back->subject == "hello");
  CHECK(back->recipients.size() == 2);
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM recipients") == 2);
  CHECK(text(dir.db(), "SELECT message_id FROM messages") == "<null>");
}

TEST_CASE("messages written twice in a first run are merged, the others left alone",
          "[store]") {
  TempDir dir;
  Diagnostics diag;
  {
    auto st = open_rw(dir.db(), diag);
    auto put = [&](int64_t mid, std::string subject) {
      Message m;
      m.id = st->new_message_id();
      m.appliance = "esa1";
      m.mid = mid;
      m.subject = std::move(subject);
      m.recipients = {{0, "r" + std::to_string(mid) + "@example.net"}};
      st->put_message(m);
    };
    for (int64_t mid = 1; mid <= 20000; ++mid) put(mid, "first");
    put(77, "");            // MID 77 seen again after its row was handed on
    put(20000, "second");   // and the last one
    st->finish(fake_classify);
  }
  CHECK_FALSE(diag.any_error());
  CHECK(count(dir.db(), "SELECT count(*) FROM messages") == 20000);
  CHECK(count(dir.db(), "SELECT count(*) FROM (SELECT mid FROM messages GROUP BY appliance, mid"
                        " HAVING count(*) > 1)") == 0);
  CHECK(text(dir.db(), "SELECT subject FROM messages WHERE mid = 77") == "first");
  CHECK(text(dir.db(), "SELECT subject FROM messages WHERE mid = 20000") == "first");
  CHECK(count(dir.db(), "SELECT count(*) FROM recipients") == 20000);
}

TEST_CASE("messages with the same appliance and MID are merged", "[store]") {
  TempDir dir;
  Diagnostics diag;
  Message a, b, other;
  int64_t conn = 0;
  {
    auto st = open_rw(dir.db(), diag);
    a.id = st->new_message_id();
    a.appliance = "esa1";
    a.mid = 77;
    a.icid = 9;
    a.recipients = {{0, "x@example.net"}};
    st->put_message(a);
    other = a;
    other.id = st->new_message_id();
    other.appliance = "esa2";  // another appliance: stays apart
    st->put_message(other);
    st->finish(fake_classify);
  }
  auto st = open_rw(dir.db(), diag);
  b.id = st->new_message_id();
  b.appliance = "esa1";
  b.mid = 77;
  b.subject = "later half";
  b.recipients = {{0, "x@example.net"}, {1, "y@example.net"}};
  st->put_message(b);
  Connection c = outbound(*st, 3, 100, 200);
  c.deliveries = {{b.id, 77, 1, DeliveryResult::delivered, "250 ok"}};
  conn = c.id;
  st->put_connection(c, Verdict{});
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM messages") == 2);
  CHECK(count(dir.db(), "SELECT icid FROM messages WHERE mid=77 AND appliance='esa1'") == 9);
  CHECK(text(dir.db(), "SELECT subject FROM messages WHERE id=" + std::to_string(a.id)) ==
        "later half");
  CHECK(count(dir.db(), "SELECT count(*) FROM recipients WHERE message_id=" +
                            std::to_string(a.id)) == 2);
  CHECK(count(dir.db(), "SELECT message_id FROM deliveries WHERE connection_id=" +
                            std::to_string(conn)) == a.id);
}

TEST_CASE("a connection split across two runs is merged and reclassified", "[store]") {
  TempDir dir;
  Diagnostics diag;
  int64_t first_id = 0;
  {
    auto st = open_rw(dir.db(), diag);
    Connection c = outbound(*st, 42, 1000, 0);
    c.domain = "example.net";
    first_id = c.id;
    st->put_connection(c, fake_classify(c));
    st->finish(fake_classify);
  }
  CHECK(text(dir.db(), "SELECT tls_outcome FROM connections") == "unknown");
  auto st = open_rw(dir.db(), diag);
  Connection rest = outbound(*st, 42, 0, 1100);
  rest.peer_ip = "192.0.2.1";
  rest.log.insert(rest.log.begin(), log_line(EventType::dcid_tls_success, 1010, "TLS success"));
  st->put_connection(rest, fake_classify(rest));
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 1);
  CHECK(count(dir.db(), "SELECT id FROM connections") == first_id);
  CHECK(text(dir.db(), "SELECT tls_outcome FROM connections") == "tls-success");
  CHECK(text(dir.db(), "SELECT peer_ip || ' ' || domain FROM connections") ==
        "192.0.2.1 example.net");
  CHECK(count(dir.db(), "SELECT has_open + has_close FROM connections") == 2);
  CHECK(count(dir.db(), "SELECT ended_at FROM connections") == 1100);
  auto ro = Store::open(dir.db(), Store::Mode::read_only, diag);
  auto merged = ro->load_connection(first_id);
  REQUIRE(merged);
  REQUIRE(merged->log.size() == 3);
  CHECK(merged->log[0].type == EventType::dcid_new);
  CHECK(merged->log[1].type == EventType::dcid_tls_success);
  CHECK(merged->log[2].type == EventType::dcid_close);
}

TEST_CASE("a debug-log fragment is merged into the connection whose span contains it",
          "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection early = outbound(*st, 7, 1000, 1100);  // the same DCID, reused later
  Connection late = outbound(*st, 7, 5000, 5100);
  Connection dialogue;
  dialogue.id = st->new_connection_id();
  dialogue.appliance = "esa1";
  dialogue.direction = Direction::outbound;
  dialogue.conn_id = 7;
  dialogue.transcript = {said(Sender::server, 5001, "220 mx ESMTP"),
                         said(Sender::client, 5002, "EHLO esa1")};
  for (auto* c : {&early, &late, &dialogue}) st->put_connection(*c, fake_classify(*c));
  CHECK(st->reconcile(fake_classify) == 1);
  auto merged = st->load_connection(late.id);
  REQUIRE(merged);
  REQUIRE(merged->transcript.size() == 2);
  CHECK(merged->transcript[0].text == "220 mx ESMTP");
  CHECK(st->load_connection(early.id)->transcript.empty());
  CHECK_FALSE(st->load_connection(dialogue.id));
  st->finish(fake_classify);
  CHECK(text(dir.db(), "SELECT confidence FROM connections WHERE id=" +
                           std::to_string(late.id)) == "high");
  CHECK(count(dir.db(), "SELECT count(*) FROM ehlo_keywords") == 1);
}

TEST_CASE("late Delayed and Bounced pieces join their closed connection after its own lines",
          "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  auto late_piece = [&](int64_t dcid, EventType type, int64_t time, int64_t mid) {
    Connection c;
    c.id = st->new_connection_id();
    c.appliance = "esa1";
    c.direction = Direction::outbound;
    c.conn_id = dcid;
    c.log.push_back(log_line(type, time, type == EventType::bounced ? "Bounced" : "Delayed"));
    c.deliveries.push_back({mid, mid, 0, type == EventType::bounced ? DeliveryResult::bounced : DeliveryResult::delayed, "5.1.1"});
    c.last_seen = time;
    return c;
  };
  // DCID 9: one late piece (its rows are moved, numbered on); DCID 10: two late pieces
  // (the connection is written again whole). Both must read back the same way.
  Connection one = outbound(*st, 9, 1000, 1100);
  one.deliveries.push_back({1, 1, 0, DeliveryResult::delivered, "250 ok"});
  Connection two = outbound(*st, 10, 1000, 1100);
  two.deliveries.push_back({1, 1, 0, DeliveryResult::delivered, "250 ok"});
  std::vector<Connection> all = {one, two, late_piece(9, EventType::bounced, 5000, 2),
                                 late_piece(10, EventType::bounced, 5000, 2),
                                 late_piece(10, EventType::delayed, 6000, 3)};
  for (const Connection& c : all) st->put_connection(c, fake_classify(c));
  CHECK(st->reconcile(fake_classify) == 3);
  for (int64_t id : {one.id, two.id}) {
    auto merged = st->load_connection(id);
    REQUIRE(merged);
    REQUIRE(merged->log.size() >= 3);
    CHECK(merged->log[0].type == EventType::dcid_new);
    CHECK(merged->log[1].type == EventType::dcid_close);
    CHECK(merged->log[2].type == EventType::bounced);
    REQUIRE(merged->deliveries.size() >= 2);
    CHECK(merged->deliveries[0].result == DeliveryResult::delivered);
    CHECK(merged->deliveries[1].result == DeliveryResult::bounced);
  }
  CHECK(st->load_connection(one.id)->log.size() == 3);
  CHECK(st->load_connection(two.id)->log.size() == 4);
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 2);
  CHECK(text(dir.db(), "SELECT group_concat(seq) FROM (SELECT seq FROM log_events WHERE connection_id=" +
                           std::to_string(one.id) + " ORDER BY seq)") == "0,1,2");
  CHECK(count(dir.db(), "SELECT count(*) FROM deliveries WHERE connection_id NOT IN (SELECT id FROM connections)") == 0);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events WHERE connection_id NOT IN (SELECT id FROM connections)") == 0);
}

TEST_CASE("reconcile run twice changes nothing", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection open = outbound(*st, 9, 1000, 0);
  Connection middle = outbound(*st, 9, 0, 0);
  middle.log = {log_line(EventType::dcid_tls_success, 1005, "TLS success")};
  Connection close = outbound(*st, 9, 0, 1010);
  Connection orphan = outbound(*st, 10, 0, 2000);  // its opening is nowhere
  for (auto* c : {&open, &middle, &close, &orphan}) st->put_connection(*c, fake_classify(*c));
  CHECK(st->reconcile(fake_classify) == 2);
  auto before = st->load_connection(open.id);
  REQUIRE(before);
  CHECK(before->log.size() == 3);
  CHECK(before->has_close);
  CHECK(st->reconcile(fake_classify) == 0);
  auto after = st->load_connection(open.id);
  CHECK(after->log.size() == 3);
  CHECK(st->find_connections("", Direction::outbound, 10) == std::vector<int64_t>{orphan.id});
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 2);
  CHECK(count(dir.db(), "SELECT count(*) FROM log_events") == 4);
}

TEST_CASE("connections of two appliances with the same DCID stay apart", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection a = outbound(*st, 12, 1000, 0, "esa1");
  Connection b = outbound(*st, 12, 0, 1010, "esa2");
  st->put_connection(a, fake_classify(a));
  st->put_connection(b, fake_classify(b));
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 2);
  auto ro = Store::open(dir.db(), Store::Mode::read_only, diag);
  CHECK(ro->find_connections("esa1", Direction::outbound, 12) == std::vector<int64_t>{a.id});
  CHECK(ro->find_connections("", Direction::outbound, 12).size() == 2);
  CHECK(ro->find_connections("esa1", Direction::inbound, 12).empty());
}

TEST_CASE("a fragment beyond the window is not merged", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  Connection a = outbound(*st, 12, 1000, 0);
  Connection b = outbound(*st, 12, 0, 1000 + 90000);
  st->put_connection(a, fake_classify(a));
  st->put_connection(b, fake_classify(b));
  CHECK(st->reconcile(fake_classify, 86400) == 0);
  st->finish(fake_classify);
  CHECK(count(dir.db(), "SELECT count(*) FROM connections") == 2);
}

TEST_CASE("rows written by the store pass the schema's CHECK constraints", "[store]") {
  TempDir dir;
  Diagnostics diag;
  auto st = open_rw(dir.db(), diag);
  for (Direction d : {Direction::inbound, Direction::outbound})
    for (Confidence conf : {Confidence::high, Confidence::medium, Confidence::low}) {
      Connection c = outbound(*st, st->new_connection_id(), 100, 200);
      c.direction = d;
      c.transcript = {said(Sender::client, 101, "EHLO a"), said(Sender::server, 102, "250 ok")};
      Verdict v;
      v.confidence = conf;
      v.keywords_before_tls.push_back({"STARTTLS", ""});
      v.keywords_after_tls.push_back({"SIZE", "100"});
      st->put_connection(c, v);
    }
  st->finish(fake_classify);
  REQUIRE(diag.all().empty());
  CHECK(count(dir.db(), "SELECT count(DISTINCT direction || confidence) FROM connections") == 6);
  // integrity_check also evaluates every CHECK constraint on every row.
  CHECK(text(dir.db(), "PRAGMA integrity_check") == "ok");
}

namespace {

// Bytes this process has handed to write(2)/pwrite(2) so far (/proc/self/io "wchar"), or
// -1 where the kernel does not say.
int64_t bytes_written_by_process() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value)
    if (key == "wchar:") return value;
  return -1;
}

}  // namespace

// Multi-row INSERTs that may abort make SQLite copy every page they touch into a
// statement journal (a temporary file once it outgrows 64 KiB): 2 GB of writes for a
// 160 MB database at 209 MB of logs. A first run should write each page about once.
TEST_CASE("a first run writes each database page about once and keeps no statement journal",
          "[store]") {
  const int64_t before = bytes_written_by_process();
  if (before < 0) {
    WARN("skipped: no /proc/self/io here");
    return;
  }
  TempDir dir;
  Diagnostics diag;
  {
    auto st = open_rw(dir.db(), diag);
    for (int i = 0; i < 4000; ++i) {
      Connection c = outbound(*st, 1000 + i, 100 + i, 200 + i);
      for (int k = 0; k < 12; ++k)
        c.log.push_back(log_line(EventType::other, 150 + i,
                                 "Info: DCID " + std::to_string(1000 + i) + " line " +
                                     std::to_string(k) + std::string(60, 'x'),
                                 k + 2));
      for (int k = 0; k < 6; ++k)
        c.transcript.push_back(said(k % 2 ? Sender::server : Sender::client, 150 + i,
                                    "250-KEYWORD " + std::string(40, 'y')));
      st->put_connection(c, fake_classify(c));
    }
    st->finish(fake_classify);
  }
  REQUIRE(diag.all().empty());
  const int64_t written = bytes_written_by_process() - before;
  const auto size = static_cast<int64_t>(fs::file_size(dir.db()));
  INFO("database " << size << " bytes, the process wrote " << written);
  CHECK(size > 2'000'000);
  CHECK(written < 2 * size);
}
