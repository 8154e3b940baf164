#include "matcher.h"

#include <algorithm>

namespace mailtls {
namespace {

// The loader refuses event kinds with more capturing groups than this.
constexpr int kMaxGroups = 16;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view first_word(std::string_view text) {
  size_t end = text.find_first_of(" \t\r\n");
  return text.substr(0, end);
}

// Trailing blanks are frequent in real logs ("... cipher AES128-SHA "); dropping them
// here keeps every pattern free of a trailing " *".
std::string_view trim_trailing_blanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Only the groups that feed a slot are asked for: fewer submatches, faster RE2 paths.
int groups_needed(const LineKind& k) {
  int n = 0;
  for (int g : k.slot_group) n = std::max(n, g);
  return n;
}

// Python-repr quoting, as `unquote` declares it: one ' or " off the front, then one off
// the end of what is left. A capture that took part stays non-null even when emptied.
std::string_view unquote(std::string_view s) {
  auto quote = [](char c) { return c == '\'' || c == '"'; };
  if (!s.empty() && quote(s.front())) s.remove_prefix(1);
  if (!s.empty() && quote(s.back())) s.remove_suffix(1);
  return s;
}

bool try_kind(const LineKind& k, std::string_view body, Event& out) {
  const re2::StringPiece text(body.data(), body.size());
  if (k.event == EventType::other) {
    if (!k.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) return false;
    out = Event{&k, k.event, {}};
    return true;
  }
  re2::StringPiece groups[kMaxGroups + 1];
  const int n = groups_needed(k) + 1;
  if (!k.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups, n)) return false;
  out = Event{&k, k.event, {}};
  for (size_t slot = 0; slot < kMaxSlots; ++slot)
    if (int g = k.slot_group[slot]; g > 0 && groups[g].data()) {
      const std::string_view field(groups[g].data(), groups[g].size());
      out.fields[slot] = k.slot_unquote[slot] ? unquote(field) : field;
    }
  return true;
}

bool try_kinds(const std::vector<const LineKind*>& kinds, std::string_view body, Event& out) {
  for (const LineKind* k : kinds)
    if (try_kind(*k, body, out)) return true;
  return false;
}

// Below this many kinds, trying them in order is cheaper than a set: a failing try stops
// at the first byte that differs (debug lines: "Sent" or "Rcvd"), while the set always
// scans the whole body. The first kind in grammar order wins either way.
constexpr size_t kSetMinKinds = 5;

// A set over many patterns needs more DFA memory than one pattern; when it runs out
// anyway, matching falls back to trying the kinds one by one.
constexpr int64_t kSetMaxMem = int64_t{64} << 20;

}  // namespace

Matcher::Matcher(const Grammar& grammar) : grammar_(grammar) {
  for (const auto& k : grammar_.kinds()) {
    if (k->token == "#") numeric_.kinds.push_back(k.get());
    else if (k->token == "*") any_.kinds.push_back(k.get());
    else by_token_[k->token].kinds.push_back(k.get());
  }
  build_set(numeric_);
  build_set(any_);
  for (auto& [token, c] : by_token_) build_set(c);
}

void Matcher::build_set(Candidates& c) {
  if (c.kinds.size() < kSetMinKinds) return;
  RE2::Options options = c.kinds.front()->re->options();
  options.set_max_mem(kSetMaxMem);
  auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  for (const LineKind* k : c.kinds)
    if (set->Add(k->re->pattern(), nullptr) < 0) return;  // loaded kinds always compile
  if (set->Compile()) c.set = std::move(set);
}

bool Matcher::match_in(const Candidates& c, std::string_view body, Event& out) const {
  if (!c.set) return try_kinds(c.kinds, body, out);
  hits_.clear();  // reused: no allocation per line once it has grown
  RE2::Set::ErrorInfo error;
  if (!c.set->Match(re2::StringPiece(body.data(), body.size()), &hits_, &error))
    return error.kind != RE2::Set::kNoError && try_kinds(c.kinds, body, out);
  // Several kinds may match; the first in grammar order wins, as with sequential tries.
  const LineKind& k = *c.kinds[*std::min_element(hits_.begin(), hits_.end())];
  // The set has proved the match; only a kind with fields needs its own capturing run.
  if (k.event == EventType::other) {
    out = Event{&k, k.event, {}};
    return true;
  }
  return try_kind(k, body, out);
}

bool Matcher::match(std::string_view body, Event& out) const {
  out = Event{};
  body = trim_trailing_blanks(body);
  if (body.empty()) return false;
  if (is_digit(body.front())) {
    if (match_in(numeric_, body, out)) return true;
  } else if (auto it = by_token_.find(first_word(body)); it != by_token_.end()) {
    if (match_in(it->second, body, out)) return true;
  }
  if (match_in(any_, body, out)) return true;
  out = Event{};
  return false;
}

bool Matcher::has_token_for(std::string_view text) const {
  if (text.empty()) return false;
  if (is_digit(text.front())) return !numeric_.kinds.empty();
  return by_token_.count(first_word(text)) > 0;
}

}  // namespace mailtls
