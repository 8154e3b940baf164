#include "cli/progress.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "base/terminal_text.h"
#include "report/table_format.h"

namespace mailtls {

Progress::Progress(std::ostream& err, bool enabled, uint64_t total_bytes, size_t inputs, size_t width)
    : err_(err), enabled_(enabled), total_(total_bytes), inputs_(inputs), width_(std::max<size_t>(width, 20)),
      start_(std::chrono::steady_clock::now()), last_(start_ - std::chrono::seconds(1)) {}

std::string Progress::line(uint64_t bytes, uint64_t total, uint64_t lines, double seconds, std::string_view current,
                           size_t done, size_t inputs, size_t width) {
  const double rate = seconds > 0 ? bytes / seconds : 0;
  char figures[160];
  if (total > 0) {
    const uint64_t shown = std::min(bytes, total);
    char eta[32] = "?";
    if (rate > 0 && shown > 0) {
      const auto left = static_cast<long>((total - shown) / rate);
      std::snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
    }
    std::snprintf(figures, sizeof figures, "%3d%%  %.1f/%.1f MB  %.1f MB/s  ETA %s  %llu lines",
                  static_cast<int>(100.0 * shown / total), shown / 1e6, total / 1e6, rate / 1e6, eta,
                  static_cast<unsigned long long>(lines));
  } else {  // a pipe: no size to measure against
    std::snprintf(figures, sizeof figures, "%.1f MB  %.1f MB/s  %llu lines", bytes / 1e6, rate / 1e6,
                  static_cast<unsigned long long>(lines));
  }
  const std::string head = "[" + std::to_string(std::min(done + 1, inputs)) + "/" + std::to_string(inputs) + "] ";
  std::string text = head + figures;
  // The input's name takes what is left of the width, keeping its end (the file name).
  const size_t used = display_width(text) + 2;
  std::string name = terminal_text(current);
  if (used + 4 < width) {
    const size_t room = width - used - 1;
    if (display_width(name) > room) {
      while (!name.empty() && display_width(name) > room - 1) name.erase(0, 1);
      name = "…" + name;
    }
    text = head + name + "  " + figures;
  }
  return fit_cell(text, width - 1);
}

void Progress::draw(const std::string& text) {
  const size_t width = display_width(text);
  err_ << "\r" << text;
  if (width < drawn_) err_ << std::string(drawn_ - width, ' ') << "\r" << text;
  err_ << std::flush;
  drawn_ = width;
}

void Progress::update(uint64_t bytes, uint64_t lines, std::string_view current, size_t done) {
  bytes_ = bytes, lines_ = lines;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  draw(line(bytes, total_, lines, seconds, current, done, inputs_, width_));
}

void Progress::phase(std::string_view what) {
  if (!enabled_) return;
  char read[96];
  std::snprintf(read, sizeof read, "all %zu input%s read (%.1f MB, %llu lines): ", inputs_, inputs_ == 1 ? "" : "s",
                (total_ ? total_ : bytes_) / 1e6, static_cast<unsigned long long>(lines_));
  draw(fit_cell(std::string(read) + std::string(what) + "…", width_ - 1));
}

void Progress::finish() {
  if (drawn_) err_ << "\r" << std::string(drawn_, ' ') << "\r" << std::flush;
  drawn_ = 0;
}

}  // namespace mailtls
