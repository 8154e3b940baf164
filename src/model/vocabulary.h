// The closed vocabularies of a verdict: outcome, finding, delivery result, evidence role
// and confidence. Each is an enumeration with one table of public names (the strings the
// database, the JSON output and the locale keys use), listed in enumeration order; a
// static_assert below each table rejects a missing, misplaced, empty or repeated name, so
// code compares values and only the store and the renderers ever see the strings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace mailtls {

template <class E>
struct Named {
  E value;
  std::string_view name;
};

template <class E>
inline constexpr size_t kCountOf = static_cast<size_t>(E::count_);

template <class E>
using NameTable = std::array<Named<E>, kCountOf<E>>;

// Every value at its own index, each with a distinct non-empty name.
template <class E>
constexpr bool names_complete(const NameTable<E>& table) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (static_cast<size_t>(table[i].value) != i || table[i].name.empty()) return false;
    for (size_t j = 0; j < i; ++j)
      if (table[j].name == table[i].name) return false;
  }
  return true;
}

// The names alone, in enumeration order (for the data checks that walk every code).
template <class E>
constexpr std::array<std::string_view, kCountOf<E>> names_of(const NameTable<E>& table) {
  std::array<std::string_view, kCountOf<E>> names{};
  for (size_t i = 0; i < table.size(); ++i) names[i] = table[i].name;
  return names;
}

template <class E>
constexpr std::string_view name_in(const NameTable<E>& table, E value) {
  return table[static_cast<size_t>(value)].name;
}

template <class E>
constexpr std::optional<E> value_in(const NameTable<E>& table, std::string_view name) {
  for (const auto& entry : table)
    if (entry.name == name) return entry.value;
  return std::nullopt;
}

// ---- outcome (connections.tls_outcome; docs/tls-outcomes.md) -------------------------

enum class Outcome : uint8_t {
  tls_success,
  starttls_not_offered,
  ehlo_misordered,
  starttls_masked,
  ehlo_rejected,
  starttls_refused,
  handshake_failed,
  certificate_invalid,
  connection_lost,
  tls_not_attempted,
  tls_required_not_initiated,
  tls_failed,
  cleartext,
  policy_rejected,
  connect_failed,
  unknown,
  count_
};

inline constexpr NameTable<Outcome> kOutcomeNames = {{
    {Outcome::tls_success, "tls-success"},
    {Outcome::starttls_not_offered, "starttls-not-offered"},
    {Outcome::ehlo_misordered, "ehlo-misordered"},
    {Outcome::starttls_masked, "starttls-masked"},
    {Outcome::ehlo_rejected, "ehlo-rejected"},
    {Outcome::starttls_refused, "starttls-refused"},
    {Outcome::handshake_failed, "handshake-failed"},
    {Outcome::certificate_invalid, "certificate-invalid"},
    {Outcome::connection_lost, "connection-lost"},
    {Outcome::tls_not_attempted, "tls-not-attempted"},
    {Outcome::tls_required_not_initiated, "tls-required-not-initiated"},
    {Outcome::tls_failed, "tls-failed"},
    {Outcome::cleartext, "cleartext"},
    {Outcome::policy_rejected, "policy-rejected"},
    {Outcome::connect_failed, "connect-failed"},
    {Outcome::unknown, "unknown"},
}};
static_assert(names_complete(kOutcomeNames), "kOutcomeNames must name every Outcome in order");

constexpr std::string_view outcome_name(Outcome o) { return name_in(kOutcomeNames, o); }
constexpr std::optional<Outcome> outcome_by_name(std::string_view name) {
  return value_in(kOutcomeNames, name);
}

// ---- finding (findings.code) ----------------------------------------------------------

enum class FindingCode : uint8_t {
  ehlo_repeated_after_tls,
  no_ehlo_after_tls,
  starttls_offered_after_tls,
  extensions_changed_after_tls,
  tls_required,
  cleartext_fallback,
  deprecated_protocol,
  weak_cipher,
  delivery_deferred,
  delivery_bounced,
  dane_failed,  // DANE (RFC 7672) could not authenticate the server (consolidated events)
  count_
};

inline constexpr NameTable<FindingCode> kFindingNames = {{
    {FindingCode::ehlo_repeated_after_tls, "ehlo-repeated-after-tls"},
    {FindingCode::no_ehlo_after_tls, "no-ehlo-after-tls"},
    {FindingCode::starttls_offered_after_tls, "starttls-offered-after-tls"},
    {FindingCode::extensions_changed_after_tls, "extensions-changed-after-tls"},
    {FindingCode::tls_required, "tls-required"},
    {FindingCode::cleartext_fallback, "cleartext-fallback"},
    {FindingCode::deprecated_protocol, "deprecated-protocol"},
    {FindingCode::weak_cipher, "weak-cipher"},
    {FindingCode::delivery_deferred, "delivery-deferred"},
    {FindingCode::delivery_bounced, "delivery-bounced"},
    {FindingCode::dane_failed, "dane-failed"},
}};
static_assert(names_complete(kFindingNames), "kFindingNames must name every FindingCode in order");

constexpr std::string_view finding_name(FindingCode f) { return name_in(kFindingNames, f); }
constexpr std::optional<FindingCode> finding_by_name(std::string_view name) {
  return value_in(kFindingNames, name);
}

// ---- delivery result (deliveries.result) ---------------------------------------------

enum class DeliveryResult : uint8_t { started, delivered, delayed, bounced, count_ };

inline constexpr NameTable<DeliveryResult> kDeliveryResultNames = {{
    {DeliveryResult::started, "started"},
    {DeliveryResult::delivered, "delivered"},
    {DeliveryResult::delayed, "delayed"},
    {DeliveryResult::bounced, "bounced"},
}};
static_assert(names_complete(kDeliveryResultNames),
              "kDeliveryResultNames must name every DeliveryResult in order");

constexpr std::string_view delivery_result_name(DeliveryResult r) {
  return name_in(kDeliveryResultNames, r);
}
constexpr std::optional<DeliveryResult> delivery_result_by_name(std::string_view name) {
  return value_in(kDeliveryResultNames, name);
}

// ---- evidence role (Evidence::role; the explainer's evidence.<role> labels) -----------
//   Log lines:        open-line, close-line, tls-line (TLS success / failed / STARTTLS
//                     not supported), tls-required-line, policy-line (the host access
//                     table turned the client away), lost-line, error-line,
//                     delivered-line, delayed-line, bounced-line, dane-line (the DANE
//                     result of a consolidated event)
//   Transcript lines: banner, masked-banner, ehlo-command, helo-command, ehlo-reply,
//                     domain-line, misplaced-starttls, masked-keyword, masked-command,
//                     starttls-command, starttls-reply, command-without-starttls,
//                     ehlo-after-tls, ehlo-reply-after-tls, command-after-tls

enum class EvidenceRole : uint8_t {
  open_line,
  close_line,
  tls_line,
  tls_required_line,
  policy_line,
  lost_line,
  error_line,
  delivered_line,
  delayed_line,
  bounced_line,
  dane_line,
  banner,
  masked_banner,
  ehlo_command,
  helo_command,
  ehlo_reply,
  domain_line,
  misplaced_starttls,
  masked_keyword,
  masked_command,
  starttls_command,
  starttls_reply,
  command_without_starttls,
  ehlo_after_tls,
  ehlo_reply_after_tls,
  command_after_tls,
  count_
};

inline constexpr NameTable<EvidenceRole> kEvidenceRoleNames = {{
    {EvidenceRole::open_line, "open-line"},
    {EvidenceRole::close_line, "close-line"},
    {EvidenceRole::tls_line, "tls-line"},
    {EvidenceRole::tls_required_line, "tls-required-line"},
    {EvidenceRole::policy_line, "policy-line"},
    {EvidenceRole::lost_line, "lost-line"},
    {EvidenceRole::error_line, "error-line"},
    {EvidenceRole::delivered_line, "delivered-line"},
    {EvidenceRole::delayed_line, "delayed-line"},
    {EvidenceRole::bounced_line, "bounced-line"},
    {EvidenceRole::dane_line, "dane-line"},
    {EvidenceRole::banner, "banner"},
    {EvidenceRole::masked_banner, "masked-banner"},
    {EvidenceRole::ehlo_command, "ehlo-command"},
    {EvidenceRole::helo_command, "helo-command"},
    {EvidenceRole::ehlo_reply, "ehlo-reply"},
    {EvidenceRole::domain_line, "domain-line"},
    {EvidenceRole::misplaced_starttls, "misplaced-starttls"},
    {EvidenceRole::masked_keyword, "masked-keyword"},
    {EvidenceRole::masked_command, "masked-command"},
    {EvidenceRole::starttls_command, "starttls-command"},
    {EvidenceRole::starttls_reply, "starttls-reply"},
    {EvidenceRole::command_without_starttls, "command-without-starttls"},
    {EvidenceRole::ehlo_after_tls, "ehlo-after-tls"},
    {EvidenceRole::ehlo_reply_after_tls, "ehlo-reply-after-tls"},
    {EvidenceRole::command_after_tls, "command-after-tls"},
}};
static_assert(names_complete(kEvidenceRoleNames),
              "kEvidenceRoleNames must name every EvidenceRole in order");

constexpr std::string_view evidence_role_name(EvidenceRole r) {
  return name_in(kEvidenceRoleNames, r);
}
constexpr std::optional<EvidenceRole> evidence_role_by_name(std::string_view name) {
  return value_in(kEvidenceRoleNames, name);
}

// ---- confidence (connections.confidence) ---------------------------------------------

enum class Confidence : uint8_t { high, medium, low, count_ };

inline constexpr NameTable<Confidence> kConfidenceNames = {{
    {Confidence::high, "high"},
    {Confidence::medium, "medium"},
    {Confidence::low, "low"},
}};
static_assert(names_complete(kConfidenceNames),
              "kConfidenceNames must name every Confidence in order");

constexpr std::string_view confidence_name(Confidence c) { return name_in(kConfidenceNames, c); }
constexpr std::optional<Confidence> confidence_by_name(std::string_view name) {
  return value_in(kConfidenceNames, name);
}

// The public name, so a failed test assertion or a debug print shows "tls-success".
std::ostream& operator<<(std::ostream& out, Outcome o);
std::ostream& operator<<(std::ostream& out, FindingCode f);
std::ostream& operator<<(std::ostream& out, DeliveryResult r);
std::ostream& operator<<(std::ostream& out, EvidenceRole r);
std::ostream& operator<<(std::ostream& out, Confidence c);

}  // namespace mailtls
