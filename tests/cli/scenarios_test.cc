// The sample logs end to end: each scenario variant (and each seed case) is ingested by
// the real binary into a scratch database, and the connection it is about must carry the
// expected tls_outcome, confidence and findings. Needs the whole pipeline (ingest).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = fs::path(MAILTLS_TEST_DIR).parent_path();
const fs::path kSamples = MAILTLS_SAMPLES_DIR;

// One ingest-and-check: the files, the connection, and what must hold.
struct Case {
  std::string name;
  fs::path dir;
  std::vector<std::string> files;
  std::string direction;
  int64_t conn_id = 0;
  std::vector<std::string> outcomes;     // accepted outcomes (one unless decides = false)
  std::vector<std::string> confidences;  // accepted confidence levels
  std::vector<std::string> findings, not_findings;
};

struct Row {
  bool found = false;
  std::string outcome, confidence;
  std::set<std::string> findings;
};

std::vector<std::string> strings(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  if (const auto* array = node.as_array())
    for (const auto& item : *array)
      if (auto s = item.value<std::string>()) out.push_back(*s);
  if (auto s = node.value<std::string>()) out.push_back(*s);
  return out;
}

// Fills the expectations shared by scenarios/*/expected.toml variants and seed cases.
void read_expectations(const toml::table& t, Case& c) {
  c.files = strings(t["files"]);
  const bool decides = t["decides"].value_or(true);
  c.outcomes = decides ? strings(t["tls_outcome"]) : strings(t["acceptable"]);
  c.confidences = strings(t["confidence"]);
  c.findings = strings(t["findings"]);
  c.not_findings = strings(t["not_findings"]);
}

std::vector<Case> scenario_cases(const fs::path& dir) {
  const auto doc = toml::parse_file((dir / "expected.toml").string());
  std::vector<Case> cases;
  for (const char* variant : {"mail_logs", "debug", "both"}) {
    const auto* t = doc[variant].as_table();
    if (!t) continue;
    Case c{dir.filename().string() + "/" + variant, dir};
    c.direction = doc["connection"]["direction"].value_or(std::string());
    c.conn_id = doc["connection"]["conn_id"].value_or(int64_t{0});
    read_expectations(*t, c);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<Case> seed_cases(const fs::path& dir) {
  const auto doc = toml::parse_file((dir / "expected.toml").string());
  std::vector<Case> cases;
  if (const auto* array = doc["case"].as_array())
    for (const auto& item : *array) {
      const auto& t = *item.as_table();
      Case c{"seeds/" + t["name"].value_or(std::string()), dir};
      c.direction = t["direction"].value_or(std::string());
      c.conn_id = t["conn_id"].value_or(int64_t{0});
      read_expectations(t, c);
      cases.push_back(std::move(c));
    }
  return cases;
}

std::vector<Case> all_cases() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kSamples / "scenarios"))
    if (fs::exists(entry.path() / "expected.toml")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<Case> cases;
  for (const auto& dir : dirs)
    for (auto& c : scenario_cases(dir)) cases.push_back(std::move(c));
  for (auto& c : seed_cases(kSamples / "seeds")) cases.push_back(std::move(c));
  return cases;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

int ingest(const Case& c, const fs::path& db) {
  std::string cmd = "MAILTLS_DATA_DIR=" + quoted(kRoot.string()) + " " + quoted(MAILTLS_BINARY) +
                    " ingest --progress 0 --db " + quoted(db.string());
  for (const auto& f : c.files) cmd += " " + quoted((c.dir / f).string());
  cmd += " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The appliance serial named in the header of the case's first log file ("" if none).
std::string serial_of(const Case& c) {
  std::ifstream in(c.dir / c.files.front());
  std::string line;
  for (int i = 0; i < 5 && std::getline(in, line); ++i)
    if (auto at = line.find(" SN: "); at != std::string::npos) return line.substr(at + 5);
  return {};
}

// The latest row of the connection's key, as `explain` would pick it; on one appliance
// when `appliance` is given.
Row read_row(const fs::path& db, const Case& c, const std::string& appliance = {}) {
  Row row;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return row;
  }
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h,
                     "SELECT id, tls_outcome, confidence FROM connections WHERE direction = ?1 AND "
                     "conn_id = ?2 AND (?3 = '' OR appliance = ?3) "
                     "ORDER BY coalesce(started_at, last_seen) DESC, id DESC LIMIT 1",
                     -1, &s, nullptr);
  sqlite3_bind_text(s, 1, c.direction.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, c.conn_id);
  sqlite3_bind_text(s, 3, appliance.c_str(), -1, SQLITE_TRANSIENT);
  int64_t id = 0;
  if (sqlite3_step(s) == SQLITE_ROW) {
    row.found = true;
    id = sqlite3_column_int64(s, 0);
    row.outcome = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    row.confidence = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
  }
  sqlite3_finalize(s);
  sqlite3_prepare_v2(h, "SELECT code FROM findings WHERE connection_id = ?1", -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, id);
  while (sqlite3_step(s) == SQLITE_ROW)
    row.findings.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return row;
}

bool among(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

TEST_CASE("every scenario directory has the three variants", "[scenarios]") {
  for (const auto& entry : fs::directory_iterator(kSamples / "scenarios")) {
    if (!entry.is_directory()) continue;
    INFO(entry.path().filename().string());
    CHECK(scenario_cases(entry.path()).size() == 3);
  }
}

TEST_CASE("each sample log gives its connection the expected verdict", "[scenarios]") {
  const fs::path work = fs::temp_directory_path() / ("mailtls-scenarios-" + std::to_string(::getpid()));
  int n = 0;
  for (const auto& c : all_cases()) {
    const fs::path db = work / (std::to_string(++n) + ".db");
    fs::create_directories(work);
    INFO(c.name << ": " << c.direction << " " << c.conn_id);
    // CHECK and go on: one broken sample must not hide the verdicts of the others.
    const int status = ingest(c, db);
    CHECK(status == 0);
    const Row row = status == 0 ? read_row(db, c) : Row{};
    CHECK(row.found);
    if (!row.found) continue;
    CHECK(among(c.outcomes, row.outcome));
    CAPTURE(row.outcome);
    CHECK(among(c.confidences, row.confidence));
    for (const auto& f : c.findings) CHECK(row.findings.count(f) == 1);
    for (const auto& f : c.not_findings) CHECK(row.findings.count(f) == 0);
  }
  fs::remove_all(work);
}

TEST_CASE("the whole of samples/ in one database gives every scenario its expected verdict",
          "[scenarios]") {
  const fs::path work = fs::temp_directory_path() / ("mailtls-samples-" + std::to_string(::getpid()));
  fs::create_directories(work);
  const fs::path db = work / "all.db";
  Case everything{"samples", kSamples};
  everything.files = {"."};
  REQUIRE(ingest(everything, db) == 0);
  int checked = 0;
  for (const auto& c : all_cases()) {
    // Only cases that read every log of their scenario meet the same evidence here.
    if (c.name.size() < 5 || c.name.substr(c.name.size() - 5) != "/both") continue;
    const std::string appliance = serial_of(c);
    INFO(c.name << ": " << c.direction << " " << c.conn_id << " on " << appliance);
    REQUIRE_FALSE(appliance.empty());
    const Row row = read_row(db, c, appliance);
    CHECK(row.found);
    if (!row.found) continue;
    ++checked;
    CAPTURE(row.outcome);
    CHECK(among(c.outcomes, row.outcome));
    CHECK(among(c.confidences, row.confidence));
    for (const auto& f : c.findings) CHECK(row.findings.count(f) == 1);
    for (const auto& f : c.not_findings) CHECK(row.findings.count(f) == 0);
  }
  CHECK(checked >= 20);
  fs::remove_all(work);
}
