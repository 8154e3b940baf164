// Progress of a long ingest on stderr, drawn on one line that fits the terminal, at most
// four times a second, and only when enabled (stderr is a terminal): the input being
// read, the share of the inputs' bytes on disk read so far (compressed bytes for a
// compressed input, so the percentage and the ETA hold for .gz, .zst, ...), the rate, the
// ETA and the lines; after the last byte, the phase the run is in (finishing the open
// connections, building indexes, reconciling, committing).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace mailtls {

class Progress {
 public:
  // `width`: the terminal's columns; `inputs`: how many inputs the run reads.
  Progress(std::ostream& err, bool enabled, uint64_t total_bytes, size_t inputs, size_t width);
  // `bytes` on disk and `lines` done so far over the whole run; `current` names the input
  // being read, `done` how many inputs are finished.
  void update(uint64_t bytes, uint64_t lines, std::string_view current, size_t done);
  // After the last byte: what the run does now. Drawn at once.
  void phase(std::string_view what);
  void finish();  // clears the line

  // The line update() draws (without "\r"), for the tests.
  static std::string line(uint64_t bytes, uint64_t total, uint64_t lines, double seconds, std::string_view current,
                          size_t done, size_t inputs, size_t width);

 private:
  void draw(const std::string& text);

  std::ostream& err_;
  bool enabled_;
  uint64_t total_;
  size_t inputs_, width_;
  uint64_t bytes_ = 0, lines_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
  size_t drawn_ = 0;  // display columns on the line now
};

}  // namespace mailtls
