// The classifier: one Connection in, one Verdict out, nothing else touched.
//
// How a verdict is reached, in order:
//  1. The transcript walker (classifier_transcript) reads the dialogue, if any. When the
//     dialogue shows why TLS did or did not happen (EHLO rejected, STARTTLS hidden by a
//     firewall, placed before the domain line, absent, offered but never used, refused,
//     accepted and followed by more dialogue) it decides with high confidence, and the
//     mail_logs TLS lines are quoted beside it as confirmation.
//  2. A transcript that stops half-way (STARTTLS accepted or unanswered, then nothing)
//     still decides with high confidence when the logs supply the missing end: the TLS
//     result line, or the end of the connection (lost, error, close) before any result.
//  3. Otherwise the mail_logs lines decide alone: a TLS failure reason (read into
//     refused / certificate / handshake / bare failure), then TLS success, both medium;
//     "STARTTLS command not supported" is low, with the four candidate causes, since the
//     line cannot say which of them happened; "TLS was required but the remote host did
//     not initiate it" is medium with its two candidates; "TLS was required but could not
//     be negotiated" alone is a bare tls-failed.
//  4. With no TLS line at all: a loss or connection error gives connection-lost (low: we
//     cannot see whether STARTTLS was sent); an opening and an ending in the logs give
//     cleartext (medium); without the opening nothing can be said: unknown (low).
//  5. Findings are added whatever decided: what happened after TLS (from the walker),
//     TLS required by policy, mail that still left in clear after a failure, deferrals
//     and bounces. References follow from the outcome and the findings.
#include "verdict/classifier.h"

#include <algorithm>

#include "model/classifier_codes.h"
#include "verdict/classifier_logs.h"
#include "verdict/classifier_transcript.h"

namespace mailtls {
namespace {

struct Context {
  const Connection& c;
  const LogFacts& logs;
  const TranscriptFacts& tx;
  Verdict& v;
  bool evidence = true;  // quote the lines (ClassifyOptions::evidence)
};

void set(Verdict& v, std::string_view outcome, Confidence conf, std::string detail = "") {
  v.outcome = std::string(outcome);
  v.confidence = conf;
  v.detail = std::move(detail);
}

void cite(Context& x, const LogLine* line, std::string_view role) {
  if (line && x.evidence) x.v.evidence.push_back({line->ref, line->text, std::string(role)});
}

// The log lines that state a TLS result, quoted beside whatever decided.
void cite_tls_lines(Context& x, const LogFacts& logs) {
  cite(x, logs.tls_success, "tls-line");
  cite(x, logs.tls_failed, "tls-line");
  cite(x, logs.starttls_unsupported, "tls-line");
  cite(x, logs.required_not_initiated, "tls-required-line");
  cite(x, logs.required_failed, "tls-required-line");
}

void cite_end(Context& x, const LogFacts& logs) {
  cite(x, logs.lost, "lost-line");
  cite(x, logs.error, "error-line");
  if (!logs.lost && !logs.error) cite(x, logs.close, "close-line");
}

bool ended(const LogFacts& logs) {
  return logs.lost || logs.error || logs.close;
}

std::string error_reason(const LogFacts& logs) {
  return logs.error ? logs.error->detail : logs.lost ? logs.lost->detail : "";
}

// After STARTTLS was accepted, only the logs know how the handshake ended.
bool decide_after_accept(Context& x) {
  const LogFacts& logs = x.logs;
  if (logs.tls_failed) {
    FailureReading r = read_tls_failure(logs.tls_failed->detail);
    set(x.v, r.outcome, Confidence::high, r.detail);
  } else if (logs.tls_success) {
    set(x.v, "tls-success", Confidence::high);
  } else if (logs.required_failed) {
    // The peer accepted STARTTLS and the appliance then says TLS could not be negotiated:
    // the handshake failed, for a reason the logs do not give.
    set(x.v, "handshake-failed", Confidence::medium);
  } else if (ended(logs)) {
    set(x.v, "connection-lost", Confidence::high, error_reason(logs));
    cite_end(x, logs);
  } else {
    set(x.v, "unknown", Confidence::low);  // the handshake's result is not in the logs
  }
  return true;
}

// Inbound, the appliance is the server: a client that never started TLS is cleartext,
// or a policy breach when the listener required TLS.
void decide_inbound_no_tls(Context& x) {
  if (x.logs.required_not_initiated) {
    set(x.v, "tls-required-not-initiated", Confidence::high);
    x.v.candidates = {"client-no-starttls"};
  } else {
    set(x.v, "cleartext", Confidence::high);
  }
}

bool outbound(const Context& x) {
  return x.c.direction == Direction::outbound;
}

// The outcome a stage proves by itself; empty when the connection was inbound and the
// client simply never started TLS (decided by decide_inbound_no_tls).
std::string_view transcript_outcome(TxStage stage, bool outbound) {
  switch (stage) {
    case TxStage::tls_dialogue:
      return "tls-success";
    case TxStage::ehlo_rejected:
      return "ehlo-rejected";
    case TxStage::masked:
      return "starttls-masked";
    case TxStage::misordered:
      return "ehlo-misordered";
    case TxStage::refused:
      return "starttls-refused";
    case TxStage::not_offered:
      return outbound ? "starttls-not-offered" : "";
    case TxStage::offered_unused:
      return outbound ? "tls-not-attempted" : "";
    default:
      return "";
  }
}

// STARTTLS unanswered: the transcript alone may just be cut short; an end of the
// connection in the logs makes it a loss.
bool decide_without_reply(Context& x) {
  if (!ended(x.logs)) return false;
  set(x.v, "connection-lost", Confidence::high, error_reason(x.logs));
  cite_end(x, x.logs);
  return true;
}

bool decide_by_transcript(Context& x) {
  switch (x.tx.stage) {
    case TxStage::none:
    case TxStage::offered_pending:
      return false;
    case TxStage::no_reply:
      return decide_without_reply(x);
    case TxStage::accepted:
      return decide_after_accept(x);
    default:
      break;
  }
  std::string_view outcome = transcript_outcome(x.tx.stage, outbound(x));
  if (outcome.empty())
    decide_inbound_no_tls(x);
  else
    set(x.v, outcome, Confidence::high, x.tx.detail);
  return true;
}

bool decide_by_tls_lines(Context& x) {
  const LogFacts& logs = x.logs;
  if (logs.tls_failed) {
    FailureReading r = read_tls_failure(logs.tls_failed->detail);
    set(x.v, r.outcome, Confidence::medium, r.detail);
  } else if (logs.tls_success) {
    set(x.v, "tls-success", Confidence::medium);
  } else if (logs.starttls_unsupported) {
    set(x.v, "starttls-not-offered", Confidence::low);
    x.v.candidates = {"peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"};
  } else if (logs.required_not_initiated) {
    set(x.v, "tls-required-not-initiated", Confidence::medium);
    x.v.candidates = {"client-no-starttls", "middlebox-masked"};
  } else if (logs.required_failed) {
    set(x.v, "tls-failed", Confidence::medium);
  } else {
    return false;
  }
  return true;
}

void decide_by_logs(Context& x) {
  if (decide_by_tls_lines(x)) return;
  const LogFacts& logs = x.logs;
  bool opened = x.c.has_open || logs.open;
  if (logs.lost || logs.error) {
    set(x.v, "connection-lost", Confidence::low, error_reason(logs));
    cite_end(x, logs);
  } else if (opened && (x.c.has_close || logs.close)) {
    set(x.v, "cleartext", Confidence::medium);
    cite(x, logs.open, "open-line");
    cite(x, logs.close, "close-line");
  } else {
    set(x.v, "unknown", Confidence::low);
    cite(x, logs.open, "open-line");
  }
}

bool is_tls_failure(std::string_view outcome) {
  constexpr std::array<std::string_view, 8> kFailures = {
      "starttls-not-offered", "ehlo-misordered",  "starttls-masked",     "ehlo-rejected",
      "starttls-refused",     "handshake-failed", "certificate-invalid", "tls-failed"};
  return std::find(kFailures.begin(), kFailures.end(), outcome) != kFailures.end();
}

void add_finding(Verdict& v, std::string code, std::string detail = "") {
  for (const Finding& f : v.findings)
    if (f.code == code && f.detail == detail) return;
  v.findings.push_back({std::move(code), std::move(detail)});
}

// Mail that still left on this connection after TLS failed went out in clear.
void add_fallback(Context& x) {
  if (!is_tls_failure(x.v.outcome)) return;
  bool delivered = !x.logs.delivered.empty() ||
                   std::any_of(x.c.deliveries.begin(), x.c.deliveries.end(),
                               [](const Delivery& d) { return d.result == "delivered"; });
  if (!delivered) return;
  add_finding(x.v, "cleartext-fallback");
  if (!x.logs.delivered.empty()) cite(x, x.logs.delivered.front(), "delivered-line");
}

// Deferrals and bounces: the log lines when present, else the deliveries' results.
void add_delivery_outcome(Context& x, const std::vector<const LogLine*>& lines,
                          std::string_view result, std::string_view code) {
  for (const LogLine* l : lines) {
    add_finding(x.v, std::string(code), l->detail);
    cite(x, l, result == "delayed" ? "delayed-line" : "bounced-line");
  }
  if (!lines.empty()) return;
  for (const Delivery& d : x.c.deliveries)
    if (d.result == result) add_finding(x.v, std::string(code), d.response);
}

void add_findings(Context& x) {
  for (const Finding& f : x.tx.findings) add_finding(x.v, f.code, f.detail);
  if (x.logs.required_not_initiated || x.logs.required_failed) add_finding(x.v, "tls-required");
  add_fallback(x);
  add_delivery_outcome(x, x.logs.delayed, "delayed", "delivery-deferred");
  add_delivery_outcome(x, x.logs.bounced, "bounced", "delivery-bounced");
}

std::vector<std::string_view> outcome_references(std::string_view outcome) {
  using namespace codes;
  if (outcome == "tls-success") return {kRfc3207Sec4_2};
  if (outcome == "starttls-not-offered" || outcome == "starttls-refused") return {kRfc3207Sec4};
  if (outcome == "ehlo-misordered") return {kRfc5321Sec4_1_1_1, kRfc1869Sec4_3};
  if (outcome == "starttls-masked") return {kRfc3207Sec6};
  if (outcome == "ehlo-rejected") return {kRfc5321Sec4_1_1_1, kRfc5321Sec3_2};
  if (outcome == "handshake-failed") return {kRfc3207Sec4_1};
  if (outcome == "certificate-invalid") return {kRfc3207Sec4_1, kRfc8460Sec4_3_1};
  if (outcome == "tls-required-not-initiated") return {kRfc3207Sec4};
  return {};
}

bool is_after_tls_finding(std::string_view code) {
  return code == "ehlo-repeated-after-tls" || code == "no-ehlo-after-tls" ||
         code == "starttls-offered-after-tls" || code == "extensions-changed-after-tls";
}

void add_references(Verdict& v) {
  std::vector<std::string_view> refs = outcome_references(v.outcome);
  for (const Finding& f : v.findings)
    if (is_after_tls_finding(f.code)) refs.push_back(codes::kRfc3207Sec4_2);
  for (std::string_view r : refs)
    if (std::find(v.references.begin(), v.references.end(), r) == v.references.end())
      v.references.emplace_back(r);
}

}  // namespace

Verdict classify(const Connection& connection, ClassifyOptions options) {
  LogFacts logs = gather_log_facts(connection.log);
  TranscriptFacts tx = analyse_transcript(connection.transcript, options.evidence);
  Verdict v;
  Context x{connection, logs, tx, v, options.evidence};
  v.evidence = std::move(tx.evidence);  // nothing below reads the walker's evidence
  if (!decide_by_transcript(x)) decide_by_logs(x);
  cite_tls_lines(x, logs);
  // Nothing below reads the keyword lists either (add_findings takes tx.findings).
  v.keywords_before_tls = std::move(tx.before.keywords);
  v.keywords_after_tls = std::move(tx.after.keywords);
  add_findings(x);
  add_references(v);
  return v;
}

}  // namespace mailtls
