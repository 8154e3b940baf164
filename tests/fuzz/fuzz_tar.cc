// Fuzz target: arbitrary bytes as an uncompressed tar, through the tar reader.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mailtls::fuzz::tar_one(data, size);
  return 0;
}
