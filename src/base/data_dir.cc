#include "base/data_dir.h"

#include <cstdlib>
#include <system_error>

namespace mailtls {
namespace fs = std::filesystem;

namespace {
bool has_grammars(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir / "grammars", ec);
}
}  // namespace

fs::path resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MAILTLS_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "mailtls";
    if (has_grammars(installed)) return installed;
  }
  return MAILTLS_SOURCE_DATA_DIR;
}

}  // namespace mailtls
