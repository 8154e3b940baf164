#include "report/summary.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "model/classifier_codes.h"
#include "report/posture.h"
#include "store/sqlite_util.h"

namespace mailtls {
namespace {

// The group key as an SQL expression over `connections c`. A day is computed here from
// started_at (see day_key): date() on every row cost more than the rest of the scan.
std::string key_sql(const std::string& by) {
  if (by == "appliance") return "c.appliance";
  if (by == "day") return "c.started_at";
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

// What one group has gathered so far. Outcomes, protocols and ciphers are few per group,
// so short vectors searched in order beat maps on this path (one call per connection).
struct OutcomeTally {
  std::string outcome;
  std::optional<Outcome> value;  // nullopt: a name this version does not know
  int64_t connections = 0;
  std::optional<int64_t> last_time;  // latest start (else end, else last line)
  std::optional<int64_t> first_time;  // earliest
};

struct GroupTally {
  std::vector<OutcomeTally> outcomes;
  std::vector<std::string> protocols, ciphers;
  int64_t messages = 0, cleartext = 0, fallback = 0;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Groups = std::unordered_map<std::string, GroupTally, StringHash, std::equal_to<>>;

GroupTally& group_of(Groups& groups, std::string_view key) {
  auto it = groups.find(key);
  if (it == groups.end()) it = groups.emplace(std::string(key), GroupTally{}).first;
  return it->second;
}

OutcomeTally& outcome_of(GroupTally& g, std::string_view outcome) {
  for (auto& o : g.outcomes)
    if (o.outcome == outcome) return o;
  return g.outcomes.emplace_back(
      OutcomeTally{std::string(outcome), outcome_by_name(outcome), 0, std::nullopt, std::nullopt});
}

bool is_failure(const OutcomeTally& o) { return !o.value || is_failure_outcome(*o.value); }

void add_distinct(std::vector<std::string>& list, std::string_view value) {
  if (value.empty() || std::find(list.begin(), list.end(), value) != list.end()) return;
  list.emplace_back(value);
}

// "2024-03-05" for a start time, "" when the start is not logged; the last day is kept
// because connections come in id order, which is nearly time order.
class DayKeys {
 public:
  std::string_view of(const sql::Stmt& st, int col) {
    if (st.is_null(col)) return {};
    int64_t t = st.int64(col);
    int64_t day = t / 86400 - (t % 86400 < 0 ? 1 : 0);
    if (day != day_) {
      day_ = day;
      text_ = iso_utc(day * 86400).substr(0, 10);
    }
    return text_;
  }

 private:
  std::optional<int64_t> day_;
  std::string text_;
};

void add_connection(GroupTally& g, const sql::Stmt& st) {
  std::string_view outcome = st.text(1);
  OutcomeTally& o = outcome_of(g, outcome);
  ++o.connections;
  if (!st.is_null(4) && (!o.last_time || st.int64(4) > *o.last_time)) o.last_time = st.int64(4);
  if (!st.is_null(4) && (!o.first_time || st.int64(4) < *o.first_time)) o.first_time = st.int64(4);
  add_distinct(g.protocols, st.text(2));
  add_distinct(g.ciphers, st.text(3));
  g.messages += st.int64(5);
  if (is_failure(o)) g.cleartext += st.int64(5);
  g.fallback += st.int64(6);
}

// See SummaryRow::downgrade_candidate. Ties within a second stay candidates: posture
// orders them by id.
bool downgrade_candidate(const GroupTally& g) {
  std::optional<int64_t> last_success, first_blocking;
  for (const OutcomeTally& o : g.outcomes) {
    if (!o.value || !is_eligible(*o.value)) continue;
    if (*o.value == Outcome::tls_success) last_success = o.last_time;
    else if (!first_blocking || (o.first_time && *o.first_time < *first_blocking)) first_blocking = o.first_time;
  }
  return last_success && first_blocking && *first_blocking >= *last_success;
}

SummaryRow to_row(const std::string& key, GroupTally& g) {
  SummaryRow row;
  row.key = key;
  row.messages = g.messages;
  row.cleartext_messages = g.cleartext;
  row.cleartext_after_failure = g.fallback;
  std::sort(g.outcomes.begin(), g.outcomes.end(),
            [](const auto& a, const auto& b) { return a.outcome < b.outcome; });
  for (const OutcomeTally& o : g.outcomes) {
    row.connections += o.connections;
    row.outcomes[o.outcome] += o.connections;
    if (o.value != Outcome::unknown) row.known += o.connections;
    if (!o.value || is_eligible_outcome(*o.value)) row.eligible += o.connections;
    if (o.value == Outcome::policy_rejected) row.policy_rejected += o.connections;
    if (o.value == Outcome::connect_failed) row.connect_failed += o.connections;
    if (o.value == Outcome::tls_success) row.tls_success += o.connections;
    // On equal times the first outcome in name order stays, as it always has.
    if (is_failure(o) &&
        (row.last_failure_outcome.empty() || o.last_time > row.last_failure_time)) {
      row.last_failure_outcome = o.outcome;
      row.last_failure_time = o.last_time;
    }
  }
  row.downgrade_candidate = downgrade_candidate(g);
  std::sort(g.protocols.begin(), g.protocols.end());
  std::sort(g.ciphers.begin(), g.ciphers.end());
  row.protocols = std::move(g.protocols);
  row.ciphers = std::move(g.ciphers);
  return row;
}

// One pass over the selected connections, grouped here rather than by GROUP BY: SQLite
// would sort a million rows first, which took most of the time. The message counts were
// written with each connection (connections.messages, fallback_messages).
bool load_groups(sqlite3* db, const SummaryQuery& q, Groups& groups, std::string& error) {
  sql::Stmt st(db, "SELECT " + key_sql(q.by) + ", c.tls_outcome, c.tls_protocol, c.tls_cipher, "
                   "coalesce(c.started_at, c.ended_at, c.last_seen), c.messages, "
                   "c.fallback_messages FROM connections c WHERE " + filter_sql(q));
  bind_filters(st, q);
  DayKeys days;
  const bool by_day = q.by == "day";
  while (st.row()) add_connection(group_of(groups, by_day ? days.of(st, 0) : st.text(0)), st);
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
  if (eligible == 0) return std::nullopt;
  return static_cast<double>(tls_success) / static_cast<double>(eligible);
}

const std::vector<std::string>& outcome_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> names;
    for (const auto& entry : kOutcomeNames) names.emplace_back(entry.name);
    return names;
  }();
  return ids;
}

bool is_eligible_outcome(Outcome outcome) {
  const auto& not_eligible = codes::kNotEligibleOutcomes;
  return outcome != Outcome::unknown &&
         std::find(not_eligible.begin(), not_eligible.end(), outcome) == not_eligible.end();
}

bool is_failure_outcome(Outcome outcome) {
  return is_eligible_outcome(outcome) && outcome != Outcome::tls_success;
}

bool is_failure_outcome(std::string_view outcome) {
  const std::optional<Outcome> known = outcome_by_name(outcome);
  return !known || is_failure_outcome(*known);
}

bool load_summary(sqlite3* db, const SummaryQuery& q, std::vector<SummaryRow>& rows,
                  std::string& error) {
  Groups groups;
  if (!load_groups(db, q, groups, error)) return false;
  rows.clear();
  for (auto& [key, tally] : groups) rows.push_back(to_row(key, tally));
  if (q.by == "day")  // in date order (YYYY-MM-DD keys sort as dates), an unknown day last
    std::sort(rows.begin(), rows.end(), [](const SummaryRow& a, const SummaryRow& b) {
      return a.key.empty() != b.key.empty() ? b.key.empty() : a.key < b.key;
    });
  else
    std::sort(rows.begin(), rows.end(), comes_first);
  return true;
}

std::optional<int64_t> parse_utc_bound(std::string_view text, bool upper) {
  // UTC written as summary writes it (Z) or as an offset of zero (+00:00, -00:00).
  if (text.size() == 20 && text.back() == 'Z') text.remove_suffix(1);
  else if (text.size() == 25 && (text.substr(19) == "+00:00" || text.substr(19) == "-00:00")) text.remove_suffix(6);
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
