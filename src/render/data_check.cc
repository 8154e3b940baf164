#include "render/data_check.h"

#include "model/classifier_codes.h"

namespace mailtls {
namespace {

// Appends "<prefix>.<code>.<field>" for every code and field ("" field: no suffix).
template <typename Codes>
void add_keys(std::vector<std::string>& keys, const char* prefix, const Codes& codes,
              std::initializer_list<const char*> fields) {
  for (std::string_view code : codes)
    for (std::string_view field : fields)
      keys.push_back(std::string(prefix) + "." + std::string(code) +
                     (field.empty() ? "" : "." + std::string(field)));
}

}  // namespace

std::vector<std::string> required_english_keys(const KeywordCatalogue* keywords) {
  std::vector<std::string> keys;
  add_keys(keys, "outcome", codes::kOutcomes, {"title", "cause", "actor", "action"});
  add_keys(keys, "outcome.cleartext", codes::kCleartextKinds, {"cause", "actor", "action"});
  add_keys(keys, "finding", codes::kFindings, {"title", "text"});
  add_keys(keys, "candidate", codes::kCandidates, {"text"});
  add_keys(keys, "tls-detail", codes::kCertificateKinds, {""});
  add_keys(keys, "evidence", codes::kEvidenceRoles, {""});
  if (keywords)
    for (const auto& entry : keywords->entries()) keys.push_back("keyword." + entry.keyword + ".meaning");
  return keys;
}

bool has_text(const Texts& texts, const std::string& key) {
  return texts.has(key) && texts.get(key).find_first_not_of(" \t\r\n") != std::string::npos;
}

size_t report_missing_texts(const Texts& english, const std::vector<std::string>& keys,
                            const std::filesystem::path& where, Diagnostics& diag) {
  size_t missing = 0;
  for (const auto& key : keys) {
    if (has_text(english, key)) continue;
    diag.problem(where.string(), "no English text for '" + key + "'");
    ++missing;
  }
  return missing;
}

size_t report_missing_references(const ReferenceCatalogue& refs,
                                 const std::filesystem::path& where, Diagnostics& diag) {
  size_t missing = 0;
  for (std::string_view id : codes::kReferences) {
    if (refs.find(id)) continue;
    diag.problem(where.string(), "reference '" + std::string(id) + "' cited by the classifier is not catalogued");
    ++missing;
  }
  return missing;
}

}  // namespace mailtls
