#include "cli/progress.h"

#include <cstdio>
#include <ostream>

namespace mailtls {

Progress::Progress(std::ostream& err, bool enabled, uint64_t total_bytes)
    : err_(err), enabled_(enabled), total_(total_bytes),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::update(uint64_t bytes, uint64_t lines) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? bytes / seconds : 0;
  char eta[32] = "?";
  if (total_ > bytes && rate > 0) {
    const auto left = static_cast<long>((total_ - bytes) / rate);
    std::snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
  }
  char line[160];
  std::snprintf(line, sizeof line, "\r%9.1f MB  %12llu lines  %7.1f MB/s  ETA %s   ",
                bytes / 1e6, static_cast<unsigned long long>(lines), rate / 1e6, eta);
  err_ << line << std::flush;
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) err_ << "\r" << std::string(72, ' ') << "\r" << std::flush;
  drawn_ = false;
}

}  // namespace mailtls
