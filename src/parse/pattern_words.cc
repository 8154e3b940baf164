#include "parse/pattern_words.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace mailtls {
namespace {

// Stands for a run of non-space bytes in an expansion. Never a literal of a pattern the
// parser accepts: only printable ASCII literals are taken as they are.
constexpr char kRun = '\0';

// Beyond this many expansions the parser stops, keeping what it has as prefixes.
constexpr size_t kMaxExpansions = 64;

struct Alt {
  std::string text;
  bool whole = true;  // false: only the start of what the sequence matches
};
using Alternatives = std::vector<Alt>;

bool has_space(const Alternatives& alts) {
  return std::any_of(alts.begin(), alts.end(), [](const Alt& a) { return a.text.find(' ') != std::string::npos; });
}

// Index of the ']' closing the class opened at p[i] == '[', npos when there is none.
size_t class_end(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  if (j < p.size() && p[j] == ']') ++j;  // a leading ] is a member
  while (j < p.size() && p[j] != ']') {
    if (p[j] == '\\') {
      j += 2;
    } else if (p.substr(j).starts_with("[:")) {
      const size_t end = p.find(":]", j + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      j = end + 2;
    } else {
      ++j;
    }
  }
  return j < p.size() ? j : std::string_view::npos;
}

// From p[i], the index of the first '|' or ')' outside any group or class opened after
// i, p.size() when there is none; npos for syntax this scan does not follow (\Q, an
// unclosed class or group).
size_t branch_end(std::string_view p, size_t i) {
  int depth = 0;
  for (; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] == 'Q') return std::string_view::npos;
      ++i;
    } else if (c == '[') {
      i = class_end(p, i);
      if (i == std::string_view::npos) return i;
    } else if (c == '(') {
      ++depth;
    } else if ((c == ')' || c == '|') && depth == 0) {
      return i;
    } else if (c == ')') {
      --depth;
    }
  }
  return depth == 0 ? p.size() : std::string_view::npos;
}

// "(?i)" and the like change how the rest of the enclosing group matches, across its
// alternatives: patterns holding one are not read at all.
bool sets_flags(std::string_view p) {
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 1)) {
    size_t j = at + 2;
    while (j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-')) ++j;
    if (j < p.size() && p[j] == ')') return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  // Parses a sequence up to the end of the pattern, a '|' or a ')' (left unconsumed).
  // Past a construct it does not follow, the alternatives so far are kept as prefixes
  // (not whole) and parsing stops there; `stopped` tells so.
  Alternatives sequence(bool& stopped) {
    Alternatives alts{Alt{}};
    stopped = false;
    while (!at_end() && peek() != '|' && peek() != ')') {
      auto atom = quantified_atom();
      if (!atom || alts.size() * atom->size() > kMaxExpansions) {
        for (auto& a : alts) a.whole = false;
        stopped = true;
        return alts;
      }
      Alternatives next;
      for (const auto& a : alts) {
        if (!a.whole) {
          next.push_back(a);  // nothing known follows
          continue;
        }
        for (const auto& b : *atom) next.push_back(Alt{a.text + b.text, b.whole});
      }
      alts = std::move(next);
    }
    return alts;
  }

  bool at_end() const { return i_ >= p_.size(); }

 private:
  char peek(size_t ahead = 0) const { return i_ + ahead < p_.size() ? p_[i_ + ahead] : '\0'; }

  static Alternatives run() { return Alternatives{Alt{std::string(1, kRun), true}}; }

  // One atom and the quantifier after it; nullopt when not understood, and then the
  // position is back at the start of the atom (where a scan for the branch end can start).
  std::optional<Alternatives> quantified_atom() {
    const size_t start = i_;
    auto alts = quantified(atom());
    if (!alts) i_ = start;
    return alts;
  }

  std::optional<Alternatives> quantified(std::optional<Alternatives> base) {
    if (!base) return std::nullopt;
    const char q = peek();
    if (q == '?') {
      ++i_;
      if (peek() == '?') ++i_;  // lazy or not, the same strings
      base->push_back(Alt{});
      return base;
    }
    if (q == '*' || q == '+') {
      ++i_;
      if (peek() == '?') ++i_;
      // Repeats of space-free strings form a space-free run; with a space, words are lost.
      const bool whole = std::all_of(base->begin(), base->end(), [](const Alt& a) { return a.whole; });
      if (!whole || has_space(*base)) return std::nullopt;
      return run();
    }
    if (q == '{') return std::nullopt;  // a count, or a literal brace: not followed
    return base;
  }

  std::optional<Alternatives> atom() {
    const char c = peek();
    if (c == '\\') {
      const char x = peek(1);
      i_ += 2;
      // Perl classes that never match a space.
      if (x == 'd' || x == 'w' || x == 'S') return run();
      if (x != '\0' && std::ispunct(static_cast<unsigned char>(x))) return Alternatives{Alt{std::string(1, x)}};
      return std::nullopt;
    }
    if (c == '(') return group();
    if (c < 0x20 || c > 0x7e || std::strchr(".[]{}^$*+?|)", c)) return std::nullopt;
    ++i_;
    return Alternatives{Alt{std::string(1, c)}};
  }

  // (?:...), (?P<name>...), (...): the union of what its alternatives spell; one that is
  // not followed to its end counts as a prefix. (?flags:...) holding only letters and
  // digits: a run (case folding changes the bytes, never to a space).
  std::optional<Alternatives> group() {
    bool flags = false;
    const std::string_view at = p_.substr(i_);
    if (at.starts_with("(?P<")) {
      const size_t close = p_.find('>', i_);
      if (close == std::string_view::npos) return std::nullopt;
      i_ = close + 1;
    } else if (at.starts_with("(?:")) {
      i_ += 3;
    } else if (at.starts_with("(?")) {
      size_t j = i_ + 2;
      while (j < p_.size() && (std::isalpha(static_cast<unsigned char>(p_[j])) || p_[j] == '-')) ++j;
      if (j >= p_.size() || p_[j] != ':') return std::nullopt;  // (?i) and the like
      flags = true;
      i_ = j + 1;
    } else {
      ++i_;
    }
    Alternatives all;
    while (true) {
      bool stopped = false;
      Alternatives alts = sequence(stopped);
      if (stopped) {
        i_ = branch_end(p_, i_);
        if (i_ >= p_.size()) return std::nullopt;
      }
      if (all.size() + alts.size() > kMaxExpansions) return std::nullopt;
      all.insert(all.end(), alts.begin(), alts.end());
      if (peek() == '|') {
        ++i_;
        continue;
      }
      if (peek() != ')') return std::nullopt;
      ++i_;
      break;
    }
    if (!flags) return all;
    for (const auto& a : all)
      if (!a.whole || !std::all_of(a.text.begin(), a.text.end(),
                                   [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }))
        return std::nullopt;
    return run();
  }

  std::string_view p_;
  size_t i_ = 0;
};

}  // namespace

size_t capture_of_rest_at(std::string_view p) {
  constexpr std::string_view kEnd = ">.*)";
  const size_t at = p.rfind("(?P<");
  if (at == std::string_view::npos || !p.ends_with(kEnd) || at + 4 + kEnd.size() >= p.size())
    return std::string_view::npos;
  const std::string_view name = p.substr(at + 4, p.size() - kEnd.size() - at - 4);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      }))
    return std::string_view::npos;
  if (branch_end(p, 0) != p.size()) return std::string_view::npos;
  // The group must open at depth 0: not escaped, not in a class, not inside a group.
  int depth = 0;
  for (size_t i = 0; i < at; ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (++i >= at) return std::string_view::npos;
    } else if (c == '[') {
      i = class_end(p, i);
      if (i == std::string_view::npos || i >= at) return std::string_view::npos;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    }
  }
  return depth == 0 ? at : std::string_view::npos;
}

PatternWords::PatternWords(std::string_view pattern) {
  // Only a single top-level sequence is read (no alternation outside a group).
  if (branch_end(pattern, 0) != pattern.size() || sets_flags(pattern)) return;
  Parser parser(pattern);
  bool stopped = false;
  for (auto& alt : parser.sequence(stopped)) expansions_.push_back(Expansion{std::move(alt.text), alt.whole});
  understood_ = true;
}

WordValues PatternWords::word(size_t index) const {
  WordValues out;
  if (!understood_) return out;
  for (const auto& e : expansions_) {
    size_t w = 0;  // the word being read
    size_t start = 0;
    size_t end = std::string::npos;
    for (size_t i = 0; i < e.text.size(); ++i) {
      if (e.text[i] != ' ') continue;
      if (w == index) {
        end = i;
        break;
      }
      ++w;
      start = i + 1;
    }
    if (end == std::string::npos) {
      // The expansion ends inside or before the word: only a whole match tells more.
      if (!e.whole) return WordValues{};
      if (w < index) {
        out.absent = true;
        continue;
      }
      end = e.text.size();
    }
    const std::string value = e.text.substr(start, end - start);
    if (value.find(kRun) != std::string::npos) return WordValues{};
    out.words.push_back(value);
  }
  std::sort(out.words.begin(), out.words.end());
  out.words.erase(std::unique(out.words.begin(), out.words.end()), out.words.end());
  out.fixed = true;
  return out;
}

}  // namespace mailtls

namespace mailtls {

std::optional<std::string> without_first_captures(std::string_view p, int count) {
  std::string out;
  int seen = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size() || p[i + 1] == 'Q') return std::nullopt;
      out += p.substr(i, 2);
      ++i;
    } else if (c == '[') {
      const size_t end = class_end(p, i);
      if (end == std::string_view::npos) return std::nullopt;
      out += p.substr(i, end + 1 - i);
      i = end;
    } else if (c == '(' && seen < count && (p.substr(i + 1).starts_with("?P<") || p.substr(i + 1).starts_with("?<"))) {
      const size_t close = p.find('>', i);
      if (close == std::string_view::npos) return std::nullopt;
      out += "(?:";
      ++seen;
      i = close;
    } else if (c == '(' && seen < count && !p.substr(i + 1).starts_with("?")) {
      out += "(?:";
      ++seen;
    } else {
      out += c;
    }
  }
  if (seen < count) return std::nullopt;
  return out;
}

}  // namespace mailtls
