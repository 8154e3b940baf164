// Fuzz target: arbitrary text through the pasted-transcript parser and the classifier.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mailtls::fuzz::transcript_one(data, size);
  return 0;
}
