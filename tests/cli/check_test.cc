// `mailtls check` on the shipped data (clean: exit 0 and one closing line per data
// family) and on a copy with one injected problem per family (exit 1, each one named).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = fs::path(MAILTLS_TEST_DIR).parent_path();

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together: problems and closing lines
};

Run run_check(const fs::path& data_dir) {
  const std::string cmd = "'" MAILTLS_BINARY "' check --data-dir '" + data_dir.string() + "' 2>&1";
  Run r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  REQUIRE(WIFEXITED(status));
  r.status = WEXITSTATUS(status);
  return r;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The closing line of a data family ("texts: 7 languages: ok"), or "" when absent.
std::string family_line(const std::string& output, const std::string& family) {
  const std::string text = "\n" + output;
  const size_t at = text.find("\n" + family + ": ");
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

// A copy of grammars/ and locales/ in a fresh directory, removed at the end of the test.
struct DataCopy {
  fs::path dir;
  DataCopy() {
    dir = fs::temp_directory_path() / ("mailtls-check-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    fs::copy(kRoot / "grammars", dir / "grammars", fs::copy_options::recursive);
    fs::copy(kRoot / "locales", dir / "locales", fs::copy_options::recursive);
  }
  ~DataCopy() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // Replaces the first `from` in the file by `to`; the test fails when `from` is absent,
  // so a change to the shipped data cannot silently turn an injection into a no-op.
  void replace(const fs::path& file, const std::string& from, const std::string& to) {
    std::ifstream in(dir / file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(dir / file, std::ios::trunc) << text;
  }
  void append(const fs::path& file, const std::string& text) {
    std::ofstream(dir / file, std::ios::app) << text;
  }
};

}  // namespace

TEST_CASE("check passes the shipped data and closes every data family with ok", "[check]") {
  const Run r = run_check(kRoot);
  INFO(r.output);
  CHECK(r.status == 0);
  for (const char* family : {"grammars", "word tables", "texts", "catalogues", "codes"}) {
    INFO(family);
    CHECK(has(family_line(r.output, family), ": ok"));
  }
}

TEST_CASE("check names every injected problem and exits 1", "[check]") {
  DataCopy data;
  // A pattern that is not a regular expression (an unclosed group).
  data.replace("grammars/mail_logs.toml", "pattern = '''End Logfile'''",
               "pattern = '''End Logfile('''");
  // An outcome without its English actor.
  data.replace("locales/en/outcomes.toml", "actor = \"Nobody: this is the expected result.\"\n", "");
  // A translation with a placeholder the English text does not have.
  data.replace("locales/fr/outcomes.toml", "({peer}) a abouti", "({pair}) a abouti");
  // A keyword catalogued twice.
  data.append("grammars/catalogues/keywords.toml", "\n[[keyword]]\nkeyword = \"SIZE\"\nrfc = \"RFC 1870\"\n");

  const Run r = run_check(data.dir);
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "mail_logs.toml"));
  CHECK(has(r.output, "log_end"));
  CHECK(has(r.output, "outcome.tls-success.actor"));
  CHECK(has(r.output, "{pair}"));
  CHECK(has(r.output, "keywords.toml"));
  CHECK(has(r.output, "SIZE"));
  for (const char* family : {"grammars", "texts", "catalogues", "codes"}) {
    INFO(family);
    // Counts vary (an English text removed is also a translation without an original).
    CHECK(has(family_line(r.output, family), " problem"));
  }
  CHECK(has(family_line(r.output, "word tables"), ": ok"));
}
