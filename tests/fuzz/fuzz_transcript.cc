// Fuzz target: arbitrary text through the pasted-transcript parser and the classifier,
// as `mailtls explain --transcript` runs them on whatever a person pastes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "classifier.h"
#include "transcript_paste.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mailtls::Connection c;
  c.direction = size > 0 && data[0] & 1 ? mailtls::Direction::inbound : mailtls::Direction::outbound;
  c.transcript = mailtls::parse_pasted_transcript(text);
  const mailtls::Verdict v = mailtls::classify(c);
  return v.outcome.empty() ? 1 : 0;
}
