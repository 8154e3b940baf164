// Replays every input the fuzzers once crashed on (tests/fuzz/regressions/<target>/)
// through the same code the fuzz targets run, in the ordinary (and sanitizer) builds.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_targets.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> regressions(const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(MAILTLS_TEST_DIR) / "fuzz" / "regressions" / target;
  if (!fs::is_directory(dir)) return files;  // none found yet (git keeps no empty folder)
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

const uint8_t* as_bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace

TEST_CASE("inputs that once crashed the framer fuzzer run through cleanly", "[fuzz]") {
  const auto data = mailtls::fuzz::FramerData::load(MAILTLS_SOURCE_DATA_DIR);
  REQUIRE(data);
  for (const auto& file : regressions("framer")) {
    INFO(file.string());
    const std::string input = bytes_of(file);
    CHECK_NOTHROW(mailtls::fuzz::framer_one(*data, as_bytes(input), input.size()));
  }
}

TEST_CASE("inputs that once crashed the transcript fuzzer run through cleanly", "[fuzz]") {
  for (const auto& file : regressions("transcript")) {
    INFO(file.string());
    const std::string input = bytes_of(file);
    CHECK(mailtls::fuzz::transcript_one(as_bytes(input), input.size()));
  }
}

TEST_CASE("inputs that once crashed the reader and tar fuzzers run through cleanly", "[fuzz]") {
  for (const auto& file : regressions("reader")) {
    INFO(file.string());
    const std::string input = bytes_of(file);
    CHECK_NOTHROW(mailtls::fuzz::reader_one(as_bytes(input), input.size()));
  }
  for (const auto& file : regressions("tar")) {
    INFO(file.string());
    const std::string input = bytes_of(file);
    CHECK_NOTHROW(mailtls::fuzz::tar_one(as_bytes(input), input.size()));
  }
}
