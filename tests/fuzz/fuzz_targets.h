// The bodies of the libFuzzer targets, shared with the Catch2 test that replays the
// inputs in tests/fuzz/regressions/, so a crash once found stays tested in every build
// (not only in the clang fuzz build).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "verdict/classifier.h"
#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/localizer.h"
#include "parse/matcher.h"
#include "verdict/transcript_paste.h"

namespace mailtls::fuzz {

// The data files the framer target needs, loaded once: loading takes far longer than
// one input runs.
struct FramerData {
  Diagnostics diag;
  std::unique_ptr<Grammar> grammar;
  std::unique_ptr<Matcher> matcher;
  std::unique_ptr<Localizer> localizer;

  // Null when the grammars or locales under `data_dir` do not load.
  static std::unique_ptr<FramerData> load(const std::filesystem::path& data_dir) {
    auto d = std::make_unique<FramerData>();
    d->grammar = Grammar::load(data_dir / "grammars", d->diag);
    d->localizer = Localizer::load(data_dir / "locales", d->diag);
    if (!d->grammar || !d->localizer) return nullptr;
    d->matcher = std::make_unique<Matcher>(*d->grammar);
    return d;
  }
};

// Arbitrary bytes through the localizer, framer and matcher as ingest runs them. The
// first byte steers: its low 6 bits choose the chunk size (so line joins across chunk
// boundaries are exercised), its top bit whether the stream's language is detected
// from its head (a localized stream: every line restored) or left at "auto" (English,
// each line the English frames miss tried in every language).
inline size_t framer_one(const FramerData& d, const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Diagnostics diag;
  FramerOptions options;
  options.max_line_bytes = 4096;
  options.localizer = d.localizer.get();
  options.locale = data[0] & 0x80 ? d.localizer->detect(input.substr(0, 4096)).lang : "auto";
  Framer framer(*d.grammar, *d.matcher, options, "fuzz", diag);
  size_t fields = 0;
  // Every view of the record is read, byte by byte, as ingest reads them: a view into a
  // freed buffer then shows under ASan (a held record's host once did).
  auto touch = [&](std::string_view v) {
    for (char c : v) fields += static_cast<unsigned char>(c);
  };
  auto sink = [&](const Record& r) {
    touch(r.host);
    touch(r.tag);
    touch(r.level);
    touch(r.text);
    Event ev;
    if (d.matcher->match(r.body, ev))
      for (auto f : ev.fields) fields += f.size();
  };
  for (size_t i = 0; i < input.size(); i += chunk) framer.feed(input.substr(i, chunk), sink);
  framer.finish(sink);
  return fields;
}

// Arbitrary text through the pasted-transcript parser and the classifier, as
// `mailtls explain --transcript` runs them on whatever a person pastes. The first
// byte's low bit chooses the direction.
inline bool transcript_one(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Connection c;
  c.direction = size > 0 && data[0] & 1 ? Direction::inbound : Direction::outbound;
  c.transcript = parse_pasted_transcript(text);
  return !outcome_name(classify(c).outcome).empty();
}

}  // namespace mailtls::fuzz
