// Fuzz target: arbitrary bytes as an input file, through the packaging sniffer, the
// decoders (gzip, bzip2, xz, zstd) and the tar reader.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mailtls::fuzz::reader_one(data, size);
  return 0;
}
