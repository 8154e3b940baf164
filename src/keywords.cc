#include "keywords.h"

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
  std::filesystem::path path = data_dir / "grammars" / "catalogues" / "keywords.toml";
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    diag.error(path.string(), -1, std::string("TOML: ") + std::string(e.description()), false);
    return nullptr;
  }
  const toml::array* list = root["keyword"].as_array();
  std::vector<std::string> errs;
  if (!list || list->empty()) errs.push_back("no [[keyword]] entries");
  auto cat = std::make_unique<KeywordCatalogue>();
  std::set<std::string> seen;
  for (size_t i = 0; list && i < list->size(); ++i) {
    const toml::table* t = (*list)[i].as_table();
    std::string where = "keyword[" + std::to_string(i) + "]";
    if (!t) {
      errs.push_back(where + ": not a table");
      continue;
    }
    KeywordEntry e = read_entry(*t);
    where += " (" + e.keyword + ")";
    check_entry(*t, e, where, errs);
    if (!seen.insert(e.keyword).second) errs.push_back(where + ": duplicate keyword");
    cat->entries_.push_back(std::move(e));
  }
  for (const std::string& e : errs) diag.error(path.string(), -1, e, false);
  return errs.empty() ? std::move(cat) : nullptr;
}

const KeywordEntry* KeywordCatalogue::find(std::string_view keyword) const {
  std::string key = upper(keyword);
  for (const KeywordEntry& e : entries_)
    if (e.keyword == key) return &e;
  return nullptr;
}

}  // namespace mailtls
