#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/diagnostics.h"
#include "parse/grammar.h"
#include "shipped_data.h"

namespace fs = std::filesystem;
using mailtls::Diagnostics;
using mailtls::Grammar;

namespace {

// A fresh directory of grammar files, removed at the end of the test.
class TempGrammarDir {
 public:
  TempGrammarDir() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("mailtls_grammar_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(dir_);
  }
  ~TempGrammarDir() { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

std::string all_messages(const Diagnostics& diag) {
  std::string out;
  for (const auto& d : diag.all()) out += d.format() + "\n";
  return out;
}

// Loads one grammar file; returns the diagnostics' text (empty when it loaded cleanly).
std::string load_problems(const std::string& toml) {
  TempGrammarDir dir;
  dir.write("test.toml", toml);
  Diagnostics diag;
  auto g = Grammar::load(dir.path(), diag);
  std::string text = all_messages(diag);
  CHECK((g == nullptr) == !text.empty());
  return text;
}

// Loads one grammar file (and self-tests it when it loads); returns every message whole,
// the file named relative to the temporary directory.
std::string problems_in_file(const std::string& toml) {
  TempGrammarDir dir;
  dir.write("test.toml", toml);
  Diagnostics diag;
  if (auto g = Grammar::load(dir.path(), diag)) g->self_test(diag);
  std::string text = all_messages(diag);
  const std::string prefix = dir.path().string() + "/";
  for (size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
  return text;
}

const char* kCloseKind = R"(family = "t"
[[kind]]
name = "icid_close"
event = "icid_close"
token = "ICID"
pattern = '''ICID (?P<id>\d+) close'''
[[kind.sample]]
line = "ICID 5 close"
fields = { id = "5" }
)";

}  // namespace

TEST_CASE("the shipped grammars load and every sample passes", "[grammar]") {
  Diagnostics diag;
  auto g = Grammar::load(fs::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  INFO(all_messages(diag));
  REQUIRE(g);
  CHECK(g->self_test(diag));
  CHECK(diag.size() == 0);
  CHECK(g->frames().size() >= 4);
  CHECK(g->kinds().size() >= 80);
}

TEST_CASE("every event type is produced by some shipped kind", "[grammar]") {
  Diagnostics diag;
  auto g = Grammar::load(fs::path(MAILTLS_SOURCE_DATA_DIR) / "grammars", diag);
  REQUIRE(g);
  for (const auto& spec : mailtls::event_specs()) {
    if (spec.type == mailtls::EventType::other || spec.type == mailtls::EventType::comment) continue;
    // Made by sessions from a consolidated event's fields (sessions.cc), not by a kind.
    if (spec.type == mailtls::EventType::consolidated_tls || spec.type == mailtls::EventType::dane) continue;
    bool found = false;
    for (const auto& k : g->kinds()) found = found || k->event == spec.type;
    INFO(spec.name);
    CHECK(found);
  }
}

TEST_CASE("a valid grammar file loads without problems", "[grammar]") {
  CHECK(load_problems(kCloseKind).empty());
}

TEST_CASE("a pattern that does not compile is reported with file, key and RE2's error_arg", "[grammar]") {
  std::string text = load_problems(R"(family = "t"
[[kind]]
name = "broken"
token = "ICID"
pattern = '''ICID (\d+ close'''
[[kind.sample]]
line = "ICID 5 close"
)");
  CHECK_THAT(text, Catch::Contains("test.toml"));
  CHECK_THAT(text, Catch::Contains("kind[0] \"broken\".pattern"));
  CHECK_THAT(text, Catch::Contains("missing )"));
  CHECK_THAT(text, Catch::Contains("\"ICID (\\d+ close\""));  // error_arg
}

TEST_CASE("a sample that yields the wrong field is reported with the value found", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("id = \"5\""), 8, "id = \"6\"");
  std::string text = load_problems(toml);
  CHECK_THAT(text, Catch::Contains("kind \"icid_close\".sample[0]"));
  CHECK_THAT(text, Catch::Contains("field id is \"5\", expected \"6\""));
}

TEST_CASE("a sample its pattern does not match is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("ICID 5 close"), 12, "ICID 5 closed");
  CHECK_THAT(load_problems(toml), Catch::Contains("does not match"));
}

TEST_CASE("a kind name used twice, even in two files, is reported", "[grammar]") {
  TempGrammarDir dir;
  dir.write("a.toml", kCloseKind);
  dir.write("b.toml", kCloseKind);
  Diagnostics diag;
  CHECK_FALSE(Grammar::load(dir.path(), diag));
  CHECK_THAT(all_messages(diag), Catch::Contains("kind \"icid_close\": name already used in"));
}

TEST_CASE("an unknown event name is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("event = \"icid_close\""), 20, "event = \"icid_closed\"");
  std::string text = load_problems(toml);
  CHECK_THAT(text, Catch::Contains("kind[0] \"icid_close\".event: unknown event \"icid_closed\""));
}

TEST_CASE("a capture that is not a slot of its event is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("close'''"), 8, "(?P<reason>close)'''");
  CHECK_THAT(load_problems(toml), Catch::Contains("capture \"reason\" is not a slot of event \"icid_close\""));
}

TEST_CASE("an event kind without an id capture is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("(?P<id>\\d+)"), 11, "\\d+");
  toml.replace(toml.find("fields = { id = \"5\" }"), 21, "");
  CHECK_THAT(load_problems(toml), Catch::Contains("needs a capture named \"id\""));
}

TEST_CASE("unquote drops one quote at each end of a capture, as the lazy quoted form did", "[grammar]") {
  // The same lines as '''(?P<id>\d+) Sent: ['"]?(?P<text>.*?)['"]?''' with the same fields.
  CHECK(load_problems(R"(family = "t"
[[kind]]
name = "sent"
event = "debug_sent"
token = "#"
pattern = '''(?P<id>\d+) Sent: (?P<text>.*)'''
unquote = ["text"]
[[kind.sample]]
line = "5 Sent: 'EHLO a'"
fields = { text = "EHLO a" }
[[kind.sample]]
line = "5 Sent: \"it's\""
fields = { text = "it's" }
[[kind.sample]]
line = "5 Sent: 'MAIL"
fields = { text = "MAIL" }
[[kind.sample]]
line = "5 Sent: DATA"
fields = { text = "DATA" }
[[kind.sample]]
line = "5 Sent: 'QUIT''"
fields = { text = "QUIT'" }
[[kind.sample]]
line = "5 Sent: '"
fields = { text = "" }
)").empty());
}

TEST_CASE("unquote naming no capture of an event slot is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("[[kind.sample]]"), 0, "unquote = [\"reason\"]\n");
  CHECK_THAT(load_problems(toml), Catch::Contains("kind[0] \"icid_close\".unquote: \"reason\" is not a capture of an event slot"));
  toml = kCloseKind;
  toml.replace(toml.find("[[kind.sample]]"), 0, "unquote = \"id\"\n");
  CHECK_THAT(load_problems(toml), Catch::Contains("unquote: must be an array of capture names"));
}

namespace {

// A kind whose `quick` pattern takes the usual shape, "failed: reason"; QUICK is
// replaced by each test.
const char* kFailedKind = R"(family = "t"
[[kind]]
name = "failed"
event = "dcid_tls_failed"
token = "DCID"
pattern = '''DCID (?P<id>\d+) TLS failed(?::? (?P<reason>.*))?'''
quick = '''QUICK'''
[[kind.sample]]
line = "DCID 1 TLS failed: STARTTLS unexpected response"
fields = { id = "1", reason = "STARTTLS unexpected response" }
[[kind.sample]]
line = "DCID 2 TLS failed"
fields = { id = "2", reason = "" }
)";

std::string failed_kind_with_quick(const std::string& quick) {
  std::string toml = kFailedKind;
  toml.replace(toml.find("QUICK"), 5, quick);
  return toml;
}

}  // namespace

TEST_CASE("a quick pattern that gives the pattern's fields on its samples loads", "[grammar][quick]") {
  CHECK(load_problems(failed_kind_with_quick(R"(DCID (?P<id>\d+) TLS failed: (?P<reason>.*))")).empty());
}

TEST_CASE("a quick pattern that disagrees with the pattern on a sample, or matches none, is reported",
          "[grammar][quick]") {
  CHECK_THAT(load_problems(failed_kind_with_quick(R"(DCID (?P<id>\d+) TLS failed: (?P<reason>\S+).*)")),
             Catch::Contains("kind \"failed\".quick: gives other fields than the pattern on sample[0]"));
  CHECK_THAT(load_problems(failed_kind_with_quick(R"(DCID (?P<id>\d+) TLS failed (?P<reason>x))")),
             Catch::Contains("kind \"failed\".quick: matches none of the samples"));
  std::string toml = failed_kind_with_quick(R"(DCID (?P<id>\d+) TLS (?:failed|FAILED)(?:: (?P<reason>.*))?)");
  toml += "[[kind.sample]]\nline = \"DCID 3 TLS FAILED\"\nfields = { id = \"3\" }\n";
  CHECK_THAT(load_problems(toml), Catch::Contains("kind \"failed\".quick: matches sample[2], which the pattern does not"));
}

TEST_CASE("a quick pattern with other captures, too many groups or on a kind without event is reported",
          "[grammar][quick]") {
  CHECK_THAT(load_problems(failed_kind_with_quick(R"(DCID (?P<id>\d+) TLS failed: (?P<text>.*))")),
             Catch::Contains("kind[0] \"failed\".quick: must have the same named captures as the pattern"));
  CHECK_THAT(load_problems(failed_kind_with_quick(R"((D)(C)(I)(D)()()() (?P<id>\d+) TLS failed: (?P<reason>.*))")),
             Catch::Contains("kind[0] \"failed\".quick: its captures reach group 9, RE2 extracts at most 4 one-pass"));
  CHECK_THAT(load_problems(failed_kind_with_quick(R"(DCID (?P<id>\d+ TLS failed)")),
             Catch::Contains("kind[0] \"failed\".quick: pattern does not compile"));
  std::string toml = kCloseKind;
  toml.replace(toml.find("event = \"icid_close\"\n"), 21, "");
  toml.replace(toml.find("(?P<id>\\d+)"), 11, "\\d+");
  toml.replace(toml.find("fields = { id = \"5\" }"), 21, "");
  toml.replace(toml.find("[[kind.sample]]"), 0, "quick = '''ICID \\d+ close'''\n");
  CHECK_THAT(load_problems(toml), Catch::Contains("kind[0] \"icid_close\".quick: only kinds with an event may have one"));
}

TEST_CASE("drop_blank drops the blank a capture ends with, as the capture before it did", "[grammar]") {
  // The same fields as '''ICID (?P<id>\d+) interface (?P<interface>.+?)\s\(.*'''.
  CHECK(load_problems(R"T(family = "t"
[[kind]]
name = "new"
event = "icid_new"
token = "ICID"
pattern = '''ICID (?P<id>\d+) interface (?P<interface>.+?\s)\(.*'''
drop_blank = ["interface"]
[[kind.sample]]
line = "ICID 1 interface Data 1 (x)"
fields = { interface = "Data 1" }
[[kind.sample]]
line = "ICID 2 interface Data\n(x)"
fields = { interface = "Data" }
[[kind.sample]]
line = "ICID 3 interface Data  (x)"
fields = { interface = "Data " }
)T").empty());
}

TEST_CASE("drop_blank naming no capture of an event slot, or one also in unquote, is reported", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("[[kind.sample]]"), 0, "drop_blank = [\"reason\"]\n");
  CHECK_THAT(load_problems(toml), Catch::Contains("kind[0] \"icid_close\".drop_blank: \"reason\" is not a capture of an event slot"));
  toml = kCloseKind;
  toml.replace(toml.find("[[kind.sample]]"), 0, "drop_blank = [\"id\"]\nunquote = [\"id\"]\n");
  CHECK_THAT(load_problems(toml), Catch::Contains("kind[0] \"icid_close\".drop_blank: a capture cannot be in both"));
}

TEST_CASE("a sample claimed by an earlier kind of the same token is reported", "[grammar]") {
  std::string toml = R"(family = "t"
[[kind]]
name = "any_icid"
token = "ICID"
pattern = '''ICID .*'''
[[kind.sample]]
line = "ICID 1 anything"
)" + std::string(kCloseKind).substr(std::string(kCloseKind).find("[[kind]]"));
  std::string text = load_problems(toml);
  CHECK_THAT(text, Catch::Contains("kind \"icid_close\".sample[0]: claimed first by kind \"any_icid\""));
}

TEST_CASE("a misspelt key and a kind without samples are reported", "[grammar]") {
  std::string text = load_problems(R"(family = "t"
[[kind]]
name = "x"
token = "X"
patern = '''X'''
)");
  CHECK_THAT(text, Catch::Contains("unknown key \"patern\""));
  CHECK_THAT(text, Catch::Contains("missing or empty string \"pattern\""));
  CHECK_THAT(text, Catch::Contains("needs at least one [[sample]]"));
}


TEST_CASE("a frame's body and fields are checked", "[grammar]") {
  std::string text = load_problems(R"(family = "f"
[[frame]]
name = "level"
pattern = '''(?P<level>Info|Warning): '''
[[frame.sample]]
line = "Info: ICID 5 close"
body = "ICID 5 closed"
fields = { level = "Warning" }
)");
  CHECK_THAT(text, Catch::Contains("frame \"level\".sample[0]: body is \"ICID 5 close\""));
  CHECK_THAT(text, Catch::Contains("field level is \"Info\", expected \"Warning\""));
}

TEST_CASE("the grammar tells a record start from a continuation line by its first word", "[grammar]") {
  const Grammar& grammar = mailtls::testing::shipped_grammar();
  CHECK(grammar.starts_body("ICID 5 close"));
  CHECK(grammar.starts_body("Message done DCID 8 MID 6 to RID [0]"));
  CHECK(grammar.starts_body("5165207 Rcvd: '250 OK'"));
  CHECK(grammar.starts_body("Bounced: 1:0"));
  CHECK_FALSE(grammar.starts_body("(10.10.10.1) address 192.168.1.1 reverse dns host unknown verified no"));
  CHECK_FALSE(grammar.starts_body("[('X-SBRS', 'None')]"));
  CHECK_FALSE(grammar.starts_body("From:<campaign1@yourdomain.com> To:<user@sampledomain.com>"));
  CHECK_FALSE(grammar.starts_body(" retro service is enabled"));
  CHECK_FALSE(grammar.starts_body(""));
}

TEST_CASE("a frame field captured after the groups the framer reads is reported", "[grammar]") {
  std::string text = load_problems(R"(family = "f"
[[frame]]
name = "late"
pattern = '''(a)(b)(c)(d)(e)(f)(g)(h)(i)(?P<level>Info): '''
[[frame.sample]]
line = "abcdefghiInfo: ICID 5 close"
body = "ICID 5 close"
fields = { level = "Info" }
)");
  CHECK_THAT(text, Catch::Contains("frame[0] \"late\".pattern: capture \"level\" is group 10; the framer reads the "
                                   "first 9: make earlier groups non-capturing (?:...)"));
}

TEST_CASE("a TOML syntax error points at its line and column with a caret", "[grammar]") {
  CHECK(problems_in_file("family = \"t\"\n[[kind]\n") ==
        "error: test.toml:2:8: TOML: Error while parsing table header: expected ']', saw '\\n'\n"
        "  [[kind]\n"
        "         ^ near here\n");
}

TEST_CASE("a pattern that does not compile points at the text RE2 names, under its line", "[grammar]") {
  CHECK(problems_in_file(R"(family = "t"
[[kind]]
name = "broken"
token = "ICID"
pattern = '''ICID (\d+ close'''
[[kind.sample]]
line = "ICID 5 close"
)") == R"(error: test.toml:5:14: kind[0] "broken".pattern: pattern does not compile: missing ): "ICID (\d+ close"
  pattern = '''ICID (\d+ close'''
               ^ near here
)");
}

TEST_CASE("a misspelt key points at the key, a missing one at its table", "[grammar]") {
  CHECK(problems_in_file(R"(family = "t"
[[kind]]
name = "x"
token = "X"
  patern = '''X'''
)") == R"(error: test.toml:5:3: kind[0] "x": unknown key "patern"
    patern = '''X'''
    ^ near here
error: test.toml:2:1: kind[0] "x": missing or empty string "pattern"
  [[kind]]
  ^ near here
error: test.toml:2:1: kind[0] "x": needs at least one [[sample]]
  [[kind]]
  ^ near here
)");
}

TEST_CASE("a sample that fails its self-test points at the sample", "[grammar]") {
  std::string toml = kCloseKind;
  toml.replace(toml.find("id = \"5\""), 8, "id = \"6\"");
  CHECK(problems_in_file(toml) == R"(error: test.toml:7:1: kind "icid_close".sample[0]: field id is "5", expected "6"
  [[kind.sample]]
  ^ near here
)");
}
