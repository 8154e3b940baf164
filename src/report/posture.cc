#include "report/posture.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/sqlite_util.h"
#include "verdict/tls_quality.h"

namespace mailtls {
namespace {

// A connection's place in time: its start (else end, else last line), then its id, so
// that connections logged in the same second keep the appliance's order.
struct Key {
  int64_t time = std::numeric_limits<int64_t>::min();
  int64_t id = 0;  // 0: no connection
  bool operator<(const Key& o) const { return time != o.time ? time < o.time : id < o.id; }
  explicit operator bool() const { return id != 0; }
};

// The outcomes met during a scan, each once: rows name an outcome by its index here, so a
// row costs a comparison with a handful of short strings rather than a map lookup.
class OutcomeTable {
 public:
  size_t index(std::string_view outcome) {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == outcome) return i;
    names_.emplace_back(outcome);
    const std::optional<Outcome> o = outcome_by_name(outcome);
    eligible_.push_back(o && is_eligible(*o));
    success_.push_back(o == Outcome::tls_success);
    return names_.size() - 1;
  }
  const std::string& name(size_t i) const { return names_[i]; }
  bool eligible(size_t i) const { return eligible_[i]; }
  bool success(size_t i) const { return success_[i]; }

 private:
  std::vector<std::string> names_;
  std::vector<bool> eligible_, success_;
};

using Counts = std::vector<std::pair<std::string, int64_t>>;

void count(Counts& counts, std::string_view value) {
  if (value.empty()) return;
  for (auto& [v, n] : counts)
    if (v == value) return void(++n);
  counts.emplace_back(std::string(value), 1);
}

struct Tally {
  std::vector<int64_t> outcomes;  // by OutcomeTable index
  std::optional<int64_t> first_seen, last_seen;
  Key last_success, first_blocking, last_blocking;
  Counts protocols, ciphers;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Tallies = std::unordered_map<std::string, Tally, StringHash, std::equal_to<>>;

Tally& tally_of(Tallies& tallies, std::string_view domain) {
  auto it = tallies.find(domain);
  if (it == tallies.end()) it = tallies.emplace(std::string(domain), Tally{}).first;
  return it->second;
}

// Whether the window holds a small part of the stored time span (under a tenth), so that
// reading the connections through connections_started beats reading the whole table:
// each row found through that index costs a lookup in the table, and at a third of a
// million rows those lookups took six times the CPU of a plain scan (docs/performance.md).
bool narrow_window(sqlite3* db, const PostureQuery& q) {
  if (!q.since && !q.until) return false;
  sql::Stmt st(db, "SELECT (SELECT min(started_at) FROM connections), (SELECT max(started_at) FROM connections)");
  if (!st.row() || st.is_null(0)) return false;
  const int64_t first = st.int64(0), last = st.int64(1) + 1;
  const int64_t from = std::max(first, q.since.value_or(first)), to = std::min(last, q.until.value_or(last));
  return to <= from || (to - from) * 10 < last - first;
}

// "+started_at" keeps SQLite from choosing the index on it (see narrow_window); a domain
// is always found through connections_domain.
std::string filter_sql(const PostureQuery& q, bool use_time_index) {
  const std::string started = use_time_index && q.domain.empty() ? "started_at" : "+started_at";
  std::string sql = "direction = :direction AND coalesce(domain, '') <> ''";
  if (q.since) sql += " AND " + started + " >= :since";
  if (q.until) sql += " AND " + started + " < :until";
  if (!q.domain.empty()) sql += " AND domain = :domain";
  return sql;
}

// Columns: 0 id, 1 domain, 2 outcome, 3 protocol, 4 cipher, 5 time (may be NULL).
void add_connection(Tally& t, OutcomeTable& outcomes, const sql::Stmt& st) {
  const size_t o = outcomes.index(st.text(2));
  if (t.outcomes.size() <= o) t.outcomes.resize(o + 1);
  ++t.outcomes[o];
  if (!outcomes.eligible(o)) return;
  Key key{std::numeric_limits<int64_t>::min(), st.int64(0)};
  if (!st.is_null(5)) {
    key.time = st.int64(5);
    if (!t.first_seen || key.time < *t.first_seen) t.first_seen = key.time;
    if (!t.last_seen || key.time > *t.last_seen) t.last_seen = key.time;
  }
  if (outcomes.success(o)) {
    if (t.last_success < key) t.last_success = key;
    count(t.protocols, st.text(3));
    count(t.ciphers, st.text(4));
    return;
  }
  if (!t.first_blocking || key < t.first_blocking) t.first_blocking = key;
  if (t.last_blocking < key) t.last_blocking = key;
}

bool scan(sqlite3* db, const PostureQuery& q, Tallies& tallies, OutcomeTable& outcomes, std::string& error) {
  sql::Stmt st(db, "SELECT id, domain, tls_outcome, tls_protocol, tls_cipher, "
                   "coalesce(started_at, ended_at, last_seen) FROM connections WHERE " +
                   filter_sql(q, narrow_window(db, q)));
  st.bind_text(":direction", q.direction);
  if (q.since) st.bind_int(":since", *q.since);
  if (q.until) st.bind_int(":until", *q.until);
  st.bind_text(":domain", q.domain);
  while (st.row()) add_connection(tally_of(tallies, st.text(1)), outcomes, st);
  error = st.error();
  return st.succeeded();
}

// The appliance, ICID/DCID, time and outcome of connections, by connections.id: one
// statement prepared once for the few connections the rows name.
class RefReader {
 public:
  explicit RefReader(sqlite3* db)
      : st_(db, "SELECT conn_id, appliance, coalesce(started_at, ended_at, last_seen), tls_outcome "
                "FROM connections WHERE id = :id") {}
  bool read(int64_t id, ConnectionRef& ref, std::string& error) {
    st_.bind_int(":id", id);
    if (st_.row()) {
      ref = ConnectionRef{id, st_.int64(0), st_.str(1), std::nullopt, st_.str(3)};
      if (!st_.is_null(2)) ref.time = st_.int64(2);
      st_.reset();
    }
    error = st_.error();
    return st_.succeeded();
  }

 private:
  sql::Stmt st_;
};

std::map<std::string, int64_t> to_map(const Counts& counts) { return {counts.begin(), counts.end()}; }

Readiness readiness_of(const PostureRow& r, int64_t min_connections) {
  if (r.tls_success == 0 && r.connections > 0) return Readiness::no_tls;
  if (r.tls_success < r.connections) return Readiness::would_break;
  return r.connections >= min_connections && r.connections > 0 ? Readiness::ready : Readiness::too_few;
}

PostureRow to_row(const std::string& domain, const Tally& t, const OutcomeTable& outcomes, int64_t min_connections) {
  PostureRow r;
  r.domain = domain;
  for (size_t o = 0; o < t.outcomes.size(); ++o) {
    if (t.outcomes[o] == 0) continue;
    if (!outcomes.eligible(o)) { r.not_eligible += t.outcomes[o]; continue; }
    r.connections += t.outcomes[o];
    if (outcomes.success(o)) r.tls_success += t.outcomes[o];
    else r.blocking[outcomes.name(o)] = t.outcomes[o];
  }
  r.first_seen = t.first_seen;
  r.last_seen = t.last_seen;
  r.readiness = readiness_of(r, min_connections);
  r.protocols = to_map(t.protocols);
  r.ciphers = to_map(t.ciphers);
  for (const auto& [p, n] : r.protocols)
    if (is_deprecated_protocol(p)) r.deprecated_protocols[p] = n;
  for (const auto& [c, n] : r.ciphers)
    if (is_weak_cipher(c)) r.weak_ciphers[c] = n;
  return r;
}

// Fills the connection references of one row: ids only until here, so a scan of a
// million connections reads no appliance names.
bool resolve_refs(RefReader& refs, const Tally& t, PostureRow& r, std::string& error) {
  if (t.last_blocking) {
    r.last_blocking.emplace();
    if (!refs.read(t.last_blocking.id, *r.last_blocking, error)) return false;
  }
  if (t.last_success && t.first_blocking && t.last_success < t.first_blocking) {
    Downgrade d;
    d.connections = r.connections - r.tls_success;
    if (!refs.read(t.first_blocking.id, d.first, error) ||
        !refs.read(t.last_success.id, d.last_tls_success, error))
      return false;
    r.downgrade = std::move(d);
  }
  return true;
}

int rank(const PostureRow& r) {
  if (r.downgrade) return 0;
  switch (r.readiness) {
    case Readiness::would_break: return 1;
    case Readiness::no_tls: return 2;
    case Readiness::ready: return r.deprecated_protocols.empty() && r.weak_ciphers.empty() ? 4 : 3;
    case Readiness::too_few: return 5;
  }
  return 6;
}

bool comes_first(const PostureRow& a, const PostureRow& b) {
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  if (a.connections != b.connections) return a.connections > b.connections;
  return a.domain < b.domain;
}

}  // namespace

std::string_view readiness_id(Readiness r) {
  switch (r) {
    case Readiness::would_break: return "would-break";
    case Readiness::no_tls: return "no-tls";
    case Readiness::ready: return "ready";
    case Readiness::too_few: return "too-few";
  }
  return "";
}

bool is_eligible(Outcome o) {
  // No default: a new outcome must be placed here (the compiler warns on a missing case).
  switch (o) {
    case Outcome::tls_success:
    case Outcome::starttls_not_offered:
    case Outcome::ehlo_misordered:
    case Outcome::starttls_masked:
    case Outcome::ehlo_rejected:
    case Outcome::starttls_refused:
    case Outcome::handshake_failed:
    case Outcome::certificate_invalid:
    case Outcome::connection_lost:
    case Outcome::tls_not_attempted:
    case Outcome::tls_required_not_initiated:
    case Outcome::tls_failed:
    case Outcome::cleartext:
      return true;
    case Outcome::policy_rejected:  // TLS never came into question
    case Outcome::connect_failed:
    case Outcome::unknown:
    case Outcome::count_:
      return false;
  }
  return false;
}

bool PostureRow::needs_notice() const {
  return tls_success < connections || !deprecated_protocols.empty() || !weak_ciphers.empty();
}

bool load_posture(sqlite3* db, const PostureQuery& q, std::vector<PostureRow>& rows, std::string& error) {
  Tallies tallies;
  OutcomeTable outcomes;
  if (!scan(db, q, tallies, outcomes, error)) return false;
  rows.clear();
  rows.reserve(tallies.size());
  RefReader refs(db);
  for (const auto& [domain, t] : tallies) {
    rows.push_back(to_row(domain, t, outcomes, q.min_connections));
    if (!resolve_refs(refs, t, rows.back(), error)) return false;
  }
  std::sort(rows.begin(), rows.end(), comes_first);
  return true;
}

std::vector<std::string> downgraded_domains(const std::vector<PostureRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (r.downgrade) out.push_back(r.domain);
  return out;
}

}  // namespace mailtls
