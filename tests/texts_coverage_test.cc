// Every code the classifier can emit has its English text, and every RFC section it cites
// is in the references catalogue: a new code cannot ship without the words to explain it.
#include <catch2/catch.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "texts.h"

#include "classifier_codes.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

const fs::path kRoot = fs::path(MAILTLS_TEST_DIR).parent_path();

// From the specification: these ids are a public interface.
const std::vector<std::string> kSpecOutcomes = {
    "tls-success", "starttls-not-offered", "ehlo-misordered", "starttls-masked",
    "ehlo-rejected", "starttls-refused", "handshake-failed", "certificate-invalid",
    "connection-lost", "tls-not-attempted", "tls-required-not-initiated", "tls-failed",
    "cleartext", "unknown"};
const std::vector<std::string> kSpecFindings = {
    "ehlo-repeated-after-tls", "no-ehlo-after-tls", "starttls-offered-after-tls",
    "extensions-changed-after-tls", "tls-required", "cleartext-fallback",
    "delivery-deferred", "delivery-bounced"};
const std::vector<std::string> kSpecCandidates = {
    "peer-no-starttls", "middlebox-masked", "ehlo-misordered", "receiver-policy"};
const std::vector<std::string> kCertificateKinds = {"expired", "host-mismatch", "not-trusted"};

template <typename Range>
std::vector<std::string> with(std::vector<std::string> base, const Range& more) {
  for (const auto& s : more) base.emplace_back(s);
  return base;
}

std::vector<std::string> outcomes() {
  return with(kSpecOutcomes, codes::kOutcomes);
}

std::vector<std::string> findings() {
  return with(kSpecFindings, codes::kFindings);
}

std::vector<std::string> candidates() {
  return with(kSpecCandidates, codes::kCandidates);
}

std::unique_ptr<Texts> english() {
  Diagnostics diag;
  auto texts = Texts::load(kRoot / "locales", "en", diag);
  REQUIRE(texts);
  return texts;
}

// An English text that is present and not blank.
bool present(const Texts& t, const std::string& key) {
  return t.has(key) && t.get(key).find_first_not_of(" \t\n") != std::string::npos;
}

// Keyword names in grammars/keywords.toml, whatever its layout: a [keyword]/[keywords]
// table of tables, an array of tables with `name`/`keyword`, or top-level tables.
std::set<std::string> catalogue_keywords(const toml::table& root) {
  std::set<std::string> names;
  const toml::node* list = root.get("keyword") ? root.get("keyword") : root.get("keywords");
  if (const auto* table = list ? list->as_table() : &root) {
    for (const auto& [k, v] : *table) names.emplace(k.str());
  }
  if (const auto* array = list ? list->as_array() : nullptr) {
    for (const auto& item : *array) {
      const auto* t = item.as_table();
      if (!t) continue;
      if (auto n = (*t)["name"].value<std::string>()) names.insert(*n);
      else if (auto k = (*t)["keyword"].value<std::string>()) names.insert(*k);
    }
  }
  return names;
}

// Every key and string value in a TOML document, to find a reference however it is stored.
void collect_strings(const toml::node& node, std::set<std::string>& out) {
  if (const auto* t = node.as_table()) {
    for (const auto& [k, v] : *t) { out.emplace(k.str()); collect_strings(v, out); }
  } else if (const auto* a = node.as_array()) {
    for (const auto& v : *a) collect_strings(v, out);
  } else if (auto s = node.value<std::string>()) {
    out.insert(*s);
  }
}

}  // namespace

TEST_CASE("every outcome has an English title, cause, actor and action", "[texts]") {
  auto t = english();
  for (const auto& id : outcomes())
    for (const char* field : {"title", "cause", "actor", "action"}) {
      INFO("outcome." << id << "." << field);
      CHECK(present(*t, "outcome." + id + "." + field));
    }
}

TEST_CASE("every finding has an English title and text", "[texts]") {
  auto t = english();
  for (const auto& code : findings())
    for (const char* field : {"title", "text"}) {
      INFO("finding." << code << "." << field);
      CHECK(present(*t, "finding." + code + "." + field));
    }
}

TEST_CASE("every candidate cause has an English text", "[texts]") {
  auto t = english();
  for (const auto& code : candidates()) {
    INFO("candidate." << code << ".text");
    CHECK(present(*t, "candidate." + code + ".text"));
  }
}

TEST_CASE("every certificate problem kind has an English text", "[texts]") {
  auto t = english();
  for (const auto& kind : kCertificateKinds) {
    INFO("tls-detail." << kind);
    CHECK(present(*t, "tls-detail." + kind));
  }
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
        "error.several-appliances", "error.transcript-read", "error.transcript-empty"}) {
    INFO(key);
    CHECK(present(*t, key));
  }
}

TEST_CASE("the English texts load and every translation agrees with them", "[texts]") {
  Diagnostics diag;
  CHECK(check_texts(kRoot / "locales", diag));
  for (const auto& d : diag.all()) WARN(d.format());
}

TEST_CASE("every evidence role the classifier emits has an English label", "[texts]") {
  auto t = english();
  for (std::string_view role : codes::kEvidenceRoles) {
    INFO("evidence." << role);
    CHECK(present(*t, "evidence." + std::string(role)));
  }
}

TEST_CASE("every reference the classifier cites is in the references catalogue", "[texts]") {
  const fs::path file = kRoot / "grammars" / "catalogues" / "references.toml";
  REQUIRE(fs::exists(file));
  std::set<std::string> known;
  collect_strings(toml::parse_file(file.string()), known);
  for (std::string_view ref : codes::kReferences) {
    INFO(ref);
    CHECK(known.count(std::string(ref)) == 1);
  }
}

TEST_CASE("every EHLO keyword in the catalogue has an English meaning", "[texts]") {
  const fs::path file = kRoot / "grammars" / "catalogues" / "keywords.toml";
  REQUIRE(fs::exists(file));
  auto t = english();
  const auto names = catalogue_keywords(toml::parse_file(file.string()));
  CHECK_FALSE(names.empty());
  for (const auto& name : names) {
    INFO("keyword." << name << ".meaning");
    CHECK(present(*t, "keyword." + name + ".meaning"));
  }
}
