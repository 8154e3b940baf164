// Helpers for tests that run the built binaries as child processes and read the
// database they leave, with sqlite3 directly (not through the code under test).
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace mailtls::testing {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/mailtls-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string db() const { return (path / "t.db").string(); }  // a database file in it
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Starts argv[0] (a full path) with stdout and stderr both going to `log`, in `cwd`
// when given. Returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, const fs::path& cwd = {}) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

struct Finished {
  int status = -1;  // the exit status, or 128 + signal
  long max_rss_kb = 0;
};

inline Finished wait_for(pid_t pid) {
  Finished f;
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  f.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  f.max_rss_kb = usage.ru_maxrss;
  return f;
}

inline Finished run(const std::vector<std::string>& argv, const fs::path& log, const fs::path& cwd = {}) {
  return wait_for(spawn(argv, log, cwd));
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs one query and joins every row's columns with '|', rows with '\n'.
inline std::string dump(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(h, 10000);
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr);
  INFO(sqlite3_errmsg(h));
  REQUIRE(rc == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const auto* t = sqlite3_column_text(st, i);
      out += t ? reinterpret_cast<const char*>(t) : "NULL";
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// Runs a shell command line (the system compressors); true when it exits 0.
inline bool shell(const std::string& command) { return std::system(command.c_str()) == 0; }

// Sizes of generated inputs can be scaled down where the binaries run many times
// slower (MAILTLS_TEST_SCALE=0.25 under AddressSanitizer), so every test still runs.
inline double size_scale() {
  const char* s = std::getenv("MAILTLS_TEST_SCALE");
  const double v = s ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

// Whether the binaries under test are built with AddressSanitizer or ThreadSanitizer
// (they are built with the tests). Their peak RSS then measures the sanitizer's shadow
// memory, which grows with the work done, so memory bounds are checked in the ordinary
// build only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kUnderAddressSanitizer = true;
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif

}  // namespace mailtls::testing
