// Texts for people, rendered from locales/<lang>/*.toml: the explainer, summary and
// report take every sentence and label from here, never from code.
//
// Every TOML table is flattened to dotted keys: `[outcome.tls-success]` with
// `title = "..."` gives the key "outcome.tls-success.title". A text may hold
// placeholders `{name}` filled by render(). Languages fall back to English text by
// text. `locales/<lang>/words.toml` (the localizer's word tables) is not loaded here.
// `locales/<lang>/meta.toml` gives `[meta] name`, `direction` ("ltr" or "rtl").
#pragma once

#include <filesystem>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/diagnostics.h"

namespace mailtls {

class Texts {
 public:
  // Loads English, then `lang` over it. Unknown `lang` (no directory): English only,
  // and a warning in `diag`. Returns null when English itself cannot be loaded.
  static std::unique_ptr<Texts> load(const std::filesystem::path& locales_dir,
                                     std::string_view lang, Diagnostics& diag);

  const std::string& lang() const { return lang_; }
  bool right_to_left() const { return rtl_; }
  bool has(std::string_view key) const;
  // The text in the chosen language, else English, else "[key]".
  std::string get(std::string_view key) const;
  // get() with every "{name}" replaced by vars[name] ("{{" gives a literal brace).
  std::string render(std::string_view key, const std::map<std::string, std::string>& vars) const;
  // A count with its noun in the language's plural form: the text `key.<category>`, the
  // category chosen by the language's rule (CLDR: one/other in en, de, es, it; 0 and 1
  // are `one` in fr and pt; ar has zero, one, two, few, many, other), `key.other` when
  // the language has no text for that category, `{count}` replaced by n and any other
  // placeholder by vars. `[count.messages] one = "{count} message"`.
  std::string count(std::string_view key, int64_t n, const std::map<std::string, std::string>& vars = {}) const;
  // Whether the text came from the chosen language (false: English fallback or missing).
  bool translated(std::string_view key) const;
  std::vector<std::string> keys() const;  // all keys known (English and chosen language)

 private:
  std::string lang_ = "en";
  bool rtl_ = false;
  std::map<std::string, std::string, std::less<>> english_, chosen_;
};

// Where each text was read: its file and the position of its key there.
using TextPlaces = std::map<std::string, std::pair<std::string, TextPosition>, std::less<>>;

// Loads one language's texts alone (no fallback) as flat keys; used by checks. With
// `places`, records where each key was written.
bool load_texts_file_set(const std::filesystem::path& lang_dir,
                         std::map<std::string, std::string, std::less<>>& out,
                         Diagnostics& diag, TextPlaces* places = nullptr);

// Language codes with a directory under locales/ (sorted).
// The CLDR plural category of a whole number n in a language: "zero", "one", "two",
// "few", "many" or "other".
std::string_view plural_category(std::string_view lang, int64_t n);

std::vector<std::string> available_languages(const std::filesystem::path& locales_dir);

// Checks every language against English: each text's placeholders must be among the
// English text's; keys unknown to English are reported. Returns true when clean.
bool check_texts(const std::filesystem::path& locales_dir, Diagnostics& diag);

}  // namespace mailtls
