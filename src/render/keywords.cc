#include "render/keywords.h"

#include "base/catalogue_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace mailtls {
namespace {

constexpr std::string_view kFields[] = {"keyword", "rfc", "section"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// RFC 5321 ehlo-keyword: a letter or digit, then letters, digits and '-'. Stored upper case.
bool valid_keyword(std::string_view k) {
  if (k.empty() || !std::isalnum(static_cast<unsigned char>(k[0]))) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) &&
            !std::islower(static_cast<unsigned char>(c))) ||
           c == '-';
  });
}

void check_entry(const toml::table& t, const KeywordEntry& e, const std::string& where,
                 std::vector<std::string>& errs) {
  for (const auto& [key, node] : t)
    if (std::find(std::begin(kFields), std::end(kFields), key.str()) == std::end(kFields))
      errs.push_back(where + ": unknown field '" + std::string(key.str()) + "'");
  if (!valid_keyword(e.keyword))
    errs.push_back(where + ": keyword must be upper case letters, digits and '-'");
  if (e.rfc.empty()) errs.push_back(where + ": no rfc reference");
}

KeywordEntry read_entry(const toml::table& t) {
  KeywordEntry e;
  e.keyword = t["keyword"].value_or(std::string());
  e.rfc = t["rfc"].value_or(std::string());
  e.section = t["section"].value_or(std::string());
  return e;
}

}  // namespace

std::unique_ptr<KeywordCatalogue> KeywordCatalogue::load(const std::filesystem::path& data_dir,
                                                         Diagnostics& diag) {
  auto cat = std::make_unique<KeywordCatalogue>();
  std::set<std::string> seen;
  const bool ok = read_catalogue(
      data_dir / "grammars" / "catalogues" / "keywords.toml", "keyword", diag,
      [&](const toml::table& t, const std::string& at, std::vector<std::string>& errs) {
        KeywordEntry e = read_entry(t);
        const std::string where = at + " (" + e.keyword + ")";
        check_entry(t, e, where, errs);
        if (!seen.insert(e.keyword).second) errs.push_back(where + ": duplicate keyword");
        cat->entries_.push_back(std::move(e));
      });
  return ok ? std::move(cat) : nullptr;
}

const KeywordEntry* KeywordCatalogue::find(std::string_view keyword) const {
  std::string key = upper(keyword);
  for (const KeywordEntry& e : entries_)
    if (e.keyword == key) return &e;
  return nullptr;
}

}  // namespace mailtls
