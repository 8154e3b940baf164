// The framer over the shipped framing grammar: prefixes, years, continuations, damage.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/framer.h"
#include "parse/grammar.h"
#include "parse/matcher.h"

using namespace mailtls;

namespace {

struct Framed {
  std::string body, text, host, tag, level, body_spaced;
  int64_t time, line_no, offset;
  int lines;
  bool comment, framed;
};

struct Fixture {
  Diagnostics diag;
  std::unique_ptr<Grammar> grammar =
      Grammar::load(std::filesystem::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  std::unique_ptr<Matcher> matcher = grammar ? std::make_unique<Matcher>(*grammar) : nullptr;

  std::vector<Framed> frame(std::string_view input, FramerOptions options = {}, size_t chunk = 0) {
    REQUIRE(grammar);
    std::vector<Framed> out;
    Framer framer(*grammar, options, "test.log", diag);
    auto sink = [&](const Record& r) {
      if (r.comment) return;
      out.push_back({std::string(r.body), std::string(r.text), std::string(r.host), std::string(r.tag),
                     std::string(r.level), std::string(r.body_spaced), r.local_time, r.line_no,
                     r.offset, r.physical_lines, r.comment, r.framed});
    };
    if (chunk == 0) chunk = input.size();
    for (size_t i = 0; i < input.size(); i += chunk) framer.feed(input.substr(i, chunk), sink);
    framer.finish(sink);
    return out;
  }
};

// 2023-09-06 13:13:16 as if UTC.
constexpr int64_t kSep6 = 1694005996;

}  // namespace

TEST_CASE("a ctime line gives its wall-clock time, level and body", "[framer]") {
  Fixture fx;
  auto recs = fx.frame("Wed Sep  6 13:13:16 2023 Info: DCID 30 close\n");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].time == kSep6);
  CHECK(recs[0].level == "Info");
  CHECK(recs[0].body == "DCID 30 close");
  CHECK(recs[0].line_no == 1);
}

TEST_CASE("a syslog line without a year takes it from --year, else from the file's mtime", "[framer]") {
  Fixture fx;
  const std::string line = "<166>Sep  6 13:13:16 esa1.example.com mail_logs: Info: ICID 5 close\n";
  FramerOptions with_year;
  with_year.year = 2023;
  auto recs = fx.frame(line, with_year);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].time == kSep6);
  CHECK(recs[0].host == "esa1.example.com");
  CHECK(recs[0].tag == "mail_logs");

  FramerOptions january_mtime;
  january_mtime.mtime = 1704153600;  // 2024-01-02: a September line is from 2023
  recs = fx.frame(line, january_mtime);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].time == kSep6);
}

TEST_CASE("syslog lines crossing new year move to the next year", "[framer]") {
  Fixture fx;
  FramerOptions o;
  o.mtime = 1704153600;  // 2024-01-02
  auto recs = fx.frame(
      "Dec 31 23:59:59 mail_logs: Info: ICID 1 close\n"
      "Jan  1 00:00:01 mail_logs: Info: ICID 2 close\n",
      o);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].time == 1704067199);  // 2023-12-31 23:59:59
  CHECK(recs[1].time == 1704067201);  // 2024-01-01 00:00:01
}

TEST_CASE("a hard-wrapped line is joined to its record, across a comment line", "[framer]") {
  Fixture fx;
  auto recs = fx.frame(
      "Wed Jul 20 19:47:40 2005 Info: New SMTP ICID 282204970 interface Management\n"
      "# [wrapped]\n"
      "(10.10.10.1) address 192.168.1.1 reverse dns host unknown verified no\n"
      "Wed Jul 20 19:47:40 2005 Info: ICID 282204970 close\n");
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].body ==
        "New SMTP ICID 282204970 interface Management (10.10.10.1) address 192.168.1.1 reverse dns "
        "host unknown verified no");
  CHECK(recs[0].lines == 2);
  CHECK(recs[1].line_no == 4);
}

TEST_CASE("a word cut by the wrap is joined without a space", "[framer]") {
  Fixture fx;
  auto recs = fx.frame(
      "Jun 26 10:42:23 ip1out.temple.edu mail_logs: Info: New SMTP ICID 69610481 interface "
      "IP-Inbound (155.247.167.43) address 199.101.162.90 reverse dns host maile-fb.linkedin.com verifi\n"
      "ed yes\n",
      FramerOptions{.year = 2013});
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].body.ends_with("verified yes"));
}

TEST_CASE("records are the same whatever the chunk boundaries", "[framer]") {
  Fixture fx;
  const std::string input =
      "Wed Sep  6 13:13:16 2023 Info: New SMTP DCID 30 interface 10.13.102.10 address 10.13.101.31 port 25\r\n"
      "Wed Sep  6 13:13:16 2023 Info: DCID 30 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-SHA384\r\n"
      "Wed Sep  6 13:13:17 2023 Info: DCID 30 close";  // no final newline
  auto whole = fx.frame(input);
  auto bytewise = fx.frame(input, {}, 1);
  auto sevens = fx.frame(input, {}, 7);
  REQUIRE(whole.size() == 3);
  CHECK(whole[2].body == "DCID 30 close");
  CHECK(whole[0].body.back() == '5');  // the CR is gone
  for (auto* other : {&bytewise, &sevens}) {
    REQUIRE(other->size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK((*other)[i].body == whole[i].body);
      CHECK((*other)[i].offset == whole[i].offset);
      CHECK((*other)[i].line_no == whole[i].line_no);
    }
  }
  CHECK(whole[1].offset == 101);
}

TEST_CASE("a line longer than the limit is cut with a diagnostic and the next lines are read", "[framer]") {
  Fixture fx;
  FramerOptions o;
  o.max_line_bytes = 1000;
  std::string input = "Wed Sep  6 13:13:16 2023 Info: " + std::string(5000, 'x') + "\n" +
                      "Wed Sep  6 13:13:16 2023 Info: DCID 30 close\n";
  auto recs = fx.frame(input, o, 64);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].text.size() == 1000);
  CHECK(recs[1].body == "DCID 30 close");
  CHECK(recs[1].line_no == 2);
  REQUIRE(fx.diag.size() == 1);
  CHECK(fx.diag.all()[0].offset == 0);
  CHECK(fx.diag.all()[0].file == "test.log");
}

TEST_CASE("NUL bytes and invalid UTF-8 stay in the text of their line", "[framer]") {
  Fixture fx;
  std::string input = "Wed Sep  6 13:13:16 2023 Info: garbage ";
  input += std::string("\0\xff\xfe", 3);
  input += "\nWed Sep  6 13:13:16 2023 Info: DCID 30 close\n";
  auto recs = fx.frame(input);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].body.size() == 11);
  CHECK(recs[1].body == "DCID 30 close");
}

TEST_CASE("a bare body with a known first word is a record, not a continuation", "[framer]") {
  Fixture fx;
  auto recs = fx.frame(
      "Message done DCID 26936064 MID 78147001 to RID [0]\n"
      "MID 68119155 queued for delivery\n");
  REQUIRE(recs.size() == 2);
  CHECK_FALSE(recs[0].framed);
  CHECK(recs[0].time == 0);
}

TEST_CASE("the month is read from English names in any case, full or short", "[framer]") {
  CHECK(month_number("Sep") == 9);
  CHECK(month_number("september") == 9);
  CHECK(month_number("DEC") == 12);
  CHECK(month_number("Foo") == 0);
}

TEST_CASE("a wrapped record also offers its body joined with spaces, for lines cut at a space",
          "[framer]") {
  Fixture fx;
  auto recs = fx.frame(
      "Thu Dec 26 18:36:59 2003 Info: Bounced: 45346670:0 \n"
      "# [wrapped]\n"
      "From:<campaign1@yourdomain.com> To:<user2@sampledomain.com>\n");
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].body == "Bounced: 45346670:0 From:<campaign1@yourdomain.com> To:<user2@sampledomain.com>");
  CHECK(recs[0].body_spaced == "Bounced: 45346670:0  From:<campaign1@yourdomain.com> To:<user2@sampledomain.com>");
  auto single = fx.frame("Wed Sep  6 13:13:16 2023 Info: DCID 30 close\n");
  CHECK(single[0].body_spaced == single[0].body);
}

TEST_CASE("a line whose weekday lost its first letters is still framed", "[framer]") {
  Fixture fx;
  auto recs = fx.frame(
      "Wed Sep  6 13:13:16 2023 Info: Message done DCID 30 MID 14 to RID [0]\n"
      "i Sep  8 05:21:31 2023 Info: MID 4 ICID 4 From: ******@domainsample1.com\n");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].body == "MID 4 ICID 4 From: ******@domainsample1.com");
  CHECK(recs[1].time == 1694150491);
}

namespace {

bool same(const Framed& a, const Framed& b) {
  return a.body == b.body && a.text == b.text && a.host == b.host && a.tag == b.tag &&
         a.level == b.level && a.time == b.time && a.line_no == b.line_no &&
         a.offset == b.offset && a.lines == b.lines && a.framed == b.framed;
}

// Frames `input` with and without reusing the previous line's prefix; every record must
// be the same.
void check_reuse_agrees(Fixture& f, const std::string& input, const std::string& name) {
  FramerOptions fast, slow;
  fast.year = slow.year = 2023;
  slow.reuse_prefixes = false;
  const auto a = f.frame(input, fast), b = f.frame(input, slow);
  INFO(name);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("record " << i << ": " << b[i].text);
    CHECK(same(a[i], b[i]));
  }
}

std::string slurp_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("reusing the previous line's prefix frames every shipped log exactly as the full match", "[framer][perf]") {
  Fixture f;
  std::vector<std::filesystem::path> files{std::filesystem::path(MAILTLS_TEST_DIR) / "data" / "corpus_excerpt.log"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(MAILTLS_SAMPLES_DIR))
    if (e.is_regular_file() && e.path().extension() == ".log") files.push_back(e.path());
  REQUIRE(files.size() > 5);
  for (const auto& file : files) check_reuse_agrees(f, slurp_file(file), file.string());
}

TEST_CASE("a shared prefix is not reused when the rest of the line changes the match", "[framer][perf]") {
  Fixture f;
  // Same text up to the tag; the second line has a level the first lacks, so the syslog
  // frame matches further; then a ctime line after a syslog one, and back.
  const std::string input =
      "<14>Jun 12 14:01:33 consolidated_event: CEF:0|Cisco\n"
      "<14>Jun 12 14:01:33 consolidated_event: Info: ICID 5 close\n"
      "<14>Jun 12 14:01:33 consolidated_event: Info: ICID 6 close\n"
      "Wed Sep  6 13:13:16 2023 Info: ICID 7 close\n"
      "Wed Sep  6 13:13:16 2023 Info: ICID 8 close\n"
      "Wed Sep  6 13:13:16 2023 Warning: ICID 9 close\n"
      "Wed Sep  6 13:13:16 2023 Info:ICID 10 close\n"
      "Jun 26 10:42:29 ip1out.temple.edu mail_logs: Info: ICID 69610481 close\n"
      "Jun 26 10:42:29 ip1out.temple.edu mail_logs: ICID 69610482 close\n"
      "Info: DCID 12 STARTTLS command not supported\n"
      "Info: DCID 13 STARTTLS command not supported\n";
  check_reuse_agrees(f, input, "synthetic");
  const auto records = f.frame(input, FramerOptions{.year = 2023});
  REQUIRE(records.size() == 10);  // "Info:ICID 10" frames nowhere: a continuation
  CHECK(records[0].level.empty());
  CHECK(records[1].level == "Info");
  CHECK(records[1].body == "ICID 5 close");
  CHECK(records[5].level == "Warning");
  CHECK(records[5].lines == 2);
  CHECK(records[7].level.empty());
  CHECK(records[7].host == "ip1out.temple.edu");
}

TEST_CASE("a record's level and host survive continuation lines that grow its buffer", "[framer]") {
  Fixture f;
  // The continuations make the held record's text reallocate; its fields must follow.
  std::string input = "Jun 26 10:42:29 ip1out.temple.edu mail_logs: Info: MID 5 Subject 'a\n";
  for (int i = 0; i < 40; ++i) input += "continued text of a long wrapped subject line number " + std::to_string(i) + "\n";
  const auto records = f.frame(input, FramerOptions{.year = 2023});
  REQUIRE(records.size() == 1);
  CHECK(records[0].lines == 41);
  CHECK(records[0].level == "Info");
  CHECK(records[0].host == "ip1out.temple.edu");
  CHECK(records[0].tag == "mail_logs");
}

TEST_CASE("a last line without a newline can be held back for a later run", "[framer]") {
  Fixture fx;
  const std::string_view input = "Wed Sep  6 13:13:16 2023 Info: DCID 30 close\nWed Sep  6 13:13:17 2023 Inf";
  std::vector<std::string> bodies;
  Framer framer(*fx.grammar, {}, "test.log", fx.diag);
  auto sink = [&](const Record& r) { bodies.emplace_back(r.body); };
  framer.feed(input, sink);
  framer.finish(sink, true);
  CHECK(bodies == std::vector<std::string>{"DCID 30 close"});
  CHECK(framer.lines() == 1);
  CHECK(framer.complete_bytes() == 45);
  CHECK(framer.held_offset() == 45);
  CHECK(framer.held_line_no() == 2);
}

TEST_CASE("a reused prefix frames the same whatever follows it on the next line", "[framer][perf]") {
  Fixture f;
  REQUIRE(f.grammar);
  // Every frame sample's prefix followed by every other sample's whole line and body:
  // some of these make a frame match further than the line before (a level after a
  // syslog tag, a second prefix), which is what the reuse must notice.
  std::vector<std::pair<std::string, std::string>> lines;  // line, body
  for (const auto& frame : f.grammar->frames())
    for (const auto& s : frame->samples) lines.emplace_back(s.line, s.body);
  lines.emplace_back("Info: Warning: x", "Warning: x");
  std::string input;
  for (const auto& [a, a_body] : lines) {
    const std::string prefix = a.substr(0, a.size() - a_body.size());
    for (const auto& [b, b_body] : lines) {
      input += a + "\n" + prefix + b + "\n" + prefix + b_body + "\n" + prefix + "\n";
      input += prefix + b.substr(0, b.size() / 2) + "\n";
    }
  }
  check_reuse_agrees(f, input, "prefixes followed by other lines");
}
