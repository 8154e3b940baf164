#include "base/diagnostics.h"

#include <algorithm>

namespace mailtls {

std::string Diagnostic::format() const {
  std::string out;
  switch (severity) {
    case Severity::note: out = "note: "; break;
    case Severity::warning: out = "warning: "; break;
    case Severity::error: out = "error: "; break;
  }
  if (!file.empty()) out += file + ": ";
  if (offset >= 0) out += "byte " + std::to_string(offset) + ": ";
  out += message;
  return out;
}

void Diagnostics::add(Diagnostic d) {
  std::lock_guard lock(mu_);
  items_.push_back(std::move(d));
}

void Diagnostics::error(std::string file, int64_t offset, std::string message, bool data_lost) {
  add({Diagnostic::Severity::error, std::move(file), offset, std::move(message), data_lost});
}

void Diagnostics::warning(std::string file, int64_t offset, std::string message) {
  add({Diagnostic::Severity::warning, std::move(file), offset, std::move(message), false});
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
