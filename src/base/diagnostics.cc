#include "base/diagnostics.h"

#include <algorithm>
#include <fstream>

namespace mailtls {

std::string Diagnostic::format() const {
  std::string out;
  switch (severity) {
    case Severity::note: out = "note: "; break;
    case Severity::warning: out = "warning: "; break;
    case Severity::error: out = "error: "; break;
  }
  if (!file.empty() && at.line > 0)
    out += file + ":" + std::to_string(at.line) + ":" + std::to_string(std::max(at.column, 1)) + ": ";
  else if (!file.empty())
    out += file + ": ";
  if (offset >= 0) out += "byte " + std::to_string(offset) + ": ";
  out += message;
  if (at.line > 0 && !excerpt.empty()) {
    out += "\n  " + excerpt + "\n  ";
    // The caret keeps the excerpt's tabs, so it lands under the same character.
    for (int i = 0; i + 1 < at.column && static_cast<size_t>(i) < excerpt.size(); ++i)
      out += excerpt[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
    out += "^ near here";
  }
  return out;
}

namespace {

// Line `line` (1-based) of a text file, without its line end; empty when unreadable.
std::string line_of_file(const std::string& path, int line) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  for (int n = 1; n <= line && std::getline(in, text); ++n)
    if (n == line) {
      if (!text.empty() && text.back() == '\r') text.pop_back();
      return text;
    }
  return {};
}

}  // namespace

void Diagnostics::add(Diagnostic d) {
  std::lock_guard lock(mu_);
  items_.push_back(std::move(d));
}

void Diagnostics::error(std::string file, int64_t offset, std::string message, bool data_lost) {
  Diagnostic d;
  d.file = std::move(file);
  d.offset = offset;
  d.message = std::move(message);
  d.data_lost = data_lost;
  add(std::move(d));
}

void Diagnostics::problem(std::string where, std::string message, TextPosition at) {
  Diagnostic d;
  d.file = std::move(where);
  d.message = std::move(message);
  d.at = at;
  if (at.line > 0) d.excerpt = line_of_file(d.file, at.line);
  add(std::move(d));
}

void Diagnostics::warning(std::string file, int64_t offset, std::string message) {
  Diagnostic d;
  d.severity = Diagnostic::Severity::warning;
  d.file = std::move(file);
  d.offset = offset;
  d.message = std::move(message);
  add(std::move(d));
}

std::vector<Diagnostic> Diagnostics::all() const {
  std::lock_guard lock(mu_);
  return items_;
}

bool Diagnostics::any_data_lost() const {
  std::lock_guard lock(mu_);
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.data_lost; });
}

bool Diagnostics::any_error() const {
  std::lock_guard lock(mu_);
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::error;
  });
}

size_t Diagnostics::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace mailtls
