// Stages 1-4 for one input on a thread of its own (a "lane"): the input's streams are
// read, framed, restored and matched, and handed over as batches of parsed records.
// The ingest driver runs several lanes at once, merges their records by log time and
// runs sessions, classifier and store on its own thread, so parsing and storing use
// both cores and a debug log read beside its mail_logs meets its connections in memory.
//
// Protocol, per stream of the input (a file, or each member of a tar bundle):
//   opening  -> the driver decides what was already ingested and calls answer();
//   batch... -> records in the order of the stream, their text owned by the batch;
//   closing  -> counts and notes for the stream's summary line.
// After the last stream comes `done`. A stream that is empty gives only a closing.
//
// Everything the lane reports about its input (reader damage, framer warnings, damaged
// lines) goes to the lane's own Diagnostics, so messages keep the order of the input
// whatever the threads do; the driver collects them once the lane is done.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/diagnostics.h"
#include "parse/localizer.h"
#include "parse/matcher.h"
#include "read/reader.h"

namespace mailtls {

class Grammar;

// One framed and matched record. Views point into the batch that holds it.
struct ParsedRecord {
  int64_t local_time = 0;  // as Record::local_time: 0 when the line has no time
  int64_t line_no = 0;
  int physical_lines = 1;
  bool matched = false;
  std::string_view text;  // the record as read
  std::string_view host;  // syslog host, empty when absent
  Event event;            // valid when matched
};

// Records plus the bytes they point into. The arena never moves: it is allocated once
// with a fixed capacity, and a record that does not fit starts the next batch.
class ParsedBatch {
 public:
  explicit ParsedBatch(size_t capacity);
  size_t capacity() const { return capacity_; }
  bool fits(size_t bytes) const { return used_ + bytes <= capacity_; }
  // Copies `s` into the arena (the caller checked fits()).
  std::string_view keep(std::string_view s);
  void clear();

  std::vector<ParsedRecord> records;

 private:
  std::unique_ptr<char[]> arena_;
  size_t capacity_;
  size_t used_ = 0;
};

struct StreamOpening {
  std::string name;       // "path", "bundle.tar:member" or "-"
  std::string packaging;
  std::string head;       // the first <= kFingerprintBytes decompressed bytes
  Localizer::Detection locale;
};

// The driver's answer to an opening.
struct StreamPlan {
  int64_t skip = 0;           // decompressed bytes a previous run already stored
  int64_t first_line_no = 1;  // number of the first line after them
};

struct StreamClosing {
  std::string name;
  std::string locale;     // "fr (0.93)"; empty for an empty stream
  std::string note;       // "empty", "already ingested"; the driver adds "read on from"
  bool opened = false;    // false: the stream was empty, there was no opening
  int64_t lines = 0;      // physical lines framed in this run
  int64_t unparsed = 0;   // physical lines of records that matched no kind
  // The same lines by what they are (physical lines; they add up to `lines`): mail_logs
  // lines a kind matched, lines only the generic tier recognised, mail_logs lines nothing
  // recognised, comment lines, and lines of other log subscriptions by type (told by the syslog tag or
  // the kind's log_type; recognised or not, they are never unrecognised mail_logs lines).
  int64_t specific = 0, generic = 0, unrecognised = 0;
  int64_t comments = 0;   // '#' lines of annotated or pasted logs
  std::map<std::string, int64_t> other_logs;
  // Host access table refusals logged with ICID 0 (`ICID 0 TCPREFUSE SG ...`): the
  // appliance refused the client before a connection existed, so they open no
  // connection; counted here by action so that they are not lost (source_refusals).
  std::map<std::string, int64_t> refused_without_connection;
  int64_t complete_bytes = 0;  // offset just past the last complete line
  // The stored lines decoded from damaged data (LogStream::unverified_from()), which may
  // be wrong: first and last line number, and the decompressed byte the damaged unit began
  // at. unverified_first_line is 0 when there are none.
  int64_t unverified_first_line = 0, unverified_last_line = 0, unverified_from = 0;
  double seconds = 0;
};

struct LaneItem {
  enum class Kind { opening, batch, closing, done };
  Kind kind = Kind::done;
  std::unique_ptr<StreamOpening> opening;
  std::unique_ptr<ParsedBatch> batch;
  std::unique_ptr<StreamClosing> closing;
};

// What every lane of a run shares, read-only.
struct LaneSetup {
  const Grammar* grammar = nullptr;
  const Localizer* localizer = nullptr;
  std::string locale = "auto";  // --locale
  int year = 0;                 // --year
  ReaderOptions reader;
  size_t batch_bytes = size_t{256} << 10;
  size_t queue_batches = 4;     // batches waiting for the driver, at most
};

class ParseLane {
 public:
  ParseLane(InputItem input, const LaneSetup& setup);  // starts the thread
  ~ParseLane();  // stops the thread if the driver gave up early, and joins it
  ParseLane(const ParseLane&) = delete;
  ParseLane& operator=(const ParseLane&) = delete;

  const InputItem& input() const { return input_; }
  // The next item; blocks until there is one. After `done`, returns `done` again.
  LaneItem next();
  // Answers the opening last returned by next(); the lane waits for it.
  void answer(StreamPlan plan);
  // Gives a batch back for reuse once its records are handled.
  void recycle(std::unique_ptr<ParsedBatch> batch);
  // Decompressed bytes and physical lines framed so far (for the progress line).
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t lines() const { return lines_.load(std::memory_order_relaxed); }
  // Bytes of the input file on disk behind what was framed (compressed bytes for a
  // compressed input); 0 when not known (a pipe).
  uint64_t disk_bytes() const { return disk_bytes_.load(std::memory_order_relaxed); }
  // The lane's own diagnostics: complete once next() has returned `done`.
  const Diagnostics& diagnostics() const { return diag_; }

 private:
  void run();
  void parse_stream(LogStream& stream);
  void push(LaneItem item);
  std::unique_ptr<ParsedBatch> fresh_batch(size_t at_least);
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }

  InputItem input_;
  const LaneSetup& setup_;
  Matcher matcher_;  // one per thread
  Diagnostics diag_;
  std::atomic<uint64_t> bytes_{0}, lines_{0}, disk_bytes_{0};
  std::atomic<bool> stop_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<LaneItem> queue_;
  size_t queued_batches_ = 0;
  std::vector<std::unique_ptr<ParsedBatch>> spare_;
  std::optional<StreamPlan> plan_;
  bool finished_ = false;

  std::thread thread_;  // last: starts once everything above exists
};

// The time of the first dated record of `input` (local time, as the framer reads it),
// reading at most its first few kilobytes; 0 when none was found. Used to start the
// lanes of a large run in the order of their contents.
int64_t first_record_time(const InputItem& input, const LaneSetup& setup);

// What the header of a log file says (`Version: ... SN: <serial>`, `Time offset from UTC:
// <seconds> seconds`), from the records of its first few kilobytes; empty fields when
// those lines are not there (a split or copied file whose header was not kept).
struct LogHeader {
  std::string serial;
  std::optional<int64_t> utc_offset;
  bool complete() const { return !serial.empty() && utc_offset.has_value(); }
};
LogHeader read_log_header(const InputItem& input, const LaneSetup& setup, const Matcher& matcher);

}  // namespace mailtls
