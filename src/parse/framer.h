// Stage 2, the framer: cuts decompressed bytes into records.
//
// A record is one log entry: a physical line with its prefix (ctime or syslog form, see
// grammars/framing.toml) parsed into time, host, tag and level, plus any continuation
// lines that follow it (a line with no prefix whose first word starts no known body).
// Lines starting with '#' are comments (annotated or pasted logs). Records are handed
// to a sink; their views stay valid only during the call.
//
// Damage handling: NUL bytes and invalid UTF-8 stay in the text (the store keeps bytes);
// a line longer than `max_line_bytes` is cut there, the rest of it skipped, and a
// diagnostic names the stream and byte offset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "parse/grammar.h"

namespace mailtls {

class Localizer;

struct Record {
  int64_t local_time = 0;  // wall-clock time read as if UTC; 0 when the line has none
  std::string_view host;   // syslog host, empty when absent
  std::string_view tag;    // syslog tag (log subscription name), empty when absent
  std::string_view level;  // "Info", "Warning"...; empty when absent
  std::string_view body;   // the text after the prefix (with continuations joined)
  // The same body with every continuation joined by a space: a page that hard-wrapped a
  // line at a space dropped the space, one that cut a word did not; `body` guesses which,
  // and this is the other guess to try when `body` matches nothing. Equal to `body` for
  // a one-line record.
  std::string_view body_spaced;
  std::string_view text;   // the whole record as read (continuations joined by '\n')
  int64_t line_no = 0;     // 1-based number of its first physical line
  int64_t offset = 0;      // byte offset of its first physical line
  int physical_lines = 1;
  bool comment = false;
  bool framed = false;     // a known prefix was found
};

struct FramerOptions {
  int year = 0;             // --year: for prefixes without a year; 0 = infer
  int64_t mtime = 0;        // the stream's mtime, to infer a missing year
  size_t max_line_bytes = size_t{1} << 20;
  int64_t first_line_no = 1;  // when reading on from where a previous run stopped
  int64_t first_offset = 0;
  // Localized logs (see localizer.h): with a localizer, a line of language `locale` is
  // restored to canonical English before framing; under "en" or "auto" only a line the
  // English frames miss is tried, line by line ("auto"), so English logs pay nothing.
  const Localizer* localizer = nullptr;
  std::string locale = "auto";
  // Frame a line that starts with the previous line's prefix by one capture-free match
  // (the records are the same either way; off only to test that).
  bool reuse_prefixes = true;
};

class Framer {
 public:
  using Sink = std::function<void(const Record&)>;

  Framer(const Grammar& grammar, FramerOptions options, std::string stream_name,
         Diagnostics& diag);

  void feed(std::string_view chunk, const Sink& sink);
  // Flushes the last line, even without a newline; with `hold_unterminated` a last line
  // without one is left out (not counted, not in complete_bytes()): a writer may still
  // be in the middle of it, and a later run reads it whole from complete_bytes().
  void finish(const Sink& sink, bool hold_unterminated = false);
  // Offset and number of the line without a newline that finish() held back; -1 if none.
  int64_t held_offset() const { return held_offset_; }
  int64_t held_line_no() const { return line_no_; }

  int64_t lines() const { return line_no_ - options_.first_line_no; }
  // Offset just past the last complete line seen: where a later run reads on.
  int64_t complete_bytes() const { return complete_offset_; }

 private:
  void on_line(std::string_view line, int64_t offset, const Sink& sink, bool in_chunk);
  bool parse_prefix(std::string_view line, Record& out);
  bool parse_prefix_slow(std::string_view line, Record& out);
  bool reuse_prefix(std::string_view line, Record& out) const;
  void remember_prefix(size_t frame, std::string_view line, const Record& out);
  bool cannot_extend(size_t frame, std::string_view prefix) const;
  bool frame_localized(std::string_view& line, Record& out);
  int64_t to_time(std::string_view month, std::string_view day, std::string_view time,
                  std::string_view year);
  void flush_pending(const Sink& sink);
  void own_pending();

  const Grammar& grammar_;
  FramerOptions options_;
  std::string stream_name_;
  Diagnostics& diag_;

  std::string partial_;       // a line cut by a chunk boundary
  int64_t partial_offset_ = 0;
  bool skipping_long_ = false;
  int64_t offset_ = 0;        // offset of the next byte fed
  int64_t line_no_ = 1;       // number of the next physical line
  int64_t complete_offset_ = 0;
  int64_t held_offset_ = -1;

  bool has_pending_ = false;  // the last record, held back for continuations
  Record pending_;
  bool pending_in_chunk_ = false;  // pending_ views the chunk being fed, not the buffers
  std::string pending_text_, pending_body_, pending_body_spaced_;
  struct FieldSpan {
    size_t at = 0, len = 0;
  };
  FieldSpan pending_host_, pending_tag_, pending_level_;  // in pending_text_
  int last_year_ = 0;
  int last_month_ = 0;
  // The prefix the last framed line matched, to frame lines of the same second with one
  // capture-free match (see reuse_prefix). Views are kept as offsets into `text`.
  struct PrefixMemo {
    bool valid = false;
    bool final = false;  // no frame up to `frame` matches `text` followed by more bytes
    size_t frame = 0;
    std::string text;
    size_t host_at = 0, host_len = 0, tag_at = 0, tag_len = 0, level_at = 0, level_len = 0;
    int64_t local_time = 0;
  };
  PrefixMemo memo_;
  std::vector<bool> memo_safe_;  // per frame: its pattern allows reuse_prefix
  bool restore_all_ = false;  // a non-English locale: every line goes through the localizer
  std::string restored_;      // the restored form of the current line
};

// Parses an English (or locale-table) month name or number: 1..12, 0 when unknown.
int month_number(std::string_view name);

}  // namespace mailtls
