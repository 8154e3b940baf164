// `mailtls ingest`: the driver of the pipeline. Reads like its table of contents:
// inputs -> reader -> framer -> matcher -> sessions -> classifier -> store.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "classifier.h"
#include "commands.h"
#include "data_dir.h"
#include "fingerprint.h"
#include "framer.h"
#include "grammar.h"
#include "localizer.h"
#include "matcher.h"
#include "progress.h"
#include "reader.h"
#include "sessions.h"
#include "store.h"
#include "text_damage.h"

namespace mailtls {
namespace {

// Hands finished connections to the classifier and the store.
class StoreSink : public SessionSink {
 public:
  explicit StoreSink(Store& store) : store_(store) {}
  int64_t new_connection_id() override { return store_.new_connection_id(); }
  int64_t new_message_id() override { return store_.new_message_id(); }
  void connection_finished(Connection&& c) override { store_.put_connection(c, classify(c)); }
  void message_finished(Message&& m) override { store_.put_message(m); }

 private:
  Store& store_;
};

struct StreamResult {
  std::string name;
  int64_t lines = 0, parsed = 0, unparsed = 0, connections = 0;
  double seconds = 0;
  std::string note;  // "already ingested", "read on from line N"
  std::string locale;  // "fr (0.93)"
};

// Everything one run shares: loaded data, the store, sessions, counters.
struct Run {
  const IngestOptions& options;
  Streams io;
  Diagnostics diag;
  std::unique_ptr<Grammar> grammar;
  std::unique_ptr<Matcher> matcher;
  std::unique_ptr<Localizer> localizer;
  std::unique_ptr<Store> store;
  std::unique_ptr<StoreSink> sink;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<Progress> progress;
  uint64_t bytes_done = 0, lines_done = 0;
  std::vector<StreamResult> results;
};

// Damaged lines of one kind in a stream: how many, and where the first one is.
struct DamageSeen {
  int64_t records = 0;
  int64_t first_offset = -1;
  int64_t first_line = 0;
  void add(const Record& rec) {
    if (records++ == 0) first_offset = rec.offset, first_line = rec.line_no;
  }
};

// The state of one stream while its records go by.
struct StreamState {
  SourceRecord source;
  std::string serial;
  int64_t utc_offset = 0;  // seconds; UTC = local time - offset
  int64_t lines_unparsed = 0;
  DamageSeen binary, invalid_utf8;
};

void note_damage(StreamState& ss, const Record& rec) {
  switch (inspect_text(rec.text)) {
    case TextDamage::binary: ss.binary.add(rec); break;
    case TextDamage::invalid_utf8: ss.invalid_utf8.add(rec); break;
    case TextDamage::none: break;
  }
}

// One warning per kind and stream, at the first damaged line: the lines are stored as
// they are (unparsed), so nothing is lost and the exit status stays 0.
void report_damage(Diagnostics& diag, const std::string& stream, const DamageSeen& seen, const char* what) {
  if (seen.records == 0) return;
  diag.warning(stream, seen.first_offset,
               "line " + std::to_string(seen.first_line) + " holds " + what + " (" +
                   std::to_string(seen.records) + " unrecognised line(s) like it, kept as they are)");
}

void on_record(Run& run, StreamState& ss, const Record& rec) {
  if (rec.comment) return;
  Event ev;
  if (!run.matcher->match(rec.body, ev) &&
      (rec.body_spaced == rec.body || !run.matcher->match(rec.body_spaced, ev))) {
    run.store->put_unparsed(ss.source.id, rec.line_no, rec.text);
    ss.lines_unparsed += rec.physical_lines;
    note_damage(ss, rec);
    return;
  }
  switch (ev.type) {
    case EventType::log_version:
      ss.serial = std::string(ev.field(slot::serial));
      if (ss.source.appliance.empty()) ss.source.appliance = ss.serial;
      return;
    case EventType::log_offset: {
      const std::string_view s = ev.field(slot::seconds);
      ss.utc_offset = std::strtoll(std::string(s).c_str(), nullptr, 10);
      return;
    }
    default: break;
  }
  std::string_view appliance = !rec.host.empty()     ? rec.host
                               : !ss.serial.empty()  ? std::string_view(ss.serial)
                                                     : std::string_view(run.options.appliance);
  if (ss.source.appliance.empty() && !appliance.empty()) ss.source.appliance = std::string(appliance);
  LineInfo info{appliance, rec.local_time ? rec.local_time - ss.utc_offset : 0,
                LineRef{ss.source.id, rec.line_no}, rec.text};
  run.sessions->on_event(ev, info);
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

// The stream's language: forced by --locale, else guessed from its first bytes.
Localizer::Detection stream_locale(const Run& run, std::string_view head) {
  if (run.options.locale != "auto") return {run.options.locale, 1.0};
  return run.localizer->detect(head.substr(0, std::min<size_t>(head.size(), 4096)));
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

StreamResult ingest_stream(Run& run, LogStream& stream, int64_t mtime) {
  const int64_t size_before = plain_file_size(stream);
  const auto start = std::chrono::steady_clock::now();
  StreamResult result{stream.name()};
  bool ended = false;
  std::string head = read_head(stream, ended);
  if (head.empty()) {
    result.note = "empty";
    run.diag.warning(stream.name(), 0, "empty, nothing to read");
    return result;
  }
  StreamState ss;
  const Localizer::Detection locale = stream_locale(run, head);
  result.locale = describe(locale);
  int64_t skip = 0;
  const std::string_view id_bytes = std::string_view(head).substr(0, kFingerprintBytes);
  if (auto known = run.store->find_source(id_bytes)) {
    ss.source = *known;
    skip = known->bytes;
    ss.serial = known->appliance;
    ss.utc_offset = known->utc_offset;
  } else {
    ss.source.path = stream.name();
    ss.source.packaging = std::string(stream.packaging());
    ss.source.locale = locale.lang;
    ss.source.locale_confidence = locale.confidence;
    ss.source.ingested_at = std::time(nullptr);
    ss.source.id = run.store->add_source(ss.source);
  }
  ss.source.fingerprint = fingerprint(id_bytes);
  ss.source.fp_len = static_cast<int64_t>(id_bytes.size());

  FramerOptions fo;
  fo.year = run.options.year;
  fo.mtime = stream.mtime() ? stream.mtime() : mtime;
  fo.first_line_no = ss.source.lines + 1;
  fo.first_offset = skip;
  fo.localizer = run.localizer.get();
  fo.locale = locale.lang;
  Framer framer(*run.grammar, *run.matcher, fo, stream.name(), run.diag);
  const auto sink = [&](const Record& rec) { on_record(run, ss, rec); };
  const int64_t before = run.sessions->stats().connections + static_cast<int64_t>(run.sessions->open_connections());

  int64_t position = 0;  // decompressed bytes seen, including skipped ones
  auto feed = [&](std::string_view chunk) {
    const int64_t end = position + static_cast<int64_t>(chunk.size());
    if (end > skip) framer.feed(chunk.substr(static_cast<size_t>(std::max<int64_t>(0, skip - position))), sink);
    position = end;
    run.progress->update(run.bytes_done + static_cast<uint64_t>(position), run.lines_done + framer.lines());
  };
  feed(head);
  if (!ended)
    for (std::string_view chunk = stream.read(); !chunk.empty(); chunk = stream.read()) feed(chunk);
  framer.finish(sink, still_written(stream, size_before, position));
  if (framer.held_offset() >= 0)
    run.diag.warning(stream.name(), framer.held_offset(),
                     "line " + std::to_string(framer.held_line_no()) +
                         " has no newline yet and the file is being written: left for the next run");
  report_damage(run.diag, stream.name(), ss.binary, "binary data (NUL or control bytes)");
  report_damage(run.diag, stream.name(), ss.invalid_utf8, "invalid UTF-8");

  result.lines = framer.lines();
  result.unparsed = ss.lines_unparsed;
  result.parsed = result.lines - result.unparsed;
  result.connections = run.sessions->stats().connections +
                       static_cast<int64_t>(run.sessions->open_connections()) - before;
  if (position <= skip) result.note = "already ingested";
  else if (skip > 0) result.note = "read on from line " + std::to_string(fo.first_line_no);
  ss.source.bytes = std::max<int64_t>(skip, framer.complete_bytes());
  ss.source.lines += result.lines;
  ss.source.lines_parsed += result.parsed;
  ss.source.lines_unparsed += result.unparsed;
  ss.source.utc_offset = ss.utc_offset;
  run.store->update_source(ss.source);
  run.bytes_done += static_cast<uint64_t>(position);
  run.lines_done += static_cast<uint64_t>(result.lines);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

uint64_t total_size(const std::vector<InputItem>& inputs) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& in : inputs) {
    const auto size = std::filesystem::file_size(in.path, ec);
    if (!ec) total += size;
  }
  return total;
}

void print_results(const Run& run) {
  auto& out = run.io.out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %10s %10s %9s %11s %8s  %s\n", "input", "lines", "recognised",
                "unparsed", "connections", "seconds", "locale");
  out << line;
  for (const auto& r : run.results) {
    std::string name = r.name.size() > 40 ? "…" + r.name.substr(r.name.size() - 39) : r.name;
    std::snprintf(line, sizeof line, "%-40s %10lld %10lld %9lld %11lld %8.2f", name.c_str(),
                  static_cast<long long>(r.lines), static_cast<long long>(r.parsed),
                  static_cast<long long>(r.unparsed), static_cast<long long>(r.connections), r.seconds);
    if (!r.locale.empty()) std::snprintf(line + std::strlen(line), sizeof line - std::strlen(line), "  %s", r.locale.c_str());
    out << line << (r.note.empty() ? "" : "  (" + r.note + ")") << "\n";
  }
}

bool load_data(Run& run) {
  const auto data_dir = resolve_data_dir(run.options.data_dir);
  run.grammar = Grammar::load(data_dir / "grammars", run.diag);
  if (!run.grammar) return false;
  run.matcher = std::make_unique<Matcher>(*run.grammar);
  run.localizer = Localizer::load(data_dir / "locales", run.diag);
  if (!run.localizer) return false;
  if (run.options.locale != "auto" && !run.localizer->has_language(run.options.locale)) {
    std::string known = "auto";
    for (const auto& lang : run.localizer->languages()) known += ", " + lang;
    run.diag.error("--locale", -1, "unknown language '" + run.options.locale + "' (known: " + known + ")", false);
    return false;
  }
  return true;
}

int report(const Run& run, int status) {
  for (const auto& d : run.diag.all()) run.io.err << "mailtls ingest: " << d.format() << "\n";
  return status;
}

}  // namespace

int run_ingest(const IngestOptions& options, Streams io) {
  Run run{options, io};
  if (!load_data(run)) return report(run, 2);
  run.store = Store::open(options.db, Store::Mode::read_write, run.diag);
  if (!run.store) return report(run, 1);
  const auto inputs = expand_inputs(options.inputs, run.diag);
  const bool show = options.progress < 0 ? isatty(STDERR_FILENO) != 0 : options.progress > 0;
  run.progress = std::make_unique<Progress>(io.err, show, total_size(inputs));
  run.sink = std::make_unique<StoreSink>(*run.store);
  run.sessions = std::make_unique<Sessions>(SessionOptions{options.idle_timeout, options.max_open}, *run.sink);

  ReaderOptions reader_options;
  for (const auto& input : inputs)
    read_input(input, reader_options, run.diag,
               [&](LogStream& stream) { run.results.push_back(ingest_stream(run, stream, input.mtime)); });
  run.sessions->finish_all();
  run.store->finish([](const Connection& c) { return classify(c); });
  run.progress->finish();
  print_results(run);
  return report(run, run.diag.any_data_lost() ? 1 : 0);
}

}  // namespace mailtls
