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

// Outcomes where TLS never came into question: the appliance's own policy turned the
// client away, or the connection failed before anything showed STARTTLS was sent. They
// are neither TLS successes nor TLS failures, and TLS rates leave them out.
inline constexpr std::array<Outcome, 2> kNotEligibleOutcomes = {Outcome::policy_rejected,
                                                                Outcome::connect_failed};

// What the dialogue shows about an inbound cleartext session (Verdict::detail of
// cleartext, when known): the appliance's own EHLO reply did not offer STARTTLS, or it
// did and the client went on without it.
inline constexpr std::array<std::string_view, 2> kCleartextKinds = {"listener-no-starttls",
                                                                    "client-no-starttls"};

// Candidate causes (Verdict::candidates), listed when the evidence cannot pick one.
//   peer-no-starttls             the receiving server does not offer STARTTLS at all
//   middlebox-masked             a firewall's SMTP inspection hid or rewrote STARTTLS
//   ehlo-misordered              the receiver put STARTTLS before its domain line
//   receiver-policy              the receiver offers TLS only to some senders, not this one
//   client-no-starttls           the sending client has no TLS or did not ask for it (inbound)
//   handshake-unseen             STARTTLS was accepted; the handshake is not in the evidence
//   listener-no-starttls         the appliance's mail flow policy offers no TLS to this client
//   server-refused-starttls      the receiving server answered STARTTLS with an error
//   middlebox-answered-starttls  a firewall answered STARTTLS in the server's place (500)
//   tcp-connect-failed           no TCP connection: host down, port filtered, wrong MX
//   no-greeting                  TCP connected, but no 220 greeting came
//   dropped-later                the session broke later, before any TLS result was logged
//   client-left-early            the client disconnected before asking for TLS (inbound)
//   lost-during-starttls         the connection broke during STARTTLS
inline constexpr std::array<std::string_view, 14> kCandidates = {
    "peer-no-starttls",        "middlebox-masked",     "ehlo-misordered",
    "receiver-policy",         "client-no-starttls",   "handshake-unseen",
    "listener-no-starttls",    "server-refused-starttls", "middlebox-answered-starttls",
    "tcp-connect-failed",      "no-greeting",          "dropped-later",
    "client-left-early",       "lost-during-starttls"};

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
inline constexpr std::string_view kRfc7465Sec2 = "RFC 7465 §2";
inline constexpr std::string_view kRfc8996Sec4 = "RFC 8996 §4";
inline constexpr std::string_view kRfc8996Sec5 = "RFC 8996 §5";
inline constexpr std::string_view kRfc9325Sec3_1_1 = "RFC 9325 §3.1.1";
inline constexpr std::string_view kRfc9325Sec4_1 = "RFC 9325 §4.1";

inline constexpr std::array<std::string_view, 14> kReferences = {
    kRfc3207Sec4,       kRfc3207Sec4_1, kRfc3207Sec4_2,   kRfc3207Sec6,
    kRfc5321Sec4_1_1_1, kRfc5321Sec3_2, kRfc1869Sec4_3,   kRfc8460Sec4_3_1,
    kRfc7672Sec3,       kRfc7465Sec2,   kRfc8996Sec4,     kRfc8996Sec5,
    kRfc9325Sec3_1_1,   kRfc9325Sec4_1};

}  // namespace mailtls::codes
