// `ingest -v`: where the time of a run went, phase by phase, from the Timer the driver
// carries (no environment variable, no prints scattered in the stages).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "child_process.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;

namespace {

const fs::path kScenario = fs::path(MAILTLS_SAMPLES_DIR) / "scenarios" / "cleartext-fallback";

}  // namespace

TEST_CASE("ingest -v prints the time of each phase of the run in order, with the session counts", "[ingest]") {
  TempDir tmp;
  const fs::path log = tmp.path / "log";
  REQUIRE(run({MAILTLS_BINARY, "ingest", "--db", tmp.db(), "--progress", "0", "-v", kScenario.string()}, log)
              .status == 0);
  const std::string out = slurp(log);
  INFO(out);
  size_t at = 0;
  for (const char* phase : {"where the time went", "reading and parsing the inputs",
                            "finishing the connections still open", "sessions: connections", "writing the last rows",
                            "building indexes", "reconciling connections cut across inputs",
                            "pieces merged by reconciling", "committing", "process CPU since start"}) {
    INFO(phase);
    const size_t found = out.find(phase, at);
    REQUIRE(found != std::string::npos);
    at = found;
  }
}

TEST_CASE("without -v an ingest prints no phase table", "[ingest]") {
  TempDir tmp;
  const fs::path log = tmp.path / "log";
  REQUIRE(run({MAILTLS_BINARY, "ingest", "--db", tmp.db(), "--progress", "0", kScenario.string()}, log).status == 0);
  CHECK(slurp(log).find("where the time went") == std::string::npos);
}
