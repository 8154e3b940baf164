// Stage 4, the matcher: finds the line kind of a record body and extracts its fields.
// Dispatch is on the body's first word (a fixed token, "#" for a number); among that
// token's candidate kinds, the first in grammar order whose pattern matches the whole
// body wins ("*" kinds are tried last). Fields are views into the body.
//
// The result is that of trying the token's kinds in grammar order, but most bodies need
// one RE2 call: at load, the patterns' own text tells which later word of the body each
// kind fixes ("MID \d+ queued ..." fixes the third word to "queued", see pattern_words.h),
// and the token's kinds are split on the word that tells most of them apart, again
// within each part if that helps. A body then only meets the kinds that fix its word to
// the value it has, plus those that fix nothing there, still in grammar order. A list
// that stays long is matched through one RE2::Set pass, then one capturing match.
#pragma once

#include <re2/set.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "model/events.h"
#include "parse/grammar.h"

namespace mailtls {

// One matcher serves one thread: it keeps a scratch list between calls, and its own
// derived patterns. The grammar it reads may be shared by other threads' matchers.
class Matcher {
 public:
  explicit Matcher(const Grammar& grammar);
  ~Matcher();
  // Fills `out` and returns true when a kind matches `body`, or else when the grammar's
  // generic tier recognises it (a `note` of a family) by a reference within its first
  // `generic_span` bytes: the first physical line of a record joined from several (a
  // continuation never decides what a record is about); 0 turns the tier off.
  bool match(std::string_view body, Event& out, size_t generic_span = std::string_view::npos) const;

 private:
  // How this matcher runs one kind, and the kinds one token selects, in grammar order,
  // split by a word of the body into shorter lists (both defined in matcher.cc).
  struct Run;
  struct Candidates;
  static std::unique_ptr<Candidates> build(std::vector<const Run*> runs, int depth);
  static bool try_run(const Run& run, std::string_view body, Event& out);
  bool match_in(const Candidates& c, std::string_view body, Event& out) const;
  bool match_generic(std::string_view body, size_t span, Event& out) const;

  const Grammar& grammar_;
  std::vector<Run> runs_;  // one per kind, in grammar order
  // A fixed set of short words (tokens, word values), each leading to a list: open
  // addressing on a hash of the length and three bytes, filled at load, read without
  // allocation.
  class WordIndex {
   public:
    void insert(std::string_view word, const Candidates* to);  // `word` must outlive the index
    const Candidates* find(std::string_view word) const;

   private:
    struct Slot {
      std::string_view word;
      const Candidates* to = nullptr;
    };
    std::vector<Slot> slots_;  // a power of two, at most half full
    size_t count_ = 0;
  };
  std::vector<std::unique_ptr<Candidates>> token_lists_;
  WordIndex by_token_;  // views into kinds' tokens
  std::unique_ptr<Candidates> numeric_;  // token "#"
  std::unique_ptr<Candidates> any_;      // token "*"
  mutable std::vector<int> hits_;  // the set's matches for the body being matched
};

}  // namespace mailtls
