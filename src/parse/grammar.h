// Grammars are data: every *.toml file under grammars/ names line kinds with an RE2
// pattern, named captures and sample lines. This unit loads and checks them.
//
// File format (see grammars/README.md for the full description):
//
//   family = "mail_logs"          # one family per file
//
//   [[frame]]                     # only in framing files: how a physical line starts
//   name = "ctime"
//   pattern = '''...'''           # anchored at the start of the line; the text after
//                                 # the match is the record's body. Captures allowed:
//                                 # pri, weekday, month, day, time, year, host, tag, level
//   [[frame.sample]]
//   line = "..."
//   body = "..."                  # what must remain after the prefix
//   fields = { month = "Sep", day = "6" }
//
//   [[kind]]                      # a kind of body
//   name = "icid_tls_success"
//   event = "icid_tls_success"    # optional: an EventType name (events.h)
//   token = "ICID"                # the first word of bodies of this kind; "#" for a
//                                 # number (debug logs); "*" to try on every body
//   pattern = '''ICID (?P<id>\d+) TLS success...'''   # matched against the whole body
//   unquote = ["reason"]          # optional: captures that lose one leading ' or "
//                                 # and then one trailing ' or " (Python-repr quotes)
//   drop_blank = ["interface"]    # optional: captures that lose one trailing blank
//   quick = '''...'''             # optional: a narrower pattern RE2 runs one-pass,
//                                 # tried first (see grammars/README.md)
//   [[kind.sample]]
//   line = "ICID 5 TLS success protocol TLSv1.2 cipher AES128-SHA"
//   fields = { id = "5", protocol = "TLSv1.2" }
//
// Checks made at load: the TOML parses; names are unique; every pattern compiles (RE2's
// error and error_arg are quoted); an event name exists; every named capture of an
// event kind is one of that event's slots, and `id` is present when the event has it;
// every sample matches its own kind and yields its fields, and no earlier kind with the
// same token claims it; every `unquote` name is a capture that feeds an event slot; a
// `drop_blank` name is one too, and not also in `unquote`; a `quick` pattern belongs to an
// event kind, compiles, has the pattern's captures, at most 2 * kMaxQuickGroups groups
// up to the last that feeds a slot, matches at least one
// sample, and yields the pattern's fields on every sample it matches. Every problem is
// reported with file and key; load fails if any.
#pragma once

#include <re2/re2.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/diagnostics.h"
#include "model/events.h"

namespace mailtls {

struct Sample {
  TextPosition at;  // of the sample's table in its file
  std::string line;
  std::string body;  // frames only
  std::vector<std::pair<std::string, std::string>> fields;
};

struct FrameKind {
  std::string name, file;
  std::unique_ptr<RE2> re;
  // capture group index (1-based, RE2 numbering) per frame field, 0 when absent
  int pri = 0, weekday = 0, month = 0, day = 0, time = 0, year = 0, host = 0, tag = 0, level = 0;
  // Matches in full the texts that a longer match of `re` starts with (pattern_prefix.h),
  // so the framer can tell when a line's prefix decides the frame whatever follows; null
  // when the pattern is not read, or when `no_extension`: no match starts another.
  std::unique_ptr<RE2> extension;
  bool no_extension = false;
  std::vector<Sample> samples;
};

struct LineKind {
  std::string name, family, file, token;
  EventType event = EventType::other;
  std::unique_ptr<RE2> re;
  std::array<int, kMaxSlots> slot_group{};  // RE2 group per event slot, 0 when absent
  // Per event slot: drop one quote at each end of the captured text (`unquote`). Lets a
  // pattern end in a plain `(?P<text>.*)`, which RE2 runs one-pass, instead of
  // `['"]?(?P<text>.*?)['"]?`, which it cannot; the fields are the same.
  std::array<bool, kMaxSlots> slot_unquote{};
  // Per event slot: drop one trailing blank (space, tab, CR, LF, FF) from the captured
  // text (`drop_blank`). Lets a capture end with the \s that follows it, "(.+?\s)\(", so
  // a one-pass `quick` pattern can capture the same text: "(?:[^\s(]+\s)+".
  std::array<bool, kMaxSlots> slot_drop_blank{};
  int groups = 0;                           // number of capturing groups
  // `quick`: a narrower pattern for the common shapes of the kind's bodies, which RE2
  // runs one-pass where `re` needs its slower backtracking engine. It must match only
  // bodies `re` matches, and give the same fields there; the matcher tries it first and
  // falls back to `re`. Null when the kind has none.
  std::unique_ptr<RE2> quick;
  std::array<int, kMaxSlots> quick_slot_group{};  // `quick`'s group per event slot
  TextPosition quick_at;                          // where `quick` is written
  std::vector<Sample> samples;
  // `note = "<family>"` on a kind of event `note`: the generic family its lines belong to
  // (the matcher puts it in the event's family slot).
  std::string note;
  // `log_type = "<type>"`: the kind is the shape of another log subscription's lines
  // (status, gui...), counted as that type rather than as mail_logs.
  std::string log_type;
  bool generic = false;  // made by the generic tier (one per family), not read from a file
};

// A family of the generic tier (grammars/generic.toml): a mail_logs body no kind matches
// but that names a message or connection is a `note` of the first family whose `re` is
// found in it. A family without `re` is given only by kinds (`note = ...`) or is the
// fallback.
struct GenericFamily {
  std::string name, file;
  std::unique_ptr<RE2> re;
  std::vector<std::string> samples;
  LineKind kind;  // what Event::kind points to for this family's generic lines
};

// Another log subscription, told by its syslog tag (grammars/log_types.toml).
struct LogType {
  std::string name, file;
  std::unique_ptr<RE2> tag;  // matches the whole tag
  std::vector<std::string> samples;
};

// The generic tier: where a body names what it is about, and its families in order.
struct GenericTier {
  std::unique_ptr<RE2> reference;  // finds "MID 5", "ICID: 7"...: captures ref and id
  int ref_group = 0, id_group = 0;
  std::vector<std::unique_ptr<GenericFamily>> families;  // in file order
  const GenericFamily* fallback = nullptr;

  struct Found {
    std::string_view ref, id;  // views into the body
    const GenericFamily* family = nullptr;
  };
  // The first reference in the first `span` bytes of `body` and the family the whole body
  // falls into; nullopt when that part names nothing (or no grammar file defines the tier).
  std::optional<Found> find(std::string_view body, size_t span = std::string_view::npos) const;
  const GenericFamily* family(std::string_view name) const;
};

// The matcher extracts captures into a fixed array on the stack; the loader refuses an
// event kind with more capturing groups than this.
inline constexpr int kMaxEventGroups = 16;

// Trailing blanks are frequent in real logs ("... cipher AES128-SHA "); the matcher drops
// them from a body (and the self-test from a sample), which keeps every pattern free of a
// trailing " *".
std::string_view trim_trailing_blanks(std::string_view s);
// The first word of a body, up to a blank: what dispatch reads as the token.
std::string_view first_word(std::string_view text);
// "text" in double quotes, as the loader's and the self-test's messages quote.
std::string in_quotes(std::string_view s);

// The framer reads a frame's fields from its first this many capture groups; the loader
// refuses a frame whose field capture comes later.
inline constexpr int kMaxFrameGroups = 9;

// RE2 extracts at most this many groups (group 0 aside) with its one-pass engine. A
// `quick` pattern may read up to twice as many: the matcher then asks in two calls.
constexpr int kMaxQuickGroups = 4;

class Grammar {
 public:
  // Loads every *.toml in `dir` (sorted by name). Returns null after reporting every
  // problem to `diag` when any file is invalid.
  static std::unique_ptr<Grammar> load(const std::filesystem::path& dir, Diagnostics& diag);

  const std::vector<std::unique_ptr<FrameKind>>& frames() const { return frames_; }
  const std::vector<std::unique_ptr<LineKind>>& kinds() const { return kinds_; }
  // Null reference when no file defines a [generic] table.
  const GenericTier& generic() const { return generic_; }
  const std::vector<std::unique_ptr<LogType>>& log_types() const { return log_types_; }
  // The log type a syslog tag names, or null for a mail_logs subscription (any tag no
  // type claims, and no tag at all).
  const LogType* log_type_of_tag(std::string_view tag) const;
  const LogType* log_type(std::string_view name) const;

  // True when the first word of `text` is the token of some kind ("#": a number), so
  // `text` can start a record body: the framer tells a record without timestamp from the
  // continuation of the previous one by it.
  bool starts_body(std::string_view text) const;

  // Runs every sample again (frames and kinds, the kinds through the matcher's dispatch:
  // grammar_self_test.cc); reports failures; true when all pass.
  bool self_test(Diagnostics& diag) const;

 private:
  void index_tokens();
  std::vector<std::unique_ptr<FrameKind>> frames_;
  std::vector<std::unique_ptr<LineKind>> kinds_;
  std::unordered_set<std::string_view> tokens_;  // views into kinds_' tokens, "#" and "*" aside
  bool numeric_token_ = false;                   // some kind's token is "#"
  GenericTier generic_;
  std::vector<std::unique_ptr<LogType>> log_types_;
};

}  // namespace mailtls
