// Fuzz target: arbitrary bytes through the localizer, framer and matcher (see
// fuzz_targets.h for how the first byte steers).
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libFuzzer gives no context argument: the loaded data lives for the process.
  static const auto* d = mailtls::fuzz::FramerData::load(MAILTLS_SOURCE_DATA_DIR).release();
  if (!d) __builtin_trap();
  mailtls::fuzz::framer_one(*d, data, size);
  return 0;
}
