// Every language translates every English text of the families people read: outcomes,
// findings, candidate causes, EHLO keyword meanings, the explain labels (confidence,
// direction, evidence roles, certificate problems, errors), the summary/query/report
// labels, and the posture table and the partner notice (posture.*, notice.*). Falling back to English stays possible at run time, but a new English text
// cannot ship without its translations: this test names each missing one.
#include <catch2/catch.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "render/texts.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

const fs::path kLocales = fs::path(MAILTLS_TEST_DIR).parent_path() / "locales";

using TextMap = std::map<std::string, std::string, std::less<>>;

// Key families that must be translated (the first dotted part of a key). `meta` is a
// language's own name, not a translation; words.toml is not loaded as texts.
const std::set<std::string, std::less<>> kFamilies = {
    "outcome", "finding",    "candidate", "keyword", "explain", "confidence", "direction",
    "evidence", "tls-detail", "error",     "summary", "query",   "report",  "posture",
    "notice"};

bool in_family(std::string_view key) {
  return kFamilies.count(key.substr(0, key.find('.'))) > 0;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

TextMap load(const std::string& lang) {
  Diagnostics diag;
  TextMap out;
  const bool ok = load_texts_file_set(kLocales / lang, out, diag);
  for (const auto& d : diag.all()) WARN(d.format());
  INFO("locales/" << lang);
  REQUIRE(ok);
  return out;
}

std::vector<std::string> languages() {
  std::vector<std::string> langs;
  for (const auto& lang : available_languages(kLocales))
    if (lang != "en") langs.push_back(lang);
  return langs;
}

// The text files of a language directory (not words.toml, not meta.toml).
std::set<std::string> text_files(const std::string& lang) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(kLocales / lang)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".toml" && name != "words.toml" && name != "meta.toml")
      names.insert(name);
  }
  return names;
}

// Dotted keys of one TOML file, flattened like Texts does.
void flatten(const toml::table& table, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [k, v] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table()) flatten(*sub, key, out);
    else out.insert(key);
  }
}

std::set<std::string> file_keys(const std::string& lang, const std::string& file) {
  std::set<std::string> keys;
  flatten(toml::parse_file((kLocales / lang / file).string()), "", keys);
  return keys;
}

}  // namespace

TEST_CASE("every language has other languages to check", "[texts]") {
  CHECK(languages().size() >= 6);
}

TEST_CASE("every English text of the reader-facing families is translated in every language",
          "[texts]") {
  const TextMap english = load("en");
  size_t family_keys = 0;
  for (const auto& [key, text] : english) family_keys += in_family(key) ? 1 : 0;
  REQUIRE(family_keys > 100);  // the families exist under these names

  for (const auto& lang : languages()) {
    const TextMap texts = load(lang);
    std::vector<std::string> missing;
    for (const auto& [key, text] : english) {
      if (!in_family(key)) continue;
      auto it = texts.find(key);
      if (it == texts.end() || blank(it->second)) missing.push_back(key);
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& key : missing) list += "\n  " + key;
      FAIL_CHECK("locales/" << lang << " lacks " << missing.size() << " translations:" << list);
    }
  }
}

TEST_CASE("a translated sentence is not the English sentence pasted back", "[texts]") {
  // Short labels may rightly equal English ("Verdict", "Standards", "TLS: {protocol}");
  // a whole sentence identical to English is an untranslated copy.
  const TextMap english = load("en");
  for (const auto& lang : languages()) {
    const TextMap texts = load(lang);
    for (const auto& [key, text] : texts) {
      auto it = english.find(key);
      if (it == english.end() || it->second.size() < 40 || !in_family(key)) continue;
      INFO("locales/" << lang << ": " << key);
      CHECK(text != it->second);
    }
  }
}

TEST_CASE("each language keeps its texts in the same files as English", "[texts]") {
  const std::set<std::string> files = text_files("en");
  REQUIRE_FALSE(files.empty());
  for (const auto& lang : languages()) {
    for (const auto& file : files) {
      INFO("locales/" << lang << "/" << file);
      REQUIRE(fs::exists(kLocales / lang / file));
      const std::set<std::string> english = file_keys("en", file);
      for (const auto& key : file_keys(lang, file)) {
        INFO(key << " is not a key of locales/en/" << file);
        // A plural form English has no need of (Arabic's two, few...) stands beside `other`.
        const std::string stem = key.substr(0, key.rfind('.'));
        const std::string form = key.substr(key.rfind('.') + 1);
        const bool plural = form == "zero" || form == "two" || form == "few" || form == "many";
        CHECK((english.count(key) == 1 || (plural && english.count(stem + ".other") == 1)));
      }
    }
    for (const auto& file : text_files(lang)) {
      INFO("locales/" << lang << "/" << file << " has no English counterpart");
      CHECK(files.count(file) == 1);
    }
  }
}

TEST_CASE("Arabic texts load as right-to-left and are translated", "[texts]") {
  Diagnostics diag;
  auto texts = Texts::load(kLocales, "ar", diag);
  REQUIRE(texts);
  CHECK(texts->right_to_left());
  CHECK(texts->translated("outcome.starttls-masked.cause"));
  CHECK(texts->translated("keyword.STARTTLS.meaning"));
  CHECK(texts->translated("summary.col.connections"));
}
