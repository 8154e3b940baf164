// Stage 4, the matcher: finds the line kind of a record body and extracts its fields.
// Dispatch is on the body's first word (a fixed token, "#" for a number), then one
// anchored capturing match per candidate kind of that token, in grammar order. No
// allocation per line: fields are views into the body.
#pragma once

#include <array>
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

class Matcher {
 public:
  explicit Matcher(const Grammar& grammar);
  // Fills `out` and returns true when a kind matches `body`.
  bool match(std::string_view body, Event& out) const;
  // True when the first word of `text` is a dispatch token of some kind: used by the
  // framer to tell a record without timestamp from the continuation of the previous one.
  bool has_token_for(std::string_view text) const;

 private:
  const Grammar& grammar_;
  std::unordered_map<std::string_view, std::vector<const LineKind*>> by_token_;
  std::vector<const LineKind*> numeric_;  // token "#"
  std::vector<const LineKind*> any_;      // token "*"
};

}  // namespace mailtls
