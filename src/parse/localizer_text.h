// Internal to the localizer: reading a line's prefix and dialogue framing in terms of one
// language's tables (plus English), and writing them back canonical or localized.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parse/localizer_words.h"

namespace mailtls {

// What a line's prefix says, in canonical terms. Views point into the line read.
struct LinePrefix {
  std::string_view pri;                 // "<166>", empty when absent
  int weekday = -1, month = -1, day = 0;  // weekday 0..6 (Mon..Sun), month 0..11
  std::string_view time, year;
  std::vector<std::string_view> names;  // syslog host and tag ("mail_logs:")
  std::string level;
  size_t body_at = 0;                   // where the body starts in the line
  int specific = 0;                     // words only this language (not English) explains
  int month_instead = 0;                // change to `specific` if the weekday is the month
  bool has_time() const { return month >= 0; }
};

// The "<id> Sent: '...'" framing of a debug-log body, canonical.
struct LineDialogue {
  std::string_view id;
  std::string direction;  // "Sent" or "Rcvd"
  bool open = false, close = false;
  std::string text;       // canonical (verb and keyword restored)
};

// The tables a line is read with: a language and English as its fallback.
struct WordSource {
  const LocaleWords& lang;
  const LocaleWords& english;
};

bool read_prefix(const WordSource& words, std::string_view line, LinePrefix& out);
bool read_dialogue(const WordSource& words, std::string_view body, LineDialogue& out, int& specific);

std::string canonical_prefix(const LinePrefix& p);
std::string canonical_dialogue(const LineDialogue& d);
// Canonical form of a whole line; false when no prefix is found.
bool canonical_line(const WordSource& words, std::string_view line, std::string& out, int& specific);

std::string localized_line(const LocaleWords& lang, const LinePrefix& p, std::string_view body,
                           const LineDialogue* dialogue);

}  // namespace mailtls
