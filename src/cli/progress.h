// Progress of a long ingest on stderr: bytes and lines done, MB/s, ETA. Drawn on one
// line, at most four times a second, and only when enabled (stderr is a terminal).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace mailtls {

class Progress {
 public:
  Progress(std::ostream& err, bool enabled, uint64_t total_bytes);
  // `bytes` and `lines` done so far over the whole run.
  void update(uint64_t bytes, uint64_t lines);
  void finish();  // clears the line

 private:
  std::ostream& err_;
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

}  // namespace mailtls
