#include "summary.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "sqlite_util.h"

namespace mailtls {
namespace {

// The group key as an SQL expression over `connections c`.
std::string key_sql(const std::string& by) {
  if (by == "appliance") return "c.appliance";
  if (by == "day") return "coalesce(date(c.started_at, 'unixepoch'), '')";
  if (by == "peer") return "coalesce(c.peer_ip, c.peer_host, '')";
  return "coalesce(c.domain, '')";
}

// The WHERE clause for `connections c`; values are bound by name (see bind_filters).
std::string filter_sql(const SummaryQuery& q) {
  std::string sql = "1";
  if (q.direction != "both") sql += " AND c.direction = :direction";
  if (q.since) sql += " AND c.started_at >= :since";
  if (q.until) sql += " AND c.started_at < :until";
  if (!q.domain.empty()) sql += " AND c.domain = :domain";
  return sql;
}

void bind_filters(sql::Stmt& st, const SummaryQuery& q) {
  st.bind_text(":direction", q.direction);
  if (q.since) st.bind_int(":since", *q.since);
  if (q.until) st.bind_int(":until", *q.until);
  st.bind_text(":domain", q.domain);
}

std::vector<std::string> split_sorted(const std::string& list, std::vector<std::string> into) {
  std::set<std::string> seen(into.begin(), into.end());
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) seen.insert(item);
  return {seen.begin(), seen.end()};
}

// One GROUP BY pass over connections: per (group, outcome) the count, the protocols
// and ciphers, and the latest time; merged per group here.
bool load_connection_counts(sqlite3* db, const SummaryQuery& q,
                            std::map<std::string, SummaryRow>& groups, std::string& error) {
  sql::Stmt st(db, "SELECT " + key_sql(q.by) + " AS k, c.tls_outcome, count(*), "
                   "group_concat(DISTINCT c.tls_protocol), group_concat(DISTINCT c.tls_cipher), "
                   "max(coalesce(c.started_at, c.ended_at, c.last_seen)) "
                   "FROM connections c WHERE " + filter_sql(q) + " GROUP BY k, c.tls_outcome");
  bind_filters(st, q);
  while (st.row()) {
    SummaryRow& row = groups[st.str(0)];
    row.key = st.str(0);
    const std::string outcome = st.str(1);
    const int64_t n = st.int64(2);
    row.connections += n;
    row.outcomes[outcome] += n;
    if (outcome != "unknown") row.known += n;
    if (outcome == "tls-success") row.tls_success += n;
    row.protocols = split_sorted(st.str(3), row.protocols);
    row.ciphers = split_sorted(st.str(4), row.ciphers);
    if (!is_failure_outcome(outcome)) continue;
    std::optional<int64_t> t;
    if (!st.is_null(5)) t = st.int64(5);
    if (row.last_failure_outcome.empty() || t > row.last_failure_time) {
      row.last_failure_outcome = outcome;
      row.last_failure_time = t;
    }
  }
  error = st.error();
  return st.succeeded();
}

// The messages of the selected connections, one (group, connection, message) link per
// row: outbound through deliveries, inbound through messages.icid (the lookup goes
// from messages to connections so that the (appliance, direction, conn_id) index serves).
std::string message_links_sql(const SummaryQuery& q) {
  const std::string key = key_sql(q.by), where = filter_sql(q);
  const std::string fallback =
      "EXISTS (SELECT 1 FROM findings f WHERE f.connection_id = c.id AND f.code = 'cleartext-fallback')";
  std::string outbound = "SELECT " + key + " AS k, c.tls_outcome AS outcome, " + fallback +
                         " AS fb, d.message_id AS mid FROM connections c JOIN deliveries d ON "
                         "d.connection_id = c.id WHERE d.result = 'delivered' AND "
                         "c.direction = 'outbound' AND " + where;
  std::string inbound = "SELECT " + key + " AS k, c.tls_outcome AS outcome, " + fallback +
                        " AS fb, m.id AS mid FROM messages m "
                        "JOIN connections c ON c.appliance = m.appliance AND c.direction = 'inbound' "
                        "AND c.conn_id = m.icid WHERE " + where;
  if (q.direction == "outbound") return outbound;
  if (q.direction == "inbound") return inbound;
  return outbound + " UNION ALL " + inbound;
}

bool load_message_counts(sqlite3* db, const SummaryQuery& q,
                         std::map<std::string, SummaryRow>& groups, std::string& error) {
  sql::Stmt st(db, "SELECT k, count(DISTINCT mid), "
                   "count(DISTINCT CASE WHEN outcome NOT IN ('tls-success', 'unknown') THEN mid END), "
                   "count(DISTINCT CASE WHEN fb THEN mid END) FROM (" + message_links_sql(q) +
                   ") GROUP BY k");
  bind_filters(st, q);
  while (st.row()) {
    auto it = groups.find(st.str(0));
    if (it == groups.end()) continue;
    it->second.messages = st.int64(1);
    it->second.cleartext_messages = st.int64(2);
    it->second.cleartext_after_failure = st.int64(3);
  }
  error = st.error();
  return st.succeeded();
}

bool comes_first(const SummaryRow& a, const SummaryRow& b) {
  if (a.cleartext_messages != b.cleartext_messages) return a.cleartext_messages > b.cleartext_messages;
  if (a.connections != b.connections) return a.connections > b.connections;
  return a.key < b.key;
}

int digits(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<double> SummaryRow::tls_success_rate() const {
  if (known == 0) return std::nullopt;
  return static_cast<double>(tls_success) / static_cast<double>(known);
}

const std::vector<std::string>& outcome_ids() {
  static const std::vector<std::string> ids = {
      "tls-success",      "starttls-not-offered", "ehlo-misordered",   "starttls-masked",
      "ehlo-rejected",    "starttls-refused",     "handshake-failed",  "certificate-invalid",
      "connection-lost",  "tls-not-attempted",    "tls-required-not-initiated",
      "tls-failed",       "cleartext",            "unknown"};
  return ids;
}

bool is_failure_outcome(std::string_view outcome) {
  return outcome != "tls-success" && outcome != "unknown";
}

bool load_summary(sqlite3* db, const SummaryQuery& q, std::vector<SummaryRow>& rows,
                  std::string& error) {
  std::map<std::string, SummaryRow> groups;
  if (!load_connection_counts(db, q, groups, error)) return false;
  if (!load_message_counts(db, q, groups, error)) return false;
  rows.clear();
  for (auto& [key, row] : groups) rows.push_back(std::move(row));
  std::sort(rows.begin(), rows.end(), comes_first);
  return true;
}

std::optional<int64_t> parse_utc_bound(std::string_view text, bool upper) {
  if (text.size() == 20 && text.back() == 'Z') text.remove_suffix(1);
  if (text.size() != 10 && text.size() != 19) return std::nullopt;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  using namespace std::chrono;
  int y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int64_t t = sys_days(ymd).time_since_epoch().count() * int64_t{86400};
  if (text.size() == 10) return upper ? t + 86400 : t;
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':') return std::nullopt;
  int hh = digits(text, 11, 2), mm = digits(text, 14, 2), ss = digits(text, 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return std::nullopt;
  t += hh * 3600 + mm * 60 + ss;
  return upper ? t + 1 : t;
}

std::string format_rate(std::optional<double> rate) {
  if (!rate) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", *rate * 100.0);
  return buf;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

// "starttls-not-offered 3, ehlo-misordered 1": the failure outcomes, most frequent first.
std::string failures_text(const SummaryRow& row) {
  std::vector<std::pair<int64_t, std::string>> failures;
  for (const auto& [outcome, n] : row.outcomes)
    if (is_failure_outcome(outcome)) failures.emplace_back(-n, outcome);
  std::sort(failures.begin(), failures.end());
  std::vector<std::string> parts;
  for (const auto& [n, outcome] : failures) parts.push_back(outcome + " " + std::to_string(-n));
  return join(parts, ", ");
}

std::string last_failure_text(const SummaryRow& row) {
  if (row.last_failure_outcome.empty()) return "";
  if (!row.last_failure_time) return row.last_failure_outcome;
  std::string t = iso_utc(*row.last_failure_time);  // 2024-03-05T14:02:09Z
  return t.substr(0, 10) + " " + t.substr(11, 5) + " " + row.last_failure_outcome;
}

std::string iso_utc(int64_t seconds) {
  using namespace std::chrono;
  sys_seconds tp{std::chrono::seconds{seconds}};
  auto day_point = floor<days>(tp);
  year_month_day ymd{day_point};
  hh_mm_ss hms{tp - day_point};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

}  // namespace mailtls
