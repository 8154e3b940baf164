// Every code the classifier can put in a Verdict, in one place: the explainer's texts,
// the references catalogue and the tests are checked against these tables, so a new
// code cannot ship without its text or its RFC section.
#pragma once

#include <array>
#include <string_view>

#include "model/vocabulary.h"

namespace mailtls::codes {

// Outcomes, findings and evidence roles are enumerations (vocabulary.h); their public
// names, in enumeration order, for the checks that walk every code.
inline constexpr auto kOutcomes = names_of(kOutcomeNames);
inline constexpr auto kFindings = names_of(kFindingNames);
inline constexpr auto kEvidenceRoles = names_of(kEvidenceRoleNames);

// Candidate causes (Verdict::candidates), listed when the evidence cannot pick one.
//   peer-no-starttls    the receiving server does not offer STARTTLS at all
//   middlebox-masked    a firewall's SMTP inspection hid or rewrote STARTTLS
//   ehlo-misordered     the receiver put STARTTLS before its domain line
//   receiver-policy     the receiver offers TLS only to some senders, not this one
//   client-no-starttls  the sending client has no TLS or did not ask for it (inbound)
//   handshake-unseen    STARTTLS was accepted; the handshake is not in the evidence
inline constexpr std::array<std::string_view, 6> kCandidates = {
    "peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy",
    "client-no-starttls", "handshake-unseen"};

// Certificate failure kinds (Verdict::detail of certificate-invalid, when known).
inline constexpr std::array<std::string_view, 3> kCertificateKinds = {"expired", "host-mismatch",
                                                                      "not-trusted"};

// RFC sections the classifier cites (each must exist in grammars/catalogues/references.toml).
inline constexpr std::string_view kRfc3207Sec4 = "RFC 3207 §4";
inline constexpr std::string_view kRfc3207Sec4_1 = "RFC 3207 §4.1";
inline constexpr std::string_view kRfc3207Sec4_2 = "RFC 3207 §4.2";
inline constexpr std::string_view kRfc3207Sec6 = "RFC 3207 §6";
inline constexpr std::string_view kRfc5321Sec4_1_1_1 = "RFC 5321 §4.1.1.1";
inline constexpr std::string_view kRfc5321Sec3_2 = "RFC 5321 §3.2";
inline constexpr std::string_view kRfc1869Sec4_3 = "RFC 1869 §4.3";
inline constexpr std::string_view kRfc8460Sec4_3_1 = "RFC 8460 §4.3.1";
inline constexpr std::string_view kRfc7672Sec3 = "RFC 7672 §3";

inline constexpr std::array<std::string_view, 9> kReferences = {
    kRfc3207Sec4,       kRfc3207Sec4_1, kRfc3207Sec4_2,   kRfc3207Sec6, kRfc5321Sec4_1_1_1,
    kRfc5321Sec3_2,     kRfc1869Sec4_3, kRfc8460Sec4_3_1, kRfc7672Sec3};

}  // namespace mailtls::codes
