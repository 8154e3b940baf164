// load_posture (report/posture.h) on small stores written row by row: readiness, blocking
// outcomes, downgrades against alternation, eligibility, protocols and ciphers, order.
#include <catch2/catch.hpp>

#include <string>

#include "report/posture.h"
#include "store/sqlite_util.h"
#include "support/reports_test_db.h"

using namespace mailtls;
using mailtls::testing::TempStore;

namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kStart = 1711958400;  // 2024-04-01T00:00:00Z

// One outbound connection per letter, one a day: S tls-success (TLSv1.2, AES-GCM),
// N starttls-not-offered, U unknown, P policy-rejected, C connect-failed.
std::string connections_sql(const std::string& domain, const std::string& pattern, int64_t first_id,
                            const std::string& protocol = "TLSv1.2",
                            const std::string& cipher = "ECDHE-RSA-AES256-GCM-SHA384") {
  std::string sql;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const int64_t id = first_id + static_cast<int64_t>(i);
    const std::string t = std::to_string(kStart + static_cast<int64_t>(i) * kDay);
    std::string outcome = "starttls-not-offered", p = "NULL", c = "NULL";
    if (pattern[i] == 'S') outcome = "tls-success", p = "'" + protocol + "'", c = "'" + cipher + "'";
    if (pattern[i] == 'U') outcome = "unknown";
    if (pattern[i] == 'P') outcome = "policy-rejected";
    if (pattern[i] == 'C') outcome = "connect-failed";
    sql += "INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome, "
           "tls_protocol, tls_cipher) VALUES (" + std::to_string(id) + ", 'esa1', 'outbound', " +
           std::to_string(id + 1000) + ", " + t + ", '" + domain + "', '" + outcome + "', " + p + ", " + c + ");\n";
  }
  return sql;
}

std::vector<PostureRow> posture(const TempStore& store, PostureQuery q = {}) {
  std::string error;
  sql::Db db = sql::Db::open_read_only(store.db_path(), &error);
  REQUIRE(db.ok());
  std::vector<PostureRow> rows;
  REQUIRE(load_posture(db.get(), q, rows, error));
  return rows;
}

const PostureRow& row_of(const std::vector<PostureRow>& rows, const std::string& domain) {
  for (const auto& r : rows)
    if (r.domain == domain) return r;
  FAIL("no row for " << domain);
  return rows.front();
}

}  // namespace

TEST_CASE("a domain whose every connection used TLS is ready from five connections on", "[posture]") {
  TempStore store("posture-ready", false);
  REQUIRE(store.exec(connections_sql("five.example", "SSSSS", 1) + connections_sql("four.example", "SSSS", 10)) == "");
  const auto rows = posture(store);
  CHECK(row_of(rows, "five.example").readiness == Readiness::ready);
  CHECK(row_of(rows, "four.example").readiness == Readiness::too_few);
  PostureQuery q;
  q.min_connections = 4;
  CHECK(row_of(posture(store, q), "four.example").readiness == Readiness::ready);
}

TEST_CASE("a domain with a connection without TLS would break, with its outcomes and the last one", "[posture]") {
  TempStore store("posture-break", false);
  REQUIRE(store.exec(connections_sql("mixed.example", "SNSNS", 1) + connections_sql("none.example", "NN", 10)) == "");
  const auto rows = posture(store);
  const PostureRow& mixed = row_of(rows, "mixed.example");
  CHECK(mixed.readiness == Readiness::would_break);
  CHECK(mixed.blocking == std::map<std::string, int64_t>{{"starttls-not-offered", 2}});
  REQUIRE(mixed.last_blocking);
  CHECK(mixed.last_blocking->id == 4);
  CHECK(mixed.last_blocking->conn_id == 1004);
  CHECK(mixed.last_blocking->appliance == "esa1");
  CHECK_FALSE(mixed.downgrade);  // a failure before a later success: it alternates
  // Two connections are few, but both without TLS: requiring TLS would certainly break it.
  CHECK(row_of(rows, "none.example").readiness == Readiness::no_tls);
}

TEST_CASE("a domain that used TLS and then stopped is a downgrade from its first day without TLS", "[posture]") {
  TempStore store("posture-downgrade", false);
  REQUIRE(store.exec(connections_sql("stopped.example", "SSSNNN", 1) +
                     connections_sql("alternating.example", "SNSNSN", 20)) == "");
  const auto rows = posture(store);
  const PostureRow& stopped = row_of(rows, "stopped.example");
  REQUIRE(stopped.downgrade);
  CHECK(stopped.readiness == Readiness::would_break);
  CHECK(stopped.downgrade->first.id == 4);
  CHECK(stopped.downgrade->first.time == kStart + 3 * kDay);
  CHECK(stopped.downgrade->first.outcome == "starttls-not-offered");
  CHECK(stopped.downgrade->last_tls_success.id == 3);
  CHECK(stopped.downgrade->last_tls_success.time == kStart + 2 * kDay);
  CHECK(stopped.downgrade->connections == 3);
  // Ends without TLS too, but failed before its last success: would break, no downgrade.
  const PostureRow& alternating = row_of(rows, "alternating.example");
  CHECK(alternating.readiness == Readiness::would_break);
  CHECK_FALSE(alternating.downgrade);
  CHECK(rows.front().domain == "stopped.example");  // downgrades come first
}

TEST_CASE("unknown, policy-rejected and connect-failed connections are not eligible", "[posture]") {
  TempStore store("posture-eligible", false);
  REQUIRE(store.exec(connections_sql("flaky.example", "SSUSPSCS", 1)) == "");
  const auto rows = posture(store);
  const PostureRow& r = row_of(rows, "flaky.example");
  CHECK(r.connections == 5);
  CHECK(r.not_eligible == 3);
  CHECK(r.readiness == Readiness::ready);
  CHECK(r.blocking.empty());
  CHECK_FALSE(r.last_blocking);
}

TEST_CASE("protocols and ciphers of the TLS connections, with the deprecated and weak ones", "[posture]") {
  TempStore store("posture-quality", false);
  REQUIRE(store.exec(connections_sql("old.example", "SSS", 1, "TLSv1", "RC4-SHA") +
                     connections_sql("old.example", "SS", 10) + connections_sql("new.example", "SSSSS", 20)) == "");
  const auto rows = posture(store);
  const PostureRow& old = row_of(rows, "old.example");
  CHECK(old.protocols == std::map<std::string, int64_t>{{"TLSv1", 3}, {"TLSv1.2", 2}});
  CHECK(old.deprecated_protocols == std::map<std::string, int64_t>{{"TLSv1", 3}});
  CHECK(old.weak_ciphers == std::map<std::string, int64_t>{{"RC4-SHA", 3}});
  CHECK(old.needs_notice());
  const PostureRow& fresh = row_of(rows, "new.example");
  CHECK(fresh.deprecated_protocols.empty());
  CHECK(fresh.weak_ciphers.empty());
  CHECK_FALSE(fresh.needs_notice());
  // Both ready; the one with weak TLS comes first.
  CHECK(rows.front().domain == "old.example");
}

TEST_CASE("posture keeps to the window and the direction asked for", "[posture]") {
  TempStore store("posture-window", false);
  REQUIRE(store.exec(connections_sql("w.example", "NNSSSSS", 1)) == "");
  PostureQuery q;
  q.since = kStart + 2 * kDay;
  const auto rows = posture(store, q);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].readiness == Readiness::ready);
  CHECK(rows[0].first_seen == kStart + 2 * kDay);
  q.direction = "inbound";
  CHECK(posture(store, q).empty());
}
