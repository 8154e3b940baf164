// The explainer renders hand-built verdicts (the classifier is not needed for these), and
// `mailtls explain --transcript` runs end to end on the Arabic seed's pasted dialogue.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "render/explainer.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

const fs::path kRoot = fs::path(MAILTLS_TEST_DIR).parent_path();

std::unique_ptr<Texts> english() {
  Diagnostics diag;
  auto texts = Texts::load(kRoot / "locales", "en", diag);
  REQUIRE(texts);
  return texts;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An outbound connection whose mail_logs say only "STARTTLS command not supported".
Connection outbound_connection() {
  Connection c;
  c.appliance = "esa1.example.com";
  c.direction = Direction::outbound;
  c.conn_id = 4417021;
  c.peer_ip = "198.51.100.61";
  c.domain = "domain1.com";
  c.started_at = 1570708931;  // 2019-10-10 12:02:11 UTC
  c.ended_at = 1570708936;
  return c;
}

Verdict low_confidence_not_offered() {
  Verdict v;
  v.outcome = Outcome::starttls_not_offered;
  v.confidence = Confidence::low;
  v.evidence.push_back({{7, 8}, "Thu Oct 10 14:02:11 2019 Info: DCID 4417021 STARTTLS command not supported",
                        EvidenceRole::tls_line});
  v.candidates = {"peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"};
  v.references = {"RFC 3207 §4"};
  return v;
}

Verdict misordered_from_transcript() {
  Verdict v;
  v.outcome = Outcome::ehlo_misordered;
  v.confidence = Confidence::high;
  v.evidence.push_back({{3, 7}, "250-STARTTLS", EvidenceRole::misplaced_starttls});
  v.evidence.push_back({{3, 8}, "250-mail.domain1.com", EvidenceRole::domain_line});
  v.references = {"RFC 5321 §4.1.1.1", "RFC 1869 §4.3"};
  v.keywords_before_tls = {{"8BITMIME", ""}, {"PIPELINING", ""}, {"DELIVERBY", "300"}, {"X-FANCY", ""}};
  return v;
}

const SourceNames kSources{{7, "/var/log/esa/mail.current"}, {3, "domain_debug.current"}};

}  // namespace

TEST_CASE("evidence lines are quoted with their file and line number", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), low_confidence_not_offered(), *texts, kSources);
  CHECK(has(out, "/var/log/esa/mail.current:8"));
  CHECK(has(out, "DCID 4417021 STARTTLS command not supported"));
  CHECK(has(out, "[" + texts->get("evidence.tls-line") + "]"));
}

TEST_CASE("the verdict is named by its title and its public id", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), low_confidence_not_offered(), *texts, kSources);
  CHECK(has(out, texts->get("outcome.starttls-not-offered.title") + " (starttls-not-offered)"));
  CHECK(has(out, texts->get("confidence.low")));
  CHECK(has(out, "DCID 4417021"));
  CHECK(has(out, "2019-10-10T12:02:11Z"));
}

TEST_CASE("a low-confidence verdict lists its candidate causes and the debug log to enable", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), low_confidence_not_offered(), *texts, kSources);
  CHECK(has(out, texts->get("explain.candidates")));
  for (const char* code : {"peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"})
    CHECK(has(out, texts->get(std::string("candidate.") + code + ".text")));
  CHECK(has(out, texts->render("explain.debug-outbound", {{"domain", "domain1.com"}})));
}

TEST_CASE("an inbound low-confidence verdict points at the injection debug log", "[explain]") {
  auto texts = english();
  Connection c = outbound_connection();
  c.direction = Direction::inbound;
  c.peer_host = "mta.partner-a.example";
  Verdict v;
  v.outcome = Outcome::tls_required_not_initiated;
  v.confidence = Confidence::low;
  v.candidates = {"client-no-starttls", "middlebox-masked"};
  const std::string out = render_text(c, v, *texts, kSources);
  CHECK(has(out, "injection debug log"));
  CHECK_FALSE(has(out, "domain debug log"));
}

TEST_CASE("a high-confidence verdict lists no candidate causes", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), misordered_from_transcript(), *texts, kSources);
  CHECK_FALSE(has(out, texts->get("explain.candidates")));
  CHECK(has(out, "domain_debug.current:7"));
}

TEST_CASE("the cause, who must act and what to do come from the outcome's texts", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), misordered_from_transcript(), *texts, kSources);
  CHECK(has(out, texts->render("outcome.ehlo-misordered.actor", {{"domain", "domain1.com"}})));
  CHECK(has(out, texts->get("outcome.ehlo-misordered.action")));
  CHECK(has(out, texts->get("explain.actor") + ":"));
}

TEST_CASE("RFC sections are listed, with their titles when the catalogue has them", "[explain]") {
  auto texts = english();
  const ReferenceTitles titles{{"RFC 5321 §4.1.1.1", "Extended HELLO (EHLO)"}};
  const std::string out =
      render_text(outbound_connection(), misordered_from_transcript(), *texts, kSources, titles);
  CHECK(has(out, "RFC 5321 §4.1.1.1 (Extended HELLO (EHLO))"));
  CHECK(has(out, "RFC 1869 §4.3"));
}

TEST_CASE("each EHLO keyword the peer offered is listed with its meaning", "[explain]") {
  auto texts = english();
  const std::string out = render_text(outbound_connection(), misordered_from_transcript(), *texts, kSources);
  CHECK(has(out, "8BITMIME: " + texts->get("keyword.8BITMIME.meaning")));
  CHECK(has(out, "DELIVERBY 300: " + texts->get("keyword.DELIVERBY.meaning")));
  CHECK(has(out, "X-FANCY: " + texts->get("keyword.unknown.meaning")));
}

TEST_CASE("keywords offered after TLS get their own list", "[explain]") {
  auto texts = english();
  Verdict v = misordered_from_transcript();
  v.outcome = Outcome::tls_success;
  v.keywords_after_tls = {{"AUTH", "PLAIN LOGIN"}};
  v.findings = {{FindingCode::extensions_changed_after_tls, ""}, {FindingCode::ehlo_repeated_after_tls, ""}};
  const std::string out = render_text(outbound_connection(), v, *texts, kSources);
  CHECK(has(out, texts->get("explain.keywords-after") + ":\n  - AUTH PLAIN LOGIN: " +
                     texts->get("keyword.AUTH.meaning")));
  CHECK(has(out, texts->get("finding.ehlo-repeated-after-tls.text")));
}

TEST_CASE("a certificate problem kind is put in words in the cause", "[explain]") {
  auto texts = english();
  Verdict v;
  v.outcome = Outcome::certificate_invalid;
  v.confidence = Confidence::medium;
  v.detail = "expired";
  const std::string out = render_text(outbound_connection(), v, *texts, kSources);
  CHECK(has(out, texts->get("tls-detail.expired")));
}

TEST_CASE("a direction-specific text overrides the outcome's general one", "[explain]") {
  auto texts = english();
  Connection c = outbound_connection();
  c.direction = Direction::inbound;
  Verdict v;
  v.outcome = Outcome::starttls_masked;
  v.confidence = Confidence::high;
  const std::string out = render_text(c, v, *texts, kSources);
  CHECK(has(out, texts->get("outcome.starttls-masked.inbound.actor")));
  CHECK_FALSE(has(out, texts->render("outcome.starttls-masked.actor", {{"peer", "198.51.100.61"}})));
}

TEST_CASE("a line pasted by a person is shown without a file position", "[explain]") {
  auto texts = english();
  Verdict v = misordered_from_transcript();
  v.evidence[0].ref = {};
  const std::string out = render_text(Connection{}, v, *texts, {});
  CHECK(has(out, texts->get("explain.no-location") + " [" + texts->get("evidence.misplaced-starttls") + "]"));
}

TEST_CASE("a pasted dialogue is named by its file instead of a connection id", "[explain]") {
  auto texts = english();
  Connection c;
  c.transcript.push_back({Sender::server, "250-STARTTLS", {3, 7}, 0});
  const std::string out = render_text(c, misordered_from_transcript(), *texts, kSources);
  CHECK(has(out, texts->render("explain.pasted", {{"source", "domain_debug.current"}})));
  CHECK_FALSE(has(out, "DCID 0"));
}

TEST_CASE("the JSON explanation carries every field scripts rely on", "[explain]") {
  auto texts = english();
  Verdict v = low_confidence_not_offered();
  v.findings = {{FindingCode::delivery_deferred, "4.2.2 Mailbox full"}};
  v.keywords_before_tls = {{"SIZE", "10485760"}};
  const auto j = render_json(outbound_connection(), v, *texts, kSources);
  CHECK(j["tls_outcome"] == "starttls-not-offered");
  CHECK(j["confidence"] == "low");
  CHECK(j["findings"] == nlohmann::json::array({"delivery-deferred"}));
  REQUIRE(j["evidence"].size() == 1);
  CHECK(j["evidence"][0]["source"] == "/var/log/esa/mail.current");
  CHECK(j["evidence"][0]["line_no"] == 8);
  CHECK(has(j["evidence"][0]["text"].get<std::string>(), "STARTTLS command not supported"));
  CHECK(j["references"] == nlohmann::json::array({"RFC 3207 §4"}));
  CHECK(j["keywords"][0]["keyword"] == "SIZE");
  CHECK(j["keywords"][0]["params"] == "10485760");
  CHECK(j["keywords"][0]["meaning"] == texts->get("keyword.SIZE.meaning"));
  CHECK(j["candidates"].size() == 4);
  CHECK(j["explanation"] == render_text(outbound_connection(), v, *texts, kSources));
  const auto& c = j["connection"];
  CHECK(c["appliance"] == "esa1.example.com");
  CHECK(c["direction"] == "outbound");
  CHECK(c["conn_id"] == 4417021);
  CHECK(c["peer_ip"] == "198.51.100.61");
  CHECK(c["domain"] == "domain1.com");
  CHECK(c["started_at"] == "2019-10-10T12:02:11Z");
  CHECK(c["ended_at"] == "2019-10-10T12:02:16Z");
}

// Needs the real classifier and the pasted-transcript parser (branch classifier).
TEST_CASE("explain --transcript reads the Arabic seed's dialogue as ehlo-misordered",
          "[explain][needs-classifier]") {
  const std::string cmd = "MAILTLS_DATA_DIR='" + kRoot.string() + "' '" MAILTLS_BINARY
                          "' explain --format json --transcript '" +
                          (kRoot / "tests" / "data" / "002_arabic_misordered.txt").string() + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = ::pclose(pipe);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["tls_outcome"] == "ehlo-misordered");
  CHECK(j["confidence"] == "high");
  bool cites_misplaced_line = false;
  for (const auto& e : j["evidence"])
    cites_misplaced_line |= has(e["text"].get<std::string>(), "250-STARTTLS");
  CHECK(cites_misplaced_line);
}
