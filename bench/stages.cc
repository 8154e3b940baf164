// mailtls-stages: CPU seconds of each parsing stage of `mailtls ingest` on one plain log,
// without SQLite: framer alone, framer + matcher, framer + matcher + sessions (finished
// connections classified and dropped). Used to find where the ingest's time goes.
//
//   build/bench/mailtls-stages FILE [DATA_DIR]
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "verdict/classifier.h"
#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/matcher.h"
#include "session/sessions.h"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Classifies each finished connection, as the ingest does, then drops it.
class NullSink : public mailtls::SessionSink {
 public:
  int64_t new_message_id() override { return ++ids_; }
  void connection_finished(mailtls::Connection&& c) override { outcomes_ += mailtls::outcome_name(mailtls::classify(c).outcome).size(); }
  void message_finished(mailtls::Message&&) override {}
  int64_t ids_ = 0;
  size_t outcomes_ = 0;
};

// Feeds `text` to a framer in 1 MiB chunks, as the reader does; `on_record` gets each record.
template <class F>
double timed_pass(const std::string& text, const mailtls::Grammar& g, const mailtls::Matcher& m, F on_record) {
  mailtls::Diagnostics diag;
  mailtls::FramerOptions fo;
  fo.year = 2026;
  mailtls::Framer framer(g, fo, "input", diag);
  const mailtls::Framer::Sink sink = [&](const mailtls::Record& r) { on_record(r); };
  const double start = cpu_seconds();
  const size_t chunk = size_t{1} << 20;
  for (size_t at = 0; at < text.size(); at += chunk)
    framer.feed(std::string_view(text).substr(at, chunk), sink);
  framer.finish(sink);
  return cpu_seconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mailtls-stages FILE [DATA_DIR]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  mailtls::Diagnostics diag;
  const std::string data = argc > 2 ? argv[2] : MAILTLS_SOURCE_DATA_DIR;
  auto grammar = mailtls::Grammar::load(data + "/grammars", diag);
  if (!grammar) return 2;
  mailtls::Matcher matcher(*grammar);
  size_t lines = 0, matched = 0;
  const double frame = timed_pass(text, *grammar, matcher, [&](const mailtls::Record&) { ++lines; });
  const double match = timed_pass(text, *grammar, matcher, [&](const mailtls::Record& r) {
    mailtls::Event ev;
    matched += matcher.match(r.body, ev);
  });
  NullSink sink;
  mailtls::Sessions sessions(mailtls::SessionOptions{}, sink);
  const double sess = timed_pass(text, *grammar, matcher, [&](const mailtls::Record& r) {
    mailtls::Event ev;
    if (!matcher.match(r.body, ev)) return;
    sessions.on_event(ev, mailtls::LineInfo{"esa", r.local_time, {1, r.line_no}, r.text});
  });
  sessions.finish_all();
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("%zu lines, %zu matched, %.1f MB\n", lines, matched, mb);
  std::printf("framer            %6.2f CPU s  %7.1f MB/s\n", frame, mb / frame);
  std::printf("+ matcher         %6.2f CPU s  %7.1f MB/s\n", match, mb / match);
  std::printf("+ sessions+class. %6.2f CPU s  %7.1f MB/s\n", sess, mb / sess);
  return 0;
}
