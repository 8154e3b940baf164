#include "read/reader_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mailtls {

std::unique_ptr<RawFile> RawFile::open(const std::string& path, size_t buffer_bytes,
                                       std::string& error) {
  if (path == "-") return std::unique_ptr<RawFile>(new RawFile(STDIN_FILENO, false, buffer_bytes));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::string("cannot open: ") + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<RawFile>(new RawFile(fd, true, buffer_bytes));
}

RawFile::RawFile(int fd, bool owned, size_t buffer_bytes)
    : fd_(fd), owned_(owned), buf_(buffer_bytes) {
  struct stat st;
  if (fstat(fd_, &st) == 0) {
    regular_ = S_ISREG(st.st_mode);
    mtime_ = st.st_mtim.tv_sec;
  }
  // Sequential access lets the kernel read ahead aggressively.
  if (regular_) posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

RawFile::~RawFile() {
  if (owned_) ::close(fd_);
}

bool RawFile::wait_readable() {
  if (regular_) return true;
  pollfd p{fd_, POLLIN, 0};
  while (!stop_.stop_requested()) {
    int r = ::poll(&p, 1, 100);
    if (r > 0 || (r < 0 && errno != EINTR)) return true;
  }
  return false;
}

long RawFile::read_some(char* dst, size_t cap) {
  if (eof_ || !wait_readable()) return 0;
  for (;;) {
    ssize_t n = ::read(fd_, dst, cap);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = std::string("read error: ") + std::strerror(errno);
    eof_ = true;
    return 0;
  }
}

bool RawFile::fill(size_t n) {
  if (n > buf_.size()) n = buf_.size();
  if (end_ - begin_ >= n) return true;
  if (begin_ > 0) {  // keep the unconsumed tail at the front so a read can append
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < n) {
    long got = read_some(buf_.data() + end_, buf_.size() - end_);
    if (got == 0) break;
    end_ += got;
  }
  return end_ > begin_;
}

size_t RawFile::read_direct(char* dst, size_t cap) {
  size_t got = std::min(cap, end_ - begin_);
  std::memcpy(dst, buf_.data() + begin_, got);
  consume(got);
  while (got < cap) {
    long n = read_some(dst + got, cap - got);
    if (n == 0) break;
    got += n;
    offset_ += n;
  }
  return got;
}

}  // namespace mailtls
