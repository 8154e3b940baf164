// Stage 4, the matcher: finds the line kind of a record body and extracts its fields.
// Dispatch is on the body's first word (a fixed token, "#" for a number); among that
// token's candidate kinds, the first in grammar order whose pattern matches the whole
// body wins ("*" kinds are tried last). One RE2::Set pass over the body picks the kind,
// then one capturing match extracts its fields. Fields are views into the body.
#pragma once

#include <re2/set.h>

#include <array>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events.h"
#include "grammar.h"

namespace mailtls {

struct Event {
  const LineKind* kind = nullptr;  // null when nothing matched
  EventType type = EventType::other;
  std::array<std::string_view, kMaxSlots> fields{};
  std::string_view field(int slot) const { return fields[slot]; }
};

// One matcher serves one thread: it keeps a scratch list between calls.
class Matcher {
 public:
  explicit Matcher(const Grammar& grammar);
  // Fills `out` and returns true when a kind matches `body`.
  bool match(std::string_view body, Event& out) const;
  // True when the first word of `text` is a dispatch token of some kind: used by the
  // framer to tell a record without timestamp from the continuation of the previous one.
  bool has_token_for(std::string_view text) const;

 private:
  // The kinds one token selects, in grammar order, and a set of all their patterns so
  // that one DFA pass finds which of them match (trying them one by one costs a
  // failed match per kind on long candidate lists such as "MID").
  struct Candidates {
    std::vector<const LineKind*> kinds;
    std::unique_ptr<RE2::Set> set;  // null for a short list (tried in order), or if the set failed
  };
  static void build_set(Candidates& c);
  bool match_in(const Candidates& c, std::string_view body, Event& out) const;

  const Grammar& grammar_;
  std::unordered_map<std::string_view, Candidates> by_token_;  // views into kinds' tokens
  Candidates numeric_;  // token "#"
  Candidates any_;      // token "*"
  mutable std::vector<int> hits_;  // the set's matches for the body being matched
};

}  // namespace mailtls
