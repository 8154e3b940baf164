// `mailtls ingest` end to end on damaged input. Every case gives the damaged input and a
// healthy one on the same command line, then checks what a user relies on: a message
// naming the damaged file and the byte offset, the exit status (non-zero only where
// data was lost), every connection of the good part of the damaged input stored, and
// the healthy input read completely. Damaged files are made at test time from samples/
// with the system compressors and byte surgery.
#include <catch2/catch.hpp>
#include <pwd.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.h"

using namespace mailtls::testing;

namespace {

const fs::path kScenarios = fs::path(MAILTLS_SAMPLES_DIR) / "scenarios";

// The part of a damaged input that must survive, the damage after it, and a healthy
// file of its own, all copied into a fresh directory (readable by `nobody`).
struct Inputs {
  TempDir tmp;
  std::string good = slurp(kScenarios / "tls-success" / "mail_logs.log");
  std::string more = slurp(kScenarios / "certificate-invalid" / "mail_logs.log");
  fs::path healthy = tmp.path / "healthy.log";
  Inputs() {
    fs::permissions(tmp.path, fs::perms::all);
    fs::copy_file(kScenarios / "cleartext" / "mail_logs.log", healthy);
    write_file(tmp.path / "good.log", good);
    write_file(tmp.path / "more.log", more);
  }
  fs::path file(const std::string& name) const { return tmp.path / name; }
  // `tool -c` of a file made of `text`, as bytes.
  std::string compressed(const std::string& tool, const std::string& text) const {
    write_file(file("plain.tmp"), text);
    REQUIRE(shell(tool + " -c " + file("plain.tmp").string() + " > " + file("packed.tmp").string()));
    return slurp(file("packed.tmp"));
  }
};

struct Ingested {
  Finished finished;
  std::string output;  // stdout and stderr
  fs::path db;
};

std::vector<std::string> ingest_args(const fs::path& db, const std::vector<fs::path>& inputs) {
  std::vector<std::string> a{MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0"};
  for (const auto& i : inputs) a.push_back(i.string());
  return a;
}

Ingested ingest(const Inputs& in, const std::string& db_name, const std::vector<fs::path>& inputs,
                std::vector<std::string> prefix = {}) {
  Ingested r;
  r.db = in.file(db_name + ".db");
  auto argv = ingest_args(r.db, inputs);
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  const fs::path log = in.file(db_name + ".out");
  r.finished = run(argv, log);
  r.output = slurp(log);
  return r;
}

std::string connection_keys(const fs::path& db) {
  return dump(db, "SELECT appliance, direction, conn_id, started_at FROM connections ORDER BY 1, 2, 3, 4");
}

int64_t lines_of(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// Every line of `subset` (sorted query output) occurs in `all`.
bool contains_rows(const std::string& all, const std::string& subset) {
  std::istringstream rows(subset);
  for (std::string row; std::getline(rows, row);)
    if (all.find(row + "\n") == std::string::npos) return false;
  return true;
}

// The checks every damaged-input case shares. `good_part` is a plain log holding what
// must survive of the damaged input.
void check_damage_handled(const Inputs& in, const Ingested& r, const fs::path& damaged,
                          const fs::path& good_part, int expected_status) {
  INFO(r.output);
  CHECK(r.finished.status == expected_status);
  // "mailtls ingest: error: <path>: byte N: ..." (or warning:)
  const std::regex named(std::regex_replace(damaged.string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         R"(: byte [0-9]+: )");
  CHECK(std::regex_search(r.output, named));
  const Ingested reference = ingest(in, "reference-" + damaged.filename().string(), {good_part});
  REQUIRE(reference.finished.status == 0);
  const std::string stored = connection_keys(r.db);
  CHECK(lines_of(connection_keys(reference.db)) > 0);
  CHECK(contains_rows(stored, connection_keys(reference.db)));
  // The healthy input, after the damaged one on the command line, is read whole.
  CHECK(dump(r.db, "SELECT lines FROM sources WHERE path = '" + in.healthy.string() + "'") ==
        std::to_string(lines_of(slurp(in.healthy))) + "|\n");
  const Ingested healthy_alone = ingest(in, "healthy-alone", {in.healthy});
  CHECK(contains_rows(stored, connection_keys(healthy_alone.db)));
  CHECK(dump(r.db, "PRAGMA integrity_check") == "ok|\n");
}

// Overwrites `n` bytes in the middle of `bytes` with a pattern no decoder accepts.
std::string corrupt_middle(std::string bytes, size_t n = 16) {
  const size_t at = bytes.size() / 2;
  for (size_t i = at; i < std::min(bytes.size(), at + n); ++i) bytes[i] = static_cast<char>(0x55 ^ i);
  return bytes;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

}  // namespace

TEST_CASE("a truncated gzip keeps its complete members and names the offset", "[bad-input]") {
  Inputs in;
  const std::string second = in.compressed("gzip", in.more);
  write_file(in.file("cut.log.gz"), in.compressed("gzip", in.good) + second.substr(0, second.size() / 2));
  const auto r = ingest(in, "x", {in.file("cut.log.gz"), in.healthy});
  check_damage_handled(in, r, in.file("cut.log.gz"), in.file("good.log"), 1);
}

TEST_CASE("garbage after a gzip member is reported and the member kept", "[bad-input]") {
  Inputs in;
  write_file(in.file("tail.log.gz"), in.compressed("gzip", in.good) + "not a gzip member\x01\x02\x03 at all\n");
  const auto r = ingest(in, "x", {in.file("tail.log.gz"), in.healthy});
  check_damage_handled(in, r, in.file("tail.log.gz"), in.file("good.log"), 1);
}

TEST_CASE("corrupt bzip2, xz and zstd streams keep the streams before the damage", "[bad-input]") {
  for (const std::string tool : {"bzip2", "xz", "zstd"}) {
    DYNAMIC_SECTION(tool) {
      Inputs in;
      const fs::path damaged = in.file("bad.log." + tool);
      write_file(damaged, in.compressed(tool, in.good) + corrupt_middle(in.compressed(tool, in.more)));
      const auto r = ingest(in, "x", {damaged, in.healthy});
      check_damage_handled(in, r, damaged, in.file("good.log"), 1);
    }
  }
}

TEST_CASE("binary garbage in the middle of a log is named and the lines around it are kept",
          "[bad-input]") {
  Inputs in;
  std::string garbage = random_bytes(8192, 1);
  write_file(in.file("binary.log"), in.good + garbage + "\n" + in.more);
  write_file(in.file("both.log"), in.good + in.more);
  const auto r = ingest(in, "x", {in.file("binary.log"), in.healthy});
  // Nothing is lost: the garbage is kept as unparsed lines, so the run succeeds.
  check_damage_handled(in, r, in.file("binary.log"), in.file("both.log"), 0);
}

TEST_CASE("NUL bytes in a log are named and the lines around them are kept", "[bad-input]") {
  Inputs in;
  write_file(in.file("nul.log"), in.good + std::string(300, '\0') + "\n" + in.more);
  write_file(in.file("both.log"), in.good + in.more);
  const auto r = ingest(in, "x", {in.file("nul.log"), in.healthy});
  check_damage_handled(in, r, in.file("nul.log"), in.file("both.log"), 0);
}

TEST_CASE("invalid UTF-8 in a log is named and kept as bytes", "[bad-input]") {
  Inputs in;
  const std::string bad_line = "Tue Mar  5 09:13:00 2024 Info: Subject \xff\xfe\xc3\x28 \xe2\x82 caf\xe9\n";
  write_file(in.file("latin.log"), in.good + bad_line + in.more);
  write_file(in.file("both.log"), in.good + in.more);
  const auto r = ingest(in, "x", {in.file("latin.log"), in.healthy});
  check_damage_handled(in, r, in.file("latin.log"), in.file("both.log"), 0);
  CHECK(dump(r.db, "SELECT count(*) FROM unparsed WHERE instr(text, X'FFFE') > 0") == "1|\n");
}

TEST_CASE("a 64 MB line without a newline is cut, named, and the lines before it kept", "[bad-input]") {
  Inputs in;
  write_file(in.file("long.log"), in.good + std::string(64u << 20, 'x'));
  const auto r = ingest(in, "x", {in.file("long.log"), in.healthy});
  check_damage_handled(in, r, in.file("long.log"), in.file("good.log"), 1);
}

TEST_CASE("an empty file is named and the other inputs read", "[bad-input]") {
  Inputs in;
  write_file(in.file("empty.log"), "");
  const auto r = ingest(in, "x", {in.file("empty.log"), in.file("good.log"), in.healthy});
  // An empty log holds nothing to lose.
  check_damage_handled(in, r, in.file("empty.log"), in.file("good.log"), 0);
}

TEST_CASE("a directory without logs is named, fails the run, and the other inputs are read",
          "[bad-input]") {
  Inputs in;
  fs::create_directory(in.file("nologs"));
  write_file(in.file("nologs") / "README.md", "notes, not logs\n");
  const auto r = ingest(in, "x", {in.file("nologs"), in.file("good.log"), in.healthy});
  INFO(r.output);
  CHECK(r.output.find(in.file("nologs").string() + ": ") != std::string::npos);
  CHECK(r.output.find("no log files") != std::string::npos);
  CHECK(r.finished.status == 1);
  CHECK(dump(r.db, "SELECT count(*) FROM sources") == "2|\n");
  CHECK(dump(r.db, "SELECT lines FROM sources WHERE path = '" + in.healthy.string() + "'") ==
        std::to_string(lines_of(slurp(in.healthy))) + "|\n");
}

TEST_CASE("a file without read permission is named, fails the run, and the others are read",
          "[bad-input]") {
  Inputs in;
  write_file(in.file("secret.log"), in.more);
  fs::permissions(in.file("secret.log"), fs::perms::none);
  for (const auto& f : {in.healthy, in.file("good.log")})
    fs::permissions(f, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  std::vector<std::string> prefix;
  if (geteuid() == 0) {
    // Root reads every file: run the child as nobody, for whom permissions hold.
    if (!fs::exists("/usr/bin/setpriv") || getpwnam("nobody") == nullptr) {
      WARN("running as root without setpriv or user nobody: cannot test an unreadable file");
      return;
    }
    prefix = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
  }
  const auto r = ingest(in, "x", {in.file("secret.log"), in.file("good.log"), in.healthy}, prefix);
  // the database directory must be writable by nobody
  check_damage_handled(in, r, in.file("secret.log"), in.file("good.log"), 1);
  CHECK(r.output.find("Permission denied") != std::string::npos);
}

TEST_CASE("a log appended to while it is read is read on by the next run without loss or duplicates",
          "[bad-input]") {
  Inputs in;
  // A large, generated log slows the first run down enough for the writer to race it.
  REQUIRE(run({MAILTLS_GEN_BINARY, "--seed", "5", "--bytes", std::to_string(static_cast<int>(24e6 * size_scale())),
               "--out", in.file("gen").string()},
              in.file("gen.out")).status == 0);
  // The first half of the mail log is there when the run starts, the rest is appended.
  const std::string all = slurp(in.file("gen") / "mail.current");
  const size_t half = all.find('\n', all.size() / 2) + 1;
  const fs::path live = in.file("live.log");
  write_file(live, all.substr(0, half));
  const std::string appended = all.substr(half);

  pid_t reader = spawn(ingest_args(in.file("live.db"), {live}), in.file("first.out"));
  // The writer appends blocks that end anywhere in a line, as a buffered logger does,
  // slowly enough that the first run catches up with it and finds a half-written line.
  std::ofstream out(live, std::ios::binary | std::ios::app);
  size_t at = 0;
  for (int i = 0; at < appended.size(); ++i) {
    const size_t n = std::min<size_t>(appended.size() - at, 64 * 1024 + 37 * i);
    out.write(appended.data() + at, static_cast<std::streamsize>(n));
    out.flush();
    at += n;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out.close();
  const Finished first = wait_for(reader);
  INFO(slurp(in.file("first.out")));
  REQUIRE(first.status == 0);
  const auto second = run(ingest_args(in.file("live.db"), {live}), in.file("second.out"));
  INFO(slurp(in.file("second.out")));
  REQUIRE(second.status == 0);

  const std::string whole = slurp(live);
  CHECK(dump(in.file("live.db"), "SELECT count(*), sum(lines), sum(bytes) FROM sources") ==
        "1|" + std::to_string(lines_of(whole)) + "|" + std::to_string(whole.size()) + "|\n");
  CHECK(dump(in.file("live.db"),
             "SELECT count(*) FROM (SELECT 1 FROM connections GROUP BY appliance, direction, conn_id, "
             "started_at HAVING count(*) > 1)") == "0|\n");
  // The same rows as one ingest of the finished file.
  const auto once = run(ingest_args(in.file("once.db"), {live}), in.file("once.out"));
  REQUIRE(once.status == 0);
  CHECK(connection_keys(in.file("live.db")) == connection_keys(in.file("once.db")));
}

TEST_CASE("a tar member named with ../ is only read, never written anywhere", "[bad-input]") {
  Inputs in;
  // A tar whose member escapes upwards, made with GNU tar's --transform (-P keeps the ../).
  const fs::path work = in.file("a") / "b";
  fs::create_directories(work);
  REQUIRE(shell("cd " + in.tmp.path.string() + " && tar -cPf " + (work / "evil.tar").string() +
                " --transform 's,^good.log$,../../etc/x,' good.log"));
  REQUIRE(shell("tar -tPf " + (work / "evil.tar").string() + " | grep -qx '../../etc/x'"));
  auto before = std::vector<fs::path>();
  for (const auto& e : fs::recursive_directory_iterator(in.tmp.path)) before.push_back(e.path());

  const fs::path db = work / "x.db";
  const auto r = run(ingest_args(db, {work / "evil.tar"}), in.file("tar.out"), work);
  INFO(slurp(in.file("tar.out")));
  CHECK(r.status == 0);
  CHECK(dump(db, "SELECT path, lines FROM sources") ==
        (work / "evil.tar").string() + ":../../etc/x|" + std::to_string(lines_of(in.good)) + "|\n");
  // Only the database (and its WAL files) is new.
  for (const auto& e : fs::recursive_directory_iterator(in.tmp.path)) {
    const bool known = std::find(before.begin(), before.end(), e.path()) != before.end();
    const bool ours = e.path().string().starts_with(db.string()) || e.path() == in.file("tar.out");
    CHECK((known || ours));
    if (!known && !ours) FAIL_CHECK("ingest wrote " << e.path());
  }
  CHECK_FALSE(fs::exists(in.tmp.path / "etc"));
}
