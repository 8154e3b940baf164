#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "store/sqlite_util.h"
#include "reports_test_db.h"
#include "report/summary.h"
#include "report/table_format.h"

using namespace mailtls;
using mailtls::testing::TempStore;

namespace {

std::vector<SummaryRow> summarize(const TempStore& store, SummaryQuery q = {}) {
  std::string error;
  sql::Db db = sql::Db::open_read_only(store.db_path(), &error);
  REQUIRE(db.ok());
  std::vector<SummaryRow> rows;
  REQUIRE(load_summary(db.get(), q, rows, error));
  return rows;
}

const SummaryRow& row_of(const std::vector<SummaryRow>& rows, const std::string& key) {
  for (const auto& r : rows)
    if (r.key == key) return r;
  FAIL("no row " << key);
  return rows.front();
}

struct Run {
  int status;
  std::string out, err;
};

Run summary(const TempStore& store, std::vector<std::pair<std::string, std::string>> flags) {
  SummaryOptions o;
  o.db = store.db_path();
  o.width = 80;
  for (const auto& [k, v] : flags) {
    if (k == "by") o.by = v;
    if (k == "direction") o.direction = v;
    if (k == "since") o.since = v;
    if (k == "until") o.until = v;
    if (k == "format") o.format = v;
    if (k == "width") o.width = std::stoi(v);
    if (k == "domain") o.domain = v;
  }
  std::ostringstream out, err;
  int status = run_summary(o, {out, err});
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("summary puts the domains with the most cleartext mail first, then the busiest", "[summary]") {
  TempStore store("summary-sort");
  auto rows = summarize(store);
  REQUIRE(rows.size() == 9);
  CHECK(rows[0].key == "example.org");
  CHECK(rows[1].key == "legacy-corp.example");  // 1 cleartext message, 1 connection, by name
  CHECK(rows[5].key == "gmail.com");            // no cleartext, 4 connections
  CHECK(rows.back().key == "rotated.example");
}

TEST_CASE("summary counts a message once per group and the mail sent in clear after TLS failed", "[summary]") {
  TempStore store("summary-messages");
  auto rows = summarize(store);
  const auto& org = row_of(rows, "example.org");
  CHECK(org.connections == 3);
  CHECK(org.messages == 3);  // message 4 has two delivered recipients on one connection
  CHECK(org.cleartext_messages == 2);
  CHECK(org.cleartext_after_failure == 2);
  CHECK(org.outcomes.at("starttls-not-offered") == 2);
  CHECK(org.protocols == std::vector<std::string>{"TLSv1.2"});
  CHECK(org.last_failure_outcome == "starttls-not-offered");
  CHECK(org.last_failure_time == 1709631000);
  const auto& plain = row_of(rows, "plain.example");
  CHECK(plain.cleartext_messages == 1);
  CHECK(plain.cleartext_after_failure == 0);  // never tried TLS: no fallback finding
  CHECK(row_of(rows, "gmail.com").messages == 3);  // the delayed message is not counted
}

TEST_CASE("the TLS success rate leaves connections of unknown outcome out", "[summary]") {
  TempStore store("summary-rate");
  auto rows = summarize(store);
  CHECK(row_of(rows, "gmail.com").tls_success_rate() == Approx(0.75));
  CHECK_FALSE(row_of(rows, "rotated.example").tls_success_rate());
  CHECK(row_of(rows, "rotated.example").cleartext_messages == 0);  // unknown is not cleartext
}

TEST_CASE("since and until keep the connections started between them, both inclusive", "[summary]") {
  TempStore store("summary-range");
  SummaryQuery q;
  q.since = parse_utc_bound("2024-03-06", false);
  q.until = parse_utc_bound("2024-03-06", true);
  auto rows = summarize(store, q);
  CHECK(rows.size() == 4);  // gmail.com, example.org, badcert.example, broken.example
  CHECK(row_of(rows, "gmail.com").connections == 2);
  q.until = parse_utc_bound("2024-03-06T08:00:00", true);
  CHECK(summarize(store, q).size() == 0);
  q.until = parse_utc_bound("2024-03-06T10:00:00", true);
  CHECK(summarize(store, q).size() == 1);  // gmail.com at 10:00:00 exactly
}

TEST_CASE("UTC bounds accept a date or a time and reject anything else", "[summary]") {
  CHECK(parse_utc_bound("2024-03-04", false) == 1709510400);
  CHECK(parse_utc_bound("2024-03-04", true) == 1709510400 + 86400);
  CHECK(parse_utc_bound("2024-03-04T00:00:10Z", false) == 1709510410);
  CHECK(parse_utc_bound("2024-03-04T00:00:10", true) == 1709510411);
  for (const char* bad : {"2024-02-30", "2024-3-4", "yesterday", "2024-03-04 10:00:00", "2024-03-04T24:00:00", ""})
    CHECK_FALSE(parse_utc_bound(bad, false));
  CHECK(iso_utc(1709510410) == "2024-03-04T00:00:10Z");
}

TEST_CASE("a bad --since is a clear error with exit status 2", "[summary]") {
  TempStore store("summary-badtime");
  auto run = summary(store, {{"since", "03/04/2024"}});
  CHECK(run.status == 2);
  CHECK(run.err.find("--since '03/04/2024' is not a UTC date") != std::string::npos);
}

TEST_CASE("summary groups by day, appliance and peer, and filters direction and domain", "[summary]") {
  TempStore store("summary-by");
  SummaryQuery q;
  q.by = "day";
  auto days = summarize(store, q);
  CHECK(days.size() == 4);  // three days and the connection without a start ("")
  CHECK(row_of(days, "2024-03-05").connections == 5);
  q.by = "appliance";
  CHECK(row_of(summarize(store, q), "esa2.example.net").connections == 3);
  q.by = "peer";
  CHECK(row_of(summarize(store, q), "142.250.102.27").connections == 3);
  SummaryQuery in;
  in.direction = "inbound";
  auto inbound = summarize(store, in);
  CHECK(row_of(inbound, "oldmta.example").messages == 1);
  CHECK(row_of(inbound, "oldmta.example").cleartext_messages == 1);
  CHECK(row_of(inbound, "partner.example").tls_success == 1);
  SummaryQuery one;
  one.domain = "badcert.example";
  CHECK(summarize(store, one).size() == 1);
  auto run = summary(store, {{"domain", "BadCert.Example"}, {"format", "csv"}});
  CHECK(run.out.find("\nbadcert.example,2,") != std::string::npos);
}

TEST_CASE("the summary table fits 80 columns, and narrower, with a long domain", "[summary]") {
  TempStore store("summary-width");
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome) VALUES "
             "(99, 'esa1', 'outbound', 999, 1709600000, 'a-very-long-subdomain-name.of-an-international-company.例え.jp', "
             "'tls-failed')");
  for (int width : {80, 60, 40, 132}) {
    auto run = summary(store, {{"width", std::to_string(width)}});
    REQUIRE(run.status == 0);
    std::istringstream lines(run.out);
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n) CHECK(display_width(line) <= static_cast<size_t>(width));
    CHECK(n == 12);  // header, rule, 10 domains
  }
  auto narrow = summary(store, {{"width", "40"}});
  CHECK(narrow.out.find("example.org") != std::string::npos);
  CHECK(narrow.err.find("Not shown for lack of width") != std::string::npos);
}

TEST_CASE("summary JSON gives the group key, counts, rates, outcomes and the last failure", "[summary]") {
  TempStore store("summary-json");
  auto run = summary(store, {{"format", "json"}});
  auto j = nlohmann::json::parse(run.out);
  REQUIRE(j.is_array());
  const auto& org = j[0];
  CHECK(org["domain"] == "example.org");
  CHECK(org["connections"] == 3);
  CHECK(org["messages"] == 3);
  CHECK(org["tls_success"].get<double>() == Approx(0.3333));
  CHECK(org["tls_success_count"] == 1);
  CHECK(org["outcomes"]["starttls-not-offered"] == 2);
  CHECK(org["cleartext_after_failure"] == 2);
  CHECK(org["last_failure"]["time"] == "2024-03-05T09:30:00Z");
  CHECK(org["last_failure"]["outcome"] == "starttls-not-offered");
  CHECK(j.back()["tls_success"].is_null());
  CHECK(j.back()["last_failure"].is_null());
}

TEST_CASE("summary CSV is the JSON flattened: its keys in order, one column per outcome id, every name once",
          "[summary]") {
  TempStore store("summary-csv");
  auto run = summary(store, {{"format", "csv"}});
  std::istringstream lines(run.out);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  CHECK(header.rfind("domain,connections,messages,tls_success,tls_success_count,known_outcome_count,eligible,"
                     "policy_rejected,connect_failed,cleartext,cleartext_after_failure,outcomes.",
                     0) == 0);
  CHECK_THAT(header, Catch::EndsWith(",protocols,ciphers,last_failure.time,last_failure.outcome"));
  for (const auto& id : outcome_ids()) CHECK(header.find(",outcomes." + id + ",") != std::string::npos);
  std::vector<std::string> names;
  std::stringstream h(header);
  for (std::string name; std::getline(h, name, ',');) names.push_back(name);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  CHECK(first.rfind("example.org,3,3,0.3333,1,3,3,0,0,2,2,", 0) == 0);
}

TEST_CASE("a cell is cut to its width with an ellipsis, counting wide characters twice", "[summary]") {
  CHECK(display_width("例え") == 4);
  CHECK(display_width("e\xCC\x81") == 1);  // e + combining acute
  CHECK(fit_cell("example.org", 8) == "example…");
  CHECK(fit_cell("例え例え", 5) == "例え…");
  CHECK(fit_cell("short", 8) == "short");
  CHECK(printable("a\x1b[31mb\nc") == "a\\x1b[31mb\\x0ac");
}

TEST_CASE("CSV fields with commas, quotes or newlines are quoted", "[summary]") {
  std::ostringstream out;
  write_csv_row(out, {"plain", "a,b", "say \"hi\"", "two\nlines"});
  CHECK(out.str() == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
}
