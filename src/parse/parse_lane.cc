#include "parse/parse_lane.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>

#include "base/fingerprint.h"
#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/text_damage.h"

namespace mailtls {

ParsedBatch::ParsedBatch(size_t capacity) : arena_(new char[capacity]), capacity_(capacity) {}

std::string_view ParsedBatch::keep(std::string_view s) {
  char* at = arena_.get() + used_;
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  used_ += s.size();
  return {at, s.size()};
}

void ParsedBatch::clear() {
  records.clear();
  used_ = 0;
}

namespace {

// How far apart the lane notes where records start (see parse_stream), and how many notes
// it keeps: past that, every second one goes and the spacing doubles, so a stream of any
// size costs at most 64 Ki notes (1 MiB).
constexpr int64_t kLineMarkBytes = int64_t{16} << 10;
constexpr size_t kMaxLineMarks = size_t{64} << 10;

// Damaged lines of one kind in a stream: how many, and where the first one is.
struct DamageSeen {
  int64_t records = 0;
  int64_t first_offset = -1;
  int64_t first_line = 0;
  void add(const Record& rec) {
    if (records++ == 0) first_offset = rec.offset, first_line = rec.line_no;
  }
};

// One warning per kind and stream, at the first damaged line: the lines are stored as
// they are (unparsed), so nothing is lost and the exit status stays 0.
void report_damage(Diagnostics& diag, const std::string& stream, const DamageSeen& seen, const char* what) {
  if (seen.records == 0) return;
  diag.warning(stream, seen.first_offset,
               "line " + std::to_string(seen.first_line) + " holds " + what + " (" +
                   std::to_string(seen.records) + " unrecognised line(s) like it, kept as they are)");
}

// Reads up to kFingerprintBytes into `head` (the log's identity) without losing bytes.
std::string read_head(LogStream& stream, bool& ended) {
  std::string head;
  ended = false;
  while (head.size() < kFingerprintBytes) {
    std::string_view chunk = stream.read();
    if (chunk.empty()) {
      ended = true;
      break;
    }
    head.append(chunk);
  }
  return head;
}

std::string describe(const Localizer::Detection& d) {
  char text[64];
  std::snprintf(text, sizeof text, "%s (%.2f)", d.lang.c_str(), d.confidence);
  return text;
}

// Size of the plain file a stream reads, -1 for anything else (compressed files and tar
// bundles are finished files; stdin cannot be read on by a later run).
int64_t plain_file_size(const LogStream& stream) {
  struct stat st;
  if (stream.packaging() != "plain" || stream.name() == "-" || ::stat(stream.name().c_str(), &st) != 0 ||
      !S_ISREG(st.st_mode))
    return -1;
  return st.st_size;
}

// A plain file that changed size while it was read, or holds more than was read, is
// being written: a last line without a newline may be half written.
bool still_written(const LogStream& stream, int64_t size_before, int64_t bytes_read) {
  if (size_before < 0) return false;
  const int64_t size_after = plain_file_size(stream);
  return size_after != size_before || size_after != bytes_read;
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// How many bytes of a record's body its first physical line holds: the body starts with
// the first line's text after its prefix. 0 when the body does not (a localized line,
// restored to English).
size_t first_line_in_body(const Record& rec) {
  if (rec.physical_lines <= 1) return rec.body.size();
  const std::string_view first = rec.text.substr(0, rec.text.find('\n'));
  for (size_t k = 0; k < first.size(); ++k) {
    const std::string_view tail = first.substr(k);
    if (rec.body.substr(0, tail.size()) == tail) return tail.size();
  }
  return 0;
}

// A host access table line for ICID 0 whose action turned the client away (TCPREFUSE,
// REJECT): the appliance numbers connections from 1, so no connection holds it.
bool refused_without_connection(const Event& e) {
  if (e.type != EventType::icid_policy || e.field(slot::id) != "0") return false;
  const std::string_view action = e.field(slot::action);
  return !action.empty() && action != "ACCEPT" && action != "RELAY" && action != "CONTINUE";
}

// Sorts each record into specific / generic / other log type / unrecognised, for the
// stream's closing. A run of records shares its tag, so the tag's type is looked up once
// per change of tag, not once per line.
class LineCounter {
 public:
  LineCounter(const Grammar& grammar, StreamClosing& closing) : grammar_(grammar), closing_(closing) {}

  void count(std::string_view tag, const ParsedRecord& r) {
    const LogType* type = tag_type(tag);
    if (!type && r.matched && !r.event.kind->log_type.empty()) type = grammar_.log_type(r.event.kind->log_type);
    const int64_t n = r.physical_lines;
    if (type) closing_.other_logs[type->name] += n;
    else if (!r.matched) closing_.unrecognised += n;
    else if (r.event.kind->generic) closing_.generic += n;
    else closing_.specific += n;
    if (!type && r.matched && refused_without_connection(r.event))
      ++closing_.refused_without_connection[std::string(r.event.field(slot::action))];
  }

 private:
  const LogType* tag_type(std::string_view tag) {
    if (tag.empty()) return nullptr;
    if (!has_tag_ || tag != tag_) {
      tag_.assign(tag);
      type_ = grammar_.log_type_of_tag(tag);
      has_tag_ = true;
    }
    return type_;
  }

  const Grammar& grammar_;
  StreamClosing& closing_;
  std::string tag_;
  const LogType* type_ = nullptr;
  bool has_tag_ = false;
};

}  // namespace

ParseLane::ParseLane(InputItem input, const LaneSetup& setup)
    : input_(std::move(input)), setup_(setup), matcher_(*setup.grammar), thread_([this] { run(); }) {}

ParseLane::~ParseLane() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

LaneItem ParseLane::next() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || finished_; });
  if (queue_.empty()) return {};
  LaneItem item = std::move(queue_.front());
  queue_.pop_front();
  if (item.kind == LaneItem::Kind::batch) --queued_batches_;
  if (item.kind == LaneItem::Kind::done) finished_ = true;
  lock.unlock();
  cv_.notify_all();
  return item;
}

void ParseLane::answer(StreamPlan plan) {
  {
    std::lock_guard lock(mu_);
    plan_ = plan;
  }
  cv_.notify_all();
}

void ParseLane::recycle(std::unique_ptr<ParsedBatch> batch) {
  if (!batch || batch->capacity() != setup_.batch_bytes) return;  // oversized: let it go
  batch->clear();
  std::lock_guard lock(mu_);
  spare_.push_back(std::move(batch));
}

std::unique_ptr<ParsedBatch> ParseLane::fresh_batch(size_t at_least) {
  if (at_least <= setup_.batch_bytes) {
    std::lock_guard lock(mu_);
    if (!spare_.empty()) {
      auto b = std::move(spare_.back());
      spare_.pop_back();
      return b;
    }
  }
  return std::make_unique<ParsedBatch>(std::max(at_least, setup_.batch_bytes));
}

// Blocks while the driver has enough batches of this lane waiting; after a stop, items
// are dropped so the thread can run to its end.
void ParseLane::push(LaneItem item) {
  std::unique_lock lock(mu_);
  if (item.kind == LaneItem::Kind::batch) {
    cv_.wait(lock, [&] { return queued_batches_ < setup_.queue_batches || stop_; });
    ++queued_batches_;
  }
  if (stop_) return;
  queue_.push_back(std::move(item));
  lock.unlock();
  cv_.notify_all();
}

void ParseLane::run() {
  read_input(input_, setup_.reader, diag_, [&](LogStream& stream) {
    if (!stopping()) parse_stream(stream);
  });
  std::lock_guard lock(mu_);
  queue_.push_back(LaneItem{});  // done
  cv_.notify_all();
}

void ParseLane::parse_stream(LogStream& stream) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t size_before = plain_file_size(stream);
  auto closing = std::make_unique<StreamClosing>();
  closing->name = stream.name();
  bool ended = false;
  std::string head = read_head(stream, ended);
  if (head.empty()) {
    closing->note = "empty";
    diag_.warning(stream.name(), 0, "empty, nothing to read");
    push({LaneItem::Kind::closing, nullptr, nullptr, std::move(closing)});
    return;
  }
  const Localizer::Detection locale =
      setup_.locale != "auto" ? Localizer::Detection{setup_.locale, 1.0}
                              : setup_.localizer->detect(std::string_view(head).substr(0, 4096));
  closing->locale = describe(locale);
  closing->opened = true;

  auto opening = std::make_unique<StreamOpening>();
  opening->name = stream.name();
  opening->packaging = std::string(stream.packaging());
  opening->head = head.substr(0, kFingerprintBytes);
  opening->locale = locale;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    plan_.reset();
  }
  push({LaneItem::Kind::opening, std::move(opening), nullptr, nullptr});
  StreamPlan plan;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return plan_.has_value() || stop_; });
    if (stop_) return;
    plan = *plan_;
  }

  FramerOptions fo;
  fo.year = setup_.year;
  fo.mtime = stream.mtime() ? stream.mtime() : input_.mtime;
  fo.first_line_no = plan.first_line_no;
  fo.first_offset = plan.skip;
  fo.localizer = setup_.localizer;
  fo.locale = locale.lang;
  Framer framer(*setup_.grammar, fo, stream.name(), diag_);

  std::unique_ptr<ParsedBatch> batch = fresh_batch(setup_.batch_bytes);
  DamageSeen binary, invalid_utf8;
  int64_t unparsed = 0;
  auto flush = [&](size_t at_least) {
    if (!batch->records.empty()) {
      push({LaneItem::Kind::batch, nullptr, std::move(batch), nullptr});
      batch = fresh_batch(at_least);
    } else if (batch->capacity() < at_least) {
      batch = fresh_batch(at_least);
    }
  };
  LineCounter counter(*setup_.grammar, *closing);
  // Where records start, every kLineMarkBytes or so: the line a damaged unit's first byte
  // lies in, found once the damage shows (by then its bytes are long parsed).
  std::vector<std::pair<int64_t, int64_t>> line_marks;  // offset, line number
  int64_t next_mark = 0, mark_spacing = kLineMarkBytes;
  const auto sink = [&](const Record& rec) {
    if (rec.offset >= next_mark) {
      if (line_marks.size() >= kMaxLineMarks) {
        for (size_t i = 0; 2 * i < line_marks.size(); ++i) line_marks[i] = line_marks[2 * i];
        line_marks.resize((line_marks.size() + 1) / 2);
        mark_spacing *= 2;
      }
      line_marks.emplace_back(rec.offset, rec.line_no);
      next_mark = rec.offset + mark_spacing;
    }
    if (rec.comment) {
      closing->comments += rec.physical_lines;
      return;
    }
    const bool body_in_text = inside(rec.body, rec.text);
    // A one-line record's two bodies are the same view: no need to compare the bytes.
    const bool same_view =
        rec.body_spaced.data() == rec.body.data() && rec.body_spaced.size() == rec.body.size();
    const bool try_spaced = !same_view && rec.body_spaced != rec.body;
    const size_t need = rec.text.size() + rec.host.size() + (body_in_text ? 0 : rec.body.size()) +
                        (try_spaced ? rec.body_spaced.size() : 0);
    if (!batch->fits(need)) flush(need);
    ParsedRecord& r = batch->records.emplace_back();
    r.local_time = rec.local_time;
    r.line_no = rec.line_no;
    r.physical_lines = rec.physical_lines;
    r.text = batch->keep(rec.text);
    r.host = batch->keep(rec.host);
    // The fields of the event must point into the batch: match the copy.
    const std::string_view body =
        body_in_text ? r.text.substr(static_cast<size_t>(rec.body.data() - rec.text.data()), rec.body.size())
                     : batch->keep(rec.body);
    // Both guesses at the body go to the kinds first; only then the generic tier, which
    // looks for a reference in the record's first line (a wrapped value never decides
    // what a record is about, and a run of lines that merely look like continuations
    // must not become one note), and never takes a damaged record (binary bytes, invalid
    // UTF-8): that stays unparsed and named, as damage must be.
    r.matched = matcher_.match(body, r.event, 0) ||
                (try_spaced && matcher_.match(batch->keep(rec.body_spaced), r.event, 0));
    const TextDamage damage = r.matched ? TextDamage::none : inspect_text(rec.text);
    if (!r.matched && damage == TextDamage::none)
      r.matched = matcher_.match(body, r.event, first_line_in_body(rec));
    counter.count(rec.tag, r);
    if (!r.matched) {
      unparsed += rec.physical_lines;
      switch (damage) {
        case TextDamage::binary: binary.add(rec); break;
        case TextDamage::invalid_utf8: invalid_utf8.add(rec); break;
        case TextDamage::none: break;
      }
    }
  };

  int64_t position = 0;  // decompressed bytes seen, including skipped ones
  uint64_t lines_before = 0;
  auto feed = [&](std::string_view chunk) {
    const int64_t end = position + static_cast<int64_t>(chunk.size());
    if (end > plan.skip)
      framer.feed(chunk.substr(static_cast<size_t>(std::max<int64_t>(0, plan.skip - position))), sink);
    bytes_.fetch_add(chunk.size(), std::memory_order_relaxed);
    if (const uint64_t disk = stream.disk_position(); disk > disk_bytes_.load(std::memory_order_relaxed))
      disk_bytes_.store(disk, std::memory_order_relaxed);
    const auto lines = static_cast<uint64_t>(framer.lines());
    lines_.fetch_add(lines - lines_before, std::memory_order_relaxed);
    lines_before = lines;
    position = end;
  };
  feed(head);
  if (!ended)
    for (std::string_view chunk = stream.read(); !chunk.empty() && !stopping(); chunk = stream.read()) feed(chunk);
  // A stream cut by damage ends in the middle of a line whose rest is missing: that half
  // line is not stored, so a later run of a repaired copy reads it whole from its start.
  const bool cut = !stopping() && stream.cut();
  framer.finish(sink, cut || still_written(stream, size_before, position));
  flush(0);
  if (framer.held_offset() >= 0 && cut)  // the reader's error gives the offset on disk
    diag_.warning(stream.name(), -1,
                  "line " + std::to_string(framer.held_line_no()) + " (decompressed byte " +
                      std::to_string(framer.held_offset()) +
                      ") is cut short by the damage: not stored, so a repaired copy is read on from its start");
  else if (framer.held_offset() >= 0)
    diag_.warning(stream.name(), framer.held_offset(),
                  "line " + std::to_string(framer.held_line_no()) +
                      " has no newline yet and the file is being written: left for the next run");
  report_damage(diag_, stream.name(), binary, "binary data (NUL or control bytes)");
  report_damage(diag_, stream.name(), invalid_utf8, "invalid UTF-8");

  if (const auto from = stream.unverified_from(); from && framer.lines() > 0 && !stopping()) {
    // The first record at or before the damaged unit's first byte: its lines and all after
    // it may be wrong (up to the spacing of the notes of good lines before it counted in).
    int64_t first = plan.first_line_no;
    for (const auto& [offset, line] : line_marks) {
      if (offset > static_cast<int64_t>(*from)) break;
      first = line;
    }
    closing->unverified_first_line = first;
    closing->unverified_last_line = plan.first_line_no + framer.lines() - 1;
    closing->unverified_from = static_cast<int64_t>(*from);
  }
  closing->lines = framer.lines();
  closing->unparsed = unparsed;
  closing->complete_bytes = framer.complete_bytes();
  if (position <= plan.skip) closing->note = "already ingested";
  closing->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  push({LaneItem::Kind::closing, nullptr, nullptr, std::move(closing)});
}

int64_t first_record_time(const InputItem& input, const LaneSetup& setup) {
  ReaderOptions small;
  small.chunk_bytes = size_t{64} << 10;
  small.queue_chunks = 1;
  small.first_stream_only = true;
  Diagnostics ignored;  // the lane reports the input's problems when it reads it
  int64_t found = 0;
  read_input(input, small, ignored, [&](LogStream& stream) {
    FramerOptions fo;
    fo.year = setup.year;
    fo.mtime = stream.mtime() ? stream.mtime() : input.mtime;
    fo.localizer = setup.localizer;
    fo.locale = setup.locale;
    Framer framer(*setup.grammar, fo, stream.name(), ignored);
    const auto sink = [&](const Record& rec) {
      if (found == 0 && !rec.comment && rec.local_time != 0) found = rec.local_time;
    };
    framer.feed(stream.read(), sink);
    if (found == 0) framer.finish(sink);
  });
  return found;
}

LogHeader read_log_header(const InputItem& input, const LaneSetup& setup, const Matcher& matcher) {
  ReaderOptions small;
  small.chunk_bytes = size_t{64} << 10;
  small.queue_chunks = 1;
  small.first_stream_only = true;
  Diagnostics ignored;  // the lane reports the input's problems when it reads it
  LogHeader header;
  read_input(input, small, ignored, [&](LogStream& stream) {
    FramerOptions fo;
    fo.year = setup.year;
    fo.mtime = stream.mtime() ? stream.mtime() : input.mtime;
    fo.localizer = setup.localizer;
    fo.locale = setup.locale;
    Framer framer(*setup.grammar, fo, stream.name(), ignored);
    const auto sink = [&](const Record& rec) {
      if (rec.comment) return;
      Event ev;
      if (!matcher.match(rec.body, ev)) return;
      if (ev.type == EventType::log_version && header.serial.empty()) {
        header.serial = std::string(ev.field(slot::serial));
      } else if (ev.type == EventType::log_offset && !header.utc_offset) {
        header.utc_offset = std::strtoll(std::string(ev.field(slot::seconds)).c_str(), nullptr, 10);
      }
    };
    framer.feed(stream.read(), sink);
    framer.finish(sink);
  });
  return header;
}

}  // namespace mailtls
