#include "read/rotation.h"

#include <algorithm>
#include <filesystem>

namespace mailtls {

namespace fs = std::filesystem;

namespace {

bool digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The name without one compression suffix.
std::string_view without_compression(std::string_view name) {
  for (std::string_view ext : {".gz", ".bz2", ".xz", ".zst"})
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext)
      return name.substr(0, name.size() - ext.size());
  return name;
}

}  // namespace

std::optional<RotationName> rotation_name(std::string_view filename) {
  const std::string_view name = without_compression(filename);
  constexpr std::string_view kCurrent = ".current";
  if (name.size() > kCurrent.size() && name.substr(name.size() - kCurrent.size()) == kCurrent)
    return RotationName{std::string(name.substr(0, name.size() - kCurrent.size())), "~"};
  // <log>.@YYYYMMDDTHHMMSS.s|c
  constexpr size_t kTail = 2 + 15 + 2;  // ".@" stamp ".s"
  if (name.size() <= kTail) return std::nullopt;
  const std::string_view tail = name.substr(name.size() - kTail);
  const std::string_view stamp = tail.substr(2, 15);
  if (tail.substr(0, 2) != ".@" || (tail.substr(17) != ".s" && tail.substr(17) != ".c") ||
      stamp[8] != 'T' || !digits(stamp.substr(0, 8)) || !digits(stamp.substr(9)))
    return std::nullopt;
  return RotationName{std::string(name.substr(0, name.size() - kTail)), std::string(stamp)};
}

std::string previous_in_rotation(const std::string& path) {
  const fs::path p(path);
  const auto self = rotation_name(p.filename().string());
  if (!self) return {};
  std::string best, best_stamp;
  std::error_code ec;
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto other = rotation_name(it->path().filename().string());
    if (!other || other->log != self->log || other->stamp >= self->stamp) continue;
    std::error_code kind;
    if (!it->is_regular_file(kind)) continue;
    if (best.empty() || other->stamp > best_stamp) {
      best = (dir / it->path().filename()).string();
      best_stamp = other->stamp;
    }
  }
  return best;
}

}  // namespace mailtls
