// The classifier's second witness: the mail_logs lines of one connection, sorted into the
// few facts the decision needs (which TLS line, which loss, which delivery results), and
// the reading of a "TLS failed: <reason>" text into an outcome.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace mailtls {

// Pointers into Connection::log (the first line of each kind); null when absent.
struct LogFacts {
  const LogLine* open = nullptr;
  const LogLine* close = nullptr;
  const LogLine* tls_success = nullptr;
  const LogLine* tls_failed = nullptr;
  const LogLine* starttls_unsupported = nullptr;
  const LogLine* required_not_initiated = nullptr;  // inbound: client did not start TLS
  const LogLine* required_failed = nullptr;         // outbound: TLS required, not negotiated
  const LogLine* policy_refusal = nullptr;          // inbound: the host access table refused it
  const LogLine* lost = nullptr;
  const LogLine* error = nullptr;
  std::vector<const LogLine*> delivered, delayed, bounced;
  std::vector<const LogLine*> dane;  // DANE outcomes (detail "<status> <host>")
  // inbound: recipients the recipient access table refused ("Rejected by Receiving
  // Control", detail the MID), and the "ready" lines of those messages whose data was
  // accepted all the same for other recipients (detail the MID).
  std::vector<const LogLine*> recipients_refused, accepted_despite_refusal;
};

LogFacts gather_log_facts(const std::vector<LogLine>& log);

// What a "TLS failed" reason means: outcome and detail. An empty reason gives
// tls-failed; "STARTTLS unexpected response" starttls-refused; a certificate
// verification failure certificate-invalid with detail expired / host-mismatch /
// not-trusted (or the reason itself when it names none); anything else handshake-failed
// with the reason as detail.
struct FailureReading {
  Outcome outcome = Outcome::tls_failed;
  std::string detail;
};
FailureReading read_tls_failure(std::string_view reason);

}  // namespace mailtls
