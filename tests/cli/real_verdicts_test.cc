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
  // appliance, connections, messages, TLS rate, TLS successes, eligible, ...
  CHECK(csv.substr(csv.find('\n') + 1).rfind("420D4FEA709365BFB3E3-0AF2EE5E700E,3,2,1.0000,2,2,", 0) == 0);
}
