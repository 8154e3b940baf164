// Internal to the localizer: one language's word tables and the word matching rules
// (case-insensitive for ASCII and Latin-1 letters, a trailing period ignored).
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mailtls {

inline constexpr std::array<std::string_view, 7> kWeekdayNames = {"Mon", "Tue", "Wed", "Thu",
                                                                  "Fri", "Sat", "Sun"};
inline constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
inline constexpr std::array<std::string_view, 5> kLevelNames = {"Info", "Warning", "Critical",
                                                                "Debug", "Trace"};
inline constexpr std::array<std::string_view, 2> kDirectionNames = {"Sent", "Rcvd"};

// Lower-cases ASCII and the Latin-1 capitals (À..Þ); byte length is kept, so a folded
// prefix of a text is the fold of the same bytes.
std::string fold_word(std::string_view word);
// fold_word() without one trailing period: the key words are stored and looked up by.
std::string word_key(std::string_view word);

// Translations of one kind of word, each mapped to its canonical English word.
struct WordMap {
  std::unordered_map<std::string, std::string> canonical;  // word_key -> canonical
  std::map<std::string, std::string, std::less<>> first;   // canonical -> first word as written

  const std::string* find(std::string_view word) const {
    auto it = canonical.find(word_key(word));
    return it == canonical.end() ? nullptr : &it->second;
  }
};

// How localize() writes a line in this language.
struct RenderTemplates {
  std::string timestamp = "{weekday} {month} {day} {time} {year}";
  std::string level = "{level}: ";
  std::string direction = "{id} {direction}: ";
  std::string open = "'", close = "'";
};

struct LocaleWords {
  std::string code;
  WordMap weekdays, months, levels, directions, keywords;
  // Verb phrases ("MESSAGERIE DE" -> "MAIL FROM"), folded, longest first.
  std::vector<std::pair<std::string, std::string>> verbs;
  std::map<std::string, std::string, std::less<>> first_verb;  // canonical -> first as written
  std::unordered_set<std::string> fillers;  // word keys
  std::vector<std::string> quotes;          // besides ' and ", always quotes
  RenderTemplates render;
};

}  // namespace mailtls
