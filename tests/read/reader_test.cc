// The reader: inputs expanded from arguments, and their bytes decompressed by magic.
// Compressed fixtures are made at test time with the system tools (gzip, bzip2, xz, zstd,
// tar) in a temporary directory.
#include "read/reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mailtls::Diagnostics;
using mailtls::InputItem;
using mailtls::LogStream;
using mailtls::ReaderOptions;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mailtls-reader-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void write_file(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void sh(const std::string& command) {
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

// Mail-log-like lines, different enough that compressors cannot shrink them to nothing.
std::string sample_log(int lines, int seed = 1) {
  std::string out;
  for (int i = 0; i < lines; ++i) {
    out += "Wed Sep  6 13:13:16 2023 Info: MID " + std::to_string(i * 7 + seed) + " ICID " +
           std::to_string((i * 2654435761u + seed) % 1000003) + " RID [0] To: <user" +
           std::to_string(i % 977) + "@example" + std::to_string(seed) + ".com>\n";
  }
  return out;
}

struct Seen {
  std::string name;
  std::string packaging;
  std::string content;
  uint64_t position = 0;
  int64_t mtime = 0;
  size_t chunks = 0;
  size_t largest_chunk = 0;
};

std::vector<Seen> read_all(const std::string& path, Diagnostics& diag, ReaderOptions options = {}) {
  std::vector<Seen> seen;
  auto inputs = mailtls::expand_inputs({path}, diag);
  for (const auto& input : inputs) {
    mailtls::read_input(input, options, diag, [&](LogStream& s) {
      Seen one{s.name(), std::string(s.packaging()), "", 0, s.mtime(), 0, 0};
      for (auto chunk = s.read(); !chunk.empty(); chunk = s.read()) {
        one.content += chunk;
        one.chunks++;
        one.largest_chunk = std::max(one.largest_chunk, chunk.size());
      }
      one.position = s.position();
      seen.push_back(one);
    });
  }
  return seen;
}

// Reads a single-stream input and checks it decodes to `expected` with no diagnostics.
void check_reads_as(const std::string& path, const std::string& expected,
                    const std::string& packaging) {
  Diagnostics diag;
  auto seen = read_all(path, diag);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].name == path);
  CHECK(seen[0].packaging == packaging);
  CHECK(seen[0].position == expected.size());
  CHECK(seen[0].content == expected);
  CHECK(diag.size() == 0);
}

std::string diag_text(const Diagnostics& diag) {
  std::string out;
  for (const auto& d : diag.all()) out += d.format() + "\n";
  return out;
}

uint64_t fnv1a(std::string_view data, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

TEST_CASE("a plain file reads as one plain stream with its mtime", "[reader]") {
  TempDir dir;
  std::string log = sample_log(1000);
  write_file(dir / "mail.current", log);
  check_reads_as(dir / "mail.current", log, "plain");
  Diagnostics diag;
  struct stat st;
  REQUIRE(stat((dir / "mail.current").c_str(), &st) == 0);
  CHECK(read_all(dir / "mail.current", diag)[0].mtime == st.st_mtim.tv_sec);
}

TEST_CASE("a gzip file reads decompressed", "[reader]") {
  TempDir dir;
  std::string log = sample_log(5000);
  write_file(dir / "mail.log", log);
  sh("gzip " + (dir / "mail.log"));
  check_reads_as(dir / "mail.log.gz", log, "gzip");
}

TEST_CASE("a gzip file of three members reads as one stream", "[reader]") {
  TempDir dir;
  std::string a = sample_log(3000, 1), b = sample_log(10, 2), c = sample_log(4000, 3);
  write_file(dir / "a", a);
  write_file(dir / "b", b);
  write_file(dir / "c", c);
  sh("cd " + dir.str() + " && gzip -c a > all.gz && gzip -c b >> all.gz && gzip -c c >> all.gz");
  check_reads_as(dir / "all.gz", a + b + c, "gzip");
}

TEST_CASE("bzip2, xz and zstd files read decompressed", "[reader]") {
  TempDir dir;
  std::string log = sample_log(20000);
  write_file(dir / "mail.@20261116T183430.s", log);
  std::string in = dir / "mail.@20261116T183430.s";
  sh("bzip2 -k " + in + " && xz -k " + in + " && zstd -q -k " + in);
  check_reads_as(in + ".bz2", log, "bzip2");
  check_reads_as(in + ".xz", log, "xz");
  check_reads_as(in + ".zst", log, "zstd");
}

TEST_CASE("concatenated zstd, xz and bzip2 streams read as one stream", "[reader]") {
  TempDir dir;
  std::string a = sample_log(3000, 1), b = sample_log(2000, 2);
  write_file(dir / "a", a);
  write_file(dir / "b", b);
  for (std::string tool : {"zstd -q", "xz", "bzip2"}) {
    sh("cd " + dir.str() + " && " + tool + " -c a > two && " + tool + " -c b >> two");
    std::string packaging = tool == "zstd -q" ? "zstd" : tool;
    check_reads_as(dir / "two", a + b, packaging);
  }
}

TEST_CASE("packaging is detected by magic bytes, not by name", "[reader]") {
  TempDir dir;
  std::string log = sample_log(500);
  write_file(dir / "x", log);
  sh("gzip -c " + (dir / "x") + " > " + (dir / "really-gzip.log"));
  write_file(dir / "really-plain.gz", log);
  sh("xz -c " + (dir / "x") + " > " + (dir / "really-xz.bz2"));
  check_reads_as(dir / "really-gzip.log", log, "gzip");
  check_reads_as(dir / "really-plain.gz", log, "plain");
  check_reads_as(dir / "really-xz.bz2", log, "xz");
}

TEST_CASE("an empty file is one empty stream and no error", "[reader]") {
  TempDir dir;
  write_file(dir / "empty.gz", "");
  check_reads_as(dir / "empty.gz", "", "plain");
}

TEST_CASE("tar bundles visit each member as path:member", "[reader]") {
  TempDir dir;
  std::string first = sample_log(3000, 1), second = sample_log(2000, 2);
  write_file(dir / "logs/mail.@20261116T183430.s", first);
  write_file(dir / "logs/mail.current", second);
  sh("touch -d '2026-11-16 18:34:30 UTC' " + (dir / "logs/mail.@20261116T183430.s"));
  std::string members = " -C " + (dir / "logs") + " mail.@20261116T183430.s mail.current";
  sh("tar -cf " + (dir / "b.tar") + members);
  sh("tar -czf " + (dir / "b.tgz") + members);
  sh("tar --zstd -cf " + (dir / "b.tar.zst") + members);
  sh("tar -cJf " + (dir / "b.tar.xz") + members);
  for (auto [file, packaging] : {std::pair{"b.tar", "tar+plain"},
                                 {"b.tgz", "tar+gzip"},
                                 {"b.tar.zst", "tar+zstd"},
                                 {"b.tar.xz", "tar+xz"}}) {
    Diagnostics diag;
    auto seen = read_all(dir / file, diag);
    INFO(file << "\n" << diag_text(diag));
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].name == (dir / file) + ":mail.@20261116T183430.s");
    CHECK(seen[1].name == (dir / file) + ":mail.current");
    CHECK(seen[0].packaging == packaging);
    CHECK(seen[0].content == first);
    CHECK(seen[1].content == second);
    CHECK(seen[0].position == first.size());
    CHECK(seen[0].mtime == 1794854070);
    CHECK(diag.size() == 0);
  }
}

TEST_CASE("a truncated gzip file delivers its good bytes and names the offset", "[reader]") {
  TempDir dir;
  std::string log = sample_log(50000);
  write_file(dir / "x", log);
  sh("gzip -c " + (dir / "x") + " | head -c 300000 > " + (dir / "cut.gz"));
  Diagnostics diag;
  auto seen = read_all(dir / "cut.gz", diag);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].content.size() > 500000);
  CHECK(seen[0].content.size() < log.size());
  CHECK(log.compare(0, seen[0].content.size(), seen[0].content) == 0);
  auto all = diag.all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].file == dir / "cut.gz");
  CHECK(all[0].offset == 300000);
  CHECK(all[0].data_lost);
  CHECK_THAT(all[0].message, Catch::Contains("truncated"));
  CHECK_THAT(all[0].message, Catch::Contains(std::to_string(seen[0].content.size()) +
                                             " decompressed bytes were good"));
}

TEST_CASE("garbage after a gzip member is reported with its offset", "[reader]") {
  TempDir dir;
  std::string log = sample_log(2000);
  write_file(dir / "x", log);
  sh("gzip -c " + (dir / "x") + " > " + (dir / "g.gz"));
  auto gz_size = static_cast<int64_t>(fs::file_size(dir / "g.gz"));
  SECTION("text garbage is data lost") {
    sh("printf 'not gzip at all' >> " + (dir / "g.gz"));
    Diagnostics diag;
    auto seen = read_all(dir / "g.gz", diag);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].content == log);
    auto all = diag.all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].offset == gz_size);
    CHECK(all[0].data_lost);
    CHECK_THAT(all[0].message,
               Catch::Contains("15 bytes of trailing garbage after gzip member at byte 0"));
  }
  SECTION("zero padding is only a warning") {
    sh("head -c 1000 /dev/zero >> " + (dir / "g.gz"));
    Diagnostics diag;
    auto seen = read_all(dir / "g.gz", diag);
    CHECK(seen.at(0).content == log);
    auto all = diag.all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].severity == mailtls::Diagnostic::Severity::warning);
    CHECK_FALSE(all[0].data_lost);
    CHECK(all[0].offset == gz_size);
    CHECK_THAT(all[0].message, Catch::Contains("1000 zero bytes"));
  }
}

// Overwrites `count` bytes in the middle of a compressed file.
void corrupt_middle(const std::string& path) {
  std::string data = slurp(path);
  REQUIRE(data.size() > 20000);
  for (size_t i = data.size() / 2; i < data.size() / 2 + 64; ++i)
    data[i] = static_cast<char>(data[i] ^ 0x5a);
  write_file(path, data);
}

size_t common_prefix(const std::string& a, const std::string& b) {
  return static_cast<size_t>(
      std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first -
      a.begin());
}

// Checksums cover a whole block or member, so some bytes of the damaged block may be
// delivered before the damage is seen: only the bytes before that block must be exact.
TEST_CASE("corrupt gzip, bzip2, xz and zstd streams end with one diagnostic", "[reader]") {
  TempDir dir;
  std::string log = sample_log(60000);
  write_file(dir / "x", log);
  for (std::string tool : {"bzip2", "xz", "zstd -q", "gzip"}) {
    sh(tool + " -c " + (dir / "x") + " > " + (dir / "bad"));
    corrupt_middle(dir / "bad");
    Diagnostics diag;
    auto seen = read_all(dir / "bad", diag);
    INFO(tool << "\n" << diag_text(diag));
    REQUIRE(seen.size() == 1);
    CHECK(common_prefix(seen[0].content, log) > log.size() / 4);
    CHECK(seen[0].content != log);
    auto all = diag.all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].data_lost);
    CHECK(all[0].file == dir / "bad");
    CHECK(all[0].offset >= 0);  // a CRC-32 failure points at its member, here at byte 0
    CHECK(all[0].offset <= static_cast<int64_t>(fs::file_size(dir / "bad")));
    CHECK_THAT(all[0].message, Catch::Contains("corrupt"));
  }
}

// The deflate data is intact and only the trailer lies: the CRC-32 or the length (ISIZE)
// of the member. gzip -dc refuses both; so must the reader, even though every byte of
// the member decoded.
TEST_CASE("a gzip member whose CRC-32 or length trailer is wrong is reported corrupt", "[reader]") {
  TempDir dir;
  std::string log = sample_log(3000);
  write_file(dir / "x", log);
  sh("gzip -c " + (dir / "x") + " > " + (dir / "g.gz"));
  const std::string good = slurp(dir / "g.gz");
  for (size_t from_end : {size_t{1}, size_t{6}}) {  // 1: in ISIZE, 6: in CRC-32
    std::string bad = good;
    bad[bad.size() - from_end] = static_cast<char>(bad[bad.size() - from_end] ^ 0x01);
    write_file(dir / "bad.gz", bad);
    Diagnostics diag;
    auto seen = read_all(dir / "bad.gz", diag);
    INFO("byte " << from_end << " from the end\n" << diag_text(diag));
    auto all = diag.all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].data_lost);
    CHECK(all[0].file == dir / "bad.gz");
    CHECK_THAT(all[0].message, Catch::Contains("corrupt gzip member at byte 0"));
    CHECK_THAT(all[0].message, Catch::Contains("CRC-32 or length"));
  }
}

TEST_CASE("truncated bzip2, xz and zstd streams end with one diagnostic", "[reader]") {
  TempDir dir;
  std::string log = sample_log(60000);
  write_file(dir / "x", log);
  for (std::string tool : {"bzip2", "xz", "zstd -q"}) {
    sh(tool + " -c " + (dir / "x") + " > " + (dir / "full"));
    auto cut = fs::file_size(dir / "full") * 2 / 3;
    sh("head -c " + std::to_string(cut) + " " + (dir / "full") + " > " + (dir / "cut"));
    Diagnostics diag;
    auto seen = read_all(dir / "cut", diag);
    INFO(tool << "\n" << diag_text(diag));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].content.size() < log.size());
    CHECK(log.compare(0, seen[0].content.size(), seen[0].content) == 0);
    auto all = diag.all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].offset == static_cast<int64_t>(cut));
    CHECK_THAT(all[0].message, Catch::Contains("truncated"));
  }
}

TEST_CASE("a damaged tar.gz reports once and keeps the complete members", "[reader]") {
  TempDir dir;
  std::string first = sample_log(2000, 1), second = sample_log(40000, 2);
  write_file(dir / "logs/a", first);
  write_file(dir / "logs/b", second);
  sh("tar -czf " + (dir / "full.tgz") + " -C " + (dir / "logs") + " a b");
  auto cut = fs::file_size(dir / "full.tgz") / 2;
  sh("head -c " + std::to_string(cut) + " " + (dir / "full.tgz") + " > " + (dir / "cut.tgz"));
  Diagnostics diag;
  auto seen = read_all(dir / "cut.tgz", diag);
  INFO(diag_text(diag));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].content == first);
  CHECK(second.compare(0, seen[1].content.size(), seen[1].content) == 0);
  REQUIRE(diag.size() == 1);
  CHECK(diag.all()[0].offset == static_cast<int64_t>(cut));
}

TEST_CASE("missing files and empty directories are reported and skipped", "[reader]") {
  TempDir dir;
  write_file(dir / "good.log", "one line\n");
  fs::create_directories(dir / "empty/sub");
  Diagnostics diag;
  auto inputs = mailtls::expand_inputs(
      {dir / "missing.log", dir / "empty", dir / "good.log", dir / "nothing-*.log"}, diag);
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].path == dir / "good.log");
  CHECK(inputs[0].mtime > 0);
  auto all = diag.all();
  REQUIRE(all.size() == 3);
  CHECK(all[0].file == dir / "missing.log");
  CHECK(all[1].file == dir / "empty");
  CHECK_THAT(all[1].message, Catch::Contains("no log files"));
  CHECK(all[2].file == dir / "nothing-*.log");
  for (const auto& d : all) CHECK(d.data_lost);
}

TEST_CASE("a file without read permission is reported and skipped", "[reader]") {
  if (geteuid() == 0) {
    WARN("running as root: file permissions are not enforced, test skipped");
    return;
  }
  TempDir dir;
  write_file(dir / "secret.log", "x\n");
  write_file(dir / "open.log", "y\n");
  chmod((dir / "secret.log").c_str(), 0);
  Diagnostics diag;
  auto inputs = mailtls::expand_inputs({dir.str()}, diag);
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].path == dir / "open.log");
  REQUIRE(diag.size() == 1);
  CHECK(diag.all()[0].file == dir / "secret.log");
  Diagnostics read_diag;
  mailtls::read_input({dir / "secret.log", 0}, {}, read_diag, [](LogStream&) { FAIL("visited"); });
  CHECK(read_diag.size() == 1);
}

TEST_CASE("a glob expands to the matching files in sorted order", "[reader]") {
  TempDir dir;
  write_file(dir / "mail.@20261116T183430.s", "b\n");
  write_file(dir / "mail.@20261115T000000.s", "a\n");
  write_file(dir / "mail.current", "c\n");
  write_file(dir / "other.log", "d\n");
  Diagnostics diag;
  auto inputs = mailtls::expand_inputs({dir / "mail.*"}, diag);
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].path == dir / "mail.@20261115T000000.s");
  CHECK(inputs[1].path == dir / "mail.@20261116T183430.s");
  CHECK(inputs[2].path == dir / "mail.current");
  CHECK(diag.size() == 0);
}

TEST_CASE("a directory is expanded recursively, sorted by path, without hidden files and notes",
          "[reader]") {
  TempDir dir;
  write_file(dir / "logs/z.log", "z\n");
  write_file(dir / "logs/b/2.log", "b2\n");
  write_file(dir / "logs/b/1.log.gz", "b1\n");
  write_file(dir / "logs/a.log", "a\n");
  write_file(dir / "logs/mail.@20261116T183430.s", "s\n");
  write_file(dir / "logs/.hidden", "h\n");
  write_file(dir / "logs/README.md", "notes\n");
  write_file(dir / "logs/expected.toml", "x = 1\n");
  fs::create_directories(dir / "logs/empty");
  Diagnostics diag;
  auto inputs = mailtls::expand_inputs({dir / "logs"}, diag);
  std::vector<std::string> paths;
  for (const auto& i : inputs) paths.push_back(i.path);
  CHECK(paths == std::vector<std::string>{dir / "logs/a.log", dir / "logs/b/1.log.gz",
                                          dir / "logs/b/2.log", dir / "logs/mail.@20261116T183430.s",
                                          dir / "logs/z.log"});
  CHECK(diag.size() == 0);
  // Named on the command line, a notes file is read like any other.
  CHECK(mailtls::expand_inputs({dir / "logs/README.md"}, diag).size() == 1);
}

TEST_CASE("a consumer that stops early does not hang the reader", "[reader]") {
  TempDir dir;
  std::string log = sample_log(100000);
  write_file(dir / "big.log", log);
  sh("gzip -k " + (dir / "big.log"));
  ReaderOptions options;
  options.chunk_bytes = 4096;
  options.queue_chunks = 2;
  auto start = std::chrono::steady_clock::now();
  for (std::string file : {"big.log", "big.log.gz"}) {
    Diagnostics diag;
    std::string first;
    mailtls::read_input({dir / file, 0}, options, diag, [&](LogStream& s) { first = s.read(); });
    CHECK(first == log.substr(0, 4096));
    CHECK(diag.size() == 0);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("a large input in small chunks arrives complete and in order", "[reader]") {
  TempDir dir;
  std::string log = sample_log(300000);  // about 28 MB
  write_file(dir / "big.log", log);
  sh("gzip -k -1 " + (dir / "big.log"));
  ReaderOptions options;
  options.chunk_bytes = 4096;
  options.queue_chunks = 3;
  for (std::string file : {"big.log", "big.log.gz"}) {
    Diagnostics diag;
    auto seen = read_all(dir / file, diag, options);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].position == log.size());
    CHECK(seen[0].largest_chunk == 4096);
    CHECK(seen[0].chunks == (log.size() + 4095) / 4096);
    CHECK(fnv1a(seen[0].content) == fnv1a(log));
    CHECK(diag.size() == 0);
  }
}

TEST_CASE("stdin is read as the input named -", "[reader]") {
  TempDir dir;
  std::string log = sample_log(1000);
  write_file(dir / "x", log);
  sh("gzip -k " + (dir / "x"));
  int saved = dup(0);
  REQUIRE(freopen((dir / "x.gz").c_str(), "rb", stdin) != nullptr);
  Diagnostics diag;
  auto seen = read_all("-", diag);
  dup2(saved, 0);
  close(saved);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].name == "-");
  CHECK(seen[0].packaging == "gzip");
  CHECK(seen[0].mtime == 0);
  CHECK(seen[0].content == log);
}

TEST_CASE("a consumer that stops early on a pipe that stays open does not hang", "[reader]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::string data = sample_log(200);  // less than three chunks: the producer then waits
  REQUIRE(write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  int saved = dup(0);
  dup2(fds[0], 0);
  ReaderOptions options;
  options.chunk_bytes = 4096;
  Diagnostics diag;
  std::string first;
  auto start = std::chrono::steady_clock::now();
  mailtls::read_input({"-", 0}, options, diag, [&](LogStream& s) { first = s.read(); });
  auto took = std::chrono::steady_clock::now() - start;
  dup2(saved, 0);
  for (int fd : {saved, fds[0], fds[1]}) close(fd);
  CHECK(first == data.substr(0, 4096));
  CHECK(took < std::chrono::seconds(5));
  CHECK(diag.size() == 0);
}

TEST_CASE("a read error is reported with the offset where reading stopped", "[reader]") {
  TempDir dir;
  fs::create_directories(dir / "d");
  Diagnostics diag;
  size_t bytes = 1;
  // A directory opens but cannot be read: the closest thing to an I/O error on demand.
  mailtls::read_input({dir / "d", 0}, {}, diag, [&](LogStream& s) {
    bytes = 0;
    for (auto c = s.read(); !c.empty(); c = s.read()) bytes += c.size();
  });
  CHECK(bytes == 0);
  auto all = diag.all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].file == dir / "d");
  CHECK(all[0].offset == 0);
  CHECK(all[0].data_lost);
  CHECK_THAT(all[0].message, Catch::Contains("read error"));
}

// A bit flipped inside one gzip member or zstd frame of several: whether the decoder
// meets an invalid code there or only the checksum at the member's end fails, the
// message points into that member, never past it (the end of the file, the next one).
TEST_CASE("damage found by a gzip CRC-32 or zstd checksum is reported inside the damaged member",
          "[reader]") {
  TempDir dir;
  for (std::string tool : {"gzip", "zstd -q"}) {
    std::string file;
    std::vector<size_t> starts;
    std::string first_member_text;
    for (int i = 0; i < 4; ++i) {
      write_file(dir / "part", sample_log(3000, i + 1));
      if (i == 0) first_member_text = slurp(dir / "part");
      sh(tool + " -c " + (dir / "part") + " > " + (dir / "part.z"));
      starts.push_back(file.size());
      file += slurp(dir / "part.z");
    }
    starts.push_back(file.size());
    const size_t from = starts[1], to = starts[2];
    for (size_t at : {from + 40, from + (to - from) / 3, from + (to - from) / 2, to - 30}) {
      std::string bad = file;
      bad[at] = static_cast<char>(bad[at] ^ 0x08);
      write_file(dir / "bad", bad);
      Diagnostics diag;
      auto seen = read_all(dir / "bad", diag);
      INFO(tool << ", bit flipped at byte " << at << "\n" << diag_text(diag));
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].content.compare(0, first_member_text.size(), first_member_text) == 0);
      auto all = diag.all();
      REQUIRE(all.size() == 1);
      CHECK(all[0].data_lost);
      CHECK(all[0].offset >= static_cast<int64_t>(from));
      CHECK(all[0].offset < static_cast<int64_t>(to));
    }
  }
}
