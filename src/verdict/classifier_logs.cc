#include "verdict/classifier_logs.h"

#include <array>
#include <cctype>
#include <span>

namespace mailtls {
namespace {

void keep_first(const LogLine*& slot, const LogLine& line) {
  if (!slot) slot = &line;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(const std::string& text, std::span<const std::string_view> needles) {
  for (std::string_view n : needles)
    if (text.find(n) != std::string::npos) return true;
  return false;
}

// OpenSSL and Python ssl wording, as AsyncOS quotes it in "TLS failed: ..." lines.
constexpr std::array<std::string_view, 9> kVerifyFailed = {
    "certificate verify failed",       "certificate_verify_failed", "verify error",
    "certificate verification failed", "certificate has expired",   "hostname mismatch",
    "verify return code",              "verification error",        "certificate not verified"};
constexpr std::array<std::string_view, 3> kExpired = {"expired", "not yet valid",
                                                      "certificate_expired"};
constexpr std::array<std::string_view, 6> kHostMismatch = {
    "hostname mismatch", "host name mismatch", "doesn't match", "does not match",
    "hostname verification", "ip address mismatch"};
constexpr std::array<std::string_view, 7> kNotTrusted = {
    "self signed",          "self-signed", "unable to get local issuer",
    "unable to get issuer", "untrusted",   "unknown ca",
    "unable to verify the first certificate"};
// A client's own words for a STARTTLS the server turned down (Postfix, posttls-finger).
constexpr std::array<std::string_view, 3> kRefused = {
    "starttls unexpected response", "refused to start tls", "starttls rejected"};

std::string certificate_kind(const std::string& low) {
  if (contains_any(low, kExpired)) return "expired";
  if (contains_any(low, kHostMismatch)) return "host-mismatch";
  if (contains_any(low, kNotTrusted)) return "not-trusted";
  return "";
}

// A host access table decision that turned the client away: REJECT, TCPREFUSE, a delayed
// REJECT or a connection limit (the grammar puts the action in the detail). ACCEPT, RELAY
// and CONTINUE let it in; old releases log the reputation score alone (no action).
bool refuses(const LogLine& policy) {
  const std::string_view action = policy.detail;
  return !action.empty() && action != "ACCEPT" && action != "RELAY" && action != "CONTINUE";
}

// Files one log line under the fact it shows (the first or every line of its kind).
void file_log_line(LogFacts& f, const LogLine& l) {
  switch (l.type) {
    case EventType::icid_policy:
      if (refuses(l)) keep_first(f.policy_refusal, l);
      break;
    case EventType::icid_new:
    case EventType::dcid_new:
      keep_first(f.open, l);
      break;
    case EventType::icid_close:
    case EventType::dcid_close:
      keep_first(f.close, l);
      break;
    case EventType::icid_tls_success:
    case EventType::dcid_tls_success:
      keep_first(f.tls_success, l);
      break;
    case EventType::icid_tls_failed:
    case EventType::dcid_tls_failed:
      keep_first(f.tls_failed, l);
      break;
    case EventType::dcid_starttls_unsupported:
      keep_first(f.starttls_unsupported, l);
      break;
    case EventType::icid_tls_required:
      keep_first(f.required_not_initiated, l);
      break;
    case EventType::dcid_tls_required_failed:
      keep_first(f.required_failed, l);
      break;
    case EventType::icid_lost:
      keep_first(f.lost, l);
      break;
    case EventType::connection_error:
      keep_first(f.error, l);
      break;
    case EventType::delivery_done:
      f.delivered.push_back(&l);
      break;
    case EventType::delayed:
      f.delayed.push_back(&l);
      break;
    case EventType::bounced:
      f.bounced.push_back(&l);
      break;
    case EventType::dane:
      f.dane.push_back(&l);
      break;
    case EventType::icid_rcpt_rejected:
      f.recipients_refused.push_back(&l);
      break;
    case EventType::mid_ready:
      f.accepted_despite_refusal.push_back(&l);
      break;
    case EventType::consolidated_tls:  // a consolidated event's TLS result (events.h)
      keep_first(l.detail == "success" ? f.tls_success : f.tls_failed, l);
      break;
    default:
      break;
  }
}

}  // namespace

LogFacts gather_log_facts(const std::vector<LogLine>& log) {
  LogFacts f;
  for (const LogLine& l : log) file_log_line(f, l);
  return f;
}

FailureReading read_tls_failure(std::string_view reason) {
  std::string low = lower(reason);
  if (low.find_first_not_of(" .") == std::string::npos) return {Outcome::tls_failed, ""};
  if (contains_any(low, kRefused)) return {Outcome::starttls_refused, std::string(reason)};
  std::string kind = certificate_kind(low);
  bool about_certificate = low.find("certificate") != std::string::npos && !kind.empty();
  if (contains_any(low, kVerifyFailed) || about_certificate) {
    return {Outcome::certificate_invalid, kind.empty() ? std::string(reason) : kind};
  }
  return {Outcome::handshake_failed, std::string(reason)};
}

}  // namespace mailtls
