// Problems found in the inputs or the data files, collected rather than thrown, so one
// damaged file never stops the others from being read. Only main() turns them into an
// exit status.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace mailtls {

struct Diagnostic {
  enum class Severity { note, warning, error };
  Severity severity = Severity::error;
  std::string file;          // the input (or data file) concerned; may be empty
  int64_t offset = -1;       // byte offset in that file, -1 when not known
  std::string message;
  bool data_lost = false;    // some of the input could not be read

  std::string format() const;  // "file: byte N: message" (with severity prefix)
};

// Thread-safe: the reader's decompression threads report here too.
class Diagnostics {
 public:
  void add(Diagnostic d);
  void error(std::string file, int64_t offset, std::string message, bool data_lost = true);
  void warning(std::string file, int64_t offset, std::string message);
  std::vector<Diagnostic> all() const;
  bool any_data_lost() const;
  bool any_error() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<Diagnostic> items_;
};

}  // namespace mailtls
