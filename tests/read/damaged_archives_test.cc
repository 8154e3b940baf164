// Damaged and unreadable archives, end to end through the built binary, against the
// standard tools: files made by gzip, bzip2, xz, zstd and tar on this machine, cut at
// many offsets, and what mailtls stores compared with what the tool itself recovers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "support/child_process.h"

using namespace mailtls::testing;

namespace {

// A generated mail log (header, thousands of connections), distinct per seed; its size
// follows MAILTLS_TEST_SCALE unless a test needs the size itself (`Scale::fixed`).
enum class Scale { scaled, fixed };
std::string generated_log(const TempDir& tmp, int seed, double megabytes, Scale scale = Scale::scaled) {
  const fs::path out = tmp.path / ("gen" + std::to_string(seed));
  const double factor = scale == Scale::scaled ? size_scale() : 1.0;
  REQUIRE(run({MAILTLS_GEN_BINARY, "--seed", std::to_string(seed), "--bytes",
               std::to_string(static_cast<int>(megabytes * (1 << 20) * factor)), "--out", out.string(),
               "--debug-fraction", "0"},
              tmp.path / "gen.out")
              .status == 0);
  return slurp(out / "mail.current");
}

// The same, also written to tmp/log.
std::string generated_log_file(const TempDir& tmp, int seed, double megabytes, Scale scale = Scale::scaled) {
  const std::string log = generated_log(tmp, seed, megabytes, scale);
  write_file(tmp.path / "log", log);
  return log;
}

// Where tar writes the header of the second of `members`: after one 512-byte header and
// the first member padded to 512 bytes.
size_t second_header_offset(const std::vector<std::string>& members) {
  return 512 + (members[0].size() + 511) / 512 * 512;
}

// tmp/b.tar of three generated logs (seeds `seed`, +1, +2), made by the real tar, with a
// bit of the second member's size field flipped so its header checksum no longer holds.
// Returns the members' text.
std::vector<std::string> tar_with_damaged_second_header(const TempDir& tmp, int seed, double megabytes) {
  const std::vector<std::string> members{generated_log(tmp, seed, megabytes), generated_log(tmp, seed + 1, megabytes),
                                         generated_log(tmp, seed + 2, megabytes)};
  fs::create_directory(tmp.path / "logs");
  for (size_t i = 0; i < members.size(); ++i) write_file(tmp.path / "logs" / ("m" + std::to_string(i)), members[i]);
  const fs::path tar = tmp.path / "b.tar";
  REQUIRE(shell("tar -C " + (tmp.path / "logs").string() + " -cf " + tar.string() + " m0 m1 m2"));
  std::string bytes = slurp(tar);
  const size_t second_header = second_header_offset(members);
  REQUIRE(bytes.compare(second_header, 2, "m1") == 0);
  bytes[second_header + 130] ^= 0x04;
  write_file(tar, bytes);
  return members;
}

struct Ingest {
  Finished finished;
  std::string output;
};

Ingest ingest(const TempDir& tmp, const fs::path& db, const std::vector<fs::path>& inputs) {
  std::vector<std::string> argv{MAILTLS_BINARY, "ingest", "--db", db.string(), "--progress", "0"};
  for (const auto& i : inputs) argv.push_back(i.string());
  const fs::path log = tmp.path / "ingest.out";
  Ingest r{run(argv, log), ""};
  r.output = slurp(log);
  return r;
}

// What a database holds of its logs, for comparing two of them: every line count and
// every connection with its verdict.
std::string content(const fs::path& db) {
  return dump(db, "SELECT sum(lines), sum(lines_parsed), sum(lines_unparsed), sum(bytes) FROM sources") +
         dump(db, "SELECT appliance, direction, conn_id, started_at, ended_at, tls_outcome FROM connections"
                  " ORDER BY 1, 2, 3, 4") +
         dump(db, "SELECT text FROM unparsed ORDER BY 1");
}

// The bytes of `text` up to and including its last newline.
std::string complete_lines(const std::string& text) { return text.substr(0, text.rfind('\n') + 1); }

std::string tool_output(const TempDir& tmp, const std::string& command) {
  const fs::path out = tmp.path / "tool.out";
  shell(command + " > " + out.string() + " 2>/dev/null");  // non-zero: it met the cut
  return slurp(out);
}

// Offsets to cut a file of `size` bytes at: in the first headers and blocks, where a
// decoder holds most back, and spread over the rest.
std::vector<size_t> cut_offsets(size_t size, size_t first = 30) {
  std::vector<size_t> cuts{first, 200, 1000, 4000};
  for (int i = 1; i <= 6; ++i) cuts.push_back(size * i / 7 + 7 * i);
  cuts.erase(std::remove_if(cuts.begin(), cuts.end(), [&](size_t c) { return c >= size; }), cuts.end());
  return cuts;
}

}  // namespace

TEST_CASE("a compressed log cut anywhere keeps every line the standard tool recovers from it",
          "[bad-input][truncated]") {
  TempDir tmp;
  const std::string log = generated_log_file(tmp, 11, 0.6);
  for (const std::string tool : {"gzip", "bzip2", "xz", "zstd"}) {
    REQUIRE(shell(tool + " -q -c " + (tmp.path / "log").string() + " > " + (tmp.path / "full").string()));
    const std::string full = slurp(tmp.path / "full");
    for (size_t cut : cut_offsets(full.size())) {
      DYNAMIC_SECTION(tool << " cut at byte " << cut) {
        const fs::path damaged = tmp.path / ("cut." + tool);
        write_file(damaged, full.substr(0, cut));
        const std::string recovered = complete_lines(tool_output(tmp, tool + " -dc " + damaged.string()));
        const fs::path db = tmp.path / "cut.db";
        fs::remove(db);
        const Ingest r = ingest(tmp, db, {damaged});
        INFO(r.output);
        CHECK(r.finished.status == 1);
        CHECK(r.output.find(damaged.string() + ": byte ") != std::string::npos);
        // The lines stored: a prefix of whole lines of the log, at least all the tool
        // printed (bzip2 -dc loses up to 5,000 bytes it had decoded; mailtls keeps them).
        const std::string stored_bytes = dump(db, "SELECT coalesce(sum(bytes), 0) FROM sources");
        const size_t bytes = std::stoul(stored_bytes);
        if (tool == "bzip2")
          CHECK(bytes >= recovered.size());
        else
          CHECK(bytes == recovered.size());
        REQUIRE(bytes <= log.size());
        CHECK((bytes == 0 || log[bytes - 1] == '\n'));
        // Line for line, the same as ingesting that text unpacked.
        write_file(tmp.path / "recovered.log", log.substr(0, bytes));
        const fs::path ref = tmp.path / "ref.db";
        fs::remove(ref);
        if (bytes > 0) {
          REQUIRE(ingest(tmp, ref, {tmp.path / "recovered.log"}).finished.status == 0);
          CHECK(content(db) == content(ref));
        }
      }
    }
  }
}

TEST_CASE("a tar, tar.gz, tar.bz2, tar.xz or tar.zst cut anywhere keeps its complete members and every line tar recovers",
          "[bad-input][truncated]") {
  TempDir tmp;
  const std::vector<std::string> members{generated_log(tmp, 21, 0.3), generated_log(tmp, 22, 0.1),
                                         generated_log(tmp, 23, 0.2)};
  const std::vector<std::string> names{"mail.@20261101T000000.s", "mail.@20261102T000000.s", "mail.current"};
  fs::create_directory(tmp.path / "logs");
  std::string list;
  for (size_t i = 0; i < members.size(); ++i) {
    write_file(tmp.path / "logs" / names[i], members[i]);
    list += " " + names[i];
  }
  const std::map<std::string, std::string> tools{{"tar", "cat"}, {"tar.gz", "gzip"}, {"tar.bz2", "bzip2"},
                                                 {"tar.xz", "xz"}, {"tar.zst", "zstd"}};
  for (const auto& [packing, tool] : tools) {
    const fs::path full = tmp.path / ("full." + packing);
    REQUIRE(shell("tar -C " + (tmp.path / "logs").string() + " -cf - " + list + " | " + tool +
                  (tool == "cat" ? "" : " -q -c") + " > " + full.string()));
    const std::string bytes = slurp(full);
    // A tar cut within the first 108 bytes of its first header is no tar one can tell.
    for (size_t cut : cut_offsets(bytes.size(), 120)) {
      DYNAMIC_SECTION(packing << " cut at byte " << cut) {
        const fs::path damaged = tmp.path / ("cut." + packing);
        write_file(damaged, bytes.substr(0, cut));
        const fs::path out = tmp.path / "extracted";
        fs::remove_all(out);
        fs::create_directory(out);
        shell((tool == "cat" ? "cat " : tool + " -dc ") + damaged.string() + " 2>/dev/null | tar -x -C " +
              out.string() + " 2>/dev/null");
        const fs::path db = tmp.path / "cut.db";
        fs::remove(db);
        const Ingest r = ingest(tmp, db, {damaged});
        INFO(r.output);
        CHECK(r.finished.status == 1);
        for (size_t i = 0; i < members.size(); ++i) {
          if (!fs::exists(out / names[i])) continue;
          INFO(names[i]);
          const std::string by_tar = complete_lines(slurp(out / names[i]));
          const std::string row =
              dump(db, "SELECT lines, bytes FROM sources WHERE path = '" + damaged.string() + ":" + names[i] + "'");
          REQUIRE(!row.empty());
          const size_t stored = std::stoul(row.substr(row.find('|') + 1));
          CHECK(stored >= by_tar.size());  // tar writes whole 512-byte blocks; mailtls every byte
          REQUIRE(stored <= members[i].size());
          CHECK((stored == 0 || members[i][stored - 1] == '\n'));
          const std::string prefix = members[i].substr(0, stored);
          CHECK(row == std::to_string(std::count(prefix.begin(), prefix.end(), '\n')) + "|" +
                           std::to_string(stored) + "|\n");
          if (by_tar.size() == members[i].size()) CHECK(stored == members[i].size());
        }
      }
    }
  }
}

TEST_CASE("a damaged tar member header is named with its offset and the members after it are read",
          "[bad-input]") {
  TempDir tmp;
  const std::vector<std::string> members = tar_with_damaged_second_header(tmp, 31, 0.1);
  const fs::path tar = tmp.path / "b.tar";
  const size_t second_header = second_header_offset(members);
  const fs::path db = tmp.path / "t.db";
  const Ingest r = ingest(tmp, db, {tar});
  INFO(r.output);
  CHECK(r.finished.status == 1);
  CHECK(r.output.find(tar.string() + ": byte " + std::to_string(second_header) + ": damaged tar header") !=
        std::string::npos);
  CHECK(r.output.find("after 'm0'") != std::string::npos);
  CHECK(dump(db, "SELECT path, lines FROM sources ORDER BY path") ==
        tar.string() + ":m0|" + std::to_string(std::count(members[0].begin(), members[0].end(), '\n')) + "|\n" +
            tar.string() + ":m2|" + std::to_string(std::count(members[2].begin(), members[2].end(), '\n')) + "|\n");
}

TEST_CASE("a zip file, or a compressed file of a packaging mailtls cannot read, fails and is not read",
          "[bad-input]") {
  TempDir tmp;
  const std::string log = generated_log(tmp, 41, 0.05);
  write_file(tmp.path / "mail.current", log);
  write_file(tmp.path / "healthy.log", log.substr(0, log.find('\n', 2000) + 1));
  REQUIRE(shell("cd " + tmp.path.string() +
                " && python3 -c 'import zipfile; z=zipfile.ZipFile(\"logs.zip\", \"w\", zipfile.ZIP_DEFLATED);"
                " z.write(\"mail.current\"); z.close()' && gzip -c logs.zip > logs.zip.gz"));
  for (const std::string name : {"logs.zip", "logs.zip.gz"}) {
    DYNAMIC_SECTION(name) {
      const fs::path db = tmp.path / (name + ".db");
      const Ingest r = ingest(tmp, db, {tmp.path / name, tmp.path / "healthy.log"});
      INFO(r.output);
      CHECK(r.finished.status == 1);
      CHECK(r.output.find((tmp.path / name).string() + ": byte 0: ") != std::string::npos);
      CHECK(r.output.find("zip archive, which mailtls cannot read") != std::string::npos);
      CHECK(dump(db, "SELECT path FROM sources") == (tmp.path / "healthy.log").string() + "|\n");
      CHECK(dump(db, "SELECT count(*) FROM unparsed") == "0|\n");
    }
  }
}

TEST_CASE("reading on after a truncated compressed log does not split the line the cut went through",
          "[bad-input][truncated]") {
  TempDir tmp;
  const std::string log = generated_log_file(tmp, 51, 0.5);
  for (const std::string tool : {"gzip", "bzip2", "xz", "zstd"}) {
    DYNAMIC_SECTION(tool) {
      REQUIRE(shell(tool + " -q -c " + (tmp.path / "log").string() + " > " + (tmp.path / "full").string()));
      const std::string full = slurp(tmp.path / "full");
      write_file(tmp.path / "cut", full.substr(0, full.size() / 2));
      const std::string partial = tool_output(tmp, tool + " -dc " + (tmp.path / "cut").string());
      // The cut goes through a line (bzip2 -dc writes only whole blocks: mailtls more).
      if (tool != "bzip2") REQUIRE(partial.back() != '\n');
      const fs::path db = tmp.path / (tool + ".db");
      CHECK(ingest(tmp, db, {tmp.path / "cut"}).finished.status == 1);
      const Ingest later = ingest(tmp, db, {tmp.path / "full"});
      INFO(later.output);
      CHECK(later.finished.status == 0);
      const fs::path clean = tmp.path / (tool + "-clean.db");
      REQUIRE(ingest(tmp, clean, {tmp.path / "full"}).finished.status == 0);
      CHECK(content(db) == content(clean));
      CHECK(dump(db, "SELECT count(*) FROM unparsed") == "0|\n");
    }
  }
}

TEST_CASE("the database and its journal files are never read as inputs, whatever their names",
          "[bad-input]") {
  TempDir tmp;
  const fs::path logs = tmp.path / "logs";
  fs::create_directory(logs);
  const std::string log = generated_log(tmp, 61, 0.1);
  write_file(logs / "mail.current", log);
  const fs::path db = logs / "state";  // no .db: nothing in its name marks it
  const fs::path clean = tmp.path / "clean.db";
  REQUIRE(ingest(tmp, clean, {logs / "mail.current"}).finished.status == 0);
  for (int run = 1; run <= 2; ++run) {
    const Ingest r = ingest(tmp, db, {logs});
    INFO("run " << run << "\n" << r.output);
    CHECK(r.finished.status == 0);
    CHECK(dump(db, "SELECT path FROM sources") == (logs / "mail.current").string() + "|\n");
  }
  CHECK(content(db) == content(clean));
  // Named on the command line, it is still not read, and says why.
  const Ingest named = ingest(tmp, db, {db, logs / "mail.current"});
  INFO(named.output);
  CHECK(named.output.find("is the database of this run") != std::string::npos);
  CHECK(dump(db, "SELECT path FROM sources") == (logs / "mail.current").string() + "|\n");
}

TEST_CASE("a rotated file whose header was not kept takes the appliance and time offset of the file before it",
          "[bad-input][rotation]") {
  TempDir tmp;
  const std::string log = generated_log(tmp, 71, 0.3);
  // Split mid-stream, as a copy or split(1) does: connections open in the first part
  // close in the second, which has no `Version ... SN:` or `Time offset` line.
  const size_t half = log.find('\n', log.size() / 2) + 1;
  const fs::path logs = tmp.path / "logs";
  fs::create_directory(logs);
  write_file(logs / "mail.@20261101T000000.s", log.substr(0, half));
  write_file(logs / "mail.@20261101T120000.s", log.substr(half));
  write_file(tmp.path / "whole.log", log);
  const fs::path whole = tmp.path / "whole.db";
  REQUIRE(ingest(tmp, whole, {tmp.path / "whole.log"}).finished.status == 0);
  const std::string expected = dump(whole, "SELECT appliance, direction, conn_id, started_at, ended_at, tls_outcome"
                                           " FROM connections ORDER BY 1, 2, 3, 4");
  SECTION("both files in one run") {
    const fs::path db = tmp.path / "one.db";
    const Ingest r = ingest(tmp, db, {logs});
    INFO(r.output);
    CHECK(r.finished.status == 0);
    CHECK(r.output.find("no header: appliance and time offset of mail.@20261101T000000.s") != std::string::npos);
    CHECK(dump(db, "SELECT appliance, direction, conn_id, started_at, ended_at, tls_outcome"
                   " FROM connections ORDER BY 1, 2, 3, 4") == expected);
    CHECK(dump(db, "SELECT DISTINCT appliance, utc_offset FROM sources") ==
          dump(whole, "SELECT DISTINCT appliance, utc_offset FROM sources"));
  }
  SECTION("the second file in a later run, compressed") {
    REQUIRE(shell("gzip " + (logs / "mail.@20261101T120000.s").string()));
    const fs::path db = tmp.path / "two.db";
    REQUIRE(ingest(tmp, db, {logs / "mail.@20261101T000000.s"}).finished.status == 0);
    const Ingest r = ingest(tmp, db, {logs / "mail.@20261101T120000.s.gz"});
    INFO(r.output);
    CHECK(r.finished.status == 0);
    CHECK(r.output.find("no header: appliance and time offset of mail.@20261101T000000.s") != std::string::npos);
    CHECK(dump(db, "SELECT appliance, direction, conn_id, started_at, ended_at, tls_outcome"
                   " FROM connections ORDER BY 1, 2, 3, 4") == expected);
  }
}

namespace {

// The first error line about `file`, its `byte A:` and the largest `byte N` it names.
struct Located {
  std::string line;
  int64_t offset = -1, last = -1;
};

Located located(const std::string& output, const std::string& file) {
  Located l;
  const std::string key = file + ": byte ";
  const size_t at = output.find(key);
  if (at == std::string::npos) return l;
  l.line = output.substr(at, output.find('\n', at) - at);
  l.offset = std::stoll(l.line.substr(key.size()));
  for (size_t p = l.line.find("byte "); p != std::string::npos; p = l.line.find("byte ", p + 5))
    if (std::isdigit(static_cast<unsigned char>(l.line[p + 5]))) l.last = std::max<int64_t>(l.last, std::stoll(l.line.substr(p + 5)));
  return l;
}

// `path` compressed by `tool` (with its options), as bytes.
std::string compressed(const TempDir& tmp, const std::string& tool, const fs::path& path) {
  const fs::path out = tmp.path / "compressed";
  REQUIRE(shell(tool + " -q -c " + path.string() + " > " + out.string()));
  return slurp(out);
}

// How many bytes `tool -dc` prints from the first `n` bytes of `file`.
size_t tool_bytes(const TempDir& tmp, const std::string& tool, const std::string& file, size_t n) {
  write_file(tmp.path / "prefix", file.substr(0, n));
  return tool_output(tmp, tool + " -dc " + (tmp.path / "prefix").string()).size();
}

// The lines the database marks as possibly wrong for its one source: "first|last|".
std::string marked(const fs::path& db) { return dump(db, "SELECT first_line, last_line FROM source_damage"); }

int64_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// How many of the lines stored in log_events before line `before` differ from the log's.
int64_t lines_differing(const fs::path& db, const std::string& log, int64_t before) {
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < log.size();) {
    const size_t nl = log.find('\n', at);
    lines.push_back(std::string_view(log).substr(at, nl - at));
    at = nl + 1;
  }
  std::istringstream rows(dump(db, "SELECT line_no, line FROM log_events WHERE line_no < " + std::to_string(before)));
  int64_t differing = 0;
  for (std::string row; std::getline(rows, row);) {
    const size_t bar = row.find('|');
    const size_t n = std::stoul(row.substr(0, bar));
    const std::string line = row.substr(bar + 1, row.size() - bar - 2);  // "no|line|"
    if (n == 0 || n > lines.size() || lines[n - 1] != line) ++differing;
  }
  return differing;
}

}  // namespace

// bzip2 blocks and xz blocks are checked whole, and decoding may stop far from the flipped
// bit (a bzip2 block's CRC is checked at its end). The message names the range it can
// prove, from the start of the block (for xz, of the LZMA2 chunk) to where decoding
// stopped: it holds the flipped byte and is a small part of the file.
TEST_CASE("a bit flipped in a bzip2 or xz file is named in the block that holds it, not where decoding gave up",
          "[bad-input][flipped]") {
  TempDir tmp;
  // Never scaled down: the file must hold several blocks (or LZMA2 chunks) for the one
  // named to be a small part of it.
  const std::string log = generated_log_file(tmp, 81, 1.5, Scale::fixed);
  for (const std::string tool : {"bzip2 -1", "xz --block-size=100KiB", "xz"}) {
    const std::string full = compressed(tmp, tool, tmp.path / "log");
    for (int k = 1; k <= 5; ++k) {
      const size_t flip = full.size() * k / 6 + 13 * k;
      DYNAMIC_SECTION(tool << ", bit flipped at byte " << flip << " of " << full.size()) {
        std::string bad = full;
        bad[flip] = static_cast<char>(bad[flip] ^ 0x10);
        const fs::path damaged = tmp.path / "flipped";
        write_file(damaged, bad);
        const fs::path db = tmp.path / "flipped.db";
        fs::remove(db);
        const Ingest r = ingest(tmp, db, {damaged});
        INFO(r.output);
        CHECK(r.finished.status == 1);
        const Located l = located(r.output, damaged.string());
        REQUIRE(l.offset >= 0);
        CHECK(l.offset <= static_cast<int64_t>(flip));
        CHECK(l.last > static_cast<int64_t>(flip));
        // A 100 KB bzip2 block, a 100 KiB xz block or a 64 KiB LZMA2 chunk: compressed, a
        // small part of the file.
        CHECK(l.last - l.offset <= 70000);
        CHECK(l.last - l.offset < static_cast<int64_t>(full.size() / 2));
        // What was stored before the damaged block is the log's own text, and the lines of
        // the damaged block that were stored (if any: bzip2 hands out none of a block whose
        // Huffman data fails) are marked.
        const std::string mark = marked(db);
        if (l.line.find("may be wrong") == std::string::npos) {
          CHECK_THAT(l.line, Catch::Contains("decompressed bytes were good"));
          CHECK(mark.empty());
        } else {
          REQUIRE(!mark.empty());
          const int64_t first = std::stoll(mark), last = std::stoll(mark.substr(mark.find('|') + 1));
          CHECK(last == std::stoll(dump(db, "SELECT lines FROM sources")));
          CHECK(first <= last);
          CHECK(r.output.find("lines " + std::to_string(first) + "-" + std::to_string(last) +
                              " may be wrong: decoded from damaged data") != std::string::npos);
          CHECK(lines_differing(db, log, first) == 0);
        }
      }
    }
  }
}

// A bit flipped in the second of four gzip members or zstd frames, or in the CRC64 of an
// xz block: every readable line is kept, the lines decoded from the damaged unit are
// marked in source_damage and in the results, and the exit status says data was lost.
TEST_CASE("lines kept from a gzip member, zstd frame or xz block whose check failed are marked as possibly wrong",
          "[bad-input][flipped]") {
  TempDir tmp;
  std::vector<std::string> parts;
  for (int i = 0; i < 4; ++i) parts.push_back(generated_log(tmp, 91 + i, 0.15));
  std::string log;
  for (const auto& p : parts) log += p;
  const int64_t first_part_lines = count_lines(parts[0]);
  for (const std::string tool : {"gzip", "zstd", "xz"}) {
    std::string file;
    std::vector<size_t> starts;
    for (const auto& p : parts) {
      write_file(tmp.path / "part", p);
      starts.push_back(file.size());
      file += compressed(tmp, tool, tmp.path / "part");
    }
    starts.push_back(file.size());
    // Inside the second unit's data, or (xz) in its CRC64, the 8 bytes before its index.
    std::vector<size_t> flips{starts[1] + (starts[2] - starts[1]) / 2};
    if (tool == "xz") {
      write_file(tmp.path / "second.xz", file.substr(starts[1], starts[2] - starts[1]));
      std::istringstream rows(tool_output(tmp, "xz -lvv --robot " + (tmp.path / "second.xz").string()));
      for (std::string row; std::getline(rows, row);) {
        if (row.rfind("block\t", 0) != 0) continue;
        std::istringstream fields(row);
        std::string f;
        std::vector<std::string> v;
        while (std::getline(fields, f, '\t')) v.push_back(f);
        flips.push_back(starts[1] + std::stoul(v[4]) + std::stoul(v[6]) - 3);  // offset + total size: in the check
      }
      REQUIRE(flips.size() == 2);
    }
    for (const size_t flip : flips) {
      DYNAMIC_SECTION(tool << ", bit flipped at byte " << flip) {
        std::string bad = file;
        bad[flip] = static_cast<char>(bad[flip] ^ 0x02);
        const fs::path damaged = tmp.path / ("flipped." + tool);
        write_file(damaged, bad);
        const fs::path db = tmp.path / (tool + ".db");
        fs::remove(db);
        const Ingest r = ingest(tmp, db, {damaged});
        INFO(r.output);
        CHECK(r.finished.status == 1);
        // gzip and zstd name where the decoder met an invalid code, or for a failed
        // checksum the whole member or frame; xz the chunk or block, up to where it stopped.
        const Located l = located(r.output, damaged.string());
        CHECK(l.offset >= static_cast<int64_t>(starts[1]));
        CHECK(l.offset < static_cast<int64_t>(starts[2]));
        if (tool == "xz") {
          CHECK(l.offset <= static_cast<int64_t>(flip));
          CHECK(l.last > static_cast<int64_t>(flip));
          CHECK(l.last <= static_cast<int64_t>(starts[2]));
        }
        // Everything of the first part, and what could be read of the second, is stored;
        // if any of the second was (zstd hands out no block that fails), it is marked.
        const int64_t lines = std::stoll(dump(db, "SELECT lines FROM sources"));
        CHECK(lines >= first_part_lines);
        const std::string mark = marked(db);
        if (lines == first_part_lines) {
          CHECK_THAT(l.line, Catch::Contains("decompressed bytes were good"));
          CHECK(mark.empty());
        } else {
          CHECK_THAT(l.line, Catch::Contains("may be wrong"));
          REQUIRE(!mark.empty());
          const int64_t first = std::stoll(mark), last = std::stoll(mark.substr(mark.find('|') + 1));
          CHECK(first <= first_part_lines + 1);
          CHECK(first > first_part_lines - 200);  // the lane notes where lines start every 16 KiB
          CHECK(last == lines);
          CHECK(r.output.find("lines " + std::to_string(first) + "-" + std::to_string(last) + " may be wrong") !=
                std::string::npos);
          CHECK(lines_differing(db, log, first) == 0);
        }
      }
    }
  }
}

// The header of the second member is damaged before the archive was compressed: the
// message names the member, the offset in the decompressed archive, and the bytes of the
// compressed file that offset was decoded from, which the real tool confirms: what it
// decodes from the bytes before that range stops short of the header, and from the
// bytes up to its end reaches past it.
TEST_CASE("a damaged tar header inside a tar.gz, tar.bz2, tar.xz or tar.zst is named with the compressed bytes it lies in",
          "[bad-input]") {
  TempDir tmp;
  const std::vector<std::string> members = tar_with_damaged_second_header(tmp, 101, 0.4);
  const fs::path tar = tmp.path / "b.tar";
  const size_t second_header = second_header_offset(members);
  for (const std::string tool : {"gzip", "bzip2", "xz", "zstd"}) {
    DYNAMIC_SECTION(tool) {
      const fs::path packed = tmp.path / ("b.tar." + tool);
      const std::string file = compressed(tmp, tool, tar);
      write_file(packed, file);
      const fs::path db = tmp.path / (tool + ".db");
      const Ingest r = ingest(tmp, db, {packed});
      INFO(r.output);
      CHECK(r.finished.status == 1);
      const Located l = located(r.output, packed.string());
      CHECK_THAT(l.line, Catch::Contains("damaged tar header of the member after 'm0'"));
      const std::string at = "(at byte " + std::to_string(second_header) + " of the decompressed archive, decoded from bytes " +
                             std::to_string(l.offset) + " to ";
      REQUIRE_THAT(l.line, Catch::Contains(at));
      const size_t end = std::stoul(l.line.substr(l.line.find(at) + at.size()));
      CHECK(static_cast<size_t>(l.offset) < end);
      CHECK(end <= file.size());
      CHECK(tool_bytes(tmp, tool, file, static_cast<size_t>(l.offset)) <= second_header);
      if (tool != "bzip2") {  // bzip2 -dc writes nothing of a block it could not finish
        CHECK(tool_bytes(tmp, tool, file, end) >= second_header + 512);
        CHECK(end - static_cast<size_t>(l.offset) <= 70000);  // xz: an LZMA2 chunk, at most 64 KiB
      }
      CHECK(dump(db, "SELECT path FROM sources ORDER BY path") ==
            packed.string() + ":m0|\n" + packed.string() + ":m2|\n");
    }
  }
}

// The CRC-32 of a single-member tar.gz covers all of it and fails only at its end, after
// the first members were read and stored: each member is then either marked (its stream
// was still being read) or named in an error saying its bytes may be wrong.
TEST_CASE("members of a tar.gz whose CRC-32 fails at its end are each marked or named as possibly wrong",
          "[bad-input][flipped]") {
  TempDir tmp;
  fs::create_directory(tmp.path / "logs");
  for (int i = 0; i < 3; ++i)
    write_file(tmp.path / "logs" / ("m" + std::to_string(i)), generated_log(tmp, 111 + i, 2.0));
  const fs::path packed = tmp.path / "b.tar.gz";
  REQUIRE(shell("tar -C " + (tmp.path / "logs").string() + " -czf " + packed.string() + " m0 m1 m2"));
  std::string bytes = slurp(packed);
  bytes[bytes.size() - 6] ^= 0x01;  // in the CRC-32
  write_file(packed, bytes);
  const fs::path db = tmp.path / "t.db";
  const Ingest r = ingest(tmp, db, {packed});
  INFO(r.output);
  CHECK(r.finished.status == 1);
  CHECK(r.output.find(packed.string() + ": byte 0: corrupt gzip member at byte 0") != std::string::npos);
  for (int i = 0; i < 3; ++i) {
    const std::string member = packed.string() + ":m" + std::to_string(i);
    INFO(member);
    const bool marked = !dump(db, "SELECT first_line FROM source_damage JOIN sources ON id = source_id WHERE path = '" +
                                      member + "'")
                             .empty();
    const bool named = r.output.find(member + ": byte ") != std::string::npos &&
                       r.output.find("read before the damage further on in the archive showed") != std::string::npos;
    CHECK((marked || named));
  }
  // The last member is still being read when the CRC-32 fails: it is marked.
  CHECK(dump(db, "SELECT first_line FROM source_damage JOIN sources ON id = source_id WHERE path = '" +
                     packed.string() + ":m2'") == "1|\n");
}
