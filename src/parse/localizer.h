// Stage 3, the localizer: turns a log line that a machine translator (or a right-to-left
// page) rewrote back into the canonical English line the grammars know.
//
// The word tables are data, one `locales/<lang>/words.toml` per language (layout in
// locales/README.md): weekday and month names, level words, the words for Sent and Rcvd,
// filler words dropped inside timestamps, quote characters, translated SMTP verbs and
// ESMTP keywords. Each language also accepts the English words, because translators leave
// some untranslated. Matching ignores case (ASCII and Latin-1 letters) and a trailing
// period ("Lun." = "Lun", "16." = "16").
//
// What is restored: the prefix (timestamp, level), the "<id> Sent:"/"<id> Rcvd:" framing,
// quotes, the SMTP verb at the start of a sent command and the ESMTP keyword at the start
// of a "250" reply line. Free text inside replies is the peer's and stays as it is.
// Right-to-left damage is repaired for every language: a final period moved to the
// front of the line, a reply code moved to the end of a reply.
//
// Loaded once, read-only afterwards: safe to share between streams and threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"

namespace mailtls {

struct LocaleWords;  // one language's tables (localizer.cc)

class Localizer {
 public:
  // Loads every `<dir>/<lang>/words.toml` under `locales_dir` (English is required).
  // Every problem is reported to `diag` with file and key; returns null when any table
  // is wrong, so bad data never reaches the pipeline.
  static std::unique_ptr<Localizer> load(const std::filesystem::path& locales_dir, Diagnostics& diag);
  ~Localizer();

  // Language codes with a word table, sorted ("ar", "de", "en", ...).
  std::vector<std::string> languages() const;
  bool has_language(std::string_view lang) const;

  struct Detection {
    std::string lang = "en";
    double confidence = 0;  // share of the log lines read that voted for `lang`
  };
  // Guesses the language of a file from its first bytes: each log line votes for the
  // language whose own (non-English) words explain most of its prefix, Sent/Rcvd word,
  // verb and keyword; a line with only English words votes English.
  Detection detect(std::string_view head) const;

  // Writes the canonical English form of ONE physical line into `out` and returns true;
  // returns false (out untouched) when the line is already canonical or no table
  // explains its prefix. `lang` is a code from languages() or "auto" (the language
  // whose words explain the line best: mixed files are read line by line).
  bool restore(std::string_view line, std::string_view lang, std::string& out) const;

  // The other direction, for tests: renders an English log line (ctime or level-only
  // prefix) through `lang`'s tables (first word of each list, the [render] templates).
  // Returns false when the line has no prefix this can render.
  bool localize(std::string_view english_line, std::string_view lang, std::string& out) const;

 private:
  Localizer() = default;
  const LocaleWords* find(std::string_view lang) const;

  std::vector<std::unique_ptr<LocaleWords>> langs_;  // sorted by code
  const LocaleWords* english_ = nullptr;
};

// Repairs right-to-left damage that needs no table: a final period moved to the front
// (".Info: DCID 5 STARTTLS command not supported" -> "Info: DCID 5 STARTTLS command not
// supported."). Returns false when the line shows none. Also usable on pasted dialogues.
bool repair_leading_period(std::string_view line, std::string& out);

// "mail.example.com ESMTP Service ready 220" -> "220 mail.example.com ESMTP Service
// ready": a reply code moved to the end by right-to-left rendering. False when none.
bool repair_trailing_code(std::string_view text, std::string& out);

}  // namespace mailtls
