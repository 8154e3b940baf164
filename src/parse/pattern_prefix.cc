#include "parse/pattern_prefix.h"

#include <cctype>
#include <cstring>
#include <vector>

namespace mailtls {
namespace {

// One parsed piece of a pattern: its text (groups made non-capturing, so it can be
// repeated in the result without duplicate names) and the pattern of its proper
// prefixes, nullopt when it has none (it matches nothing longer than the empty string).
struct Piece {
  std::string text;
  std::optional<std::string> proper;
};

std::optional<std::string> either(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a) return b;
  if (!b) return a;
  return "(?:" + *a + ")|(?:" + *b + ")";
}

// A recursive-descent reader of the supported syntax. Any failure sets `ok_` to false.
class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {}

  std::optional<Piece> whole() {
    Piece top = alternation();
    if (!ok_ || i_ != p_.size()) return std::nullopt;
    return top;
  }

 private:
  bool at(char c) const { return i_ < p_.size() && p_[i_] == c; }

  // a|b: a proper prefix of either.
  Piece alternation() {
    Piece out = sequence();
    while (ok_ && at('|')) {
      ++i_;
      Piece next = sequence();
      out.text += "|" + next.text;
      out.proper = either(out.proper, next.proper);
    }
    return out;
  }

  // ab...z: a proper prefix of a, or a then a proper prefix of b..z. Built from the end
  // so the result grows linearly: P(a b c) = P(a) | a (P(b) | b P(c)).
  Piece sequence() {
    std::vector<Piece> items;
    while (ok_ && i_ < p_.size() && !at('|') && !at(')')) items.push_back(repeat());
    Piece out;
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      std::optional<std::string> after;
      if (out.proper) after = it->text + "(?:" + *out.proper + ")";
      out.proper = either(it->proper, after);
      out.text = it->text + out.text;
    }
    return out;
  }

  // x? x* x+ x{n} x{n,} x{n,m}, maybe lazy: a proper prefix of a repeat is up to
  // (at most) one fewer copies of x, then a proper prefix of x.
  Piece repeat() {
    Piece x = atom();
    if (!ok_ || i_ >= p_.size() || !std::strchr("?*+{", p_[i_])) return x;
    const size_t start = i_;
    int max = -1;  // -1: unbounded
    if (at('?')) {
      max = 1;
      ++i_;
    } else if (at('*') || at('+')) {
      ++i_;
    } else if (!counted(max)) {
      return fail();
    }
    if (at('?')) ++i_;  // lazy: the same strings
    if (i_ < p_.size() && std::strchr("?*+{", p_[i_])) return fail();
    Piece out;
    out.text = x.text + std::string(p_.substr(start, i_ - start));
    if (x.proper && max != 0) {
      std::string copies = "(?:" + x.text + ")";
      if (max < 0) copies += "*";
      else if (max > 1) copies += "{0," + std::to_string(max - 1) + "}";
      else copies.clear();
      out.proper = copies + "(?:" + *x.proper + ")";
    }
    return out;
  }

  // {n}, {n,} or {n,m} at i_; sets `max` (-1 for {n,}).
  bool counted(int& max) {
    size_t j = i_ + 1;
    auto number = [&](int& v) {
      const size_t from = j;
      v = 0;
      while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j])) && v < 100000) v = v * 10 + (p_[j++] - '0');
      return j > from;
    };
    int min = 0;
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      max = -1;
      if (j < p_.size() && p_[j] != '}' && !number(max)) return false;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  Piece atom() {
    const char c = p_[i_];
    if (c == '(') return group();
    if (c == '[') return char_class();
    if (c == '\\') return escape();
    if (std::strchr("^$*+?{", c)) return fail();
    ++i_;
    return single(std::string(1, c));  // a literal byte, or `.`
  }

  static Piece single(std::string text) { return Piece{std::move(text), std::string()}; }

  Piece group() {
    ++i_;
    if (p_.substr(i_).starts_with("?:")) {
      i_ += 2;
    } else if (p_.substr(i_).starts_with("?P<") || p_.substr(i_).starts_with("?<")) {
      const size_t close = p_.find('>', i_);
      if (close == std::string_view::npos) return fail();
      i_ = close + 1;
    } else if (at('?')) {
      return fail();  // flags: they change how the rest matches
    }
    Piece inner = alternation();
    if (!ok_ || !at(')')) return fail();
    ++i_;
    return Piece{"(?:" + inner.text + ")", inner.proper};
  }

  // A class is one byte: its only proper prefix is the empty string.
  Piece char_class() {
    size_t j = i_ + 1;
    if (j < p_.size() && p_[j] == '^') ++j;
    if (j < p_.size() && p_[j] == ']') ++j;
    while (j < p_.size() && p_[j] != ']') {
      if (p_[j] == '\\') {
        j += 2;
      } else if (p_.substr(j).starts_with("[:")) {
        const size_t end = p_.find(":]", j + 2);
        if (end == std::string_view::npos) return fail();
        j = end + 2;
      } else {
        ++j;
      }
    }
    if (j >= p_.size()) return fail();
    const std::string text(p_.substr(i_, j + 1 - i_));
    i_ = j + 1;
    return single(text);
  }

  // Escapes of one byte: classes (\d \s \w and negations), control characters,
  // punctuation, \xHH. Anchors, \Q, \C, \p and the rest are not read.
  Piece escape() {
    if (i_ + 1 >= p_.size()) return fail();
    const char e = p_[i_ + 1];
    const bool one_byte = std::strchr("dDsSwWntrfva", e) || !std::isalnum(static_cast<unsigned char>(e));
    if (one_byte) {
      i_ += 2;
      return single(std::string(p_.substr(i_ - 2, 2)));
    }
    if (e == 'x' && i_ + 3 < p_.size() && std::isxdigit(static_cast<unsigned char>(p_[i_ + 2])) &&
        std::isxdigit(static_cast<unsigned char>(p_[i_ + 3]))) {
      i_ += 4;
      return single(std::string(p_.substr(i_ - 4, 4)));
    }
    return fail();
  }

  Piece fail() {
    ok_ = false;
    i_ = p_.size();
    return Piece{};
  }

  std::string_view p_;
  size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

std::optional<ProperPrefixes> proper_prefixes(std::string_view pattern) {
  auto top = Reader(pattern).whole();
  if (!top) return std::nullopt;
  if (!top->proper) return ProperPrefixes{"", true};
  return ProperPrefixes{*top->proper, false};
}

}  // namespace mailtls
