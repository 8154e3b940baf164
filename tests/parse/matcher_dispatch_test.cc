#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "parse/grammar.h"
#include "parse/matcher.h"
#include "parse/pattern_words.h"

#include "shipped_data.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

using testing::shipped_grammar;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The matcher's rule without any index: the kinds of the body's first word (or "#" for a
// number) in grammar order, then the "*" kinds; the first whose pattern matches wins.
const LineKind* plain_grammar_order(const Grammar& g, std::string_view body) {
  body = trimmed(body);
  if (body.empty()) return nullptr;
  const std::string token = body.front() >= '0' && body.front() <= '9'
                                ? "#"
                                : std::string(body.substr(0, body.find_first_of(" \t\r\n")));
  for (const std::string& pass : {token, std::string("*")})
    for (const auto& k : g.kinds())
      if (k->token == pass && RE2::FullMatch(re2::StringPiece(body.data(), body.size()), *k->re)) return k.get();
  return nullptr;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  size_t start = 0;
  while (true) {
    const size_t space = line.find(' ', start);
    words.push_back(line.substr(start, space - start));
    if (space == std::string::npos) return words;
    start = space + 1;
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? " " : "") + words[i];
  return out;
}

// Every sample line of the shipped grammars, and variants that move it across the
// dispatch's parts: cut after each word, each word dropped, replaced, doubled or
// followed by a second space, quotes added at the end.
std::vector<std::string> sample_table(const Grammar& g) {
  std::vector<std::string> lines;
  for (const auto& k : g.kinds())
    for (const auto& s : k->samples) {
      const auto words = words_of(s.line);
      lines.push_back(s.line);
      lines.push_back(s.line + "'");
      lines.push_back(s.line + " ''");
      for (size_t i = 0; i < words.size(); ++i) {
        lines.push_back(joined({words.begin(), words.begin() + static_cast<long>(i) + 1}));
        for (const std::string& replacement : {std::string(), std::string("x"), words[i] + " " + words[i],
                                               words[i] + " ", words[i] + ":", std::string("9")}) {
          auto changed = words;
          changed[i] = replacement;
          lines.push_back(joined(changed));
        }
        auto dropped = words;
        dropped.erase(dropped.begin() + static_cast<long>(i));
        lines.push_back(joined(dropped));
      }
    }
  return lines;
}

}  // namespace

TEST_CASE("the matcher picks the kind plain grammar-order matching picks", "[matcher][dispatch]") {
  const Grammar& g = shipped_grammar();
  const Matcher matcher(g);
  const auto lines = sample_table(g);
  REQUIRE(lines.size() > 5000);
  size_t matched = 0;
  for (const auto& line : lines) {
    Event ev;
    const bool ok = matcher.match(line, ev, 0);  // the kinds' dispatch, without the generic tier
    const LineKind* want = plain_grammar_order(g, line);
    INFO(line);
    CHECK(ev.kind == want);
    CHECK(ok == (want != nullptr));
    matched += ok;
  }
  // The variants reach both outcomes, so both paths were compared.
  CHECK(matched > lines.size() / 10);
  CHECK(matched < lines.size() - lines.size() / 10);
}

TEST_CASE("fields are the captures of the kind's whole pattern", "[matcher][dispatch]") {
  // The matcher may capture from a shorter pattern (a head without its final "(?P<x>.*)");
  // the reference here is RE2 on the kind's own pattern, then `unquote` or `drop_blank`.
  const Grammar& g = shipped_grammar();
  const Matcher matcher(g);
  for (const auto& line : sample_table(g)) {
    Event ev;
    if (!matcher.match(line, ev, 0) || ev.kind->event == EventType::other) continue;
    const std::string_view body = trimmed(line);
    const LineKind& k = *ev.kind;
    std::vector<re2::StringPiece> groups(static_cast<size_t>(k.groups) + 1);
    REQUIRE(k.re->Match(re2::StringPiece(body.data(), body.size()), 0, body.size(), RE2::ANCHOR_BOTH,
                        groups.data(), k.groups + 1));
    for (size_t slot = 0; slot < kMaxSlots; ++slot) {
      const int group = k.slot_group[slot];
      if (group == 0) continue;
      std::string_view want(groups[group].data(), groups[group].size());
      if (k.slot_unquote[slot] && want.data()) {
        if (!want.empty() && (want.front() == '\'' || want.front() == '"')) want.remove_prefix(1);
        if (!want.empty() && (want.back() == '\'' || want.back() == '"')) want.remove_suffix(1);
      }
      if (k.slot_drop_blank[slot] && !want.empty() && std::strchr(" \t\n\r\f", want.back())) want.remove_suffix(1);
      INFO(k.name << " slot " << slot << ": " << line);
      CHECK(ev.fields[slot] == want);
      CHECK((ev.fields[slot].data() == nullptr) == (want.data() == nullptr));
    }
  }
}

TEST_CASE("a capture of the rest is found only at the end of a single top-level sequence", "[matcher][dispatch]") {
  CHECK(capture_of_rest_at(R"((?P<id>\d+) Sent: (?P<text>.*))") == 18);
  CHECK(capture_of_rest_at(R"(a (?:b|c) (?P<rest>.*))") == 10);
  CHECK(capture_of_rest_at(R"(a|b(?P<x>.*))") == std::string_view::npos);     // alternation
  CHECK(capture_of_rest_at(R"((?:a(?P<x>.*)))") == std::string_view::npos);   // inside a group
  CHECK(capture_of_rest_at(R"(a\(?P<x>.*))") == std::string_view::npos);      // escaped paren
  CHECK(capture_of_rest_at(R"([(](?P<x>.*))") == 3);
  CHECK(capture_of_rest_at(R"(a(?P<x>.*?))") == std::string_view::npos);      // lazy
  CHECK(capture_of_rest_at(R"(a(?P<x>.+))") == std::string_view::npos);       // not everything
  CHECK(capture_of_rest_at(R"(a(?P<x>.*)b)") == std::string_view::npos);
  CHECK(capture_of_rest_at(R"(a(?P<>.*))") == std::string_view::npos);
}

TEST_CASE("a fixed word of a shipped pattern is the word its samples have there", "[matcher][dispatch]") {
  for (const auto& k : shipped_grammar().kinds()) {
    const PatternWords pattern(k->re->pattern());
    for (const auto& s : k->samples) {
      const auto words = words_of(std::string(trimmed(s.line)));
      for (size_t w = 0; w < 8; ++w) {
        const WordValues v = pattern.word(w);
        if (!v.fixed) continue;
        INFO(k->name << " word " << w << ": " << s.line);
        if (w < words.size()) CHECK(std::binary_search(v.words.begin(), v.words.end(), words[w]));
        else CHECK(v.absent);
      }
    }
  }
}

TEST_CASE("pattern words: literals, optional and alternative literals, space-free runs", "[matcher][dispatch]") {
  const PatternWords queued(R"(MID \d+ queued for delivery)");
  CHECK_FALSE(queued.word(1).fixed);  // a run of digits
  CHECK(queued.word(2).words == std::vector<std::string>{"queued"});
  CHECK(queued.word(4).words == std::vector<std::string>{"delivery"});
  CHECK_FALSE(queued.word(4).absent);
  const WordValues past_end = queued.word(5);
  CHECK(past_end.fixed);
  CHECK(past_end.words.empty());
  CHECK(past_end.absent);

  CHECK(PatternWords(R"(MID \d+ (?:DomainKeys|DKIM|SPF): .+)").word(2).words ==
        std::vector<std::string>{"DKIM:", "DomainKeys:", "SPF:"});
  CHECK(PatternWords(R"(Bounced: DCID:? (?P<id>\d+) .*)").word(1).words == std::vector<std::string>{"DCID", "DCID:"});
  CHECK(PatternWords(R"(ICID \d+ (?:MID \d+ )?Invalid .*)").word(2).words ==
        std::vector<std::string>{"Invalid", "MID"});
  CHECK(PatternWords(R"(New (?i:smtp) ICID \d+)").word(2).words == std::vector<std::string>{"ICID"});
  CHECK_FALSE(PatternWords(R"(New (?i:smtp) ICID \d+)").word(1).fixed);

  // An optional group that starts with a space ends the word before it, followed or not.
  const PatternWords subject(R"(MID (?P<id>\d+) Subject(?: (?P<value>.*))?)");
  CHECK(subject.word(2).words == std::vector<std::string>{"Subject"});
  CHECK_FALSE(subject.word(3).fixed);
}

TEST_CASE("pattern words: unsure means not fixed", "[matcher][dispatch]") {
  CHECK_FALSE(PatternWords("A b|C d").word(1).fixed);             // top-level alternation
  CHECK_FALSE(PatternWords("(?i)a b").word(1).fixed);             // flags for the rest
  CHECK_FALSE(PatternWords("a (?:(?i)x|y) b").word(1).fixed);     // flags across '|'
  CHECK_FALSE(PatternWords("a .* b").word(2).fixed);              // '.' may be a space
  CHECK_FALSE(PatternWords("a [ x] b").word(2).fixed);            // classes are not read
  CHECK_FALSE(PatternWords("a +b c").word(1).fixed);              // repeated space
  CHECK_FALSE(PatternWords("a b{2} c").word(1).fixed);            // counted repeat
  CHECK_FALSE(PatternWords(R"(a \s b)").word(2).fixed);           // \s
  CHECK_FALSE(PatternWords(R"(a \Qx|y\E b)").word(2).fixed);      // quoted text
  CHECK_FALSE(PatternWords("a (?:b|.*) c").word(1).fixed);        // one branch unread
  CHECK(PatternWords("a [ x] b").word(0).words == std::vector<std::string>{"a"});
  CHECK_FALSE(PatternWords().word(1).fixed);
}

namespace {

// Variants of `line` around the shapes a `quick` pattern leaves to the whole pattern: a
// word of `tokens` inserted before each word, or put in its place.
std::vector<std::string> quick_variants(const std::string& line) {
  static const std::vector<std::string> tokens = {
      "SBRS", "SBRS x", "SBRS not enabled", "country", "country x", "not", "not enabled", "n", "none",
      "S", "Sx", "xSBRS", "for", "for x", "for x y", "CN=x", "CN: <x y>", "protocol", "cipher", "x",
      "", "\t", "(", "verified", "TLS", "success", "match", "SBRS -1 country SBRS 2", "RID", "RID 1", "to",
      "to RID", "M", "MID", "Message", "From: <a>", "To: <b>", "-", "- x"};
  const auto words = words_of(line);
  std::vector<std::string> out{line};
  for (size_t i = 0; i <= words.size(); ++i)
    for (const auto& token : tokens) {
      auto inserted = words;
      inserted.insert(inserted.begin() + static_cast<long>(i), token);
      out.push_back(joined(inserted));
      if (i == words.size()) continue;
      auto replaced = words;
      replaced[i] = token;
      out.push_back(joined(replaced));
      replaced[i] = words[i] + token;
      out.push_back(joined(replaced));
    }
  return out;
}

}  // namespace

TEST_CASE("where a kind's quick pattern matches, its whole pattern matches with the same fields",
          "[matcher][dispatch][quick]") {
  const Grammar& g = shipped_grammar();
  size_t kinds = 0, quick_matched = 0, fell_back = 0;
  for (const auto& k : g.kinds()) {
    if (!k->quick) continue;
    ++kinds;
    for (const auto& s : k->samples)
      for (const auto& line : quick_variants(s.line)) {
        const std::string_view body = trimmed(line);
        const re2::StringPiece text(body.data(), body.size());
        std::vector<re2::StringPiece> quick(static_cast<size_t>(k->quick->NumberOfCapturingGroups()) + 1);
        std::vector<re2::StringPiece> whole(static_cast<size_t>(k->groups) + 1);
        const bool whole_ok = k->re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, whole.data(), k->groups + 1);
        if (!k->quick->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, quick.data(), static_cast<int>(quick.size()))) {
          fell_back += whole_ok;
          continue;
        }
        ++quick_matched;
        INFO(k->name << ": " << line);
        REQUIRE(whole_ok);
        for (size_t slot = 0; slot < kMaxSlots; ++slot) {
          const re2::StringPiece& a = quick[static_cast<size_t>(k->quick_slot_group[slot])];
          const re2::StringPiece& b = whole[static_cast<size_t>(k->slot_group[slot])];
          if (k->slot_group[slot] == 0) continue;
          CHECK(std::string_view(a.data(), a.size()) == std::string_view(b.data(), b.size()));
          CHECK((a.data() == nullptr) == (b.data() == nullptr));
        }
      }
  }
  CHECK(kinds >= 2);
  // Both paths were taken: lines for the quick pattern, and lines only the whole one takes.
  CHECK(quick_matched > 100);
  CHECK(fell_back > 100);
}

TEST_CASE("the reshaped kinds yield the fields of their patterns before", "[matcher][dispatch][quick]") {
  // The patterns as they were before `quick`, `drop_blank` and the one-pass rewrites,
  // read as the reference.
  const std::vector<std::pair<std::string, std::string>> before = {
      {"icid_new",
       R"(New (?i:smtp) ICID (?P<id>\d+) interface (?P<interface>.+?)\s\((?P<local_ip>[^)\s]*)\) address (?P<ip>\S+) reverse dns host +(?P<host>\S+)(?: verified (?P<verified>yes|no)|\s.*)?)"},
      {"icid_policy",
       R"(ICID (?P<id>\d+) (?P<action>ACCEPT|REJECT|RELAY|TCPREFUSE|CONTINUE) SG (?P<group>\S+) match (?:.*? )?SBRS (?P<sbrs>not enabled|\S+)(?: country .+)?)"},
      {"dcid_tls_success",
       R"(DCID (?P<id>\d+) TLS success(?: protocol (?P<protocol>\S+) cipher (?P<cipher>\S+))?(?: CN(?:: |=).*?)?(?: for (?P<domain>\S+))?)"},
      {"bounced",
       R"(Bounced: DCID:? (?P<id>\d+) (?:MID|Message) (?P<mid>\d+) (?:From: ?<[^>]*> To: ?<(?P<to>[^>]*)> RID|to(?: RID)?) (?P<rid>\d+) - (?P<detail>.*))"},
      {"delayed",
       R"(Delayed: DCID:? (?P<id>\d+) (?:MID|Message) (?P<mid>\d+) (?:From: ?<[^>]*> To: ?<(?P<to>[^>]*)> RID|to(?: RID)?) (?P<rid>\d+) - (?P<detail>.*))"}};
  const Grammar& g = shipped_grammar();
  const Matcher matcher(g);
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_dot_nl(true);
  size_t compared = 0;
  for (const auto& [name, pattern] : before) {
    const RE2 old(pattern, options);
    REQUIRE(old.ok());
    const auto& spec = event_specs()[static_cast<size_t>(event_type_by_name(name).value())];
    const LineKind* kind = nullptr;
    for (const auto& k : g.kinds())
      if (k->name == name) kind = k.get();
    REQUIRE(kind);
    std::vector<std::string> lines;
    for (const auto& s : kind->samples)
      for (auto& v : quick_variants(s.line)) lines.push_back(std::move(v));
    for (const auto& line : lines) {
      const std::string_view body = trimmed(line);
      std::vector<re2::StringPiece> groups(static_cast<size_t>(old.NumberOfCapturingGroups()) + 1);
      const bool old_ok = old.Match(re2::StringPiece(body.data(), body.size()), 0, body.size(), RE2::ANCHOR_BOTH,
                                    groups.data(), static_cast<int>(groups.size()));
      Event ev;
      matcher.match(line, ev, 0);
      INFO(name << ": " << line);
      // The kind matches where its old pattern did (unless an earlier kind takes the line).
      if (ev.kind != kind) {
        CHECK((!old_ok || plain_grammar_order(g, line) != kind));
        continue;
      }
      REQUIRE(old_ok);
      ++compared;
      for (const auto& [capture, group] : old.NamedCapturingGroups()) {
        const size_t slot = static_cast<size_t>(std::find(spec.slots.begin(), spec.slots.end(), capture) - spec.slots.begin());
        const re2::StringPiece& want = groups[static_cast<size_t>(group)];
        CHECK(ev.fields[slot] == std::string_view(want.data(), want.size()));
        CHECK((ev.fields[slot].data() == nullptr) == (want.data() == nullptr));
      }
    }
  }
  CHECK(compared > 1000);
}

TEST_CASE("a pattern without its first captures numbers the later ones from 1", "[matcher][quick]") {
  CHECK(without_first_captures(R"((?P<a>x)(y)(?P<c>[(]z)\((?P<d>w))", 2) == R"((?:x)(?:y)(?P<c>[(]z)\((?P<d>w))");
  CHECK(without_first_captures(R"((?:a)(?i:b)(?P<c>c))", 1) == R"((?:a)(?i:b)(?:c))");
  CHECK_FALSE(without_first_captures(R"((?P<a>x))", 2));
  CHECK_FALSE(without_first_captures(R"(\Q(\E(x))", 1));
  CHECK_FALSE(without_first_captures(R"([(x)", 1));
}
