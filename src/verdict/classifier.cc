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
//     "STARTTLS unexpected response" and "STARTTLS command not supported" are low, with
//     their candidate causes, since the line cannot say which of them happened; "TLS was
//     required but the remote host did not initiate it" is medium with its two
//     candidates; "TLS was required but could not be negotiated" alone is a bare
//     tls-failed.
//  4. With no TLS line: the host access table's refusal gives policy-rejected; mail that
//     crossed a connection whose opening is logged gives cleartext; a connection error
//     gives connect-failed and an inbound loss connection-lost (both low: nothing shows
//     whether STARTTLS was sent); an opening and an ending give cleartext; without the
//     opening nothing else can be said: unknown (low). The rule for a missing opening:
//     a TLS line or a policy refusal still decides, since nothing the missing part held
//     could change them; anything else is unknown, since a TLS line may be in that part.
//  5. Findings are added whatever decided: what happened after TLS (from the walker),
//     TLS required by policy, mail that still left in clear after a failed TLS attempt,
//     a retired protocol or cipher on a successful session, deferrals and bounces.
//     References follow from the outcome and the findings.
#include "verdict/classifier.h"

#include <algorithm>
#include <optional>

#include "model/classifier_codes.h"
#include "verdict/classifier_logs.h"
#include "verdict/classifier_transcript.h"
#include "verdict/tls_quality.h"

namespace mailtls {
namespace {

struct Context {
  const Connection& c;
  const LogFacts& logs;
  const TranscriptFacts& tx;
  Verdict& v;
  bool evidence = true;  // quote the lines (ClassifyOptions::evidence)
};

void set(Verdict& v, Outcome outcome, Confidence conf, std::string detail = "") {
  v.outcome = outcome;
  v.confidence = conf;
  v.detail = std::move(detail);
}

void cite(Context& x, const LogLine* line, EvidenceRole role) {
  if (line && x.evidence) x.v.evidence.push_back({line->ref, line->text, role});
}

// The log lines that state a TLS result, quoted beside whatever decided.
void cite_tls_lines(Context& x, const LogFacts& logs) {
  cite(x, logs.tls_success, EvidenceRole::tls_line);
  cite(x, logs.tls_failed, EvidenceRole::tls_line);
  cite(x, logs.starttls_unsupported, EvidenceRole::tls_line);
  cite(x, logs.required_not_initiated, EvidenceRole::tls_required_line);
  cite(x, logs.required_failed, EvidenceRole::tls_required_line);
}

void cite_end(Context& x, const LogFacts& logs) {
  cite(x, logs.lost, EvidenceRole::lost_line);
  cite(x, logs.error, EvidenceRole::error_line);
  if (!logs.lost && !logs.error) cite(x, logs.close, EvidenceRole::close_line);
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
    set(x.v, Outcome::tls_success, Confidence::high);
  } else if (logs.required_failed) {
    // The peer accepted STARTTLS and the appliance then says TLS could not be negotiated:
    // the handshake failed, for a reason the logs do not give.
    set(x.v, Outcome::handshake_failed, Confidence::medium);
  } else if (ended(logs)) {
    set(x.v, Outcome::connection_lost, Confidence::high, error_reason(logs));
    cite_end(x, logs);
  } else if (x.c.conn_id == 0 && x.c.appliance.empty()) {
    // A pasted dialogue that stops at "220 Ready to start TLS" (a telnet test, a cut
    // paste): the server accepted STARTTLS; the handshake is not shown, so no more than
    // that is claimed.
    set(x.v, Outcome::tls_success, Confidence::low);
    x.v.candidates = {"handshake-unseen"};
  } else {
    set(x.v, Outcome::unknown, Confidence::low);  // the handshake's result is not in the logs
  }
  return true;
}

void decide_policy_refusal(Context& x, Confidence confidence) {
  set(x.v, Outcome::policy_rejected, confidence, x.logs.policy_refusal->detail);
  cite(x, x.logs.open, EvidenceRole::open_line);
  cite(x, x.logs.policy_refusal, EvidenceRole::policy_line);
  cite_end(x, x.logs);
}

// Inbound, the appliance's recipient access table refused recipients ("Rejected by
// Receiving Control": relaying denied) and no message of the connection got through:
// every message started on it had a recipient refused, and none of those had its data
// accepted for another recipient. No TLS line and no mail: whether the client would have
// used TLS is moot, so the connection is left out of the TLS rate, citing the refusal.
bool relaying_denied_all(const Context& x) {
  const LogFacts& logs = x.logs;
  if (x.c.direction != Direction::inbound || logs.recipients_refused.empty()) return false;
  if (!logs.accepted_despite_refusal.empty()) return false;
  std::vector<std::string_view> mids;
  for (const LogLine* l : logs.recipients_refused) mids.push_back(l->detail);
  std::sort(mids.begin(), mids.end());
  const auto refused_messages = std::unique(mids.begin(), mids.end()) - mids.begin();
  return x.c.messages_received <= refused_messages;
}

void decide_relaying_denied(Context& x) {
  set(x.v, Outcome::policy_rejected, Confidence::medium, "relay-denied");
  cite(x, x.logs.open, EvidenceRole::open_line);
  cite(x, x.logs.recipients_refused.front(), EvidenceRole::policy_line);
  cite_end(x, x.logs);
}

// What the dialogue says of an inbound session without TLS: the appliance's own EHLO
// reply left STARTTLS out (its listener offers no TLS to this client), or offered it and
// the client went on without it.
std::string_view inbound_cleartext_kind(TxStage stage) {
  if (stage == TxStage::not_offered) return "listener-no-starttls";
  if (stage == TxStage::offered_unused) return "client-no-starttls";
  return "";
}

// Inbound, the appliance is the server: a client that never started TLS is cleartext,
// or a policy breach when the listener required TLS; a client the host access table
// refused never had the chance.
void decide_inbound_no_tls(Context& x) {
  if (x.logs.required_not_initiated) {
    set(x.v, Outcome::tls_required_not_initiated, Confidence::high);
    x.v.candidates = {"client-no-starttls"};
  } else if (x.logs.policy_refusal) {
    decide_policy_refusal(x, Confidence::high);
  } else if (relaying_denied_all(x)) {
    decide_relaying_denied(x);
  } else {
    set(x.v, Outcome::cleartext, Confidence::high, std::string(inbound_cleartext_kind(x.tx.stage)));
  }
}

bool outbound(const Context& x) {
  return x.c.direction == Direction::outbound;
}

// The outcome a stage proves by itself; none when the connection was inbound and the
// client simply never started TLS (decided by decide_inbound_no_tls).
std::optional<Outcome> transcript_outcome(TxStage stage, bool outbound) {
  switch (stage) {
    case TxStage::tls_dialogue:
      return Outcome::tls_success;
    case TxStage::ehlo_rejected:
      return Outcome::ehlo_rejected;
    case TxStage::masked:
      return Outcome::starttls_masked;
    case TxStage::misordered:
      return Outcome::ehlo_misordered;
    case TxStage::refused:
      return Outcome::starttls_refused;
    case TxStage::not_offered:
      return outbound ? std::optional(Outcome::starttls_not_offered) : std::nullopt;
    case TxStage::offered_unused:
      return outbound ? std::optional(Outcome::tls_not_attempted) : std::nullopt;
    default:
      return std::nullopt;
  }
}

// STARTTLS unanswered: the transcript alone may just be cut short; an end of the
// connection in the logs makes it a loss.
bool decide_without_reply(Context& x) {
  if (!ended(x.logs)) return false;
  set(x.v, Outcome::connection_lost, Confidence::high, error_reason(x.logs));
  cite_end(x, x.logs);
  return true;
}

// A probe such as posttls-finger goes on inside TLS after it printed that the server's
// certificate failed verification: the dialogue shows TLS, the tool's line shows why a
// sender that verifies would not accept it.
bool decide_certificate_after_tls(Context& x) {
  if (!x.logs.tls_failed) return false;
  FailureReading r = read_tls_failure(x.logs.tls_failed->detail);
  if (r.outcome != Outcome::certificate_invalid) return false;
  set(x.v, r.outcome, Confidence::high, r.detail);
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
  if (x.tx.stage == TxStage::tls_dialogue && decide_certificate_after_tls(x)) return true;
  std::optional<Outcome> outcome = transcript_outcome(x.tx.stage, outbound(x));
  if (!outcome)
    decide_inbound_no_tls(x);
  else
    set(x.v, *outcome, Confidence::high, x.tx.detail);
  return true;
}

// "STARTTLS unexpected response" says only that the reply was not 220: the server may
// have refused, or an SMTP-inspecting firewall may have answered 500 in its place (seed
// 004); the domain debug log tells them apart (then starttls-refused or starttls-masked).
void decide_tls_failure_line(Context& x) {
  FailureReading r = read_tls_failure(x.logs.tls_failed->detail);
  // A reason that quotes the server's reply (a pasted Postfix log: "refused to start TLS:
  // 454 ...") names who answered; only the appliance's bare line leaves it open.
  const bool bare = x.logs.tls_failed->detail.find("STARTTLS unexpected response") != std::string::npos;
  if (r.outcome == Outcome::starttls_refused && bare) {
    set(x.v, r.outcome, Confidence::low, r.detail);
    x.v.candidates = {"server-refused-starttls", "middlebox-answered-starttls"};
  } else {
    set(x.v, r.outcome, Confidence::medium, r.detail);
  }
}

bool decide_by_tls_lines(Context& x) {
  const LogFacts& logs = x.logs;
  if (logs.tls_failed) {
    decide_tls_failure_line(x);
  } else if (logs.tls_success) {
    set(x.v, Outcome::tls_success, Confidence::medium);
  } else if (logs.starttls_unsupported) {
    set(x.v, Outcome::starttls_not_offered, Confidence::low);
    x.v.candidates = {"peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"};
  } else if (logs.required_not_initiated) {
    set(x.v, Outcome::tls_required_not_initiated, Confidence::medium);
    x.v.candidates = {"client-no-starttls", "middlebox-masked"};
  } else if (logs.required_failed) {
    set(x.v, Outcome::tls_failed, Confidence::medium);
  } else {
    return false;
  }
  return true;
}

bool mail_crossed(const Context& x) {
  if (x.c.direction == Direction::inbound) return x.c.messages_received > 0;
  return !x.logs.delivered.empty() ||
         std::any_of(x.c.deliveries.begin(), x.c.deliveries.end(),
                     [](const Delivery& d) { return d.result == DeliveryResult::delivered; });
}

// No TLS line and the session ran: outbound, the appliance logs a TLS result whenever
// TLS is preferred or required, so none means it did not try (medium); inbound, the
// logs cannot tell a listener that offered no TLS from a client that ignored the offer
// (low, both listed, unless the dialogue showed which).
void decide_cleartext(Context& x) {
  const bool inbound = x.c.direction == Direction::inbound;
  set(x.v, Outcome::cleartext, inbound ? Confidence::low : Confidence::medium);
  if (inbound) x.v.candidates = {"listener-no-starttls", "client-no-starttls"};
  cite(x, x.logs.open, EvidenceRole::open_line);
  if (!x.logs.delivered.empty()) cite(x, x.logs.delivered.front(), EvidenceRole::delivered_line);
  cite_end(x, x.logs);
}

// A connection error and nothing to show STARTTLS was sent: most often the TCP connection
// or the greeting failed. A dialogue that stops before EHLO proves it; without one the
// session may also have broken later, so the candidates say so.
void decide_connect_failed(Context& x) {
  const bool before_ehlo = !x.c.transcript.empty() && x.tx.stage == TxStage::none;
  set(x.v, Outcome::connect_failed, before_ehlo ? Confidence::high : Confidence::low,
      error_reason(x.logs));
  if (!before_ehlo) x.v.candidates = {"tcp-connect-failed", "no-greeting", "dropped-later"};
  cite(x, x.logs.open, EvidenceRole::open_line);
  cite_end(x, x.logs);
}

// An inbound connection lost with no TLS line and no mail: many clients just leave after
// the greeting; only the dialogue would show a STARTTLS in flight.
void decide_lost_before_tls(Context& x) {
  set(x.v, Outcome::connection_lost, Confidence::low, error_reason(x.logs));
  x.v.candidates = {"client-left-early", "lost-during-starttls"};
  cite(x, x.logs.open, EvidenceRole::open_line);
  cite_end(x, x.logs);
}

void decide_by_logs(Context& x) {
  if (decide_by_tls_lines(x)) return;
  const LogFacts& logs = x.logs;
  const bool opened = x.c.has_open || logs.open;
  if (logs.policy_refusal) return decide_policy_refusal(x, Confidence::medium);
  if (relaying_denied_all(x)) return decide_relaying_denied(x);
  if (!opened) {
    set(x.v, Outcome::unknown, Confidence::low);
    return;
  }
  if (mail_crossed(x)) return decide_cleartext(x);
  if (logs.error) return decide_connect_failed(x);
  if (logs.lost) return decide_lost_before_tls(x);
  if (x.c.has_close || logs.close) return decide_cleartext(x);
  set(x.v, Outcome::unknown, Confidence::low);
  cite(x, logs.open, EvidenceRole::open_line);
}

// Whether the appliance asked for TLS (sent STARTTLS) and TLS did not follow. A masked
// STARTTLS counts only when the command was sent and answered in the firewall's place;
// not-offered, misordered and rejected-EHLO sessions never tried.
bool tls_attempt_failed(const Context& x) {
  switch (x.v.outcome) {
    case Outcome::starttls_masked:
      return x.tx.starttls_sent;
    case Outcome::starttls_refused:
    case Outcome::handshake_failed:
    case Outcome::certificate_invalid:
    case Outcome::tls_failed:
      return true;
    default:
      return false;
  }
}

void add_finding(Verdict& v, FindingCode code, std::string detail = "") {
  for (const Finding& f : v.findings)
    if (f.code == code && f.detail == detail) return;
  v.findings.push_back({code, std::move(detail)});
}

// Mail that still left on this connection after TLS failed went out in clear.
void add_fallback(Context& x) {
  if (!tls_attempt_failed(x)) return;
  bool delivered = !x.logs.delivered.empty() ||
                   std::any_of(x.c.deliveries.begin(), x.c.deliveries.end(),
                               [](const Delivery& d) { return d.result == DeliveryResult::delivered; });
  if (!delivered) return;
  add_finding(x.v, FindingCode::cleartext_fallback);
  if (!x.logs.delivered.empty()) cite(x, x.logs.delivered.front(), EvidenceRole::delivered_line);
}

// Deferrals and bounces: the log lines when present, else the deliveries' results.
void add_delivery_outcome(Context& x, const std::vector<const LogLine*>& lines,
                          DeliveryResult result, FindingCode code) {
  const EvidenceRole role =
      result == DeliveryResult::delayed ? EvidenceRole::delayed_line : EvidenceRole::bounced_line;
  for (const LogLine* l : lines) {
    add_finding(x.v, code, l->detail);
    cite(x, l, role);
  }
  if (!lines.empty()) return;
  for (const Delivery& d : x.c.deliveries)
    if (d.result == result) add_finding(x.v, code, d.response);
}

// DANE (RFC 7672) could not authenticate the destination's server through its TLSA
// records: the detail names the host. Only a failure is a finding; success is what DANE
// is for, and other states say nothing of the server.
void add_dane(Context& x) {
  for (const LogLine* l : x.logs.dane) {
    const std::string_view detail = l->detail;
    if (detail.substr(0, 4) != "fail") continue;
    const size_t space = detail.find(' ');
    add_finding(x.v, FindingCode::dane_failed,
                space == std::string_view::npos ? "" : std::string(detail.substr(space + 1)));
    cite(x, l, EvidenceRole::dane_line);
  }
}

// A session that succeeded with a retired protocol version or cipher suite (RFC 8996,
// RFC 7465, RFC 9325), named in the finding's detail.
void add_tls_quality(Context& x) {
  if (x.v.outcome != Outcome::tls_success) return;
  if (is_deprecated_protocol(x.c.tls_protocol))
    add_finding(x.v, FindingCode::deprecated_protocol, x.c.tls_protocol);
  if (is_weak_cipher(x.c.tls_cipher)) add_finding(x.v, FindingCode::weak_cipher, x.c.tls_cipher);
}

void add_findings(Context& x) {
  for (const Finding& f : x.tx.findings) add_finding(x.v, f.code, f.detail);
  if (x.logs.required_not_initiated || x.logs.required_failed) add_finding(x.v, FindingCode::tls_required);
  add_fallback(x);
  add_tls_quality(x);
  add_delivery_outcome(x, x.logs.delayed, DeliveryResult::delayed, FindingCode::delivery_deferred);
  add_delivery_outcome(x, x.logs.bounced, DeliveryResult::bounced, FindingCode::delivery_bounced);
  add_dane(x);
}

std::vector<std::string_view> outcome_references(Outcome outcome) {
  using namespace codes;
  switch (outcome) {
    case Outcome::tls_success: return {kRfc3207Sec4_2};
    case Outcome::starttls_not_offered:
    case Outcome::starttls_refused: return {kRfc3207Sec4};
    case Outcome::ehlo_misordered: return {kRfc5321Sec4_1_1_1, kRfc1869Sec4_3};
    case Outcome::starttls_masked: return {kRfc3207Sec6};
    case Outcome::ehlo_rejected: return {kRfc5321Sec4_1_1_1, kRfc5321Sec3_2};
    case Outcome::handshake_failed: return {kRfc3207Sec4_1};
    case Outcome::certificate_invalid: return {kRfc3207Sec4_1, kRfc8460Sec4_3_1};
    case Outcome::tls_required_not_initiated: return {kRfc3207Sec4};
    default: return {};
  }
}

bool is_after_tls_finding(FindingCode code) {
  return code == FindingCode::ehlo_repeated_after_tls || code == FindingCode::no_ehlo_after_tls ||
         code == FindingCode::starttls_offered_after_tls ||
         code == FindingCode::extensions_changed_after_tls;
}

std::vector<std::string_view> finding_references(const Finding& f) {
  if (is_after_tls_finding(f.code)) return {codes::kRfc3207Sec4_2};
  if (f.code == FindingCode::deprecated_protocol) return protocol_references(f.detail);
  if (f.code == FindingCode::weak_cipher) return cipher_references(f.detail);
  return {};
}

void add_references(Verdict& v) {
  std::vector<std::string_view> refs = outcome_references(v.outcome);
  for (const Finding& f : v.findings) {
    for (std::string_view r : finding_references(f)) refs.push_back(r);
    if (f.code == FindingCode::dane_failed) refs.push_back(codes::kRfc7672Sec3);
  }
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
