// What the shipped data must hold for the classifier's codes: every code it can emit has
// its English text, and every RFC section it cites is in the references catalogue.
// Shared by `mailtls check` (which reports the gaps in the data it is pointed at) and
// tests/texts_coverage_test.cc (which holds the shipped data to it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "render/keywords.h"
#include "render/references.h"
#include "render/texts.h"

namespace mailtls {

// The English text keys the explainer needs for the codes in classifier_codes.h:
// outcome.<id>.{title,cause,actor,action}, finding.<code>.{title,text},
// candidate.<code>.text, tls-detail.<kind>, evidence.<role>; and, when a keyword
// catalogue is given, keyword.<KEYWORD>.meaning for each catalogued keyword.
std::vector<std::string> required_english_keys(const KeywordCatalogue* keywords);

// Whether `texts` has the key with a text that is not blank.
bool has_text(const Texts& texts, const std::string& key);

// Reports (to `diag`, against `where`, usually locales/en) each of `keys` that the
// English texts lack or leave blank. Returns how many are missing.
size_t report_missing_texts(const Texts& english, const std::vector<std::string>& keys,
                            const std::filesystem::path& where, Diagnostics& diag);

// Reports each reference the classifier cites that `refs` does not hold; `where` is the
// catalogue file. Returns how many are missing.
size_t report_missing_references(const ReferenceCatalogue& refs,
                                 const std::filesystem::path& where, Diagnostics& diag);

}  // namespace mailtls
