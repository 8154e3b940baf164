#include "base/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace mailtls {

bool write_output_file(const std::string& path, std::string_view bytes, std::string* error) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string pattern = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  auto fail = [&](const char* what, int err) {
    if (error) *error = std::string(what) + ": " + std::strerror(err);
    return false;
  };
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return fail("cannot create a temporary file beside it", errno);
  const std::string tmp(name.data());
  auto give_up = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(what, err);
  };
  // mkstemp makes the file 0600; an output file gets the usual mode, as open() with the
  // process's umask would.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) return give_up("cannot set the mode of the temporary file");
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return give_up("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return give_up("cannot write");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail("cannot write", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail("cannot rename the temporary file to it", err);
  }
  return true;
}

}  // namespace mailtls
