// The catalogue of the RFC sections the classifier cites (grammars/catalogues/references.toml), so
// the explainer can print a section's title and link for a reference id like
// "RFC 3207 §4.2".
//
// File format:
//   [[reference]]
//   id = "RFC 3207 §4.2"    # exactly "RFC <rfc> §<section>"
//   rfc = 3207
//   section = "4.2"
//   title = "Result of the STARTTLS Command"
//   url = "https://www.rfc-editor.org/rfc/rfc3207#section-4.2"   # must match rfc/section
//
// Checks made at load: the TOML parses; every field is present and consistent with the
// others; ids are unique. Every problem is reported; the load fails if there is any.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"

namespace mailtls {

struct Reference {
  std::string id;       // "RFC 3207 §4.2"
  int rfc = 0;          // 3207
  std::string section;  // "4.2"
  std::string title;    // the section's title in the RFC
  std::string url;
};

class ReferenceCatalogue {
 public:
  // Loads <data_dir>/grammars/catalogues/references.toml. Returns null after reporting every problem.
  static std::unique_ptr<ReferenceCatalogue> load(const std::filesystem::path& data_dir,
                                                  Diagnostics& diag);

  const Reference* find(std::string_view id) const;  // null when absent
  const std::vector<Reference>& entries() const { return entries_; }

 private:
  std::vector<Reference> entries_;
};

}  // namespace mailtls
