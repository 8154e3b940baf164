#include "verdict/classifier.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "model/classifier_codes.h"
#include "classifier_test_util.h"
#include "verdict/transcript_paste.h"

using namespace mailtls;
using namespace mailtls::test;

namespace {

template <typename Table>
bool listed(const Table& table, std::string_view code) {
  return std::find(table.begin(), table.end(), code) != table.end();
}

std::vector<std::string> names(const std::vector<EhloKeyword>& kws) {
  std::vector<std::string> out;
  for (const auto& k : kws) out.push_back(k.keyword);
  return out;
}

// Classifies and checks that every code in the verdict is one the tables declare, so
// the explainer's texts and the references catalogue cover all of them.
Verdict run(const Connection& c) {
  Verdict v = classify(c);
  CHECK(listed(codes::kOutcomes, outcome_name(v.outcome)));
  for (const auto& f : v.findings) CHECK(listed(codes::kFindings, finding_name(f.code)));
  for (const auto& k : v.candidates) CHECK(listed(codes::kCandidates, k));
  for (const auto& e : v.evidence) CHECK(listed(codes::kEvidenceRoles, evidence_role_name(e.role)));
  for (const auto& r : v.references) CHECK(listed(codes::kReferences, r));
  // The store's verdict (no evidence quoted) must be the same verdict in every other way.
  const Verdict stored = classify_for_store(c);
  CHECK(stored.evidence.empty());
  CHECK(stored.outcome == v.outcome);
  CHECK(stored.confidence == v.confidence);
  CHECK(stored.detail == v.detail);
  CHECK(stored.candidates == v.candidates);
  CHECK(stored.references == v.references);
  CHECK(stored.findings.size() == v.findings.size());
  for (size_t i = 0; i < std::min(stored.findings.size(), v.findings.size()); ++i) {
    CHECK(stored.findings[i].code == v.findings[i].code);
    CHECK(stored.findings[i].detail == v.findings[i].detail);
  }
  CHECK(names(stored.keywords_before_tls) == names(v.keywords_before_tls));
  CHECK(names(stored.keywords_after_tls) == names(v.keywords_after_tls));
  return v;
}


// Seeds 000/001 (French, Portuguese) translated back to the English debug log.
std::vector<TranscriptLine> double_ehlo() {
  return dialogue({"C: EHLO mx4.example.com", "S: 250-eq-c601.example.com", "S: 250-8BITMIME",
                   "S: 250-SIZE 10485760", "S: 250 STARTTLS", "C: STARTTLS",
                   "S: 220 Go ahead with TLS", "C: EHLO mx4.example.com",
                   "S: 250-eq-c601.example.com", "S: 250-8BITMIME", "S: 250 SIZE 10485760",
                   "C: MAIL FROM:<sender@example.com>"});
}

// The English original of seed 002 (cisco_docs_examples.log).
std::vector<TranscriptLine> misordered() {
  return dialogue({"S: 220 mail.domain1.com ESMTP Service ready", "C: EHLO ESA.com",
                   "S: 250-STARTTLS", "S: 250-mail.domain1.com", "S: 250-8BITMIME",
                   "S: 250-PIPELINING", "S: 250-HELP", "S: 250-DELIVERBY 300",
                   "S: 250 SIZE 30000000", "C: MAIL FROM:<a@example.com>"});
}

const LogLine kTlsSuccess =
    log(EventType::dcid_tls_success, "DCID 5165207 TLS success protocol TLSv1.2 cipher AES128-SHA");
const LogLine kNotSupported =
    log(EventType::dcid_starttls_unsupported, "DCID 5165207 STARTTLS command not supported", "", 3);
const LogLine kDcidClose = log(EventType::dcid_close, "DCID 5165207 close", "", 9);

}  // namespace

TEST_CASE(
    "a second EHLO after STARTTLS is reported as ehlo-repeated-after-tls and is not a failure",
    "[classifier]") {
  Verdict v = run(outbound({kTlsSuccess}, double_ehlo()));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK(v.confidence == Confidence::high);
  CHECK(has_finding(v, "ehlo-repeated-after-tls"));
  CHECK(v.references == std::vector<std::string>{"RFC 3207 §4.2"});
  CHECK(has_role(v, "starttls-reply"));
  CHECK(has_role(v, "tls-line"));
}

TEST_CASE("STARTTLS absent from the EHLO reply after TLS is correct and no change of extensions",
          "[classifier]") {
  Verdict v = run(outbound({}, double_ehlo()));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK_FALSE(has_finding(v, "starttls-offered-after-tls"));
  CHECK_FALSE(has_finding(v, "extensions-changed-after-tls"));
  CHECK(names(v.keywords_before_tls) == std::vector<std::string>{"8BITMIME", "SIZE", "STARTTLS"});
  CHECK(names(v.keywords_after_tls) == std::vector<std::string>{"8BITMIME", "SIZE"});
}

TEST_CASE("a 250-STARTTLS line before the domain line is classified ehlo-misordered",
          "[classifier]") {
  Verdict v = run(outbound({kNotSupported}, misordered()));
  CHECK(v.outcome == Outcome::ehlo_misordered);
  CHECK(v.confidence == Confidence::high);
  CHECK(has_role(v, "misplaced-starttls"));
  CHECK(has_role(v, "domain-line"));
  CHECK(has_role(v, "tls-line"));
  CHECK(cites(v, "RFC 5321 §4.1.1.1"));
  CHECK(cites(v, "RFC 1869 §4.3"));
  CHECK(v.candidates.empty());
}

TEST_CASE("the Arabic seed's conversation pasted as-is is classified ehlo-misordered",
          "[classifier]") {
  Connection c =
      outbound({}, parse_pasted_transcript(
                       "mail.domain1.com ESMTP Service ready 220\n"
                       "EHLO ESA.com\n"
                       ".250-STARTTLS <--- 250-STARTTLS is before the server greeting\n"
                       ".250-mail.domain1.com <--- This is the 250 destination server greeting\n"
                       "250-8BITMIME\n250-PIPELINING\n250-HELP\n250-DELIVERBY 300\n"));
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::ehlo_misordered);
  CHECK(v.confidence == Confidence::high);
}

TEST_CASE("the corrected conversation of the same page offers STARTTLS", "[classifier]") {
  Connection c = outbound(
      {},
      parse_pasted_transcript("mail-esa.com ESMTP 220\nEHLO connecting.server.com\n"
                              ".250-mail-esa.com <--- This is the 250 destination server greeting\n"
                              "250-8BITMIME\n250-SIZE 33554432\n"
                              "STARTTLS <--- STARTTLS is available after the greeting\n"
                              ".per RFC\nMAIL FROM:<a@example.com>\n"));
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::tls_not_attempted);
}

TEST_CASE("X's after EHLO and 500 #5.5.1 after STARTTLS are classified starttls-masked",
          "[classifier]") {
  Verdict v = run(inbound(
      {}, dialogue({"C: EHLO sender.example.org", "S: 250-8BITMIME", "S: 250-SIZE 14680064",
                    "S: 250 XXXXXXXA", "C: STARTTLS", "S: 500 #5.5.1 command not recognized"})));
  CHECK(v.outcome == Outcome::starttls_masked);
  CHECK(v.confidence == Confidence::high);
  CHECK(has_role(v, "masked-keyword"));
  CHECK(v.references == std::vector<std::string>{"RFC 3207 §6"});
}

TEST_CASE("a masked EHLO reply that makes the appliance skip STARTTLS is starttls-masked",
          "[classifier]") {
  Verdict v =
      run(outbound({kNotSupported},
                   dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250-8BITMIME",
                             "S: 250 XXXXXXXA", "C: MAIL FROM:<a@example.com>"})));
  CHECK(v.outcome == Outcome::starttls_masked);
}

TEST_CASE("a banner of asterisks is a sign of a masking firewall", "[classifier]") {
  Verdict v =
      run(outbound({}, dialogue({"S: 220 *****", "C: EHLO mx4.example.com", "S: 250-mx.example.net",
                                 "S: 250 8BITMIME", "C: MAIL FROM:<a@example.com>"})));
  CHECK(v.outcome == Outcome::starttls_masked);
  CHECK(has_role(v, "masked-banner"));
}

TEST_CASE("an inbound client command arriving as X's and answered 500 is starttls-masked",
          "[classifier]") {
  Verdict v = run(inbound(
      {}, dialogue({"C: EHLO sender.example.org", "S: 250-esa.example.com", "S: 250 STARTTLS",
                    "C: XXXXXXXX", "S: 500 #5.5.1 command not recognized"})));
  CHECK(v.outcome == Outcome::starttls_masked);
  CHECK(has_role(v, "masked-command"));
}

TEST_CASE("500 to advertised STARTTLS without any X's is still a masking sign", "[classifier]") {
  Verdict v = run(
      outbound({}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS",
                             "C: STARTTLS", "S: 500 #5.5.1 command not recognized"})));
  CHECK(v.outcome == Outcome::starttls_masked);
  CHECK(v.detail == "500 #5.5.1 command not recognized");
}

TEST_CASE("an EHLO answered 500 then HELO is classified ehlo-rejected", "[classifier]") {
  Verdict v = run(outbound({}, dialogue({"S: 220 old.example.net SMTP", "C: EHLO mx4.example.com",
                                         "S: 500 #5.5.1 command not recognized",
                                         "C: HELO mx4.example.com", "S: 250 old.example.net"})));
  CHECK(v.outcome == Outcome::ehlo_rejected);
  CHECK(v.confidence == Confidence::high);
  CHECK(cites(v, "RFC 5321 §4.1.1.1"));
  CHECK(cites(v, "RFC 5321 §3.2"));
}

TEST_CASE("a well-formed EHLO reply without STARTTLS is starttls-not-offered with high confidence",
          "[classifier]") {
  Verdict v = run(outbound({kNotSupported},
                           dialogue({"C: EHLO test", "S: 250-C680.lab.test", "S: 250-8BITMIME",
                                     "S: 250 SIZE 10485760", "C: MAIL FROM:<a@example.com>"})));
  CHECK(v.outcome == Outcome::starttls_not_offered);
  CHECK(v.confidence == Confidence::high);
  CHECK(v.candidates.empty());
  CHECK(v.references == std::vector<std::string>{"RFC 3207 §4"});
}

TEST_CASE(
    "STARTTLS command not supported alone gives starttls-not-offered with low confidence and four "
    "candidate causes",
    "[classifier]") {
  Verdict v = run(outbound({kNotSupported}));
  CHECK(v.outcome == Outcome::starttls_not_offered);
  CHECK(v.confidence == Confidence::low);
  CHECK(v.candidates == std::vector<std::string>{"peer-no-starttls", "middlebox-masked",
                                                 "ehlo-misordered", "receiver-policy"});
  CHECK(has_role(v, "tls-line"));
}

TEST_CASE("STARTTLS answered 454 is classified starttls-refused", "[classifier]") {
  Verdict v = run(outbound(
      {}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS",
                    "C: STARTTLS", "S: 454 4.7.0 TLS not available due to temporary reason"})));
  CHECK(v.outcome == Outcome::starttls_refused);
  CHECK(v.confidence == Confidence::high);
  CHECK(v.detail == "454 4.7.0 TLS not available due to temporary reason");
}

TEST_CASE("STARTTLS unexpected response alone is starttls-refused with low confidence and its candidates",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::dcid_tls_failed, "DCID 80167 TLS failed: STARTTLS unexpected response",
           "STARTTLS unexpected response")}));
  CHECK(v.outcome == Outcome::starttls_refused);
  CHECK(v.confidence == Confidence::low);
  CHECK(v.candidates == std::vector<std::string>{"server-refused-starttls", "middlebox-answered-starttls"});
}

TEST_CASE("STARTTLS unexpected response with a 500 to an offered STARTTLS in the dialogue is starttls-masked",
          "[classifier]") {
  // Seed 004: the firewall answers 500 in the server's place although STARTTLS was offered.
  Verdict v = run(outbound(
      {log(EventType::dcid_tls_failed, "DCID 88232 TLS failed: STARTTLS unexpected response",
           "STARTTLS unexpected response")},
      dialogue({"C: EHLO esa.example.com", "S: 250-mx.example.net", "S: 250-8BITMIME",
                "S: 250 STARTTLS", "C: STARTTLS", "S: 500 #5.5.1 command not recognized"})));
  CHECK(v.outcome == Outcome::starttls_masked);
  CHECK(v.confidence == Confidence::high);
  CHECK(v.candidates.empty());
}

TEST_CASE("an SSL routines failure is handshake-failed with the reason as detail", "[classifier]") {
  std::string reason =
      "(336130315, 'error:1408F10B:SSL routines:SSL3_GET_RECORD:wrong version number')";
  Verdict v = run(
      outbound({log(EventType::dcid_tls_failed, "DCID 5165207 TLS failed: " + reason, reason)}));
  CHECK(v.outcome == Outcome::handshake_failed);
  CHECK(v.confidence == Confidence::medium);
  CHECK(v.detail == reason);
  CHECK(v.references == std::vector<std::string>{"RFC 3207 §4.1"});
}

TEST_CASE("a connection reset during the inbound handshake is handshake-failed", "[classifier]") {
  Verdict v = run(inbound(
      {log(EventType::icid_tls_failed, "ICID 4 TLS failed: [Errno 54] Connection reset by peer",
           "[Errno 54] Connection reset by peer", 1),
       log(EventType::icid_lost, "ICID 4 lost", "", 2),
       log(EventType::icid_close, "ICID 4 close", "", 3)}));
  CHECK(v.outcome == Outcome::handshake_failed);
}

TEST_CASE("220 to STARTTLS then a failed handshake in the logs is decided with high confidence",
          "[classifier]") {
  std::string reason =
      "(336151570, 'error:14090086:SSL routines:ssl3_get_server_certificate:certificate verify "
      "failed')";
  Verdict v =
      run(outbound({log(EventType::dcid_tls_failed, "DCID 5165207 TLS failed: " + reason, reason)},
                   dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS",
                             "C: STARTTLS", "S: 220 Ready to start TLS"})));
  CHECK(v.outcome == Outcome::certificate_invalid);
  CHECK(v.confidence == Confidence::high);
  CHECK(cites(v, "RFC 8460 §4.3.1"));
  CHECK(cites(v, "RFC 3207 §4.1"));
}

TEST_CASE("220 to STARTTLS then 'TLS was required but could not be negotiated' is a handshake failure",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::dcid_tls_required_failed,
           "DCID 3112 IP 203.0.113.12 TLS was required but could not be successfully negotiated"),
       log(EventType::dcid_close, "DCID 3112 close", "", 2)},
      dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS",
                "C: STARTTLS", "S: 220 Ready to start TLS"})));
  CHECK(v.outcome == Outcome::handshake_failed);
  CHECK(v.confidence == Confidence::medium);
  CHECK(has_finding(v, "tls-required"));
}

TEST_CASE("certificate failures name the kind when the reason says it", "[classifier]") {
  auto kind = [](std::string reason) {
    return run(outbound({log(EventType::dcid_tls_failed, "DCID 1 TLS failed: " + reason, reason)}));
  };
  Verdict expired = kind("certificate verify failed: certificate has expired");
  CHECK(expired.outcome == Outcome::certificate_invalid);
  CHECK(expired.detail == "expired");
  CHECK(kind("certificate verify failed: Hostname mismatch, certificate is not valid for "
             "'mx.example.net'")
            .detail == "host-mismatch");
  CHECK(kind("certificate verify failed: unable to get local issuer certificate").detail ==
        "not-trusted");
  CHECK(kind("certificate verify failed: self signed certificate").detail == "not-trusted");
}

TEST_CASE("STARTTLS sent and the connection lost before any reply is connection-lost",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::connection_error,
           "Connection Error: DCID 5165207 domain: example.net IP: 10.13.101.31 port: 25 details: "
           "[Errno 0] Error interface: 10.10.192.50 reason: network error",
           "network error")},
      dialogue(
          {"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS", "C: STARTTLS"})));
  CHECK(v.outcome == Outcome::connection_lost);
  CHECK(v.confidence == Confidence::high);
  CHECK(v.detail == "network error");
  CHECK(has_role(v, "error-line"));
}

TEST_CASE("a transcript that stops after STARTTLS without an end in the logs proves nothing",
          "[classifier]") {
  Verdict v = run(outbound({}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net",
                                         "S: 250 STARTTLS", "C: STARTTLS"})));
  CHECK(v.outcome == Outcome::unknown);
}

TEST_CASE("STARTTLS offered and never sent by the appliance is tls-not-attempted", "[classifier]") {
  Verdict v =
      run(outbound({}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net",
                                 "S: 250 STARTTLS", "C: MAIL FROM:<a@example.com>", "S: 250 ok"})));
  CHECK(v.outcome == Outcome::tls_not_attempted);
  CHECK(v.confidence == Confidence::high);
  CHECK(has_role(v, "command-without-starttls"));
}

TEST_CASE("an inbound client that ignores the offered STARTTLS ran in cleartext", "[classifier]") {
  Verdict v = run(inbound({}, dialogue({"C: EHLO sender.example.org", "S: 250-esa.example.com",
                                        "S: 250 STARTTLS", "C: MAIL FROM:<a@example.org>"})));
  CHECK(v.outcome == Outcome::cleartext);
  CHECK(v.confidence == Confidence::high);
}

TEST_CASE("TLS required but not initiated by the client is tls-required-not-initiated",
          "[classifier]") {
  Verdict v =
      run(inbound({log(EventType::icid_tls_required,
                       "ICID 824108 TLS was required but remote host did not initiate it")}));
  CHECK(v.outcome == Outcome::tls_required_not_initiated);
  CHECK(v.confidence == Confidence::medium);
  CHECK(v.candidates == std::vector<std::string>{"client-no-starttls", "middlebox-masked"});
  CHECK(has_finding(v, "tls-required"));
  CHECK(has_role(v, "tls-required-line"));
}

TEST_CASE("TLS failed without a reason is tls-failed", "[classifier]") {
  Verdict v = run(inbound({log(EventType::icid_tls_failed, "ICID 282204971 TLS failed")}));
  CHECK(v.outcome == Outcome::tls_failed);
  CHECK(v.confidence == Confidence::medium);
  CHECK(v.references.empty());
}

TEST_CASE("TLS required but not negotiated, alone, is tls-failed with the tls-required finding",
          "[classifier]") {
  Verdict v = run(outbound({log(EventType::dcid_tls_required_failed,
                                "DCID 63 IP 10.13.101.31 TLS was required but could not be "
                                "successfully negotiated")}));
  CHECK(v.outcome == Outcome::tls_failed);
  CHECK(has_finding(v, "tls-required"));
}

TEST_CASE("TLS success in the logs alone is tls-success with medium confidence", "[classifier]") {
  Verdict v = run(outbound({kTlsSuccess}));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK(v.confidence == Confidence::medium);
}

TEST_CASE("an inbound opening and close with no TLS line is cleartext, listener or client undecided",
          "[classifier]") {
  Connection c = inbound(
      {log(EventType::icid_new,
           "New SMTP ICID 5 interface Management (10.1.1.1) address 10.1.1.209 reverse dns host "
           "remotehost.com verified yes",
           "", 1),
       log(EventType::icid_close, "ICID 5 close", "", 6)});
  c.has_close = true;
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::cleartext);
  CHECK(v.confidence == Confidence::low);
  CHECK(v.candidates == std::vector<std::string>{"listener-no-starttls", "client-no-starttls"});
  CHECK(has_role(v, "open-line"));
  CHECK(has_role(v, "close-line"));
}

TEST_CASE("an outbound opening and close with no TLS line is cleartext with medium confidence",
          "[classifier]") {
  Connection c = outbound(
      {log(EventType::dcid_new, "New SMTP DCID 8 interface 192.168.42.42 address 10.5.3.25", "", 7),
       log(EventType::delivery_done, "Message done DCID 8 MID 6 to RID [0]", "", 9),
       log(EventType::dcid_close, "DCID 8 close", "", 10)});
  c.has_close = true;
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::cleartext);
  CHECK(v.confidence == Confidence::medium);
  CHECK(v.candidates.empty());
  CHECK(has_role(v, "delivered-line"));
}

TEST_CASE("the appliance's own EHLO reply without STARTTLS makes inbound cleartext the listener's doing",
          "[classifier]") {
  Connection c = inbound({}, dialogue({"S: 220 esa1.example.com ESMTP", "C: EHLO mail.smallshop.example",
                                       "S: 250-esa1.example.com", "S: 250-8BITMIME",
                                       "S: 250 SIZE 10485760", "C: MAIL FROM:<shop@smallshop.example>",
                                       "S: 250 sender <shop@smallshop.example> ok"}));
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::cleartext);
  CHECK(v.confidence == Confidence::high);
  CHECK(v.detail == "listener-no-starttls");
  CHECK(has_role(v, "ehlo-reply"));
}

TEST_CASE("an inbound client that ignores the appliance's STARTTLS offer is cleartext of the client's doing",
          "[classifier]") {
  Connection c = inbound({}, dialogue({"S: 220 esa1.example.com ESMTP", "C: EHLO mail.smallshop.example",
                                       "S: 250-esa1.example.com", "S: 250 STARTTLS",
                                       "C: MAIL FROM:<shop@smallshop.example>", "S: 250 ok"}));
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::cleartext);
  CHECK(v.detail == "client-no-starttls");
}

TEST_CASE("a HAT REJECT with no TLS line is policy-rejected, quoting the policy line", "[classifier]") {
  Connection c = inbound(
      {log(EventType::icid_new,
           "New SMTP ICID 60140291 interface Data 1 (68.232.141.109) address 176.227.203.114 reverse "
           "dns host h176-227-203-114.host.redstation.co.uk verified no",
           "", 5),
       log(EventType::icid_policy, "ICID 60140291 REJECT SG BLACKLIST match sbrs[-10.0:-2.5] SBRS -9.5",
           "REJECT", 6),
       log(EventType::icid_close, "ICID 60140291 close", "", 7)});
  c.has_close = true;
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::policy_rejected);
  CHECK(v.confidence == Confidence::medium);
  CHECK(v.detail == "REJECT");
  CHECK(has_role(v, "policy-line"));
}

TEST_CASE("an ACCEPT, RELAY or reputation-only policy line is no refusal", "[classifier]") {
  for (const char* action : {"ACCEPT", "RELAY", "CONTINUE", ""}) {
    Connection c = inbound({log(EventType::icid_new, "New SMTP ICID 5 ...", "", 1),
                            log(EventType::icid_policy, "ICID 5 ...", action, 2),
                            log(EventType::icid_close, "ICID 5 close", "", 3)});
    c.has_close = true;
    INFO(action);
    CHECK(run(c).outcome == Outcome::cleartext);
  }
}

TEST_CASE("a TLS line decides over a delayed HAT REJECT", "[classifier]") {
  Verdict v = run(inbound(
      {log(EventType::icid_policy,
           "ICID 824107 Delayed HAT REJECT continuing session for recipient logging (10.8.236.135)",
           "REJECT", 2),
       log(EventType::icid_tls_success, "ICID 824107 TLS success protocol TLSv1.2 cipher AES128-SHA", "", 3)}));
  CHECK(v.outcome == Outcome::tls_success);
}

TEST_CASE("a connection whose opening is not in the logs is unknown", "[classifier]") {
  Connection c = inbound({log(EventType::icid_close, "ICID 5 close")});
  c.has_open = false;
  c.has_close = true;
  Verdict v = run(c);
  CHECK(v.outcome == Outcome::unknown);
  CHECK(v.confidence == Confidence::low);
}

TEST_CASE("a connection error with no sign of STARTTLS is connect-failed, low, with its candidates",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::connection_error, "Connection Error: DCID 63 ...", "network error")}));
  CHECK(v.outcome == Outcome::connect_failed);
  CHECK(v.confidence == Confidence::low);
  CHECK(v.detail == "network error");
  CHECK(v.candidates == std::vector<std::string>{"tcp-connect-failed", "no-greeting", "dropped-later"});
  CHECK(has_role(v, "error-line"));
}

TEST_CASE("a connection error after a dialogue that never reached EHLO is connect-failed, high",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::connection_error, "Connection Error: DCID 63 ...", "network error")},
      dialogue({"S: 421 4.3.2 Service not available, closing transmission channel"})));
  CHECK(v.outcome == Outcome::connect_failed);
  CHECK(v.confidence == Confidence::high);
}

TEST_CASE("a connection error after STARTTLS was sent stays connection-lost", "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::connection_error, "Connection Error: DCID 3109 ...", "network error")},
      dialogue({"C: EHLO esa1.example.com", "S: 250-mx.wingtip.example", "S: 250 STARTTLS",
                "C: STARTTLS"})));
  CHECK(v.outcome == Outcome::connection_lost);
  CHECK(v.confidence == Confidence::high);
}

TEST_CASE("a connection error after mail was delivered without a TLS line is cleartext",
          "[classifier]") {
  Verdict v = run(outbound(
      {log(EventType::dcid_new, "New SMTP DCID 63 ...", "", 1),
       log(EventType::delivery_done, "Message done DCID 63 MID 6 to RID [0]", "", 2),
       log(EventType::connection_error, "Connection Error: DCID 63 ...", "network error", 3)}));
  CHECK(v.outcome == Outcome::cleartext);
}

TEST_CASE("an inbound connection lost before any TLS line or mail is connection-lost, low, with candidates",
          "[classifier]") {
  Verdict v = run(inbound({log(EventType::icid_new, "New SMTP ICID 4 ...", "", 1),
                           log(EventType::icid_lost, "ICID 4 lost", "", 2)}));
  CHECK(v.outcome == Outcome::connection_lost);
  CHECK(v.confidence == Confidence::low);
  CHECK(v.candidates == std::vector<std::string>{"client-left-early", "lost-during-starttls"});
}

TEST_CASE("an inbound connection lost after mail was received in clear is cleartext", "[classifier]") {
  Connection c = inbound({log(EventType::icid_new, "New SMTP ICID 12819440 ...", "", 1),
                          log(EventType::icid_lost, "ICID 12819440 lost", "", 2)});
  c.messages_received = 4;
  CHECK(run(c).outcome == Outcome::cleartext);
}

TEST_CASE("without the opening, only a TLS line or a policy refusal decides", "[classifier]") {
  auto headless = [](std::vector<LogLine> lines) {
    Connection c = outbound(std::move(lines));
    c.has_open = false;
    return run(c);
  };
  CHECK(headless({kTlsSuccess}).outcome == Outcome::tls_success);
  CHECK(headless({log(EventType::connection_error, "Connection Error: DCID 63 ...", "network error")})
            .outcome == Outcome::unknown);
  Connection lost = inbound({log(EventType::icid_lost, "ICID 4 lost")});
  lost.has_open = false;
  CHECK(run(lost).outcome == Outcome::unknown);
  Connection refused = inbound({log(EventType::icid_policy, "ICID 824107 Delayed HAT REJECT ...", "REJECT")});
  refused.has_open = false;
  CHECK(run(refused).outcome == Outcome::policy_rejected);
}

TEST_CASE("a command other than EHLO first after TLS is reported as no-ehlo-after-tls",
          "[classifier]") {
  Verdict v =
      run(outbound({kTlsSuccess}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net",
                                            "S: 250 STARTTLS", "C: STARTTLS", "S: 220 Go ahead",
                                            "C: MAIL FROM:<a@example.com>", "S: 250 ok"})));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK(has_finding(v, "no-ehlo-after-tls"));
  CHECK(has_role(v, "command-after-tls"));
  CHECK(cites(v, "RFC 3207 §4.2"));
}

TEST_CASE("STARTTLS offered again after TLS is reported as starttls-offered-after-tls",
          "[classifier]") {
  Verdict v = run(
      outbound({}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 STARTTLS",
                             "C: STARTTLS", "S: 220 Go ahead", "C: EHLO mx4.example.com",
                             "S: 250-mx.example.net", "S: 250 STARTTLS"})));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK(has_finding(v, "starttls-offered-after-tls"));
  CHECK_FALSE(has_finding(v, "extensions-changed-after-tls"));
}

TEST_CASE("a different keyword list after TLS is reported as extensions-changed-after-tls",
          "[classifier]") {
  Verdict v = run(outbound(
      {}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250-SIZE 10485760",
                    "S: 250 STARTTLS", "C: STARTTLS", "S: 220 Go ahead", "C: EHLO mx4.example.com",
                    "S: 250-mx.example.net", "S: 250-SIZE 10485760", "S: 250 AUTH LOGIN PLAIN"})));
  REQUIRE(has_finding(v, "extensions-changed-after-tls"));
  auto f = std::find_if(v.findings.begin(), v.findings.end(),
                        [](const Finding& f) { return f.code == FindingCode::extensions_changed_after_tls; });
  CHECK(f->detail == "+AUTH LOGIN PLAIN");
}

TEST_CASE("250 STARTTLS as the last line and lower-case keywords are valid offers",
          "[classifier]") {
  Verdict v = run(outbound(
      {}, dialogue({"C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250-pipelining",
                    "S: 250 starttls", "C: STARTTLS", "S: 220 2.0.0 Ready to start TLS",
                    "C: EHLO mx4.example.com", "S: 250-mx.example.net", "S: 250 PIPELINING"})));
  CHECK(v.outcome == Outcome::tls_success);
  CHECK(v.findings.size() == 1);
  CHECK(has_finding(v, "ehlo-repeated-after-tls"));
}

TEST_CASE("mail delivered after STARTTLS was not offered is no cleartext-fallback: TLS was never tried",
          "[classifier]") {
  Connection c =
      outbound({kNotSupported, log(EventType::delivery_done,
                                   "Message done DCID 5165207 MID 6 to RID [0]", "", 5)});
  CHECK_FALSE(has_finding(run(c), "cleartext-fallback"));
  Connection d = outbound({kNotSupported});
  d.deliveries.push_back({1, 6, 0, DeliveryResult::delivered, "250 ok"});
  CHECK_FALSE(has_finding(run(d), "cleartext-fallback"));
}

TEST_CASE("mail delivered after a misordered or rejected EHLO or a hidden STARTTLS is no fallback",
          "[classifier]") {
  const LogLine done = log(EventType::delivery_done, "Message done DCID 5165207 MID 6 to RID [0]", "", 9);
  for (auto lines : {std::vector<std::string_view>{"C: EHLO a", "S: 250-STARTTLS", "S: 250-mx.example.net",
                                                   "S: 250 SIZE 1000", "C: MAIL FROM:<a@b>"},
                     std::vector<std::string_view>{"C: EHLO a", "S: 502 5.5.1 Command not implemented",
                                                   "C: HELO a", "S: 250 ok", "C: MAIL FROM:<a@b>"},
                     std::vector<std::string_view>{"S: 220 ******", "C: EHLO a", "S: 250-mx.example.net",
                                                   "S: 250 XXXXXXXA", "C: MAIL FROM:<a@b>"}}) {
    Verdict v = run(outbound({kNotSupported, done}, dialogue(lines)));
    INFO(outcome_name(v.outcome));
    CHECK_FALSE(has_finding(v, "cleartext-fallback"));
  }
}

TEST_CASE("mail delivered after STARTTLS failed is cleartext-fallback, quoting the delivery",
          "[classifier]") {
  Connection c = outbound(
      {log(EventType::dcid_tls_failed, "DCID 3206 TLS failed: STARTTLS unexpected response",
           "STARTTLS unexpected response", 4),
       log(EventType::delivery_done, "Message done DCID 3206 MID 6 to RID [0]", "", 5)});
  Verdict v = run(c);
  CHECK(has_finding(v, "cleartext-fallback"));
  CHECK(has_role(v, "delivered-line"));
  Verdict masked = run(outbound(
      {log(EventType::delivery_done, "Message done DCID 88232 MID 6 to RID [0]", "", 9)},
      dialogue({"C: EHLO a", "S: 250-mx.example.net", "S: 250 STARTTLS", "C: STARTTLS",
                "S: 500 #5.5.1 command not recognized", "C: MAIL FROM:<a@b>"})));
  CHECK(masked.outcome == Outcome::starttls_masked);
  CHECK(has_finding(masked, "cleartext-fallback"));
}

TEST_CASE("a successful session with TLS 1.0 and an RC4 suite gets deprecated-protocol and weak-cipher",
          "[classifier]") {
  Connection c = inbound({log(EventType::icid_tls_success,
                              "ICID 60140325 TLS success protocol TLSv1 cipher RC4-MD5", "", 3)});
  c.tls_protocol = "TLSv1";
  c.tls_cipher = "RC4-MD5";
  Verdict v = run(c);
  REQUIRE(v.outcome == Outcome::tls_success);
  auto detail = [&](std::string_view code) {
    for (const auto& f : v.findings) if (finding_name(f.code) == code) return f.detail;
    return std::string("(none)");
  };
  CHECK(detail("deprecated-protocol") == "TLSv1");
  CHECK(detail("weak-cipher") == "RC4-MD5");
  CHECK(cites(v, "RFC 8996 §4"));
  CHECK(cites(v, "RFC 7465 §2"));
  CHECK(cites(v, "RFC 9325 §4.1"));
}

TEST_CASE("TLS 1.2 and 1.3 with AEAD suites get no quality finding", "[classifier]") {
  for (auto [protocol, cipher] : {std::pair{"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"},
                                  std::pair{"TLSv1.3", "TLS_AES_256_GCM_SHA384"},
                                  std::pair{"TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305"}}) {
    Connection c = outbound({kTlsSuccess});
    c.tls_protocol = protocol;
    c.tls_cipher = cipher;
    Verdict v = run(c);
    CHECK_FALSE(has_finding(v, "deprecated-protocol"));
    CHECK_FALSE(has_finding(v, "weak-cipher"));
  }
}

TEST_CASE("a failed session gets no quality finding whatever its cipher", "[classifier]") {
  Connection c = outbound({log(EventType::dcid_tls_failed, "DCID 5 TLS failed", "", 2)});
  c.tls_protocol = "SSLv3";
  c.tls_cipher = "RC4-SHA";
  Verdict v = run(c);
  CHECK_FALSE(has_finding(v, "deprecated-protocol"));
  CHECK_FALSE(has_finding(v, "weak-cipher"));
}

TEST_CASE("delivery after TLS success is not a fallback", "[classifier]") {
  Connection c = outbound({kTlsSuccess});
  c.deliveries.push_back({1, 6, 0, DeliveryResult::delivered, "250 ok"});
  CHECK_FALSE(has_finding(run(c), "cleartext-fallback"));
}

TEST_CASE("Delayed and Bounced lines become delivery-deferred and delivery-bounced",
          "[classifier]") {
  Connection c = outbound(
      {kTlsSuccess,
       log(EventType::delayed,
           "Delayed: DCID 5165207 MID 19410908 From: <WeiZhang@example.com> To: "
           "<mcintosh@buttercupgames.com> RID 0 - 4.3.2 - Not accepting messages at this time "
           "('421', ['4.3.2 try again later'])",
           "4.3.2 - Not accepting messages at this time", 4)});
  c.deliveries.push_back({2, 7, 0, DeliveryResult::bounced, "5.1.1 unknown user"});
  Verdict v = run(c);
  CHECK(has_finding(v, "delivery-deferred"));
  CHECK(has_finding(v, "delivery-bounced"));
  CHECK(has_role(v, "delayed-line"));
}

TEST_CASE("classify is a pure function of the connection", "[classifier]") {
  Connection c = outbound({kTlsSuccess, kDcidClose}, double_ehlo());
  Verdict a = classify(c), b = classify(c);
  CHECK(a.outcome == b.outcome);
  CHECK(a.evidence.size() == b.evidence.size());
  CHECK(a.findings.size() == b.findings.size());
}

TEST_CASE("evidence keeps the transcript lines' references", "[classifier]") {
  Verdict v = run(outbound({kNotSupported}, misordered()));
  auto it = std::find_if(v.evidence.begin(), v.evidence.end(),
                         [](const Evidence& e) { return e.role == EvidenceRole::misplaced_starttls; });
  REQUIRE(it != v.evidence.end());
  CHECK(it->text == "250-STARTTLS");
  CHECK(it->ref.line_no == 3);
  CHECK(it->ref.source_id == 2);
}
