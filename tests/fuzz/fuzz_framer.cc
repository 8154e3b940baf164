// Fuzz target: arbitrary bytes through the framer and the matcher, as ingest reads them,
// in chunks of varying size (the first byte chooses it) so line joins across chunk
// boundaries are exercised too.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "framer.h"
#include "grammar.h"
#include "matcher.h"

namespace {
struct Loaded {
  mailtls::Diagnostics diag;
  std::unique_ptr<mailtls::Grammar> grammar;
  std::unique_ptr<mailtls::Matcher> matcher;
};

// libFuzzer gives no context argument: the loaded grammar lives for the process.
Loaded& loaded() {
  static Loaded* l = [] {
    auto* x = new Loaded;
    x->grammar = mailtls::Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", x->diag);
    if (!x->grammar) __builtin_trap();
    x->matcher = std::make_unique<mailtls::Matcher>(*x->grammar);
    return x;
  }();
  return *l;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Loaded& l = loaded();
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  mailtls::Diagnostics diag;
  mailtls::FramerOptions options;
  options.max_line_bytes = 4096;
  mailtls::Framer framer(*l.grammar, *l.matcher, options, "fuzz", diag);
  size_t fields = 0;
  auto sink = [&](const mailtls::Record& r) {
    mailtls::Event ev;
    if (l.matcher->match(r.body, ev))
      for (auto f : ev.fields) fields += f.size();
  };
  for (size_t i = 0; i < input.size(); i += chunk) framer.feed(input.substr(i, chunk), sink);
  framer.finish(sink);
  return fields == static_cast<size_t>(-1);
}
