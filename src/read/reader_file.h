// The reader's byte source: one open file (or stdin) read with large read(2) calls.
//
// Holds one buffer of `buffer_bytes`, so peeking at the magic bytes and feeding a
// decompressor cost no extra copies; plain data bypasses the buffer (read_direct).
// A read error ends the data: error() then says why and at which offset.
#pragma once

#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace mailtls {

class RawFile {
 public:
  // Opens `path` ("-" = stdin). On failure returns nullptr and sets `error`.
  static std::unique_ptr<RawFile> open(const std::string& path, size_t buffer_bytes,
                                       std::string& error);
  ~RawFile();
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  // Buffered bytes not consumed yet; fill() adds more.
  std::string_view data() const { return {buf_.data() + begin_, end_ - begin_}; }
  // Reads until at least `n` bytes are buffered or the file ends. False if none are.
  bool fill(size_t n = 1);
  void consume(size_t n) {
    begin_ += n;
    offset_ += n;
  }
  // Copies buffered bytes, then reads straight into `dst`: the plain-file fast path.
  size_t read_direct(char* dst, size_t cap);

  uint64_t offset() const { return offset_; }  // file offset of data().front()
  bool at_end() { return !fill(1); }
  const std::string& error() const { return error_; }
  int64_t mtime() const { return mtime_; }  // from fstat; 0 when not known
  // A pipe or terminal can block forever: poll it and give up once `stop` is requested.
  void watch(std::stop_token stop) { stop_ = std::move(stop); }

 private:
  RawFile(int fd, bool owned, size_t buffer_bytes);
  long read_some(char* dst, size_t cap);
  bool wait_readable();

  int fd_;
  bool owned_;
  bool regular_ = false;
  int64_t mtime_ = 0;
  bool eof_ = false;
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  std::string error_;
  std::stop_token stop_;
};

}  // namespace mailtls
