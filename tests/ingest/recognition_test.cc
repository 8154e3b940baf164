// What `ingest` recognises in real logs beyond the kinds of grammars/mail_logs.toml: the
// generic tier's notes attached to their connection or message, other log subscriptions
// counted by type, the two appliances of a concatenated file, and what `sources` (the
// source_lines and source_appliances tables, and the ingest table) says of each source.
// Lines are real: Elastic's Cisco Secure Email Gateway test logs (amp, antivirus, gui,
// status, mail file upload), the corpus, and lines an IronPort engineer quoted in the
// comments of a 2004-2007 mail_logs analyser (samples/README.md names the sources).
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "child_process.h"

namespace fs = std::filesystem;

namespace {

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

Result ingest(const fs::path& db, const fs::path& log) {
  return sh(std::string(MAILTLS_BINARY) + " ingest --progress 0 --db " + db.string() + " " + log.string());
}

// Every row, columns joined by ',' and rows by '|'.
std::string rows(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!out.empty()) out += '|';
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const auto* t = sqlite3_column_text(st, i);
      out += (i ? "," : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// One syslog stream carrying five subscriptions, as an appliance pushes them.
const std::string kMixedStream =
    "<166>Mar 17 18:24:30 mail_logs: Info: New SMTP ICID 5 interface Management (1.128.3.4) address 1.128.3.5 "
    "reverse dns host example.com verified yes\n"
    "<166>Mar 17 18:24:30 mail_logs: Info: ICID 5 ACCEPT SG None match  SBRS None\n"
    "<166>Mar 17 18:24:31 mail_logs: Info: Start MID 5 ICID 5\n"
    "<166>Mar 17 18:24:31 mail_logs: Info: MID 5 ICID 5 From: <sender@example.com>\n"
    "<166>Mar 17 18:24:36 mail_logs: Info: ICID 5 close\n"
    "<166>Mar 17 18:24:37 amp: Info: File reputation query initiating. File Name = 'mod-6.exe', MID = 5, File Size = "
    "1673216 bytes, File Type = application/x-dosexec\n"
    "<166>Mar 17 18:24:37 amp: Info: File Analysis complete. SHA256: "
    "16454aff5082c2e9df43f3e3b9cdba3c6ae1766416e548c30a971786db570bfc, Submit Timestamp: 1475825466, Update "
    "Timestamp: 1475825953, Disposition: 3 Score: 100, run_id: 194926004\n"
    "<166>Mar 17 18:24:37 antivirus: Info: sophos  antivirus - MID 69391938 - Result 'CLEAN' ()\n"
    "<166>Mar 17 18:24:38 mail_logs: Info: MID 5 quarantined to \"Outbreak\" (VOF rule:.pif file in zip)\n"
    "<166>Mar 17 18:31:14 gui_logs: Info: Session fRK3TSjzhHhoI9CV5Kvt user:admin expired\n"
    "<166>Mar 17 18:31:14 gui_logs: Warning: SSL error with client 1.128.3.4:000 - (336151574, "
    "'error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown')\n"
    "<182>Mar 30 15:12:26 status: Info: Status: CPULd 0 DskIO 0 RAMUtil 1 QKUsd 0 QKFre 8388608 CrtMID 0\n"
    "<166>Mar 17 18:31:20 mail_logs: Info: Scanning over-the-limit.com with 1 msgs for expiration candidates.\n";

}  // namespace

TEST_CASE("sources counts mail_logs lines by tier and other subscriptions' lines by type", "[ingest][generic]") {
  mailtls::testing::TempDir t;
  const fs::path log = t.path / "syslog.log";
  mailtls::testing::write_file(log, kMixedStream);
  const Result r = ingest(t.path / "x.db", log);
  REQUIRE(r.status == 0);
  CHECK(rows(t.path / "x.db", "SELECT class, log_type, lines FROM source_lines ORDER BY class, log_type") ==
        "generic,mail_logs,1|other,amp,2|other,antivirus,1|other,gui,2|other,status,1|"
        "specific,mail_logs,5|unrecognised,mail_logs,1");
  // The ingest table says the same per input.
  CHECK_THAT(r.out, Catch::Matchers::Contains("specific") && Catch::Matchers::Contains("other-logs") &&
                        Catch::Matchers::Contains("unrecognised"));
  CHECK_THAT(r.out, Catch::Matchers::Matches("(?:.|\n)*syslog\\.log +13 +5 +1 +6 +1 +1 (?:.|\n)*"));
}

TEST_CASE("notes about a message are kept as its events and shown in the timeline of its connection", "[ingest][generic]") {
  mailtls::testing::TempDir t;
  const fs::path log = t.path / "syslog.log";
  mailtls::testing::write_file(log, kMixedStream);
  REQUIRE(ingest(t.path / "x.db", log).status == 0);
  // The AMP log's line names MID 5 too ("MID = 5"): both are the message's events.
  CHECK(rows(t.path / "x.db",
             "SELECT m.mid, e.family FROM message_events e JOIN messages m ON m.id = e.message_id "
             "WHERE m.mid = 5 ORDER BY e.seq") == "5,file-analysis|5,quarantine");
  const Result explain =
      sh(std::string(MAILTLS_BINARY) + " explain --db " + (t.path / "x.db").string() + " --icid 5");
  REQUIRE(explain.status == 0);
  CHECK_THAT(explain.out, Catch::Matchers::Contains("Timeline"));
  CHECK_THAT(explain.out, Catch::Matchers::Contains("[quarantine]"));
  CHECK_THAT(explain.out, Catch::Matchers::Contains("MID 5 quarantined to \"Outbreak\""));
  CHECK_THAT(explain.out, Catch::Matchers::Contains("[attachment or file analysis]"));
}

TEST_CASE("a killed connection and a possible delivery are lines of their connection", "[ingest][generic]") {
  mailtls::testing::TempDir t;
  const fs::path log = t.path / "mail.current";
  mailtls::testing::write_file(log,
      "Mon Jan 23 16:55:42 2006 Info: New SMTP DCID 4641294 interface 172.19.0.21 address 72.14.205.27 port 25\n"
      "Mon Jan 23 16:55:43 2006 Info: Delivery start DCID 4641294 MID 8956463 to RID [0]\n"
      "Mon Jan 23 16:55:50 2006 Info: Possible Delivery: DCID: 4641294 MID 8956463 to [0]\n"
      "Mon Jan 23 16:55:50 2006 Info: SMTP client connection killed DCID: 4641294\n"
      "Mon Jan 23 16:55:51 2006 Info: New SMTP ICID 629531 interface Management (172.19.0.81) address 10.1.1.140 "
      "reverse dns host unknown verified no\n"
      "Mon Jan 23 16:56:51 2006 Info: SMTP server connection killed ICID: 629531\n");
  REQUIRE(ingest(t.path / "x.db", log).status == 0);
  CHECK(rows(t.path / "x.db",
             "SELECT c.direction, c.conn_id, e.detail FROM log_events e JOIN connections c ON c.id = e.connection_id "
             "WHERE e.kind = 'note' ORDER BY c.conn_id, e.seq") ==
        "inbound,629531,connection-killed|outbound,4641294,possible-delivery|outbound,4641294,connection-killed");
  const Result explain =
      sh(std::string(MAILTLS_BINARY) + " explain --db " + (t.path / "x.db").string() + " --dcid 4641294");
  CHECK_THAT(explain.out, Catch::Matchers::Contains("[possible delivery]"));
  CHECK_THAT(explain.out, Catch::Matchers::Contains("[connection killed by the appliance]"));
}

TEST_CASE("a file of two appliances keys each part by its own serial, and sources says so", "[ingest][generic]") {
  mailtls::testing::TempDir t;
  const fs::path log = t.path / "two.log";
  mailtls::testing::write_file(log,
      "Mon Mar  5 14:00:00 2018 Info: Begin Logfile\n"
      "Mon Mar  5 14:00:00 2018 Info: Version: 11.0.0-264 SN: 4229AAAA0000-ESA1\n"
      "Mon Mar  5 14:00:00 2018 Info: Time offset from UTC: 0 seconds\n"
      "Mon Mar  5 14:21:04 2018 Info: New SMTP ICID 3160 interface Data 1 (10.0.0.5) address 192.0.2.10 "
      "reverse dns host mx.a.example verified yes\n"
      "Mon Mar  5 14:21:05 2018 Info: ICID 3160 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384\n"
      "Mon Mar  5 14:21:09 2018 Info: ICID 3160 close\n"
      "Mon Mar  5 15:00:00 2018 Info: Begin Logfile\n"
      "Mon Mar  5 15:00:00 2018 Info: Version: 12.5.0-066 SN: 4229BBBB0000-ESA2\n"
      "Mon Mar  5 15:00:00 2018 Info: Time offset from UTC: 3600 seconds\n"
      "Mon Mar  5 15:21:04 2018 Info: New SMTP ICID 3160 interface Data 1 (10.0.1.5) address 198.51.100.7 "
      "reverse dns host mx.b.example verified yes\n"
      "Mon Mar  5 15:21:09 2018 Info: ICID 3160 close\n");
  const Result r = ingest(t.path / "x.db", log);
  REQUIRE(r.status == 0);
  CHECK(rows(t.path / "x.db", "SELECT line_no, serial, version FROM source_appliances ORDER BY line_no") ==
        "2,4229AAAA0000-ESA1,11.0.0-264|8,4229BBBB0000-ESA2,12.5.0-066");
  CHECK(rows(t.path / "x.db", "SELECT appliance, conn_id, peer_ip FROM connections ORDER BY appliance") ==
        "4229AAAA0000-ESA1,3160,192.0.2.10|4229BBBB0000-ESA2,3160,198.51.100.7");
  CHECK_THAT(r.out, Catch::Matchers::Contains("2 appliances: 4229AAAA0000-ESA1, 4229BBBB0000-ESA2"));
}

TEST_CASE("a consolidated event logged after the close joins the mail_logs connection it names", "[ingest][cef]") {
  mailtls::testing::TempDir t;
  // The mail_logs of the appliance whose serial the event names (deviceExternalId), with
  // the connection the event names; no TLS line: the consolidated event gives it.
  const fs::path mail = t.path / "mail.current";
  mailtls::testing::write_file(mail,
      "Mon Jun 12 14:00:00 2023 Info: Begin Logfile\n"
      "Mon Jun 12 14:00:00 2023 Info: Version: 14.3.0-032 SN: 4235746AE34E6DD44EB8-CE101C994AA5\n"
      "Mon Jun 12 14:00:00 2023 Info: Time offset from UTC: 0 seconds\n"
      "Mon Jun 12 14:01:26 2023 Info: New SMTP ICID 17267358 interface IncomingMail (10.0.0.5) address 1.128.3.4 "
      "reverse dns host mail-oi1-f182.google.com verified yes\n"
      "Mon Jun 12 14:01:26 2023 Info: ICID 17267358 ACCEPT SG ACCEPTLIST match sbrs[0.0:10.0] SBRS 3.4\n"
      "Mon Jun 12 14:01:27 2023 Info: Start MID 5181473 ICID 17267358\n"
      "Mon Jun 12 14:01:31 2023 Info: ICID 17267358 close\n");
  const fs::path cef = t.path / "consolidated.log";
  mailtls::testing::write_file(cef,
      "<14>Jun 12 14:01:33 consolidated_event: CEF:0|Cisco|C100V Email Security Virtual Appliance|14.3.0-032|"
      "ESA_CONSOLIDATED_LOG_EVENT|Consolidated Log Event|5|deviceExternalId=4235746AE34E6DD44EB8-CE101C994AA5 "
      "ESAMID=5181473 ESAICID=17267358 ESADCID=3036000 sourceAddress=1.128.3.4 ESATLSInCipher=ECDHE-RSA-AES256-GCM-SHA384 "
      "ESATLSInConnStatus=Success ESATLSInProtocol=TLSv1.2 ESATLSOutConnStatus=Success ESATLSOutProtocol=TLSv1.2\n");
  REQUIRE(sh(std::string(MAILTLS_BINARY) + " ingest --progress 0 --year 2023 --db " + (t.path / "x.db").string() + " " +
             mail.string() + " " + cef.string()).status == 0);
  CHECK(rows(t.path / "x.db",
             "SELECT direction, conn_id, tls_outcome, confidence, tls_protocol, has_open, has_close FROM connections "
             "ORDER BY direction") ==
        "inbound,17267358,tls-success,medium,TLSv1.2,1,1|outbound,3036000,tls-success,medium,TLSv1.2,0,0");
}
