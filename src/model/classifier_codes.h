// Every code the classifier can put in a Verdict, in one place: the explainer's texts,
// the references catalogue and the tests are checked against these tables, so a new
// code cannot ship without its text or its RFC section.
#pragma once

#include <array>
#include <string_view>

namespace mailtls::codes {

// Outcomes (Verdict::outcome; the tls_outcome column).
inline constexpr std::array<std::string_view, 14> kOutcomes = {"tls-success",
                                                               "starttls-not-offered",
                                                               "ehlo-misordered",
                                                               "starttls-masked",
                                                               "ehlo-rejected",
                                                               "starttls-refused",
                                                               "handshake-failed",
                                                               "certificate-invalid",
                                                               "connection-lost",
                                                               "tls-not-attempted",
                                                               "tls-required-not-initiated",
                                                               "tls-failed",
                                                               "cleartext",
                                                               "unknown"};

// Findings (Verdict::findings[].code).
inline constexpr std::array<std::string_view, 8> kFindings = {"ehlo-repeated-after-tls",
                                                              "no-ehlo-after-tls",
                                                              "starttls-offered-after-tls",
                                                              "extensions-changed-after-tls",
                                                              "tls-required",
                                                              "cleartext-fallback",
                                                              "delivery-deferred",
                                                              "delivery-bounced"};

// Candidate causes (Verdict::candidates), listed when the evidence cannot pick one.
//   peer-no-starttls    the receiving server does not offer STARTTLS at all
//   middlebox-masked    a firewall's SMTP inspection hid or rewrote STARTTLS
//   ehlo-misordered     the receiver put STARTTLS before its domain line
//   receiver-policy     the receiver offers TLS only to some senders, not this one
//   client-no-starttls  the sending client has no TLS or did not ask for it (inbound)
inline constexpr std::array<std::string_view, 5> kCandidates = {
    "peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy",
    "client-no-starttls"};

// Certificate failure kinds (Verdict::detail of certificate-invalid, when known).
inline constexpr std::array<std::string_view, 3> kCertificateKinds = {"expired", "host-mismatch",
                                                                      "not-trusted"};

// Evidence roles (Evidence::role).
//   Log lines:        open-line, close-line, tls-line (TLS success / failed / STARTTLS
//                     not supported), tls-required-line, lost-line, error-line,
//                     delivered-line, delayed-line, bounced-line
//   Transcript lines: banner, masked-banner, ehlo-command, helo-command, ehlo-reply,
//                     domain-line, misplaced-starttls, masked-keyword, masked-command,
//                     starttls-command, starttls-reply, command-without-starttls,
//                     ehlo-after-tls, ehlo-reply-after-tls, command-after-tls
inline constexpr std::array<std::string_view, 24> kEvidenceRoles = {"open-line",
                                                                    "close-line",
                                                                    "tls-line",
                                                                    "tls-required-line",
                                                                    "lost-line",
                                                                    "error-line",
                                                                    "delivered-line",
                                                                    "delayed-line",
                                                                    "bounced-line",
                                                                    "banner",
                                                                    "masked-banner",
                                                                    "ehlo-command",
                                                                    "helo-command",
                                                                    "ehlo-reply",
                                                                    "domain-line",
                                                                    "misplaced-starttls",
                                                                    "masked-keyword",
                                                                    "masked-command",
                                                                    "starttls-command",
                                                                    "starttls-reply",
                                                                    "command-without-starttls",
                                                                    "ehlo-after-tls",
                                                                    "ehlo-reply-after-tls",
                                                                    "command-after-tls"};

// RFC sections the classifier cites (each must exist in grammars/catalogues/references.toml).
inline constexpr std::string_view kRfc3207Sec4 = "RFC 3207 §4";
inline constexpr std::string_view kRfc3207Sec4_1 = "RFC 3207 §4.1";
inline constexpr std::string_view kRfc3207Sec4_2 = "RFC 3207 §4.2";
inline constexpr std::string_view kRfc3207Sec6 = "RFC 3207 §6";
inline constexpr std::string_view kRfc5321Sec4_1_1_1 = "RFC 5321 §4.1.1.1";
inline constexpr std::string_view kRfc5321Sec3_2 = "RFC 5321 §3.2";
inline constexpr std::string_view kRfc1869Sec4_3 = "RFC 1869 §4.3";
inline constexpr std::string_view kRfc8460Sec4_3_1 = "RFC 8460 §4.3.1";

inline constexpr std::array<std::string_view, 8> kReferences = {
    kRfc3207Sec4,       kRfc3207Sec4_1, kRfc3207Sec4_2, kRfc3207Sec6,
    kRfc5321Sec4_1_1_1, kRfc5321Sec3_2, kRfc1869Sec4_3, kRfc8460Sec4_3_1};

}  // namespace mailtls::codes
