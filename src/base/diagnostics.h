// Problems found in the inputs or the data files, collected rather than thrown, so one
// damaged file never stops the others from being read. Only main() turns them into an
// exit status.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace mailtls {

// A place in a text file (a grammar, a locale): 1-based line and column; line 0 when
// not known.
struct TextPosition {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  enum class Severity { note, warning, error };
  Severity severity = Severity::error;
  std::string file;          // the input (or data file) concerned; may be empty
  int64_t offset = -1;       // byte offset in that file, -1 when not known
  std::string message;
  bool data_lost = false;    // some of the input could not be read
  TextPosition at;           // in a text file: where the problem is
  std::string excerpt;       // that line of the file, shown with a caret under `at`

  // "error: file: byte N: message", or for a place in a text file the way compilers
  // write it, with the line and a caret:
  //   error: grammars/x.toml:12:11: message
  //     pattern = 'ICID (\d+'
  //               ^ near here
  std::string format() const;
};

// Thread-safe: the reader's decompression threads report here too.
class Diagnostics {
 public:
  void add(Diagnostic d);
  void error(std::string file, int64_t offset, std::string message, bool data_lost = true);
  // An error that loses none of the input: a data file, an option, the database. With
  // `at`, the line of `where` it points into is quoted under the message.
  void problem(std::string where, std::string message, TextPosition at = {});
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
