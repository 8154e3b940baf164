// A real SQLite store in a temporary directory for the report commands' tests: the
// schema from src/store/schema.sql (embedded), the indexes, and tests/data/reports_fixture.sql.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "store/schema_sql.h"

namespace mailtls::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempStore {
 public:
  explicit TempStore(const std::string& name, bool with_fixture = true)
      : dir_(std::filesystem::temp_directory_path() / ("mailtls-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    exec(kSchemaSql);
    exec(kSchemaIndexesSql);
    exec(kSchemaLateIndexesSql);
    if (with_fixture) exec(read_text(std::filesystem::path(MAILTLS_TEST_DIR) / "data" / "reports_fixture.sql"));
  }
  ~TempStore() { std::filesystem::remove_all(dir_); }

  // Runs SQL on the store through its own read-write connection; "" when it worked.
  std::string exec(const std::string& sql) const {
    sqlite3* db = nullptr;
    sqlite3_open(db_path().c_str(), &db);
    char* message = nullptr;
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string error = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    return error;
  }

  std::string db_path() const { return (dir_ / "store.db").string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace mailtls::testing
