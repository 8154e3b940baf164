// TLS posture per peer domain, behind `mailtls posture`, `mailtls notice`, the report's
// posture section and summary's pointer to downgrades: can TLS be required for this
// domain without deferring its mail, did it stop using TLS, does it still use deprecated
// protocols or weak ciphers.
//
// Definitions (docs/reports.md repeats them for users):
// - a domain is the connection's `domain` (outbound: the recipient domain; inbound: the
//   sender's); connections without one are left out (nothing could be configured for them);
// - *eligible* connections are those whose outcome says whether TLS protected the session:
//   every outcome except `unknown` (the opening is not in the logs), `policy-rejected` (the
//   appliance turned the client away) and `connect-failed` (no SMTP session took place);
// - the order of connections is their start (else end, else last line), then their id;
// - readiness: `would-break` when some eligible connection did not use TLS and some did,
//   `no-tls` when none did, `ready` when every one did and there are at least
//   `min_connections`, `too-few` when every one did but fewer (or none is eligible);
// - *blocking* outcomes are the eligible outcomes other than `tls-success`;
// - a *downgrade*: the domain used TLS, and every blocking connection came after its last
//   success (a run of non-TLS connections that has not ended). A domain with a blocking
//   connection before a success alternates: it is `would-break` without a downgrade;
// - protocols and ciphers are counted over the `tls-success` connections.
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

struct PostureQuery {
  std::string direction = "outbound";   // outbound | inbound
  std::optional<int64_t> since, until;  // connections started in [since, until), UTC s
  int64_t min_connections = 5;
  std::string domain;  // exact (lower-case) domain; empty: all
};

// In the order posture sorts them: what needs action first.
enum class Readiness { would_break, no_tls, ready, too_few };
std::string_view readiness_id(Readiness r);  // "would-break", "no-tls", "ready", "too-few"

// One connection named by a posture row: connections.id for `explain --id`, and the
// ICID/DCID with its appliance for `explain --dcid/--icid --appliance`.
struct ConnectionRef {
  int64_t id = 0;
  int64_t conn_id = 0;
  std::string appliance;
  std::optional<int64_t> time;
  std::string outcome;
};

struct Downgrade {
  ConnectionRef first;             // the first connection without TLS after the last success
  ConnectionRef last_tls_success;  // the last connection that used TLS
  int64_t connections = 0;         // connections without TLS since (all of them, by definition)
};

struct PostureRow {
  std::string domain;
  int64_t connections = 0;   // eligible connections
  int64_t tls_success = 0;
  int64_t not_eligible = 0;  // left out: unknown, policy-rejected, connect-failed
  std::optional<int64_t> first_seen, last_seen;  // over the eligible connections
  Readiness readiness = Readiness::too_few;
  std::map<std::string, int64_t> blocking;  // outcome -> connections
  std::optional<ConnectionRef> last_blocking;
  std::optional<Downgrade> downgrade;
  std::map<std::string, int64_t> protocols, ciphers;         // over tls-success connections
  std::map<std::string, int64_t> deprecated_protocols, weak_ciphers;  // subsets of the above

  // Whether a postmaster letter has something to say: TLS failed, or it was weak.
  bool needs_notice() const;
};

// Whether the outcome says if TLS protected the session. An outcome name this build does
// not know (stored by a newer version) is not eligible: nothing says what it means.
bool is_eligible(Outcome o);

// One row per domain, what needs action first: downgrades, would-break, no-tls, ready
// with deprecated protocols or weak ciphers, ready, too-few; then the most connections,
// then the domain. False with `error` set when SQLite fails.
bool load_posture(sqlite3* db, const PostureQuery& q, std::vector<PostureRow>& rows, std::string& error);

// The domains with a downgrade, as load_posture would find them (for summary's pointer).
std::vector<std::string> downgraded_domains(const std::vector<PostureRow>& rows);

}  // namespace mailtls
