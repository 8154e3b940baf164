// Recognition over real logs: every record of the shared corpus (and of a committed
// excerpt of it) must be claimed by some line kind, so that new grammar work is
// measured against what appliances actually write.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parse/grammar.h"
#include "parse/matcher.h"

namespace fs = std::filesystem;
using namespace mailtls;

namespace {

struct CorpusRecord {
  int line_no = 0;
  std::string body;
};

// The prefix a frame recognises, or npos when no frame matches.
size_t prefix_length(const Grammar& g, std::string_view line) {
  for (const auto& f : g.frames()) {
    re2::StringPiece whole;
    if (f->re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::ANCHOR_START, &whole, 1))
      return whole.size();
  }
  return std::string_view::npos;
}

bool skipped(const std::string& line) {
  return line.empty() || line[0] == '#' || line.find("{{") != std::string::npos;
}

// Cuts a corpus file into records the way the framer does: a framed line or a line
// whose first word is a token starts a record; any other line continues the last one.
std::vector<CorpusRecord> read_records(const fs::path& path, const Grammar& g) {
  std::ifstream in(path);
  std::vector<CorpusRecord> records;
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (skipped(line)) continue;
    size_t prefix = prefix_length(g, line);
    if (prefix != std::string_view::npos) records.push_back({no, line.substr(prefix)});
    else if (g.starts_body(line) || records.empty()) records.push_back({no, line});
    else records.back().body += "\n" + line;
  }
  return records;
}

struct Recognition {
  size_t total = 0;
  std::vector<CorpusRecord> unmatched;
  double ratio() const { return total ? 1.0 - double(unmatched.size()) / double(total) : 1.0; }
};

Recognition recognise(const fs::path& path, const Grammar& g) {
  Matcher matcher(g);
  Recognition r;
  Event ev;
  for (const auto& rec : read_records(path, g)) {
    ++r.total;
    if (!matcher.match(rec.body, ev)) r.unmatched.push_back(rec);
  }
  return r;
}

std::string describe(const fs::path& path, const Recognition& r) {
  std::string out = path.filename().string() + ": " + std::to_string(r.total - r.unmatched.size()) + "/" +
                    std::to_string(r.total) + " records recognised; unmatched:";
  for (const auto& rec : r.unmatched) out += "\n  line " + std::to_string(rec.line_no) + ": " + rec.body;
  return out;
}

std::unique_ptr<Grammar> shipped() {
  Diagnostics diag;
  auto g = Grammar::load(fs::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  REQUIRE(g);
  return g;
}

void require_recognised(const fs::path& path, const Grammar& g) {
  Recognition r = recognise(path, g);
  INFO(describe(path, r));
  CHECK(r.ratio() >= 0.99);
}

// $MAILTLS_SHARED_DIR wins over the build-time default (a worktree may sit elsewhere).
fs::path shared_dir() {
  const char* env = std::getenv("MAILTLS_SHARED_DIR");
  return env && *env ? fs::path(env) : fs::path(MAILTLS_SHARED_DIR);
}

}  // namespace

TEST_CASE("at least 99% of the records of every shared corpus file are recognised", "[corpus]") {
  const fs::path dir = shared_dir() / "corpus";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    WARN("no shared corpus at " << dir.string() << ": skipped");
    return;
  }
  auto g = shipped();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".log") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) require_recognised(f, *g);
}

TEST_CASE("at least 99% of the records of the committed corpus excerpt are recognised", "[corpus]") {
  auto g = shipped();
  const fs::path excerpt = fs::path(MAILTLS_TEST_DIR) / "data" / "corpus_excerpt.log";
  REQUIRE(fs::exists(excerpt));
  Recognition r = recognise(excerpt, *g);
  INFO(describe(excerpt, r));
  CHECK(r.total >= 100);
  CHECK(r.ratio() >= 0.99);
}

TEST_CASE("at least 99% of the held-out real lines are recognised, and the rate is reported", "[corpus][heldout]") {
  // tests/data/real_lines/heldout_*.log: real mail_logs lines from public sources (each
  // block names its own) that no kind was written from. The rate is printed, whatever it is.
  auto g = shipped();
  const fs::path dir = fs::path(MAILTLS_TEST_DIR) / "data" / "real_lines";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("heldout_", 0) == 0) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  Recognition all;
  std::string report;
  for (const auto& f : files) {
    Recognition r = recognise(f, *g);
    all.total += r.total;
    all.unmatched.insert(all.unmatched.end(), r.unmatched.begin(), r.unmatched.end());
    report += "\n" + describe(f, r);
  }
  WARN("held-out real lines: " << all.total - all.unmatched.size() << "/" << all.total << " recognised ("
                               << 100.0 * all.ratio() << "%)" << report);
  CHECK(all.total >= 60);
  CHECK(all.ratio() >= 0.99);
}
