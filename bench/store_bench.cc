// mailtls-store-bench: CPU seconds of the store side of `mailtls ingest` (sessions,
// classifier, row writes, finish) measured apart from the parsing, whose cost and noise
// would otherwise swamp it.
//
//   build/bench/mailtls-store-bench DB FILE... [--data DIR]
//
// The files (plain logs) are framed and matched first; the matched events are kept with
// their own copies of the text and merged by log time, as `ingest` merges its lanes. Then
// each stage runs alone over what the one before produced, each timed on its own:
// sessions (the events replayed), classifier (every finished connection), writes
// (put_connection/put_message in the order the sessions handed them on, into a fresh
// database DB), finish (indexes, reconcile, commit; MAILTLS_TIMING prints its phases)
// and closing the database (the WAL checkpoint). The rows are those of an ingest of the
// same files, except that every line claims the source of its file.
#include <sys/resource.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <variant>

#include "verdict/classifier.h"
#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/matcher.h"
#include "session/sessions.h"
#include "store/store.h"

namespace {

using namespace mailtls;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Owns the bytes the recorded events point into: blocks that never move.
class Arena {
 public:
  std::string_view keep(std::string_view s) {
    if (s.empty()) return {};
    if (blocks_.empty() || used_ + s.size() > kBlock) {
      blocks_.push_back(std::make_unique<char[]>(std::max(kBlock, s.size())));
      used_ = 0;
    }
    char* at = blocks_.back().get() + used_;
    std::memcpy(at, s.data(), s.size());
    used_ += s.size();
    return {at, s.size()};
  }

 private:
  static constexpr size_t kBlock = size_t{64} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
};

struct RecordedEvent {
  Event event;
  LineInfo line;
};

// Keeps what the sessions hand on, with ids handed out as a fresh database's store would.
class RecordingSink : public SessionSink {
 public:
  int64_t new_message_id() override { return next_message_++; }
  void connection_finished(Connection&& c) override {
    c.id = next_connection_++;  // as the writer thread of `ingest` hands them out
    items.emplace_back(std::move(c));
  }
  void message_finished(Message&& m) override { items.emplace_back(std::move(m)); }
  std::vector<std::variant<Connection, Message>> items;

 private:
  int64_t next_connection_ = 1, next_message_ = 1;
};

// Frames and matches `text` (source `source_id`), appending the events of the
// connections and messages, as `ingest` hands them to the sessions.
void record_events(const std::string& text, int64_t source_id, const Grammar& grammar,
                   const Matcher& matcher, Arena& arena, std::vector<RecordedEvent>& out) {
  Diagnostics diag;
  FramerOptions fo;
  fo.year = 2026;
  Framer framer(grammar, fo, "input", diag);
  std::string_view serial;
  int64_t utc_offset = 0;
  const Framer::Sink sink = [&](const Record& r) {
    if (r.comment) return;
    Event ev;
    if (!matcher.match(r.body, ev) && (r.body_spaced == r.body || !matcher.match(r.body_spaced, ev)))
      return;
    if (ev.type == EventType::log_version) {
      serial = arena.keep(ev.field(slot::serial));
      return;
    }
    if (ev.type == EventType::log_offset) {
      utc_offset = std::strtoll(std::string(ev.field(slot::seconds)).c_str(), nullptr, 10);
      return;
    }
    RecordedEvent e{ev, LineInfo{}};
    for (auto& f : e.event.fields) f = arena.keep(f);
    e.line.appliance = !r.host.empty() ? arena.keep(r.host) : serial;
    e.line.time = r.local_time ? r.local_time - utc_offset : 0;
    e.line.ref = LineRef{source_id, r.line_no};
    e.line.text = arena.keep(r.text);
    out.push_back(e);
  };
  const size_t chunk = size_t{1} << 20;
  for (size_t at = 0; at < text.size(); at += chunk)
    framer.feed(std::string_view(text).substr(at, chunk), sink);
  framer.finish(sink);
}

// The events of all files in the order `ingest` hands them to the sessions: its parse
// lanes merged by UTC time, a debug-log line before a mail_logs line of the same second,
// an undated line where its lane is (cmd_ingest.cc, merge_key).
std::vector<const RecordedEvent*> merge_by_time(const std::vector<std::vector<RecordedEvent>>& lanes) {
  auto key = [](const RecordedEvent& e) {
    if (e.line.time == 0) return INT64_MIN;
    const bool dialogue = e.event.type == EventType::debug_sent || e.event.type == EventType::debug_rcvd;
    return 2 * e.line.time + (dialogue ? 0 : 1);
  };
  std::vector<size_t> at(lanes.size(), 0);
  std::vector<const RecordedEvent*> out;
  for (;;) {
    size_t best = lanes.size();
    int64_t best_key = INT64_MAX, second_key = INT64_MAX;
    for (size_t i = 0; i < lanes.size(); ++i) {
      if (at[i] == lanes[i].size()) continue;
      const int64_t k = key(lanes[i][at[i]]);
      if (best == lanes.size() || k < best_key) {
        second_key = best == lanes.size() ? second_key : best_key;
        best = i, best_key = k;
      } else if (k < second_key) {
        second_key = k;
      }
    }
    if (best == lanes.size()) return out;
    do out.push_back(&lanes[best][at[best]++]);
    while (at[best] < lanes[best].size() && key(lanes[best][at[best]]) <= second_key);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  std::string db, data = MAILTLS_SOURCE_DATA_DIR;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) data = argv[++i];
    else if (db.empty()) db = argv[i];
    else files.emplace_back(argv[i]);
  }
  if (db.empty() || files.empty()) {
    std::cerr << "usage: mailtls-store-bench DB FILE... [--data DIR]\n";
    return 2;
  }
  Diagnostics diag;
  auto grammar = Grammar::load(data + "/grammars", diag);
  if (!grammar) return 2;
  Matcher matcher(*grammar);

  double t = cpu_seconds();
  Arena arena;
  std::vector<std::vector<RecordedEvent>> lanes(files.size());
  size_t bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    bytes += text.size();
    record_events(text, static_cast<int64_t>(i + 1), *grammar, matcher, arena, lanes[i]);
  }
  const std::vector<const RecordedEvent*> events = merge_by_time(lanes);
  const double parse = cpu_seconds() - t;

  t = cpu_seconds();
  RecordingSink sink;
  {
    Sessions sessions(SessionOptions{}, sink);
    for (const RecordedEvent* e : events) sessions.on_event(e->event, e->line);
    sessions.finish_all();
  }
  const double sessions = cpu_seconds() - t;

  t = cpu_seconds();
  std::vector<Verdict> verdicts;
  for (const auto& item : sink.items)
    if (const auto* c = std::get_if<Connection>(&item)) verdicts.push_back(classify(*c));
  const double classifier = cpu_seconds() - t;

  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto store = Store::open(db, Store::Mode::read_write, diag);
  if (!store) {
    for (const auto& d : diag.all()) std::cerr << d.format() << "\n";
    return 1;
  }
  for (const auto& f : files) {
    SourceRecord s;
    s.path = f;
    s.fingerprint = f;
    store->add_source(s);
  }
  t = cpu_seconds();
  size_t v = 0;
  for (const auto& item : sink.items) {
    if (const auto* c = std::get_if<Connection>(&item)) store->put_connection(*c, verdicts[v++]);
    else store->put_message(std::get<Message>(item));
  }
  const double writes = cpu_seconds() - t;

  t = cpu_seconds();
  store->finish([](const Connection& c) { return classify(c); });
  const double finish = cpu_seconds() - t;
  t = cpu_seconds();
  store.reset();
  const double close = cpu_seconds() - t;
  for (const auto& d : diag.all()) std::cerr << d.format() << "\n";

  std::printf("%.1f MB, %zu events, %zu connections and messages\n", static_cast<double>(bytes) / 1e6,
              events.size(), sink.items.size());
  std::printf("parse (not the store)  %6.2f CPU s\n", parse);
  std::printf("sessions               %6.2f CPU s\n", sessions);
  std::printf("classifier             %6.2f CPU s\n", classifier);
  std::printf("writes                 %6.2f CPU s\n", writes);
  std::printf("finish                 %6.2f CPU s\n", finish);
  std::printf("close                  %6.2f CPU s\n", close);
  std::printf("store side             %6.2f CPU s\n", sessions + classifier + writes + finish + close);
  return 0;
}
