// The catalogue of ESMTP keywords (grammars/catalogues/keywords.toml): for each EHLO keyword the
// document that defines it, so an explanation can cite it beside the keyword's meaning
// (the meaning texts live in locales/<lang>/keywords.toml, keyword.<KEYWORD>.meaning).
//
// File format:
//   [[keyword]]
//   keyword = "SIZE"        # upper case; letters, digits and '-' (RFC 5321 ehlo-keyword)
//   rfc = "RFC 1870"        # "RFC <n>", or the vendor that defines a private keyword
//   section = "3"           # optional
//
// Checks made at load: the TOML parses; every entry has a well-formed keyword and a
// non-empty rfc; no keyword appears twice; no unknown field. Every problem is reported
// with the file and the entry; the load fails if there is any.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"

namespace mailtls {

struct KeywordEntry {
  std::string keyword;  // "SIZE"
  std::string rfc;      // "RFC 1870" or "Microsoft Exchange"
  std::string section;  // "" when the whole document applies
};

class KeywordCatalogue {
 public:
  // Loads <data_dir>/grammars/catalogues/keywords.toml. Returns null after reporting every problem.
  static std::unique_ptr<KeywordCatalogue> load(const std::filesystem::path& data_dir,
                                                Diagnostics& diag);

  // Case-insensitive; null when the keyword is not catalogued.
  const KeywordEntry* find(std::string_view keyword) const;
  const std::vector<KeywordEntry>& entries() const { return entries_; }

 private:
  std::vector<KeywordEntry> entries_;
};

}  // namespace mailtls
