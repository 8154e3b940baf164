// proper_prefixes(): the texts a longer match of a prefix pattern starts with, which let
// the framer reuse a line's prefix without matching the next line again.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/grammar.h"
#include "parse/pattern_prefix.h"

using namespace mailtls;

namespace {

RE2::Options latin1() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_dot_nl(true);
  return o;
}

// True when the proper-prefix pattern of `pattern` matches `text` in full.
bool is_proper_prefix(std::string_view pattern, std::string_view text) {
  const auto p = proper_prefixes(pattern);
  REQUIRE(p);
  if (p->none) return false;
  RE2 re(p->pattern, latin1());
  REQUIRE(re.ok());
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), re);
}

// For every start of `line` (up to `limit` bytes) that `frame` matches in full, every
// shorter start must be a proper prefix by the derived pattern: a longer match starts
// with it. The derived pattern may say more (it is exact for the language, which is
// larger than what one line shows), never less.
void check_no_match_is_missed(const RE2& frame, const RE2& proper, std::string_view line, size_t limit) {
  line = line.substr(0, std::min(line.size(), limit));
  for (size_t longer = 1; longer <= line.size(); ++longer) {
    if (!RE2::FullMatch(re2::StringPiece(line.data(), longer), frame)) continue;
    for (size_t shorter = 0; shorter < longer; ++shorter) {
      INFO(frame.pattern() << " on \"" << line.substr(0, longer) << "\", start " << shorter);
      CHECK(RE2::FullMatch(re2::StringPiece(line.data(), shorter), proper));
    }
  }
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a literal's proper prefixes are its shorter starts", "[pattern_prefix]") {
  CHECK(is_proper_prefix("abc", ""));
  CHECK(is_proper_prefix("abc", "ab"));
  CHECK_FALSE(is_proper_prefix("abc", "abc"));
  CHECK_FALSE(is_proper_prefix("abc", "b"));
}

TEST_CASE("a bounded repeat has proper prefixes up to one copy fewer, an unbounded one always extends",
          "[pattern_prefix]") {
  CHECK(is_proper_prefix("a{1,3}", "aa"));
  CHECK_FALSE(is_proper_prefix("a{1,3}", "aaa"));
  CHECK_FALSE(is_proper_prefix("x\\d{4} ", "x2023 "));
  CHECK(is_proper_prefix("x\\d{4} ", "x202"));
  CHECK(is_proper_prefix("a+", "aaaa"));
  CHECK(is_proper_prefix("[^\\s:]*: ", "ab"));
  CHECK_FALSE(is_proper_prefix("a?", "a"));
  CHECK(is_proper_prefix("a?", ""));
  CHECK_FALSE(is_proper_prefix("a{0}b", "a"));
}

TEST_CASE("optional and alternative groups extend when a later part may still follow", "[pattern_prefix]") {
  const std::string syslogish = "(?P<tag>[^\\s:]+): (?:(?P<level>Info|Warning): )?";
  CHECK(is_proper_prefix(syslogish, "mail_logs: "));  // "mail_logs: Info: " also matches
  CHECK_FALSE(is_proper_prefix(syslogish, "mail_logs: Info: "));
  CHECK(is_proper_prefix("(?:ab|abcd)e", "abc"));
  CHECK_FALSE(is_proper_prefix("(?:ab|cd)", "cd"));
}

TEST_CASE("a pattern that matches only the empty string has no proper prefix", "[pattern_prefix]") {
  const auto p = proper_prefixes("(?:)");
  REQUIRE(p);
  CHECK(p->none);
}

TEST_CASE("anchors, flags and other unread syntax give no answer", "[pattern_prefix]") {
  for (const char* pattern : {"^a", "a$", "\\ba", "(?i)a", "(?i:a)", "\\Qa\\E", "\\pL", "a**", "a{2",
                              "(a", "a)", "[ab", "\\C", "\\1"}) {
    INFO(pattern);
    CHECK_FALSE(proper_prefixes(pattern));
  }
}

TEST_CASE("the shipped frames' proper prefixes miss no longer match on shipped lines", "[pattern_prefix]") {
  Diagnostics diag;
  auto grammar = Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  REQUIRE(grammar);
  std::vector<std::string> lines;
  for (const auto& frame : grammar->frames())
    for (const auto& s : frame->samples) lines.push_back(s.line);
  std::istringstream excerpt(slurp(std::filesystem::path(MAILTLS_TEST_DIR) / "data" / "corpus_excerpt.log"));
  for (std::string line; std::getline(excerpt, line) && lines.size() < 400;) lines.push_back(line);
  // A syslog line without level, and one whose host could be read as its tag.
  lines.push_back("<14>Jun 12 14:01:33 consolidated_event: Info: Warning: x");
  lines.push_back("Jun 26 10:42:29 a: b: Info: c");
  for (const auto& frame : grammar->frames()) {
    const auto p = proper_prefixes(frame->re->pattern());
    REQUIRE(p);
    REQUIRE_FALSE(p->none);
    RE2 proper(p->pattern, frame->re->options());
    REQUIRE(proper.ok());
    for (const auto& line : lines) check_no_match_is_missed(*frame->re, proper, line, 72);
  }
}

TEST_CASE("a ctime prefix cannot grow, a syslog prefix without level can", "[pattern_prefix]") {
  Diagnostics diag;
  auto grammar = Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  REQUIRE(grammar);
  auto proper_of = [&](std::string_view name) {
    for (const auto& f : grammar->frames())
      if (f->name == name) return proper_prefixes(f->re->pattern())->pattern;
    FAIL("no frame " << name);
    return std::string();
  };
  RE2 ctime(proper_of("ctime"), latin1()), syslog(proper_of("syslog"), latin1());
  CHECK_FALSE(RE2::FullMatch("Wed Sep  6 13:13:16 2023 Info: ", ctime));
  CHECK(RE2::FullMatch("Wed Sep  6 13:13:16 2023 ", ctime));
  CHECK(RE2::FullMatch("<14>Jun 12 14:01:33 consolidated_event: ", syslog));
  CHECK_FALSE(RE2::FullMatch("<166>Mar 17 18:24:37 mail_logs: Info: ", syslog));
}

TEST_CASE("every shipped frame is loaded with the pattern of its longer matches", "[pattern_prefix][grammar]") {
  // Without it the framer still frames right, but asks RE2 again on every line.
  Diagnostics diag;
  auto grammar = Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  REQUIRE(grammar);
  for (const auto& frame : grammar->frames()) {
    INFO(frame->name);
    CHECK(frame->extension);
    CHECK_FALSE(frame->no_extension);
  }
}
