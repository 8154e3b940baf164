// The verdict vocabularies (src/model/vocabulary.h): each value's public name is the id
// the database, the JSON output and the locale keys use, and reads back as that value.
#include "model/vocabulary.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "model/model.h"

using namespace mailtls;
namespace fs = std::filesystem;

namespace {

template <class E>
void check_round_trip(const NameTable<E>& table, std::optional<E> (*by_name)(std::string_view),
                      std::string_view (*name)(E)) {
  for (const auto& entry : table) {
    INFO(entry.name);
    CHECK(name(entry.value) == entry.name);
    CHECK(by_name(entry.name) == entry.value);
  }
}

// The distinct values of one column, as the store wrote them.
std::vector<std::string> distinct(const fs::path& db, const std::string& column,
                                  const std::string& table) {
  std::vector<std::string> out;
  std::istringstream rows(
      testing::dump(db, "SELECT DISTINCT " + column + " FROM " + table + " ORDER BY 1"));
  for (std::string line; std::getline(rows, line);) out.push_back(line.substr(0, line.size() - 1));
  return out;
}

// Ingests `inputs` and checks that every stored outcome, confidence, finding code and
// delivery result is a name of its vocabulary (what explain and the reports read back).
void check_stored_names(const std::vector<std::string>& inputs) {
  testing::TempDir tmp;
  std::vector<std::string> argv = {MAILTLS_BINARY, "ingest", "--progress", "0", "--db", tmp.db()};
  argv.insert(argv.end(), inputs.begin(), inputs.end());
  REQUIRE(testing::run(argv, tmp.path / "log").status == 0);
  const std::vector<std::string> outcomes = distinct(tmp.db(), "tls_outcome", "connections");
  CHECK(outcomes.size() > 1);
  for (const auto& name : outcomes) CHECK(outcome_by_name(name));
  for (const auto& name : distinct(tmp.db(), "confidence", "connections"))
    CHECK(confidence_by_name(name));
  for (const auto& name : distinct(tmp.db(), "code", "findings")) CHECK(finding_by_name(name));
  const std::vector<std::string> results = distinct(tmp.db(), "result", "deliveries");
  CHECK_FALSE(results.empty());
  for (const auto& name : results) CHECK(delivery_result_by_name(name));
}

}  // namespace

TEST_CASE("every vocabulary value reads back from its public name", "[vocabulary]") {
  check_round_trip(kOutcomeNames, outcome_by_name, outcome_name);
  check_round_trip(kFindingNames, finding_by_name, finding_name);
  check_round_trip(kDeliveryResultNames, delivery_result_by_name, delivery_result_name);
  check_round_trip(kEvidenceRoleNames, evidence_role_by_name, evidence_role_name);
  check_round_trip(kConfidenceNames, confidence_by_name, confidence_name);
}

TEST_CASE("the public names are the ids of docs/schema.md", "[vocabulary]") {
  CHECK(outcome_name(Outcome::tls_required_not_initiated) == "tls-required-not-initiated");
  CHECK(outcome_name(Outcome::unknown) == "unknown");
  CHECK(finding_name(FindingCode::cleartext_fallback) == "cleartext-fallback");
  CHECK(delivery_result_name(DeliveryResult::delivered) == "delivered");
  CHECK(evidence_role_name(EvidenceRole::command_without_starttls) == "command-without-starttls");
  CHECK(confidence_name(Confidence::medium) == "medium");
  // A verdict nobody decided yet is unknown, with low confidence (the schema's defaults).
  const Verdict v;
  CHECK(v.outcome == Outcome::unknown);
  CHECK(v.confidence == Confidence::low);
}

TEST_CASE("a name outside a vocabulary reads as none", "[vocabulary]") {
  CHECK_FALSE(outcome_by_name("TLS-SUCCESS"));
  CHECK_FALSE(outcome_by_name("tls_success"));
  CHECK_FALSE(outcome_by_name(""));
  CHECK_FALSE(finding_by_name("tls-success"));
  CHECK_FALSE(delivery_result_by_name("done"));
  CHECK_FALSE(evidence_role_name(EvidenceRole::tls_line).empty());
  CHECK_FALSE(confidence_by_name("certain"));
}

TEST_CASE("a vocabulary value prints as its public name", "[vocabulary]") {
  std::ostringstream out;
  out << Outcome::starttls_masked << ' ' << FindingCode::delivery_bounced << ' '
      << DeliveryResult::delayed << ' ' << EvidenceRole::masked_banner << ' ' << Confidence::high;
  CHECK(out.str() == "starttls-masked delivery-bounced delayed masked-banner high");
}

TEST_CASE("an ingest of the samples stores only vocabulary names", "[vocabulary][ingest]") {
  check_stored_names({MAILTLS_SAMPLES_DIR});
}

TEST_CASE("an ingest of the shared corpus stores only vocabulary names", "[vocabulary][ingest]") {
  const char* env = std::getenv("MAILTLS_SHARED_DIR");  // a worktree may sit elsewhere
  const fs::path corpus = fs::path(env && *env ? env : MAILTLS_SHARED_DIR) / "corpus";
  if (!fs::is_directory(corpus)) {
    WARN("no shared corpus at " << corpus.string() << ": skipped");
    return;
  }
  check_stored_names({corpus.string()});
}
