#include "parse/matcher.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>

#include "parse/pattern_words.h"

namespace mailtls {

namespace {

// How one slot is read from the groups of a match: which group, and how its text is
// trimmed (see LineKind::slot_unquote and slot_drop_blank).
struct SlotRead {
  enum class Trim : uint8_t { none, unquote, drop_blank };
  uint8_t slot = 0, group = 0;
  Trim trim = Trim::none;
};

// The slots a kind fills, listed once at load, so a match only visits those.
struct SlotReads {
  std::array<SlotRead, kMaxSlots> reads{};
  size_t size = 0;
};

}  // namespace

struct Matcher::Run {
  const LineKind* kind = nullptr;
  SlotReads reads, quick_reads;  // through `kind->re` (or `head`) and through `quick`
  int needed = 0;  // the highest group that feeds a slot: fewer submatches, faster RE2 paths
  const RE2* quick = nullptr;  // the kind's `quick` pattern, when this matcher can use it
  int quick_needed = 0;        // the same as `needed`, for `quick`
  // When `quick` reads more groups than RE2 extracts one-pass: the same pattern with its
  // first kMaxQuickGroups groups made non-capturing, to read the later ones in a second
  // call (its group n is quick's group kMaxQuickGroups + n).
  std::unique_ptr<RE2> quick_late;
  // A kind with fields whose pattern ends in "(?P<name>.*)": the pattern before that group,
  // matched at the start of the body, and the group's number. The group is then the rest
  // of the body. RE2's one-pass engine costs a few ns per byte, and the rest (a reply, a
  // response) is often most of the body; the head alone stops where it matched.
  std::unique_ptr<RE2> head;
  int rest_group = 0;
};

struct Matcher::Candidates {
  std::vector<const Run*> kinds;  // in grammar order
  // A list that is not split and has many kinds: one pass finds which of them match
  // (null for a short list, tried in order, or if the set failed).
  std::unique_ptr<RE2::Set> set;
  // A split list: the body's word number `word` picks the part to try.
  int word = -1;
  WordIndex by_word;  // views into the parts' `word_value`
  std::vector<std::unique_ptr<Candidates>> parts;
  std::string word_value;  // the word that leads to this part from its parent
  std::unique_ptr<Candidates> absent;  // bodies with fewer words
  std::unique_ptr<Candidates> rest;    // a word no kind fixes: only the kinds that fix none
};

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }



int groups_needed(const std::array<int, kMaxSlots>& slot_group) {
  int n = 0;
  for (int g : slot_group) n = std::max(n, g);
  return n;
}

// `drop_blank`: one trailing \s byte off, the one that ended the capture.
std::string_view drop_blank(std::string_view s) {
  if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r' || s.back() == '\f'))
    s.remove_suffix(1);
  return s;
}

// Python-repr quoting, as `unquote` declares it: one ' or " off the front, then one off
// the end of what is left. A capture that took part stays non-null even when emptied.
std::string_view unquote(std::string_view s) {
  auto quote = [](char c) { return c == '\'' || c == '"'; };
  if (!s.empty() && quote(s.front())) s.remove_prefix(1);
  if (!s.empty() && quote(s.back())) s.remove_suffix(1);
  return s;
}

SlotReads slot_reads(const LineKind& k, const std::array<int, kMaxSlots>& slot_group) {
  SlotReads out;
  for (size_t slot = 0; slot < kMaxSlots; ++slot) {
    if (slot_group[slot] <= 0) continue;
    const auto trim = k.slot_unquote[slot]      ? SlotRead::Trim::unquote
                      : k.slot_drop_blank[slot] ? SlotRead::Trim::drop_blank
                                                : SlotRead::Trim::none;
    out.reads[out.size++] = SlotRead{static_cast<uint8_t>(slot), static_cast<uint8_t>(slot_group[slot]), trim};
  }
  return out;
}

// Sets `out` to kind `k` with the fields its groups captured.
void fill(const LineKind& k, const SlotReads& reads, const re2::StringPiece* groups, Event& out) {
  out = Event{&k, k.event, {}};
  for (size_t i = 0; i < reads.size; ++i) {
    const SlotRead& r = reads.reads[i];
    const re2::StringPiece& g = groups[r.group];
    if (!g.data()) continue;
    const std::string_view field(g.data(), g.size());
    out.fields[r.slot] = r.trim == SlotRead::Trim::none      ? field
                         : r.trim == SlotRead::Trim::unquote ? unquote(field)
                                                             : drop_blank(field);
  }
}

}  // namespace

bool Matcher::try_run(const Run& run, std::string_view body, Event& out) {
  const LineKind& k = *run.kind;
  const re2::StringPiece text(body.data(), body.size());
  if (k.event == EventType::other) {
    if (!k.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) return false;
    out = Event{&k, k.event, {}};
    return true;
  }
  re2::StringPiece groups[kMaxEventGroups + 1];
  // The narrower one-pass pattern first: where it matches, `re` would give the same.
  if (run.quick && run.quick->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups,
                                    std::min(run.quick_needed, kMaxQuickGroups) + 1)) {
    if (run.quick_late) {  // the same pattern, so it matches too
      const int late = run.quick_needed - kMaxQuickGroups;
      re2::StringPiece later[kMaxQuickGroups + 1];
      run.quick_late->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, later, late + 1);
      std::copy(later + 1, later + late + 1, groups + kMaxQuickGroups + 1);
    }
    fill(k, run.quick_reads, groups, out);
    return true;
  }
  if (run.head) {
    const int n = std::min(run.needed, run.rest_group - 1) + 1;
    if (!run.head->Match(text, 0, text.size(), RE2::ANCHOR_START, groups, n)) return false;
    groups[run.rest_group] = text.substr(groups[0].size());
  } else if (!k.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups, run.needed + 1)) {
    return false;
  }
  fill(k, run.reads, groups, out);
  return true;
}

namespace {

// Below this many kinds, trying them in order is cheaper than a set: a failing try stops
// at the first byte that differs (debug lines: "Sent" or "Rcvd"), while the set always
// scans the whole body. The first kind in grammar order wins either way.
constexpr size_t kSetMinKinds = 5;

// A set over many patterns needs more DFA memory than one pattern; when it runs out
// anyway, matching falls back to trying the kinds one by one.
constexpr int64_t kSetMaxMem = int64_t{64} << 20;

// Splitting looks at words 1..kMaxSplitWord (word 0 is the token), at most this deep.
constexpr size_t kMaxSplitWord = 6;
constexpr int kMaxSplitDepth = 3;

// Word `index` of `body` (pieces between single spaces), nullopt when it has fewer.
// A plain loop: the words are short, and memchr's call costs more than it saves here.
std::optional<std::string_view> nth_word(std::string_view body, size_t index) {
  size_t at = 0;
  for (size_t i = 0; i < index; ++i) {
    while (at < body.size() && body[at] != ' ') ++at;
    if (at == body.size()) return std::nullopt;
    ++at;
  }
  size_t end = at;
  while (end < body.size() && body[end] != ' ') ++end;
  return body.substr(at, end - at);
}

// The analysis reads patterns as case-sensitive RE2 syntax, which the loader's options are.
PatternWords words_of(const LineKind& k) {
  const RE2::Options& o = k.re->options();
  if (!o.case_sensitive() || o.literal() || o.never_nl() || o.posix_syntax()) return PatternWords();
  return PatternWords(k.re->pattern());
}

template <typename Run>
void build_set(const std::vector<const Run*>& kinds, std::unique_ptr<RE2::Set>& out) {
  if (kinds.size() < kSetMinKinds) return;
  RE2::Options options = kinds.front()->kind->re->options();
  options.set_max_mem(kSetMaxMem);
  auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  for (const Run* r : kinds)
    if (set->Add(r->kind->re->pattern(), nullptr) < 0) return;  // loaded kinds always compile
  if (set->Compile()) out = std::move(set);
}

// The head of a pattern ending in "(?P<name>.*)" (see Run), when `.` matches any byte;
// null otherwise, or if the head does not number its groups as the pattern does.
std::unique_ptr<RE2> rest_head(const LineKind& k, int& rest_group) {
  const RE2& re = *k.re;
  const size_t at = capture_of_rest_at(re.pattern());
  if (at == std::string_view::npos || at == 0 || !re.options().dot_nl() || re.options().literal())
    return nullptr;
  rest_group = re.NumberOfCapturingGroups();
  auto head = std::make_unique<RE2>(re.pattern().substr(0, at), re.options());
  if (!head->ok() || head->NumberOfCapturingGroups() != rest_group - 1) return nullptr;
  return head;
}

// `quick` without its first kMaxQuickGroups captures (see Run::quick_late). The loader
// allows at most 2 * kMaxQuickGroups groups read, so the late call asks for at most
// kMaxQuickGroups too.
std::unique_ptr<RE2> late_groups(const RE2& quick) {
  const auto text = without_first_captures(quick.pattern(), kMaxQuickGroups);
  if (!text) return nullptr;
  auto late = std::make_unique<RE2>(*text, quick.options());
  if (!late->ok() || late->NumberOfCapturingGroups() != quick.NumberOfCapturingGroups() - kMaxQuickGroups)
    return nullptr;
  return late;
}

}  // namespace

Matcher::Matcher(const Grammar& grammar) : grammar_(grammar) {
  runs_.reserve(grammar_.kinds().size());  // Candidates point into it
  for (const auto& k : grammar_.kinds()) {
    Run& run = runs_.emplace_back();
    run.kind = k.get();
    run.needed = groups_needed(k->slot_group);
    run.reads = slot_reads(*k, k->slot_group);
    run.quick_reads = slot_reads(*k, k->quick_slot_group);
    run.quick_needed = k->quick ? groups_needed(k->quick_slot_group) : 0;
    if (k->quick && run.quick_needed > kMaxQuickGroups) run.quick_late = late_groups(*k->quick);
    if (run.quick_needed <= kMaxQuickGroups || run.quick_late) run.quick = k->quick.get();
    if (k->event != EventType::other) run.head = rest_head(*k, run.rest_group);
  }
  std::vector<const Run*> numeric, any;
  std::unordered_map<std::string_view, std::vector<const Run*>> by_token;
  for (const Run& run : runs_) {
    const LineKind* k = run.kind;
    if (k->token == "#") numeric.push_back(&run);
    else if (k->token == "*") any.push_back(&run);
    else by_token[k->token].push_back(&run);
  }
  numeric_ = build(std::move(numeric), 0);
  any_ = build(std::move(any), 0);
  for (auto& [token, kinds] : by_token) {
    token_lists_.push_back(build(std::move(kinds), 0));
    by_token_.insert(token, token_lists_.back().get());
  }
}

Matcher::~Matcher() = default;

namespace {

// Length and three bytes, mixed: words here are short and differ in one of those, and a
// collision only costs one more probe (the slot compares the whole word). Hashing every
// byte was a tenth of the matcher's own instructions.
size_t word_hash(std::string_view s) {
  uint64_t h = s.size();
  if (!s.empty())
    h = ((h * 31 + static_cast<unsigned char>(s.front())) * 31 + static_cast<unsigned char>(s[s.size() / 2])) * 31 +
        static_cast<unsigned char>(s.back());
  h *= 0x9E3779B97F4A7C15u;
  return static_cast<size_t>(h ^ (h >> 32));
}

}  // namespace

void Matcher::WordIndex::insert(std::string_view word, const Candidates* to) {
  if (2 * (count_ + 1) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, 2 * old.size()), Slot{});
    count_ = 0;
    for (const Slot& s : old)
      if (s.to) insert(s.word, s.to);
  }
  size_t i = word_hash(word) & (slots_.size() - 1);
  while (slots_[i].to) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = Slot{word, to};
  ++count_;
}

const Matcher::Candidates* Matcher::WordIndex::find(std::string_view word) const {
  if (slots_.empty()) return nullptr;
  for (size_t i = word_hash(word) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
    const Slot& s = slots_[i];
    if (!s.to) return nullptr;
    if (s.word == word) return s.to;
  }
}

// Splits `kinds` on the word that the most of them fix (then the one with the most
// values), if some part comes out shorter; each part keeps grammar order and is split
// again the same way. A kind goes to every part whose value it allows, and to the
// `rest` part when it does not fix that word.
std::unique_ptr<Matcher::Candidates> Matcher::build(std::vector<const Run*> kinds, int depth) {
  auto c = std::make_unique<Candidates>();
  c->kinds = std::move(kinds);
  if (c->kinds.size() >= 2 && depth < kMaxSplitDepth) {
    std::vector<PatternWords> patterns;
    for (const Run* r : c->kinds) patterns.push_back(words_of(*r->kind));
    size_t best_word = 0, best_fixed = 0, best_values = 0;
    std::vector<WordValues> best;
    for (size_t w = 1; w <= kMaxSplitWord; ++w) {
      std::vector<WordValues> values;
      std::set<std::string> distinct;
      size_t fixed = 0;
      bool absent = false;
      for (const auto& p : patterns) {
        values.push_back(p.word(w));
        if (!values.back().fixed) continue;
        ++fixed;
        distinct.insert(values.back().words.begin(), values.back().words.end());
        absent = absent || values.back().absent;
      }
      const size_t parts = distinct.size() + (absent ? 1 : 0);
      if (fixed < 2 || parts < 2) continue;
      if (fixed > best_fixed || (fixed == best_fixed && parts > best_values)) {
        best_word = w;
        best_fixed = fixed;
        best_values = parts;
        best = std::move(values);
      }
    }
    if (best_word > 0) {
      auto part = [&](auto takes) {
        std::vector<const Run*> kinds;
        for (size_t i = 0; i < c->kinds.size(); ++i)
          if (!best[i].fixed || takes(best[i])) kinds.push_back(c->kinds[i]);
        return kinds;
      };
      std::map<std::string, std::vector<const Run*>, std::less<>> by_word;
      for (const auto& v : best)
        for (const auto& word : v.words)
          if (!by_word.count(word))
            by_word[word] = part([&](const WordValues& x) {
              return std::binary_search(x.words.begin(), x.words.end(), word);
            });
      auto absent = part([](const WordValues& x) { return x.absent; });
      auto rest = part([](const WordValues&) { return false; });
      size_t largest = std::max(absent.size(), rest.size());
      for (const auto& [word, kinds] : by_word) largest = std::max(largest, kinds.size());
      if (largest < c->kinds.size()) {
        c->word = static_cast<int>(best_word);
        for (auto& [word, kinds] : by_word) {
          auto part = build(std::move(kinds), depth + 1);
          part->word_value = word;
          c->by_word.insert(part->word_value, part.get());
          c->parts.push_back(std::move(part));
        }
        c->absent = build(std::move(absent), depth + 1);
        c->rest = build(std::move(rest), depth + 1);
        return c;
      }
    }
  }
  build_set(c->kinds, c->set);
  return c;
}

bool Matcher::match_in(const Candidates& root, std::string_view body, Event& out) const {
  const Candidates* part = &root;
  while (part->word >= 0) {
    const auto word = nth_word(body, static_cast<size_t>(part->word));
    if (!word) {
      part = part->absent.get();
    } else {
      const Candidates* to = part->by_word.find(*word);
      part = to ? to : part->rest.get();
    }
  }
  const Candidates& c = *part;
  auto try_in_order = [&] {
    for (const Run* run : c.kinds)
      if (try_run(*run, body, out)) return true;
    return false;
  };
  if (!c.set) return try_in_order();
  hits_.clear();  // reused: no allocation per line once it has grown
  RE2::Set::ErrorInfo error;
  if (!c.set->Match(re2::StringPiece(body.data(), body.size()), &hits_, &error))
    return error.kind != RE2::Set::kNoError && try_in_order();
  // Several kinds may match; the first in grammar order wins, as with sequential tries.
  const Run& run = *c.kinds[*std::min_element(hits_.begin(), hits_.end())];
  // The set has proved the match; only a kind with fields needs its own capturing run.
  if (run.kind->event == EventType::other) {
    out = Event{run.kind, run.kind->event, {}};
    return true;
  }
  return try_run(run, body, out);
}

// A kind that matches sets all of `out`; a try that fails leaves it alone, so it is
// cleared once, when nothing matched.
namespace {

// A note kind names its family in the grammar, not in the line: the event carries it.
bool note_family(Event& out) {
  if (!out.kind->note.empty()) out.fields[slot::family] = out.kind->note;
  return true;
}

}  // namespace

bool Matcher::match(std::string_view body, Event& out, size_t generic_span) const {
  body = trim_trailing_blanks(body);
  if (!body.empty()) {
    if (is_digit(body.front())) {
      if (match_in(*numeric_, body, out)) return note_family(out);
    } else if (const Candidates* c = by_token_.find(first_word(body))) {
      if (match_in(*c, body, out)) return note_family(out);
    }
    if (match_in(*any_, body, out)) return note_family(out);
    if (generic_span > 0 && match_generic(body, generic_span, out)) return true;
  }
  out = Event{};
  return false;
}

// The generic tier, for a body no kind matches: a `note` of the family the grammar's
// generic tier finds, when the body names a message or a connection.
bool Matcher::match_generic(std::string_view body, size_t span, Event& out) const {
  const auto found = grammar_.generic().find(body, span);
  if (!found) return false;
  out = Event{};
  out.kind = &found->family->kind;
  out.type = EventType::note;
  out.fields[slot::id] = found->id;
  out.fields[slot::ref] = found->ref;
  out.fields[slot::family] = found->family->name;
  return true;
}

}  // namespace mailtls
