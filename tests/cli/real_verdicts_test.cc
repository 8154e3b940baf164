// Verdicts on real lines: excerpts of public ESA logs (tests/data/real_lines, each file
// names its source) ingested by the built binary, and the stored verdict read back with
// sqlite3. These are the cases where a verdict used to claim more than its lines show.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "child_process.h"

namespace fs = std::filesystem;
using mailtls::testing::dump;
using mailtls::testing::TempDir;

namespace {

const fs::path kLines = fs::path(MAILTLS_TEST_DIR) / "data" / "real_lines";

// Ingests the named files of tests/data/real_lines into a scratch database.
struct Ingested {
  TempDir tmp;
  explicit Ingested(std::initializer_list<const char*> files) {
    std::vector<std::string> argv = {MAILTLS_BINARY, "ingest", "--progress", "0", "--db", tmp.db()};
    for (const char* f : files) argv.push_back((kLines / f).string());
    REQUIRE(mailtls::testing::run(argv, tmp.path / "ingest.log").status == 0);
  }
  // One line per row, columns joined by '|'.
  std::string operator()(const std::string& sql) const {
    std::string rows = dump(tmp.db(), sql);
    for (size_t at; (at = rows.find("|\n")) != std::string::npos;) rows.erase(at, 1);
    return rows;
  }
};

}  // namespace

TEST_CASE("a bare TLS success after a full one keeps the protocol and cipher", "[verdicts]") {
  Ingested db({"asyncos_parser_comments.log"});
  CHECK(db("SELECT tls_outcome, tls_protocol, tls_cipher FROM connections WHERE conn_id = 623143") ==
        "tls-success|TLSv1/SSLv3|DHE-RSA-AES256-SHA\n");
}

TEST_CASE("ICID 0 and DCID 0 lines never create a connection", "[verdicts]") {
  // ICID 0 TCPREFUSE (refused before a connection existed), a bcc copy the appliance made
  // itself (MID ... ICID 0), and a bounce for a delivery that never connected (DCID 0).
  Ingested db({"asyncos_parser_comments.log", "cribl_reject_weak_tls.log", "splunk_bounced_dcid0.log"});
  CHECK(db("SELECT count(*) FROM connections WHERE conn_id = 0") == "0\n");
  CHECK(db("SELECT count(*) FROM messages WHERE mid IN (24611495, 19408690)") == "2\n");
}

TEST_CASE("ICID 0 refusals open no connection but are counted per source and action", "[verdicts][sources]") {
  // The real TCPREFUSE line (asyncos_parser_comments.log) twice, and the same line with
  // REJECT (written for the test): three refusals by action, no connection, and ingest's
  // results name them.
  TempDir tmp;
  const std::string line = "Fri Jan 30 08:16:18 2004 Info: ICID 0 TCPREFUSE SG BLACKLIST match sbrs[-10.0:-0.5] SBRS -9.9\n";
  mailtls::testing::write_file(tmp.path / "refusals.log",
                               line + line + "Fri Jan 30 08:16:19 2004 Info: ICID 0 REJECT SG BLACKLIST match "
                                             "sbrs[-10.0:-0.5] SBRS -9.9\n");
  const fs::path out = tmp.path / "ingest.txt";
  REQUIRE(mailtls::testing::run({MAILTLS_BINARY, "ingest", "--progress", "0", "--db", tmp.db(),
                                 (tmp.path / "refusals.log").string()},
                                out)
              .status == 0);
  CHECK(mailtls::testing::slurp(out).find("3 refused before any connection (ICID 0)") != std::string::npos);
  CHECK(dump(tmp.db(), "SELECT count(*) FROM connections") == "0|\n");
  CHECK(dump(tmp.db(), "SELECT action, lines FROM source_refusals ORDER BY action") == "REJECT|1|\nTCPREFUSE|2|\n");
}

namespace {

// Runs a mailtls command on the database and returns what it printed.
std::string command(const Ingested& db, std::vector<std::string> args) {
  args.insert(args.begin(), MAILTLS_BINARY);
  const fs::path out = db.tmp.path / "out.txt";
  REQUIRE(mailtls::testing::run(args, out).status == 0);
  return mailtls::testing::slurp(out);
}

}  // namespace

TEST_CASE("a client the host access table refused is policy-rejected, not cleartext", "[verdicts]") {
  Ingested db({"cribl_reject_weak_tls.log"});
  CHECK(db("SELECT tls_outcome, confidence, tls_detail FROM connections WHERE conn_id = 60140291") ==
        "policy-rejected|medium|REJECT\n");
  const std::string text = command(db, {"explain", "--db", db.tmp.db(), "--icid", "60140291"});
  CHECK(text.find("ICID 60140291 REJECT SG BLACKLIST match sbrs[-10.0:-2.5] SBRS -9.5") != std::string::npos);
  CHECK(text.find("left out of the TLS rate") != std::string::npos);
  CHECK(text.find("check why TLS was not used") == std::string::npos);
}

TEST_CASE("a delayed HAT REJECT whose opening is missing is still policy-rejected", "[verdicts]") {
  Ingested db({"zoho_delayed_hat_reject.log"});
  CHECK(db("SELECT tls_outcome FROM connections WHERE conn_id = 824107") == "policy-rejected\n");
  CHECK(db("SELECT tls_outcome FROM connections WHERE conn_id = 824108") == "tls-success\n");
}

TEST_CASE("a Connection Error without a TLS line is connect-failed with its candidates, not lost during STARTTLS",
          "[verdicts]") {
  Ingested db({"msqa_connection_error.log"});
  CHECK(db("SELECT tls_outcome, confidence, tls_detail FROM connections WHERE conn_id = 63") ==
        "connect-failed|low|network error\n");
  const std::string json = command(db, {"explain", "--db", db.tmp.db(), "--dcid", "63", "--format", "json"});
  CHECK(json.find("\"code\": \"tcp-connect-failed\"") != std::string::npos);
  CHECK(json.find("\"code\": \"dropped-later\"") != std::string::npos);
  CHECK(json.find("domain debug log") != std::string::npos);
  CHECK(json.find("during STARTTLS") == std::string::npos);
}

TEST_CASE("TLSv1 sessions with RC4 suites carry deprecated-protocol and weak-cipher with their names",
          "[verdicts]") {
  Ingested db({"cribl_reject_weak_tls.log"});
  const std::string sql =
      "SELECT c.direction || ' ' || c.conn_id || ' ' || f.code || ' ' || f.detail FROM findings f "
      "JOIN connections c ON c.id = f.connection_id WHERE f.code IN ('deprecated-protocol', 'weak-cipher') "
      "ORDER BY c.conn_id, f.code";
  CHECK(db(sql) ==
        "outbound 6565556 deprecated-protocol TLSv1\n"
        "outbound 6565556 weak-cipher RC4-SHA\n"
        "inbound 60140308 deprecated-protocol TLSv1\n"
        "inbound 60140308 weak-cipher RC4-SHA\n"
        "inbound 60140325 deprecated-protocol TLSv1\n"
        "inbound 60140325 weak-cipher RC4-MD5\n");
}

TEST_CASE("the inbound TLS rate counts only connections where TLS could have happened", "[verdicts]") {
  // Two TLS sessions and one HAT REJECT: 100 %, not 67 %; the rejection has its own count.
  Ingested db({"cribl_reject_weak_tls.log"});
  const std::string json =
      command(db, {"summary", "--db", db.tmp.db(), "--direction", "inbound", "--by", "appliance", "--format", "json"});
  CHECK(json.find("\"tls_success\": 1.0") != std::string::npos);
  CHECK(json.find("\"eligible\": 2") != std::string::npos);
  CHECK(json.find("\"policy_rejected\": 1") != std::string::npos);
  const std::string csv =
      command(db, {"summary", "--db", db.tmp.db(), "--direction", "inbound", "--by", "appliance", "--format", "csv"});
  // appliance, connections, messages, TLS rate, TLS successes, known outcomes, eligible,
  // policy-rejected, connect-failed, ...
  CHECK(csv.substr(csv.find('\n') + 1).rfind("420D4FEA709365BFB3E3-0AF2EE5E700E,3,2,1.0000,2,3,2,1,0,", 0) == 0);
}

TEST_CASE("a connection whose every recipient the recipient access table refused is policy-rejected citing the refusal",
          "[verdicts]") {
  Ingested db({"receiving_control_relay_denied.log"});
  // Nothing crossed ICID 306398794: relaying denied, no TLS line, left out of the TLS rate.
  CHECK(db("SELECT tls_outcome, confidence, tls_detail FROM connections WHERE conn_id = 306398794") ==
        "policy-rejected|medium|relay-denied\n");
  const std::string text = command(db, {"explain", "--db", db.tmp.db(), "--icid", "306398794"});
  CHECK(text.find("MID 1347675626 ICID 306398794 To: <user@example.com> Rejected by Receiving Control") !=
        std::string::npos);
  CHECK(text.find("recipient access table") != std::string::npos);
  CHECK(text.find("do not show whether the listener offered STARTTLS") != std::string::npos);
  // ICID 306398795 had one recipient refused and its message accepted for the other: mail
  // crossed it without TLS, so it stays cleartext (the refusal does not hide that).
  CHECK(db("SELECT tls_outcome FROM connections WHERE conn_id = 306398795") == "cleartext\n");
  // The refused recipient is not a recipient of the message.
  CHECK(db("SELECT count(*) FROM recipients r JOIN messages m ON m.id = r.message_id WHERE m.mid = 1347675626") ==
        "0\n");
}

TEST_CASE("RCID lines that name a message join its timeline; the RCID alone joins nothing", "[verdicts][generic]") {
  Ingested db({"cisco_guide_spam_quarantine_rpc.log"});
  // Both RPC lines (a kind of their own) and both EUQ lines (the generic tier) are events
  // of message 2317877, in the quarantine family.
  CHECK(db("SELECT family, line FROM message_events e JOIN messages m ON m.id = e.message_id "
           "WHERE m.mid = 2317877 AND line LIKE '%RCID%' ORDER BY seq") ==
        "quarantine|Wed Feb 14 12:11:44 2007 Info: RPC Delivery start RCID 756814 MID 2317877 to local IronPort Spam "
        "Quarantine\nquarantine|Wed Feb 14 12:11:45 2007 Info: RPC Message done RCID 756814 MID 2317877\n");
  // explain of the connection that brought it in shows them in its timeline.
  const std::string text = command(db, {"explain", "--db", db.tmp.db(), "--icid", "15726925"});
  CHECK(text.find("RPC Delivery start RCID 756814 MID 2317877") != std::string::npos);
  CHECK(text.find("EUQ: Quarantined MID 2317877") != std::string::npos);
}
