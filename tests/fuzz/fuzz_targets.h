// The bodies of the libFuzzer targets, shared with the Catch2 test that replays the
// inputs in tests/fuzz/regressions/, so a crash once found stays tested in every build
// (not only in the clang fuzz build).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "verdict/classifier.h"
#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/localizer.h"
#include "parse/matcher.h"
#include "read/reader.h"
#include "read/reader_decode.h"
#include "read/reader_tar.h"
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
  Framer framer(*d.grammar, options, "fuzz", diag);
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

// Arbitrary text through the paste reader (every shape: dialogues, swaks, openssl,
// posttls-finger, Exchange and Postfix logs) and the classifier, as `mailtls explain
// --transcript` runs them on whatever a person pastes. The first byte's low bit chooses
// the direction of the bare reading.
inline bool transcript_one(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Connection c;
  c.direction = size > 0 && data[0] & 1 ? Direction::inbound : Direction::outbound;
  c.transcript = parse_pasted_transcript(text);
  bool ok = !outcome_name(classify(c).outcome).empty();
  for (PastedDialogue& d : read_paste(text, 1)) {
    Connection p;
    p.direction = d.direction;
    p.transcript = std::move(d.transcript);
    p.log = std::move(d.log);
    ok = ok && !outcome_name(classify(p).outcome).empty();
  }
  return ok;
}

// Reads every stream as ingest does, up to a bound: a few bytes of a compressed file can
// stand for gigabytes, and stopping early is a path of its own (the producer is stopped).
inline size_t drain(LogStream& stream) {
  constexpr size_t kMostBytes = size_t{16} << 20;
  size_t total = 0;
  for (auto chunk = stream.read(); !chunk.empty() && total < kMostBytes; chunk = stream.read()) {
    total += chunk.size();
    total += static_cast<unsigned char>(chunk.back()) & 1;  // the bytes are read
  }
  return total + (stream.cut() ? 1 : 0) + stream.name().size() + stream.packaging().size();
}

// Arbitrary bytes as a whole input file through read_input(): the packaging sniffer,
// each decoder (gzip, bzip2, xz, zstd), the tar reader over any of them, and the
// producer threads. The file is a memfd, so RawFile reads it like any file on disk.
inline size_t reader_one(const uint8_t* data, size_t size) {
  const int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd < 0) return 0;
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  Diagnostics diag;
  ReaderOptions options;
  options.chunk_bytes = 4096;  // many chunks even for small inputs
  options.queue_chunks = 2;
  size_t total = 0;
  read_input({"/proc/self/fd/" + std::to_string(fd), 0}, options, diag,
             [&](LogStream& stream) { total += drain(stream); });
  ::close(fd);
  return total + diag.size();
}

// Bytes already decompressed, handed over in chunks of a size the first byte chooses.
class MemorySource : public ChunkSource {
 public:
  MemorySource(std::string_view bytes, size_t most) : bytes_(bytes), most_(most) {}
  size_t fill(char* out, size_t cap) override {
    size_t got = 0;
    while (got < cap && !bytes_.empty()) {
      const size_t n = std::min({cap - got, most_, bytes_.size()});
      std::memcpy(out + got, bytes_.data(), n);
      bytes_.remove_prefix(n);
      got += n;
    }
    return got;
  }
  bool damaged() const override { return false; }
  bool cut() const override { return false; }

 private:
  std::string_view bytes_;
  size_t most_;
};

// Arbitrary bytes through the tar reader alone (headers, long names, pax records,
// damaged headers and the search for the next one), as an uncompressed tar.
inline size_t tar_one(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  MemorySource source({reinterpret_cast<const char*>(data) + 1, size - 1}, 1 + data[0] * 64);
  Diagnostics diag;
  ReaderOptions options;
  options.chunk_bytes = 1024;
  options.queue_chunks = 1;
  size_t total = 0;
  visit_tar(source, "fuzz.tar", "plain", options, diag, [&](LogStream& stream) { total += drain(stream); });
  return total + diag.size();
}

}  // namespace mailtls::fuzz
