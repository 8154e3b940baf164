// Which matches of a prefix pattern a longer text could extend, read from the pattern's
// own text, so the framer can reuse the previous line's prefix without asking RE2 again.
//
// A frame is matched at the start of a line, leftmost-first. When the previous line's
// prefix M was the frame's match and no string the frame matches is M followed by more
// bytes, then on any line starting with M the frame matches M again: every longer
// candidate fails whatever follows, and the candidates within M are tried as before.
// The same test tells that an earlier frame, which matched no start of the previous
// line, cannot match a start of this one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailtls {

struct ProperPrefixes {
  // An RE2 pattern matching in full exactly the proper prefixes of the strings `pattern`
  // matches in full (each text T such that T followed by one or more bytes is a match),
  // under the same options. Empty when no string has one (the pattern matches nothing
  // but the empty string).
  std::string pattern;
  bool none = false;  // no proper prefix at all: `pattern` is empty
};

// `pattern` is RE2 (Perl-like) syntax: literals, classes, `.`, escapes such as \d \s \S,
// groups (capturing, named or not), alternation and the repeats ? * + {n} {n,} {n,m},
// greedy or lazy. Anything else (anchors, \b, flag groups, \Q...\E, backreferences...)
// gives nullopt: the pattern is not read, and the caller must not assume anything.
std::optional<ProperPrefixes> proper_prefixes(std::string_view pattern);

}  // namespace mailtls
