#include "gen_out.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace gen {
namespace {

constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int year, month, day;  // month 1-12
};

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian
// calendar, independent of the machine's time zone.
int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = int(doy - (153 * mp + 2) / 5 + 1);
  const int m = int(mp < 10 ? mp + 3 : mp - 9);
  return {int(yoe + era * 400) + (m <= 2), m, d};
}

char* put2(char* p, int v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
  return p + 2;
}

char* put_str(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

const char* level_word(Level l) {
  switch (l) {
    case Level::warning:
      return "Warning: ";
    case Level::debug:
      return "Debug: ";
    default:
      return "Info: ";
  }
}

// Syslog priority for facility local4 (20), as the ESA sends it: info 166, warning 164.
const char* syslog_pri(Level l) {
  switch (l) {
    case Level::warning:
      return "<164>";
    case Level::debug:
      return "<167>";
    default:
      return "<166>";
  }
}

}  // namespace

bool parse_start(std::string_view t, LogTime& out) {
  int v[6] = {0, 0, 0, 0, 0, 0};
  size_t field = 0;
  bool digit_seen = false;
  for (char ch : t) {
    if (ch >= '0' && ch <= '9') {
      v[field] = v[field] * 10 + (ch - '0');
      digit_seen = true;
    } else if (digit_seen && field < 5 && (ch == '-' || ch == 'T' || ch == ':' || ch == ' ')) {
      ++field;
      digit_seen = false;
    } else {
      return false;
    }
  }
  if (field < 3 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) return false;
  out = days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
  return true;
}

LogWriter::LogWriter(std::string path, Form form, std::string tag, std::string host)
    : path_(std::move(path)), form_(form), tag_(std::move(tag)), host_(std::move(host)) {
  buf_ = static_cast<char*>(std::malloc(kBufSize));
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

LogWriter::~LogWriter() {
  flush();
  if (fd_ >= 0) ::close(fd_);
  std::free(buf_);
}

void LogWriter::format_prefix(LogTime t) {
  const int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const int64_t sod = t - days * 86400;
  const Civil cd = civil_from_days(days);
  char* p = prefix_;
  if (form_ == Form::file) {
    // ctime layout: "Wed Sep  6 13:13:16 2023 " (the day is space-padded).
    p = put_str(p, kWeekdays[((days % 7) + 7) % 7]);
    *p++ = ' ';
    p = put_str(p, kMonths[cd.month - 1]);
    *p++ = ' ';
    *p++ = cd.day < 10 ? ' ' : char('0' + cd.day / 10);
    *p++ = char('0' + cd.day % 10);
    *p++ = ' ';
  } else {
    // BSD syslog: "Mar 17 18:24:37 host tag: " with no year; PRI is added per line.
    p = put_str(p, kMonths[cd.month - 1]);
    *p++ = ' ';
    *p++ = cd.day < 10 ? ' ' : char('0' + cd.day / 10);
    *p++ = char('0' + cd.day % 10);
    *p++ = ' ';
  }
  p = put2(p, int(sod / 3600));
  *p++ = ':';
  p = put2(p, int(sod / 60 % 60));
  *p++ = ':';
  p = put2(p, int(sod % 60));
  *p++ = ' ';
  if (form_ == Form::file) {
    p += std::snprintf(p, 8, "%d ", cd.year);
  } else {
    p = put_str(p, host_);
    *p++ = ' ';
    p = put_str(p, tag_);
    *p++ = ':';
    *p++ = ' ';
  }
  prefix_len_ = size_t(p - prefix_);
  cached_t_ = t;
}

LogWriter& LogWriter::begin(LogTime t, Level level) {
  if (pos_ > kBufSize - kLineRoom) flush();
  if (t != cached_t_) format_prefix(t);
  if (form_ == Form::syslog) s(syslog_pri(level));
  s({prefix_, prefix_len_});
  return s(level_word(level));
}

LogWriter& LogWriter::n(uint64_t v) {
  char tmp[24];
  char* e = tmp + sizeof tmp;
  char* p = e;
  do {
    *--p = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return s({p, size_t(e - p)});
}

LogWriter& LogWriter::ip(uint32_t v) {
  n(v >> 24).c('.').n((v >> 16) & 255).c('.').n((v >> 8) & 255).c('.');
  return n(v & 255);
}

void LogWriter::end() {
  buf_[pos_++] = '\n';
  ++lines_;
}

void LogWriter::header(LogTime t, std::string_view version, std::string_view serial,
                       int utc_offset) {
  begin(t).s("Begin Logfile").end();
  begin(t).s("Version: ").s(version).s(" SN: ").s(serial).end();
  begin(t).s("Time offset from UTC: ");
  if (utc_offset < 0) c('-');
  n(uint64_t(utc_offset < 0 ? -int64_t(utc_offset) : utc_offset)).s(" seconds").end();
}

bool LogWriter::flush() {
  size_t done = 0;
  while (fd_ >= 0 && !write_failed_ && done < pos_) {
    const ssize_t w = ::write(fd_, buf_ + done, pos_ - done);
    if (w <= 0) {
      write_failed_ = true;
      break;
    }
    done += size_t(w);
  }
  written_ += pos_;
  pos_ = 0;
  return !write_failed_;
}

}  // namespace gen
