// Buffered log-file output for mailtls-gen.
//
// A LogWriter owns one output file and writes whole lines into a large buffer: the framing
// prefix (ctime or syslog timestamp, level) is cached per second of log time, fields are
// appended with memcpy and a hand-written integer formatter, and the buffer goes to the
// file with one write() per few megabytes. This is what lets the generator outrun the
// tool it feeds (no iostream, no printf per field).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace gen {

enum class Form { file, syslog };
enum class Level { info, warning, debug };

// Log time: seconds since 1970-01-01 in the appliance's local time (no time zone applies;
// the file header carries the UTC offset).
using LogTime = int64_t;

// Parses "2026-11-01T00:00:00" (the seconds are optional). Returns false when malformed.
bool parse_start(std::string_view text, LogTime& out);

class LogWriter {
 public:
  // `tag` is the log subscription name used by the syslog form ("mail_logs"), `host` the
  // appliance's host name in syslog lines.
  LogWriter(std::string path, Form form, std::string tag, std::string host);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Starts a line at log time `t`; the body is appended with the calls below, then end().
  LogWriter& begin(LogTime t, Level level = Level::info);
  LogWriter& s(std::string_view text) {
    std::memcpy(buf_ + pos_, text.data(), text.size());
    pos_ += text.size();
    return *this;
  }
  LogWriter& c(char ch) {
    buf_[pos_++] = ch;
    return *this;
  }
  LogWriter& n(uint64_t v);
  // A dotted IPv4 address from its 32-bit value.
  LogWriter& ip(uint32_t v);
  void end();

  // Writes the "Begin Logfile" / Version / Time offset header of an ESA log file.
  void header(LogTime t, std::string_view version, std::string_view serial, int utc_offset);
  // Writes what is buffered; returns false on a write error (disk full...).
  bool flush();

  uint64_t bytes() const { return written_ + pos_; }
  uint64_t lines() const { return lines_; }

 private:
  void format_prefix(LogTime t);

  static constexpr size_t kBufSize = size_t{8} << 20;
  // Room kept free at begin(): no generated line comes near it, so appends need no check.
  static constexpr size_t kLineRoom = size_t{64} << 10;

  std::string path_;
  Form form_;
  std::string tag_, host_;
  int fd_ = -1;
  char* buf_;
  size_t pos_ = 0;
  uint64_t written_ = 0, lines_ = 0;
  bool write_failed_ = false;
  LogTime cached_t_ = -1;
  char prefix_[128];  // timestamp part of the prefix for cached_t_
  size_t prefix_len_ = 0;
};

}  // namespace gen
