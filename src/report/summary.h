// The per-group TLS summary behind `mailtls summary` and the HTML report.
//
// Definitions (docs/reports.md repeats them for users):
// - a connection's outcome is *known* unless it is `unknown`;
// - a connection is *eligible* when TLS could have happened on it: its outcome is known
//   and is neither `policy-rejected` (the appliance's own host access table turned the
//   client away) nor `connect-failed` (no SMTP session to speak of); the TLS rate is
//   tls-success / eligible;
// - a *failure* is an eligible connection whose outcome is not `tls-success`;
// - a connection's *messages* (connections.messages, written at ingest) are the distinct
//   messages delivered on it (outbound: deliveries.result = 'delivered') or started on it
//   (inbound: `Start MID ... ICID`); a group's messages are the sum over its connections,
//   so a message that crossed two of them counts twice (one scan, no joins);
// - *cleartext* messages are the messages of a group's failure connections: they crossed
//   the network without TLS. Messages on `unknown` connections are not counted: nothing
//   says whether TLS protected them;
// - *cleartext after failure* are the messages of connections with the finding
//   `cleartext-fallback` (connections.fallback_messages).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/vocabulary.h"

namespace mailtls {

struct SummaryQuery {
  std::string by = "domain";           // domain | appliance | day | peer
  std::string direction = "outbound";  // outbound | inbound | both
  std::optional<int64_t> since, until;  // connections started in [since, until), UTC s
  std::string domain;                   // exact (lower-case) domain; empty: all
};

struct SummaryRow {
  std::string key;  // the domain, appliance, day (YYYY-MM-DD) or peer IP; "" if unknown
  int64_t connections = 0;
  int64_t known = 0;        // connections with an outcome other than `unknown`
  int64_t eligible = 0;     // known, and neither policy-rejected nor connect-failed
  int64_t policy_rejected = 0;  // connections with `policy-rejected`
  int64_t connect_failed = 0;   // connections with `connect-failed`
  int64_t tls_success = 0;  // connections with `tls-success`
  int64_t messages = 0;
  int64_t cleartext_messages = 0;
  int64_t cleartext_after_failure = 0;
  std::map<std::string, int64_t> outcomes;  // outcome id -> connections
  std::vector<std::string> protocols, ciphers;  // sorted, distinct
  std::string last_failure_outcome;             // empty: no failure
  std::optional<int64_t> last_failure_time;
  // The group may have stopped using TLS (report/posture.h's downgrade, judged to the
  // second): it used TLS, and no eligible connection without TLS started before its last
  // TLS connection. Lets `summary` confirm downgrades on these groups alone.
  bool downgrade_candidate = false;

  // tls_success / eligible; nullopt when no connection is eligible.
  std::optional<double> tls_success_rate() const;
};

// Groups connections as asked; rows sorted by cleartext messages, then connections
// (both descending), then key; by day in date order (an unknown day last). False with `error` set when SQLite fails.
bool load_summary(sqlite3* db, const SummaryQuery& q, std::vector<SummaryRow>& rows,
                  std::string& error);

// The outcome ids of docs (TLS-OUTCOMES.md), in the specification's order.
const std::vector<std::string>& outcome_ids();
bool is_failure_outcome(Outcome outcome);  // eligible and not tls-success
// The same for a stored name; a name this version does not know counts as a failure.
bool is_failure_outcome(std::string_view outcome);
// Known, and TLS could have happened: not unknown, policy-rejected or connect-failed.
bool is_eligible_outcome(Outcome outcome);

// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (an optional trailing "Z"), UTC. As an
// upper bound the value is inclusive: a date covers its whole day, a time its second;
// `out` is then the first second after it. Nullopt when the text is not such a time.
std::optional<int64_t> parse_utc_bound(std::string_view text, bool upper);
// Cells shared by the terminal table and the HTML report.
std::string format_rate(std::optional<double> rate);  // "97.5" (percent), "-" when unknown
std::string failures_text(const SummaryRow& row);     // "ehlo-misordered 3, tls-failed 1"
std::string last_failure_text(const SummaryRow& row); // "2024-03-05 14:02 ehlo-misordered"
std::string join(const std::vector<std::string>& items, const std::string& sep);

// "2024-03-01T12:00:00Z".
std::string iso_utc(int64_t seconds);

}  // namespace mailtls
