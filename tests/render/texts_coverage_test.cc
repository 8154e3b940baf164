// Every code the classifier can emit has its English text, and every RFC section it cites
// is in the references catalogue: a new code cannot ship without the words to explain it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "model/classifier_codes.h"
#include "render/data_check.h"
#include "render/texts.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

const fs::path kRoot = fs::path(MAILTLS_TEST_DIR).parent_path();

// From the specification: these ids are a public interface.
const std::vector<std::string> kSpecOutcomes = {
    "tls-success", "starttls-not-offered", "ehlo-misordered", "starttls-masked",
    "ehlo-rejected", "starttls-refused", "handshake-failed", "certificate-invalid",
    "connection-lost", "tls-not-attempted", "tls-required-not-initiated", "tls-failed",
    "cleartext", "policy-rejected", "connect-failed", "unknown"};
const std::vector<std::string> kSpecFindings = {
    "ehlo-repeated-after-tls", "no-ehlo-after-tls", "starttls-offered-after-tls",
    "extensions-changed-after-tls", "tls-required", "cleartext-fallback",
    "deprecated-protocol", "weak-cipher", "delivery-deferred", "delivery-bounced"};
const std::vector<std::string> kSpecCandidates = {
    "peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"};

template <typename Codes>
bool listed(const Codes& codes, const std::string& id) {
  return std::find(codes.begin(), codes.end(), id) != codes.end();
}

std::unique_ptr<Texts> english() {
  Diagnostics diag;
  auto texts = Texts::load(kRoot / "locales", "en", diag);
  REQUIRE(texts);
  return texts;
}

// Runs a data_check report and shows what it found; true when nothing is missing.
template <typename Report>
bool nothing_missing(Report report) {
  Diagnostics diag;
  const size_t missing = report(diag);
  for (const auto& d : diag.all()) UNSCOPED_INFO(d.format());
  return missing == 0;
}

}  // namespace

TEST_CASE("every id of the specification is a code the classifier tables list", "[texts]") {
  for (const auto& id : kSpecOutcomes) { INFO(id); CHECK(listed(codes::kOutcomes, id)); }
  for (const auto& id : kSpecFindings) { INFO(id); CHECK(listed(codes::kFindings, id)); }
  for (const auto& id : kSpecCandidates) { INFO(id); CHECK(listed(codes::kCandidates, id)); }
}

TEST_CASE("every code the classifier emits has its English texts", "[texts]") {
  auto t = english();
  CHECK(nothing_missing([&](Diagnostics& diag) {
    return report_missing_texts(*t, required_english_keys(nullptr), kRoot / "locales" / "en", diag);
  }));
}

TEST_CASE("the labels the explainer uses all have English texts", "[texts]") {
  auto t = english();
  for (const char* key :
       {"explain.verdict", "explain.confidence", "explain.connection", "explain.evidence",
        "explain.cause", "explain.actor", "explain.action", "explain.findings", "explain.standards",
        "explain.keywords-before", "explain.keywords-after", "explain.keywords-none",
        "explain.candidates", "explain.debug-outbound", "explain.debug-inbound",
        "explain.no-location", "explain.finding-detail", "explain.no-detail", "explain.unknown-peer",
        "explain.unknown-domain", "explain.connection-line", "explain.connection-domain",
        "explain.connection-time", "explain.time-unknown", "explain.no-appliance", "explain.tls-used",
        "explain.pasted",
        "confidence.high", "confidence.medium", "confidence.low", "direction.inbound",
        "direction.outbound", "keyword.unknown.meaning", "error.no-db", "error.no-id",
        "error.db-missing", "error.db-open", "error.not-found", "error.nearest", "error.none-nearby",
        "error.several", "error.id-not-found", "error.transcript-read", "error.transcript-empty"}) {
    INFO(key);
    CHECK(has_text(*t, key));
  }
}

TEST_CASE("the English texts load and every translation agrees with them", "[texts]") {
  Diagnostics diag;
  CHECK(check_texts(kRoot / "locales", diag));
  for (const auto& d : diag.all()) WARN(d.format());
}

TEST_CASE("every reference the classifier cites is in the references catalogue", "[texts]") {
  Diagnostics load_diag;
  auto refs = ReferenceCatalogue::load(kRoot, load_diag);
  REQUIRE(refs);
  CHECK(nothing_missing([&](Diagnostics& diag) {
    return report_missing_references(*refs, kRoot / "grammars" / "catalogues" / "references.toml", diag);
  }));
}

TEST_CASE("every EHLO keyword in the catalogue has an English meaning", "[texts]") {
  Diagnostics load_diag;
  auto keywords = KeywordCatalogue::load(kRoot, load_diag);
  REQUIRE(keywords);
  CHECK_FALSE(keywords->entries().empty());
  auto t = english();
  CHECK(nothing_missing([&](Diagnostics& diag) {
    return report_missing_texts(*t, required_english_keys(keywords.get()), kRoot / "locales" / "en", diag);
  }));
}
