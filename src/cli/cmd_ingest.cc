// `mailtls ingest`: the driver of the pipeline. Reads like its table of contents:
// inputs -> parse lanes (reader -> framer -> matcher, one thread per input) -> merge by
// log time -> sessions -> writer thread (classifier -> store).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "verdict/classifier.h"
#include "base/terminal_text.h"
#include "cli/commands.h"
#include "base/data_dir.h"
#include "base/fingerprint.h"
#include "parse/cef_fields.h"
#include "parse/grammar.h"
#include "parse/localizer.h"
#include "parse/parse_lane.h"
#include "cli/interrupts.h"
#include "cli/progress.h"
#include "read/reader.h"
#include "report/table_format.h"
#include "read/rotation.h"
#include "session/sessions.h"
#include "store/store.h"
#include "ingest/write_queue.h"

namespace mailtls {
namespace {

// Classifies each finished connection here, on the parsing thread, and hands the
// (connection, verdict) pair to the writer thread, which only stores it. Message ids come
// from the store's atomic counter, so sessions never wait for the writer; connection ids
// are handed out by the writer as it stores them (write_queue.h).
class StoreSink : public SessionSink {
 public:
  StoreSink(Store& store, WriteQueue& writes) : store_(store), writes_(writes) {}
  int64_t new_message_id() override { return store_.new_message_id(); }
  void connection_finished(Connection&& c) override {
    Verdict v = classify_for_store(c);
    writes_.put_connection(std::move(c), std::move(v));
  }
  void message_finished(Message&& m) override { writes_.put_message(std::move(m)); }

 private:
  Store& store_;
  WriteQueue& writes_;
};

struct StreamResult {
  std::string name;
  int64_t lines = 0, parsed = 0, unparsed = 0, connections = 0;
  // What the lines are (parse_lane.h): mail_logs lines by tier, other subscriptions' lines.
  int64_t specific = 0, generic = 0, other_logs = 0, unrecognised = 0;
  double seconds = 0;
  std::string note;  // "already ingested", "read on from line N"
  std::string locale;  // "fr (0.93)"
};

// The stream a lane is reading, as the driver sees it.
struct OpenStream {
  SourceRecord source;
  std::string serial;
  int64_t utc_offset = 0;  // seconds; UTC = local time - offset
  int64_t skip = 0;
  int64_t first_line_no = 1;
  int64_t connections = 0;  // connections its lines opened
  std::string inherited_from;  // the earlier file of its rotation whose header it took
  std::vector<std::string> serials;  // of the log headers read, each once, in order
};

// The header a rotated file without one takes from the file before it in its rotation.
struct InheritedHeader {
  LogHeader header;
  std::string from;        // that earlier file
  std::string from_input;  // the input's own stream name (its path)
};

// One running lane and what the driver holds of it.
struct LaneSlot {
  size_t input_index = 0;
  std::unique_ptr<ParseLane> lane;
  std::unique_ptr<ParsedBatch> batch;  // the batch being handled
  size_t at = 0;                       // its next record
  std::unique_ptr<StreamOpening> waiting;  // an opening put off (see open_stream)
  std::optional<OpenStream> stream;
  std::vector<StreamResult> results;
  bool done = false;

  bool has_record() const { return batch && at < batch->records.size(); }
  const ParsedRecord& record() const { return batch->records[at]; }
};

// Everything one run shares: loaded data, the store, sessions, lanes, counters.
struct Run {
  const IngestOptions& options;
  Streams io;
  Diagnostics diag;
  Timer timer{options.verbose};  // -v prints what it recorded
  std::unique_ptr<Grammar> grammar;
  std::unique_ptr<Localizer> localizer;
  std::unique_ptr<Store> store;
  // Every Store call but the id counters goes through `writes` (the writer thread).
  // Declared after `store`: destroyed first, so the thread ends before the Store does.
  std::unique_ptr<WriteQueue> writes;
  std::unique_ptr<StoreSink> sink;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<Progress> progress;
  Interrupts* interrupts = nullptr;
  LaneSetup lane_setup;
  std::vector<std::unique_ptr<LaneSlot>> active;
  std::set<int64_t> sources_reading;  // sources some lane is reading now
  uint64_t bytes_finished = 0, lines_finished = 0;  // of lanes already done (bytes on disk)
  size_t inputs_finished = 0;
  std::vector<uint64_t> input_sizes;  // on disk, per input (0: not known, a pipe)
  const std::vector<InputItem>* inputs = nullptr;
  std::vector<std::vector<StreamResult>> results;  // per input, in input order
  std::vector<std::vector<Diagnostic>> lane_diags;  // per input, in input order
  std::vector<std::optional<InheritedHeader>> inherited;  // per input, in input order
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

int64_t open_count(const Run& run) {
  return run.sessions->stats().connections + static_cast<int64_t>(run.sessions->open_connections());
}

void on_record(Run& run, OpenStream& ss, const ParsedRecord& rec) {
  if (!rec.matched) {
    run.writes->put_unparsed(ss.source.id, rec.line_no, rec.text);
    return;
  }
  const Event& ev = rec.event;
  switch (ev.type) {
    case EventType::log_version: {
      // Each header keys the lines after it: a file may concatenate two appliances' logs.
      ss.serial = std::string(ev.field(slot::serial));
      if (ss.source.appliance.empty()) ss.source.appliance = ss.serial;
      if (std::find(ss.serials.begin(), ss.serials.end(), ss.serial) == ss.serials.end())
        ss.serials.push_back(ss.serial);
      SourceAppliance header{rec.line_no, ss.serial, std::string(ev.field(slot::version))};
      run.writes->post([id = ss.source.id, header](Store& store) { store.add_source_appliance(id, header); });
      return;
    }
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
  // A consolidated event names its appliance's serial (deviceExternalId), the key its
  // mail_logs use: the two join on the same connections.
  if (ev.type == EventType::consolidated && rec.host.empty())
    if (std::string_view serial = cef_field(ev.field(slot::extension), "deviceExternalId"); !serial.empty())
      appliance = serial;
  if (ss.source.appliance.empty() && !appliance.empty()) ss.source.appliance = std::string(appliance);
  LineInfo info{appliance, rec.local_time ? rec.local_time - ss.utc_offset : 0,
                LineRef{ss.source.id, rec.line_no}, rec.text};
  const int64_t before = open_count(run);
  run.sessions->on_event(ev, info);
  ss.connections += open_count(run) - before;
}

// Decides where a lane's stream starts: a log this database already holds (same first
// bytes) is read on from where it stopped. When another lane is reading that same log
// right now (the same file given twice, or a copy), the answer waits until that lane
// has finished it, so its bytes are stored once. Returns false when put off.
bool open_stream(Run& run, LaneSlot& slot, std::unique_ptr<StreamOpening>& opening) {
  OpenStream ss;
  std::optional<SourceRecord> known;
  run.writes->call([&](Store& store) { known = store.find_source(opening->head); });
  if (known) {
    if (run.sources_reading.count(known->id)) {
      slot.waiting = std::move(opening);
      return false;
    }
    ss.source = *known;
    ss.skip = known->bytes;
    ss.serial = known->appliance;
    // Read on after the last header seen: its serial keys the lines that follow.
    run.writes->call([&](Store& store) {
      const auto headers = store.source_appliances(known->id);
      if (!headers.empty()) ss.serial = headers.back().serial;
    });
    ss.utc_offset = known->utc_offset;
  } else {
    if (const auto& inh = run.inherited[slot.input_index]; inh && opening->name == inh->from_input) {
      ss.serial = inh->header.serial;
      ss.source.appliance = inh->header.serial;
      ss.utc_offset = inh->header.utc_offset.value_or(0);
      ss.inherited_from = inh->from;
    }
    ss.source.path = opening->name;
    ss.source.packaging = opening->packaging;
    ss.source.locale = opening->locale.lang;
    ss.source.locale_confidence = opening->locale.confidence;
    ss.source.ingested_at = std::time(nullptr);
  }
  // Known from the start, so that another lane opening the same log finds it.
  ss.source.fingerprint = fingerprint(opening->head);
  ss.source.fp_len = static_cast<int64_t>(opening->head.size());
  if (ss.source.id == 0) run.writes->call([&](Store& store) { ss.source.id = store.add_source(ss.source); });
  ss.first_line_no = ss.source.lines + 1;
  run.sources_reading.insert(ss.source.id);
  slot.lane->answer(StreamPlan{ss.skip, ss.first_line_no});
  slot.stream = std::move(ss);
  slot.waiting.reset();
  return true;
}

// The classes of the stream's lines, added to its source's counts (source_lines).
void post_line_classes(Run& run, int64_t source_id, const StreamClosing& closing) {
  std::vector<SourceLines> rows{{"specific", "mail_logs", closing.specific},
                                {"generic", "mail_logs", closing.generic},
                                {"unrecognised", "mail_logs", closing.unrecognised},
                                {"comment", "mail_logs", closing.comments}};
  for (const auto& [type, n] : closing.other_logs) rows.push_back({"other", type, n});
  run.writes->post([source_id, rows = std::move(rows), refusals = closing.refused_without_connection](Store& store) {
    for (const auto& r : rows) store.add_source_lines(source_id, r.line_class, r.log_type, r.lines);
    for (const auto& [action, n] : refusals) store.add_source_refusals(source_id, action, n);
  });
}

void close_stream(Run& run, LaneSlot& slot, const StreamClosing& closing) {
  StreamResult result{closing.name};
  result.locale = closing.locale;
  result.note = closing.note;
  result.seconds = closing.seconds;
  if (closing.opened && slot.stream) {
    OpenStream& ss = *slot.stream;
    result.lines = closing.lines;
    result.unparsed = closing.unparsed;
    result.parsed = result.lines - result.unparsed;
    result.connections = ss.connections;
    result.specific = closing.specific;
    result.generic = closing.generic;
    result.unrecognised = closing.unrecognised;
    for (const auto& [type, n] : closing.other_logs) result.other_logs += n;
    post_line_classes(run, ss.source.id, closing);
    int64_t refused = 0;
    for (const auto& [action, n] : closing.refused_without_connection) refused += n;
    if (refused > 0)
      result.note += (result.note.empty() ? "" : "; ") + std::to_string(refused) +
                     " refused before any connection (ICID 0), in source_refusals";
    if (result.note.empty() && ss.skip > 0) result.note = "read on from line " + std::to_string(ss.first_line_no);
    if (!ss.inherited_from.empty())
      result.note += (result.note.empty() ? "" : "; ") + std::string("no header: appliance and time offset of ") +
                     std::filesystem::path(ss.inherited_from).filename().string();
    if (closing.unverified_first_line > 0) {
      // Kept, as every readable line is, but never as if checked: the row and the note say so.
      result.note += (result.note.empty() ? "" : "; ") + std::string("lines ") +
                     std::to_string(closing.unverified_first_line) + "-" + std::to_string(closing.unverified_last_line) +
                     " may be wrong: decoded from damaged data";
      run.writes->post([id = ss.source.id, first = closing.unverified_first_line, last = closing.unverified_last_line,
                        from = closing.unverified_from](Store& store) {
        store.add_source_damage(id, first, last, from);
      });
    }
    if (ss.serials.size() > 1) {
      std::string list;
      for (const auto& serial : ss.serials) list += (list.empty() ? "" : ", ") + serial;
      result.note += (result.note.empty() ? "" : "; ") + std::to_string(ss.serials.size()) + " appliances: " + list;
    }
    ss.source.bytes = std::max<int64_t>(ss.skip, closing.complete_bytes);
    ss.source.lines += result.lines;
    ss.source.lines_parsed += result.parsed;
    ss.source.lines_unparsed += result.unparsed;
    ss.source.utc_offset = ss.utc_offset;
    run.writes->post([source = ss.source](Store& store) { store.update_source(source); });
    run.sources_reading.erase(ss.source.id);
    slot.stream.reset();
    // A lane waiting for this log can go on now.
    for (auto& other : run.active)
      if (other->waiting) open_stream(run, *other, other->waiting);
  }
  slot.results.push_back(std::move(result));
}

// Bytes of an input done so far, on disk: what its lane read of the file (compressed bytes
// for a compressed file), or its decompressed bytes when the disk position is not known;
// never more than the file's size.
uint64_t disk_bytes_done(const Run& run, const LaneSlot& slot) {
  const uint64_t size = run.input_sizes[slot.input_index];
  const uint64_t disk = slot.lane->disk_bytes();
  const uint64_t done = disk ? disk : slot.lane->bytes();
  return size ? std::min(done, size) : done;
}

void show_progress(Run& run) {
  uint64_t bytes = run.bytes_finished, lines = run.lines_finished;
  for (const auto& s : run.active) bytes += disk_bytes_done(run, *s), lines += s->lane->lines();
  const std::string current = run.active.empty() ? std::string() : (*run.inputs)[run.active.front()->input_index].path;
  run.progress->update(bytes, lines, current == "-" ? "stdin" : current, run.inputs_finished);
}

// Takes the lane's items until it has a record to offer, is put off, or is done.
void fill(Run& run, LaneSlot& slot) {
  while (!slot.done && !slot.waiting && !slot.has_record()) {
    if (slot.batch) slot.lane->recycle(std::move(slot.batch));
    LaneItem item = slot.lane->next();
    switch (item.kind) {
      case LaneItem::Kind::opening: open_stream(run, slot, item.opening); break;
      case LaneItem::Kind::batch:
        slot.batch = std::move(item.batch);
        slot.at = 0;
        show_progress(run);
        break;
      case LaneItem::Kind::closing: close_stream(run, slot, *item.closing); break;
      case LaneItem::Kind::done: slot.done = true; break;
    }
  }
}

// The key by which records of different lanes are merged: UTC time, and within one
// second a debug-log line before a mail_logs line, since a dialogue's last lines share
// the second of the connection's close and must reach it before the close hands it on.
// A record without a time goes first (it belongs where its lane is).
int64_t merge_key(const LaneSlot& slot) {
  const ParsedRecord& r = slot.record();
  if (r.local_time == 0) return INT64_MIN;
  const bool dialogue = r.event.type == EventType::debug_sent || r.event.type == EventType::debug_rcvd;
  return 2 * (r.local_time - (slot.stream ? slot.stream->utc_offset : 0)) + (dialogue ? 0 : 1);
}

void retire(Run& run, std::unique_ptr<LaneSlot> slot) {
  const uint64_t size = run.input_sizes[slot->input_index];
  run.bytes_finished += size ? size : slot->lane->bytes();
  run.lines_finished += slot->lane->lines();
  ++run.inputs_finished;
  run.lane_diags[slot->input_index] = slot->lane->diagnostics().all();
  run.results[slot->input_index] = std::move(slot->results);
}

// Lanes run at once, at most: enough for a day's mail_logs and both debug logs, few
// enough that their buffers stay small.
constexpr size_t kLanes = 4;

// The inputs in the order their lanes start: as given when all run at once, else by
// the time of their first record (stable), so the lanes running together overlap in time.
std::vector<size_t> lane_order(const Run& run, const std::vector<InputItem>& inputs) {
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (inputs.size() <= kLanes) return order;
  std::vector<int64_t> first(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    first[i] = inputs[i].path == "-" ? 0 : first_record_time(inputs[i], run.lane_setup);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return first[a] < first[b]; });
  return order;
}

// Rotated files whose header was not kept (split or copied) belong to the appliance and
// time offset of the file before them in their rotation chain, found in their directory;
// a chain of several such files goes back to the last one with a header.
std::vector<std::optional<InheritedHeader>> inherit_headers(const Run& run, const std::vector<InputItem>& inputs) {
  std::vector<std::optional<InheritedHeader>> out(inputs.size());
  const Matcher matcher(*run.grammar);
  std::map<std::string, LogHeader> seen;
  auto header_of = [&](const std::string& path) -> const LogHeader& {
    auto it = seen.find(path);
    if (it == seen.end()) it = seen.emplace(path, read_log_header({path, 0}, run.lane_setup, matcher)).first;
    return it->second;
  };
  constexpr int kLongestChain = 64;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& path = inputs[i].path;
    if (path == "-" || !rotation_name(std::filesystem::path(path).filename().string())) continue;
    const LogHeader own = header_of(path);
    if (!own.serial.empty() || own.utc_offset) continue;  // it has a header of its own
    std::string before = previous_in_rotation(path);
    for (int step = 0; !before.empty() && step < kLongestChain; ++step) {
      const LogHeader& h = header_of(before);
      if (!h.serial.empty() || h.utc_offset) {
        out[i] = InheritedHeader{h, before, path};
        break;
      }
      before = previous_in_rotation(before);
    }
  }
  return out;
}

// Runs every input through its lane and the records of all lanes, merged by log time,
// through sessions and the store.
void ingest_all(Run& run, const std::vector<InputItem>& inputs) {
  run.results.resize(inputs.size());
  run.lane_diags.resize(inputs.size());
  const std::vector<size_t> order = lane_order(run, inputs);
  size_t started = 0;
  for (;;) {
    // A signal, or a failed write (nothing more can be kept), ends the reading here.
    if (run.interrupts->stop_requested() || run.store->write_failed()) return;
    while (run.active.size() < kLanes && started < order.size()) {
      auto slot = std::make_unique<LaneSlot>();
      slot->input_index = order[started++];
      slot->lane = std::make_unique<ParseLane>(inputs[slot->input_index], run.lane_setup);
      run.active.push_back(std::move(slot));
    }
    if (run.active.empty()) break;
    LaneSlot* best = nullptr;
    int64_t best_key = INT64_MAX, second_key = INT64_MAX;
    for (size_t i = 0; i < run.active.size();) {
      LaneSlot& slot = *run.active[i];
      fill(run, slot);
      if (slot.done) {
        retire(run, std::move(run.active[i]));
        run.active.erase(run.active.begin() + static_cast<std::ptrdiff_t>(i));
        best = nullptr;  // slots moved: choose again
        best_key = second_key = INT64_MAX;
        i = 0;
        continue;
      }
      if (slot.has_record()) {
        const int64_t t = merge_key(slot);
        if (!best || t < best_key) {
          second_key = best ? best_key : second_key;
          best = &slot, best_key = t;
        } else if (t < second_key) {
          second_key = t;
        }
      }
      ++i;
    }
    if (!best) {
      // Only lanes put off remain (cannot happen while the log they wait for is being
      // read by an active lane); answer them rather than wait forever.
      for (auto& s : run.active)
        if (s->waiting) {
          run.sources_reading.clear();
          open_stream(run, *s, s->waiting);
        }
      continue;
    }
    // The chosen lane goes on while its records are not later than any other's.
    do {
      on_record(run, *best->stream, best->record());
      ++best->at;
    } while (best->has_record() && merge_key(*best) <= second_key);
  }
}

// The inputs' sizes on disk (0 for a pipe or what cannot be measured).
std::vector<uint64_t> input_sizes(const std::vector<InputItem>& inputs) {
  std::vector<uint64_t> sizes;
  for (const auto& in : inputs) {
    std::error_code ec;
    const auto size = in.path == "-" ? 0 : std::filesystem::file_size(in.path, ec);
    sizes.push_back(ec ? 0 : size);
  }
  return sizes;
}

StreamResult totals(const Run& run) {
  StreamResult t{"total"};
  size_t inputs = 0;
  for (const auto& input : run.results)
    for (const auto& r : input) {
      ++inputs;
      t.lines += r.lines, t.parsed += r.parsed, t.unparsed += r.unparsed, t.connections += r.connections;
      t.specific += r.specific, t.generic += r.generic, t.other_logs += r.other_logs;
      t.unrecognised += r.unrecognised;
    }
  t.name = "total (" + std::to_string(inputs) + (inputs == 1 ? " input)" : " inputs)");
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
  return t;
}

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", seconds);
  return buf;
}

// The per-input table, with a totals row. On a terminal it fits the width ($COLUMNS, else
// the terminal's): the input's name keeps its end, the least useful columns give way
// first. Elsewhere (a file, a pipe) nothing is cut or dropped.
void print_results(const Run& run) {
  Table t;
  t.columns = {{"input", false, 0, 24},       {"lines", true, 0, 0},        {"specific", true, 3, 0},
               {"generic", true, 3, 0},       {"other-logs", true, 4, 0},   {"unrecognised", true, 2, 0},
               {"connections", true, 0, 0},   {"seconds", true, 5, 0},      {"locale", false, 6, 0},
               {"note", false, 7, 12}};
  const size_t width = run.options.terminal ? output_width(0) : static_cast<size_t>(-1);
  auto row = [&](const StreamResult& r) {
    return std::vector<std::string>{terminal_text(r.name),       std::to_string(r.lines),
                                    std::to_string(r.specific),   std::to_string(r.generic),
                                    std::to_string(r.other_logs), std::to_string(r.unrecognised),
                                    std::to_string(r.connections), seconds_text(r.seconds),
                                    r.locale,                     terminal_text(r.note)};
  };
  for (const auto& input : run.results)
    for (const auto& r : input) t.rows.push_back(row(r));
  Table total{t.columns, {row(totals(run))}};
  t.rows.push_back(total.rows.front());  // its width counts too
  const TableLayout layout = fit_table(t, width);
  t.rows.pop_back();
  // A name cut keeps its end, where the file name is.
  for (auto& r : t.rows) {
    std::string& name = r[0];
    if (display_width(name) <= layout.widths[0]) continue;
    while (!name.empty() && display_width(name) + 1 > layout.widths[0]) {
      size_t n = 1;
      while (n < name.size() && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) ++n;
      name.erase(0, n);
    }
    name = "…" + name;
  }
  const std::string body = render_table(t, layout);
  // The rule under the header (its second line) is drawn again above the totals.
  const size_t rule_start = body.find('\n') + 1;
  const std::string rule = body.substr(rule_start, body.find('\n', rule_start) + 1 - rule_start);
  run.io.out << body << rule << render_table_rows(total, layout);
}

nlohmann::ordered_json result_json(const StreamResult& r, bool per_input) {
  nlohmann::ordered_json j;
  j[per_input ? "input" : "inputs"] = per_input ? nlohmann::ordered_json(r.name) : nlohmann::ordered_json(nullptr);
  j["lines"] = r.lines;
  j["parsed"] = r.parsed;
  j["unparsed"] = r.unparsed;
  j["specific"] = r.specific;
  j["generic"] = r.generic;
  j["other_logs"] = r.other_logs;
  j["unrecognised"] = r.unrecognised;
  j["connections"] = r.connections;
  j["seconds"] = std::round(r.seconds * 1000) / 1000;
  if (!per_input) return j;
  // "fr (0.93)": the language and how sure the detection is.
  const auto open = r.locale.find(" (");
  j["locale"] = r.locale.empty() ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(r.locale.substr(0, open));
  j["locale_confidence"] = nullptr;
  if (open != std::string::npos) j["locale_confidence"] = std::atof(r.locale.c_str() + open + 2);
  j["note"] = r.note.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.note);
  return j;
}

// --format json: {"inputs": [...], "totals": {...}, "errors": [...], "committed": bool}.
void print_json(const Run& run, bool kept) {
  nlohmann::ordered_json j;
  j["database"] = run.options.db;
  j["committed"] = kept;
  j["inputs"] = nlohmann::ordered_json::array();
  size_t inputs = 0;
  for (const auto& input : run.results)
    for (const auto& r : input) j["inputs"].push_back(result_json(r, true)), ++inputs;
  auto total = result_json(totals(run), false);
  total["inputs"] = inputs;
  j["totals"] = total;
  j["errors"] = nlohmann::ordered_json::array();
  for (const auto& d : run.diag.all()) j["errors"].push_back(d.format());
  run.io.out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

bool load_data(Run& run) {
  const auto data_dir = resolve_data_dir(run.options.data_dir);
  run.grammar = Grammar::load(data_dir / "grammars", run.diag);
  if (!run.grammar) return false;
  run.localizer = Localizer::load(data_dir / "locales", run.diag);
  if (!run.localizer) return false;
  if (run.options.locale != "auto" && !run.localizer->has_language(run.options.locale)) {
    std::string known = "auto";
    for (const auto& lang : run.localizer->languages()) known += ", " + lang;
    run.diag.problem("--locale", "unknown language '" + run.options.locale + "' (known: " + known + ")");
    return false;
  }
  return true;
}

int report(const Run& run, int status) {
  for (const auto& d : run.diag.all()) run.io.err << "mailtls ingest: " << terminal_text(d.format(), true) << "\n";
  if (run.timer.enabled()) run.io.err << "mailtls ingest: where the time went:\n" << run.timer.report();
  return status;
}

// What stderr says of an interrupted run, and the exit status: 128 + the signal.
int report_interrupted(const Run& run, int signo, bool kept) {
  for (const auto& d : run.diag.all()) run.io.err << "mailtls ingest: " << terminal_text(d.format(), true) << "\n";
  run.io.err << "mailtls ingest: interrupted (" << (signo == SIGTERM ? "SIGTERM" : "SIGINT") << "): "
             << (kept ? "the commit had begun, so this run's rows were kept"
                      : "this run's rows were discarded; the database is as it was before the run")
             << "\n";
  return 128 + signo;
}

}  // namespace

int run_ingest(const IngestOptions& options, Streams io) {
  Run run{options, io};
  Interrupts interrupts;  // before any thread of the run starts: they inherit its mask
  run.interrupts = &interrupts;
  if (!load_data(run)) return report(run, 2);
  // The inputs first: when none can be read, no database is created or touched.
  const auto inputs = expand_inputs(options.inputs, run.diag, options.db);
  if (inputs.empty()) {
    run.diag.problem("", "nothing to read: no input could be opened; the database was not created or changed");
    return report(run, 1);
  }
  run.store = Store::open(options.db, Store::Mode::read_write, run.diag);
  if (!run.store) return report(run, 1);
  const bool show = !options.quiet && (options.progress < 0 ? isatty(STDERR_FILENO) != 0 : options.progress > 0);
  run.inputs = &inputs;
  run.input_sizes = input_sizes(inputs);
  uint64_t total = 0;
  for (uint64_t size : run.input_sizes) total += size;
  // A pipe among the inputs: its size is not known, so neither is a percentage.
  if (std::count(run.input_sizes.begin(), run.input_sizes.end(), 0)) total = 0;
  run.progress = std::make_unique<Progress>(io.err, show, total, inputs.size(), terminal_columns(STDERR_FILENO));
  run.writes = std::make_unique<WriteQueue>(*run.store);
  run.sink = std::make_unique<StoreSink>(*run.store, *run.writes);
  run.sessions = std::make_unique<Sessions>(SessionOptions{options.idle_timeout, options.max_open}, *run.sink);

  run.lane_setup.grammar = run.grammar.get();
  run.lane_setup.localizer = run.localizer.get();
  run.lane_setup.locale = options.locale;
  run.lane_setup.year = options.year;
  run.lane_setup.reader.chunk_bytes = size_t{256} << 10;
  run.inherited = inherit_headers(run, inputs);
  auto streaming = run.timer.phase("reading and parsing the inputs");
  ingest_all(run, inputs);
  streaming.stop();
  for (const auto& lane : run.lane_diags)
    for (const auto& item : lane) run.diag.add(item);
  // From here on the progress line names each phase as it begins.
  run.timer.listen([&run](const std::string& phase) { run.progress->phase(phase); });
  if (!interrupts.stop_requested() && !run.store->write_failed()) {
    show_progress(run);
    auto phase = run.timer.phase("finishing the connections still open");
    run.sessions->finish_all();
  }
  if (interrupts.stop_requested()) {
    // Run's members then stop the lanes, drop what is queued for the writer, and the
    // Store rolls the run back.
    run.progress->finish();
    return report_interrupted(run, interrupts.signal(), false);
  }
  const SessionStats& st = run.sessions->stats();
  run.timer.count("sessions: connections", st.connections);
  run.timer.count("sessions: messages", st.messages);
  run.timer.count("sessions: ended by time-out or bound", st.timed_out);
  run.timer.count("sessions: most open at once", static_cast<int64_t>(st.peak_open));
  run.writes->call([&](Store& store) {
    store.finish(classify_for_store, [&] { return interrupts.begin_commit(); }, run.timer);
  });
  run.progress->finish();
  const bool kept = run.store->committed();
  if (interrupts.signal() != 0) return report_interrupted(run, interrupts.signal(), kept);
  // A run that was rolled back (a failed write, a failed commit) has no results to show:
  // its rows are not in the database.
  if (options.format == "json") print_json(run, kept);
  else if (kept && !options.quiet) print_results(run);
  return report(run, run.diag.any_data_lost() || !kept ? 1 : 0);
}

}  // namespace mailtls
