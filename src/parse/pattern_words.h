// What the text of a kind's pattern alone fixes about the words of the bodies it matches,
// so the matcher can pick candidate kinds by a later word of the body ("MID 5 queued ..."
// -> the kinds whose third word is "queued") instead of trying them in turn.
//
// Words are the pieces of the body between single spaces: "MID 5  x" has words "MID",
// "5", "" and "x". The analysis reads the start of the pattern as a plain sequence of
// literal characters, optional or alternative literal groups ("(?:DKIM|SPF): ", "DCID:?")
// and runs that never hold a space ("\d+", "\S+", "(?i:smtp)"); it stops at anything else
// (".", "[...]", "\s", a counted repeat...) and then knows only the words completed before
// that point. It answers "not fixed" whenever unsure, which costs speed but never a line:
// a kind whose word is not fixed stays a candidate for every body.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailtls {

struct WordValues {
  bool fixed = false;              // false: any body may match, whatever its word
  std::vector<std::string> words;  // when fixed: the values the word can take (sorted)
  bool absent = false;             // when fixed: some matches have fewer words than that
};

class PatternWords {
 public:
  PatternWords() = default;  // a pattern nothing is known of: no word is fixed
  // `pattern` is RE2 syntax, case-sensitive, matched against the whole body.
  explicit PatternWords(std::string_view pattern);
  // Word `index` (0 = the first) of every string the pattern matches in full.
  WordValues word(size_t index) const;

 private:
  // Each expansion spells a possible start of a match: literal bytes, with a marker byte
  // standing for a run of bytes (maybe empty) that holds no space. A whole expansion
  // spells whole matches; the others only how those matches begin.
  struct Expansion {
    std::string text;
    bool whole = false;
  };
  std::vector<Expansion> expansions_;
  bool understood_ = false;
};

// When `pattern` is a single top-level sequence ending in a capture of everything left,
// "(?P<name>.*)", the offset where that group starts; npos otherwise. With `.` matching
// any byte, such a pattern matches a body in full exactly when the pattern before the
// group matches a start of it, with the same captures, the group taking the rest.
size_t capture_of_rest_at(std::string_view pattern);

}  // namespace mailtls

namespace mailtls {

// `pattern` with its first `count` capturing groups (named or not, in RE2's numbering)
// made non-capturing, so group count + n becomes group n; the strings it matches and how
// are unchanged. Lets the matcher read the later groups of a pattern in a second call
// that asks for at most as many groups as RE2's one-pass engine extracts. nullopt for
// syntax this scan does not follow (\Q...\E, an unclosed class) or fewer groups.
std::optional<std::string> without_first_captures(std::string_view pattern, int count);

}  // namespace mailtls
