#include "parse/framer.h"

#include <array>
#include <chrono>
#include <cstring>

#include "parse/localizer.h"

namespace mailtls {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return s.empty() ? -1 : v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_time(int64_t t, int& year, int& month) {
  const auto days = std::chrono::sys_days(std::chrono::days(t / 86400));
  const std::chrono::year_month_day ymd(days);
  year = static_cast<int>(ymd.year());
  month = static_cast<int>(static_cast<unsigned>(ymd.month()));
}

std::string_view group(const std::array<re2::StringPiece, kMaxFrameGroups + 1>& g, int index) {
  return index > 0 ? std::string_view(g[index].data(), g[index].size()) : std::string_view{};
}

// True when `pattern` has no empty-width assertion (\\b, $, ^ outside a class...): its
// leftmost-first submatches then depend only on the text it matched, not on what follows,
// which is what lets Framer::reuse_prefix take them from the line before.
bool reusable_pattern(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '$' || (c == '^' && (i == 0 || pattern[i - 1] != '['))) return false;
    if (c == '(' && pattern.substr(i).starts_with("(?m")) return false;
    if (c == '\\' && i + 1 < pattern.size()) {
      if (std::strchr("bBAz", pattern[i + 1])) return false;
      ++i;  // an escaped character is a literal
    }
  }
  return true;
}

std::string_view slice(std::string_view line, size_t at, size_t len) {
  return len ? line.substr(at, len) : std::string_view{};
}

// Joining a web-wrapped continuation: a space when the continuation opens a new token
// (an address, a list, a parenthesis), nothing when a word was cut in two.
bool needs_space(std::string_view continuation) {
  return !continuation.empty() && std::strchr("([<{\"'", continuation.front()) != nullptr;
}

}  // namespace

int month_number(std::string_view name) {
  if (name.size() >= 3) {
    for (size_t i = 0; i < kMonths.size(); ++i) {
      bool same = true;
      for (size_t k = 0; k < 3 && same; ++k)
        same = (name[k] | 0x20) == kMonths[i][k];
      if (same) return static_cast<int>(i) + 1;
    }
  }
  int n = to_int(name);
  return n >= 1 && n <= 12 ? n : 0;
}

Framer::Framer(const Grammar& grammar, FramerOptions options, std::string stream_name,
               Diagnostics& diag)
    : grammar_(grammar),
      options_(options),
      stream_name_(std::move(stream_name)),
      diag_(diag),
      offset_(options.first_offset),
      line_no_(options.first_line_no),
      complete_offset_(options.first_offset) {
  if (options_.year > 0) last_year_ = options_.year;
  restore_all_ = options_.localizer && options_.locale != "en" && options_.locale != "auto";
  for (const auto& frame : grammar_.frames())
    memo_safe_.push_back(options_.reuse_prefixes && reusable_pattern(frame->re->pattern()));
}

void Framer::feed(std::string_view chunk, const Sink& sink) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    const char* nl = static_cast<const char*>(std::memchr(chunk.data() + pos, '\n', chunk.size() - pos));
    const size_t end = nl ? static_cast<size_t>(nl - chunk.data()) : chunk.size();
    std::string_view piece = chunk.substr(pos, end - pos);
    const int64_t piece_offset = offset_ + static_cast<int64_t>(pos);
    if (!skipping_long_) {
      if (partial_.empty() && nl) {
        on_line(piece, piece_offset, sink, true);
      } else {
        if (partial_.empty()) partial_offset_ = piece_offset;
        const size_t room = options_.max_line_bytes - std::min(options_.max_line_bytes, partial_.size());
        partial_.append(piece.substr(0, room));
        if (piece.size() > room) {
          diag_.error(stream_name_, partial_offset_,
                      "line " + std::to_string(line_no_) + " is longer than " +
                          std::to_string(options_.max_line_bytes) + " bytes: cut there, the rest skipped",
                      true);
          skipping_long_ = true;
          on_line(partial_, partial_offset_, sink, false);
          partial_.clear();
          --line_no_;  // the same physical line goes on; counted when its newline comes
        } else if (nl) {
          on_line(partial_, partial_offset_, sink, false);
          partial_.clear();
        }
      }
    } else if (nl) {
      skipping_long_ = false;
      ++line_no_;
    }
    if (nl) complete_offset_ = offset_ + static_cast<int64_t>(end) + 1;
    pos = nl ? end + 1 : chunk.size();
  }
  offset_ += static_cast<int64_t>(chunk.size());
  if (has_pending_ && pending_in_chunk_) own_pending();  // the chunk goes away
}

void Framer::finish(const Sink& sink, bool hold_unterminated) {
  if (!partial_.empty() && hold_unterminated) {
    held_offset_ = partial_offset_;
    partial_.clear();
  } else if (!partial_.empty()) {
    on_line(partial_, partial_offset_, sink, false);
    partial_.clear();
    complete_offset_ = offset_;
  } else if (skipping_long_) {
    skipping_long_ = false;
    ++line_no_;
    complete_offset_ = offset_;
  }
  flush_pending(sink);
}

// Copies the held record out of the chunk into the framer's own buffers.
void Framer::own_pending() {
  auto span = [&](std::string_view v) {
    return v.empty() ? FieldSpan{} : FieldSpan{static_cast<size_t>(v.data() - pending_.text.data()), v.size()};
  };
  pending_host_ = span(pending_.host);
  pending_tag_ = span(pending_.tag);
  pending_level_ = span(pending_.level);
  pending_text_.assign(pending_.text);
  pending_body_.assign(pending_.body);
  pending_in_chunk_ = false;
}

void Framer::flush_pending(const Sink& sink) {
  if (!has_pending_) return;
  has_pending_ = false;
  if (pending_in_chunk_) {  // one line, still viewed where it was read
    pending_.body_spaced = pending_.body;
    sink(pending_);
    return;
  }
  pending_.text = pending_text_;
  pending_.body = pending_body_;
  pending_.body_spaced = pending_.physical_lines > 1 ? std::string_view(pending_body_spaced_) : pending_.body;
  pending_.host = slice(pending_text_, pending_host_.at, pending_host_.len);
  pending_.tag = slice(pending_text_, pending_tag_.at, pending_tag_.len);
  pending_.level = slice(pending_text_, pending_level_.at, pending_level_.len);
  sink(pending_);
}

// A record is held until the next line shows it has no continuation. While the line
// it came from stays in the chunk being fed (`in_chunk`), it is held as views there;
// it is copied into the framer's buffers when a continuation is joined to it, when it
// was read from elsewhere (a line cut by a chunk boundary, a restored localized line),
// or when feed() returns. Appending may move pending_text_, into which the held
// record's host, tag and level point: they are re-pointed by offset, or they would
// read freed memory at the flush.
void Framer::on_line(std::string_view line, int64_t offset, const Sink& sink, bool in_chunk) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const char* const read_at = line.data();
  const int64_t line_no = line_no_++;
  if (line.empty() || line.front() == '#') {
    Record comment;
    comment.text = line;
    comment.body = line;
    comment.line_no = line_no;
    comment.offset = offset;
    comment.comment = true;
    sink(comment);  // held records stay pending: a comment may sit inside a wrapped line
    return;
  }
  Record rec;
  rec.line_no = line_no;
  rec.offset = offset;
  rec.framed = options_.localizer ? frame_localized(line, rec) : parse_prefix(line, rec);
  if (!rec.framed) {
    if (has_pending_ && !grammar_.starts_body(line)) {
      // A continuation of the held record.
      if (pending_in_chunk_) own_pending();
      if (pending_.physical_lines == 1) pending_body_spaced_ = pending_body_;
      pending_text_.push_back('\n');
      pending_text_.append(line);
      if (needs_space(line)) pending_body_.push_back(' ');
      pending_body_.append(line);
      pending_body_spaced_.push_back(' ');
      pending_body_spaced_.append(line);
      ++pending_.physical_lines;
      return;
    }
    rec.body = line;
  }
  flush_pending(sink);
  pending_ = rec;
  pending_.text = line;
  pending_.physical_lines = 1;
  has_pending_ = true;
  pending_in_chunk_ = in_chunk && line.data() == read_at;
  if (pending_in_chunk_) return;
  // Hold the new record; its views move into our own buffers.
  const size_t body_at = static_cast<size_t>(rec.body.data() - line.data());
  pending_text_.assign(line);
  pending_body_.assign(line.substr(body_at));
  // Offsets, not views: continuation lines appended to pending_text_ may move it.
  auto span = [&](std::string_view v) {
    return v.empty() ? FieldSpan{} : FieldSpan{static_cast<size_t>(v.data() - line.data()), v.size()};
  };
  pending_host_ = span(rec.host);
  pending_tag_ = span(rec.tag);
  pending_level_ = span(rec.level);
}

// Frames the restored form of a localized line; `line` then views that form, so the
// record's text and body are canonical English (the matcher and store see no
// translation). The English frames are tried first unless the whole stream is localized.
bool Framer::frame_localized(std::string_view& line, Record& out) {
  if (!restore_all_ && parse_prefix(line, out)) return true;
  if (restore_all_ && options_.localizer->restore(line, options_.locale, restored_)) line = restored_;
  if (parse_prefix(line, out)) return true;
  if (!options_.localizer->restore(line, "auto", restored_)) return false;
  line = restored_;  // a line of another language in a mixed file
  return parse_prefix(line, out);
}

bool Framer::parse_prefix(std::string_view line, Record& out) {
  return reuse_prefix(line, out) || parse_prefix_slow(line, out);
}

// Most lines share their prefix with the line before (same second, same level). When
// this line starts with the exact text a frame matched there, one match without captures
// (a DFA pass) checks that the same frame matches the same text here, and that no earlier
// frame matches at all; the fields and time are then those of the line before. to_time()
// is not called again, which changes nothing: called twice with the same fields it gives
// the same time and leaves the same year state. When no frame up to that one has a match
// longer than the prefix that starts with it (`final`, see cannot_extend), the text after
// the prefix cannot change the outcome and RE2 is not asked at all.
bool Framer::reuse_prefix(std::string_view line, Record& out) const {
  const PrefixMemo& m = memo_;
  if (!m.valid || !line.starts_with(m.text)) return false;
  if (!m.final) {
    const re2::StringPiece text(line.data(), line.size());
    const auto& frames = grammar_.frames();
    for (size_t i = 0; i < m.frame; ++i)
      if (frames[i]->re->Match(text, 0, text.size(), RE2::ANCHOR_START, nullptr, 0)) return false;
    re2::StringPiece whole;
    if (!frames[m.frame]->re->Match(text, 0, text.size(), RE2::ANCHOR_START, &whole, 1) ||
        whole.size() != m.text.size())
      return false;
  }
  out.host = slice(line, m.host_at, m.host_len);
  out.tag = slice(line, m.tag_at, m.tag_len);
  out.level = slice(line, m.level_at, m.level_len);
  out.body = line.substr(m.text.size());
  out.local_time = m.local_time;
  return true;
}

void Framer::remember_prefix(size_t frame, std::string_view line, const Record& out) {
  memo_.valid = memo_safe_[frame];
  if (!memo_.valid) return;
  memo_.frame = frame;
  memo_.text.assign(line.substr(0, line.size() - out.body.size()));
  auto offset = [&](std::string_view v) { return v.empty() ? 0 : static_cast<size_t>(v.data() - line.data()); };
  memo_.host_at = offset(out.host);
  memo_.host_len = out.host.size();
  memo_.tag_at = offset(out.tag);
  memo_.tag_len = out.tag.size();
  memo_.level_at = offset(out.level);
  memo_.level_len = out.level.size();
  memo_.local_time = out.local_time;
  memo_.final = true;
  for (size_t i = 0; i <= frame && memo_.final; ++i) memo_.final = cannot_extend(i, memo_.text);
}

// True when frame `frame` matches no string that starts with `prefix` and is longer. The
// line `prefix` came from was matched by frame `memo_.frame` exactly up to `prefix`, and
// by no earlier frame at all: those facts, and this one for each frame up to it, decide
// the frames on any line that starts with `prefix`, whatever follows.
bool Framer::cannot_extend(size_t frame, std::string_view prefix) const {
  const FrameKind& f = *grammar_.frames()[frame];
  if (!memo_safe_[frame]) return false;
  if (f.no_extension) return true;
  return f.extension && !RE2::FullMatch(re2::StringPiece(prefix.data(), prefix.size()), *f.extension);
}

bool Framer::parse_prefix_slow(std::string_view line, Record& out) {
  std::array<re2::StringPiece, kMaxFrameGroups + 1> g;
  const auto& frames = grammar_.frames();
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto& frame = frames[i];
    const int n = std::min(frame->re->NumberOfCapturingGroups() + 1, static_cast<int>(g.size()));
    if (!frame->re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::ANCHOR_START, g.data(), n)) continue;
    out.host = group(g, frame->host);
    out.tag = group(g, frame->tag);
    out.level = group(g, frame->level);
    out.body = line.substr(g[0].size());
    if (frame->month > 0 && frame->time > 0)
      out.local_time = to_time(group(g, frame->month), group(g, frame->day), group(g, frame->time),
                               group(g, frame->year));
    remember_prefix(i, line, out);
    return true;
  }
  return false;
}

int64_t Framer::to_time(std::string_view month_name, std::string_view day_text,
                        std::string_view time_text, std::string_view year_text) {
  const int month = month_number(month_name);
  const int day = to_int(day_text);
  if (month == 0 || day < 1 || day > 31) return 0;
  int year = to_int(year_text);
  if (year > 0 && options_.year == 0) {
    last_year_ = year;
  } else if (year <= 0) {
    if (last_year_ == 0 && options_.mtime > 0) {
      int mtime_year = 0, mtime_month = 0;
      civil_from_time(options_.mtime, mtime_year, mtime_month);
      // A December line in a file last written in January belongs to the year before.
      last_year_ = month > mtime_month ? mtime_year - 1 : mtime_year;
    }
    if (last_year_ == 0) return 0;
    // Syslog lines carry no year: a jump from December back to January starts a new one.
    if (options_.year == 0 && last_month_ >= 11 && month <= 2) ++last_year_;
    year = last_year_;
  }
  last_month_ = month;
  const size_t c1 = time_text.find(':');
  const size_t c2 = time_text.rfind(':');
  if (c1 == std::string_view::npos || c2 == c1) return 0;
  const int h = to_int(time_text.substr(0, c1));
  const int m = to_int(time_text.substr(c1 + 1, c2 - c1 - 1));
  const int s = to_int(time_text.substr(c2 + 1));
  if (h < 0 || m < 0 || s < 0) return 0;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         h * 3600 + m * 60 + s;
}

}  // namespace mailtls
