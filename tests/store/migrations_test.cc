// The schema's migrations are data: src/store/migrations/<v>.sql takes a database from
// version v - 1 to v, and the build embeds exactly those files, in order.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "child_process.h"
#include "store/schema_sql.h"

using namespace mailtls;
namespace fs = std::filesystem;

TEST_CASE("the store migrates with the numbered files of src/store/migrations, in order",
          "[store][migrations]") {
  const fs::path dir = fs::path(MAILTLS_TEST_DIR).parent_path() / "src" / "store" / "migrations";
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.insert(entry.path().filename());
  REQUIRE(kSchemaVersion >= 2);
  CHECK(files.size() == static_cast<size_t>(kSchemaVersion - 1));
  for (int64_t version = 2; version <= kSchemaVersion; ++version) {
    const std::string name = std::to_string(version) + ".sql";
    INFO(name);
    REQUIRE(files.count(name) == 1);
    CHECK(kMigrations[version - 2] == testing::slurp(dir / name));
  }
}
