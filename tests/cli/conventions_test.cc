// The conventions scripts and people rely on, end to end through the built binary:
// --version, defaults in --help, exit status 2 for every usage error, -q/-v, the man
// page and completions naming every option, JSON with null for the unknown and ISO 8601
// UTC times, summary CSV with unique keys, explain --id, and the ingest's table, JSON
// and progress.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "seeds_db.h"

namespace fs = std::filesystem;
using namespace mailtls::testing;
using Json = nlohmann::json;

namespace {

struct Output {
  int status;
  std::string out, err;
};

// Runs mailtls with `args`, stdin from /dev/null, and returns its status and outputs.
Output run_mailtls(const TempDir& tmp, const std::vector<std::string>& args, const std::string& env = "") {
  const fs::path out = tmp.path / "stdout", err = tmp.path / "stderr";
  std::vector<std::string> sh = {"/bin/sh", "-c", "o=$0 e=$1; shift; " + env + " exec \"$@\" > \"$o\" 2> \"$e\" < /dev/null",
                                 out.string(), err.string(), MAILTLS_BINARY};
  sh.insert(sh.end(), args.begin(), args.end());
  const int status = run(sh, tmp.path / "sh.log").status;
  return {status, slurp(out), slurp(err)};
}

fs::path seeds_db(const TempDir& tmp) { return ingest_seeds(tmp); }

const std::vector<std::string> kSubcommands = {"ingest", "check",   "explain", "summary", "query",
                                               "posture", "notice", "tlsrpt",  "report"};

// The option spellings a subcommand's --help lists ("--db", "-q", "--quiet", ...).
std::set<std::string> help_options(const TempDir& tmp, const std::string& sub) {
  const Output help = run_mailtls(tmp, {sub, "--help"});
  REQUIRE(help.status == 0);
  std::set<std::string> names;
  const std::regex option(R"((^|[ ,])(--?[a-z][a-z0-9-]*))");
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  -", 0) != 0) continue;  // option lines start with two spaces and a dash
    const std::string head = line.substr(0, line.find("  ", 2));
    for (std::sregex_iterator it(head.begin(), head.end(), option), end; it != end; ++it) names.insert((*it)[2]);
  }
  return names;
}

// Every key of every object in `j` (recursively) with the value "".
void find_empty_strings(const Json& j, const std::string& path, std::vector<std::string>& found) {
  if (j.is_string() && j.get<std::string>().empty()) found.push_back(path);
  if (j.is_object())
    for (const auto& [k, v] : j.items()) find_empty_strings(v, path + "." + k, found);
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) find_empty_strings(j[i], path + "[" + std::to_string(i) + "]", found);
}

}  // namespace

TEST_CASE("mailtls --version prints mailtls and the version of the CMake project", "[cli][conventions]") {
  TempDir tmp;
  const Output v = run_mailtls(tmp, {"--version"});
  CHECK(v.status == 0);
  CHECK(v.out == "mailtls " MAILTLS_PROJECT_VERSION "\n");
}

TEST_CASE("every --help shows the options' defaults", "[cli][conventions]") {
  TempDir tmp;
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"ingest", "3600"}, {"ingest", "20000"},  {"ingest", "auto"},     {"summary", "domain"},
      {"summary", "outbound"}, {"query", "30"}, {"posture", "5"},       {"explain", "text"},
      {"notice", "outbound"},  {"tlsrpt", "."}, {"report", "en"},       {"check", "text"}};
  for (const auto& [sub, value] : defaults) {
    INFO(sub << " " << value);
    const Output help = run_mailtls(tmp, {sub, "--help"});
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("=" + value + " ") || Catch::Contains("=" + value + "\n"));
  }
}

TEST_CASE("usage errors exit 2 in every command, invalid numbers included", "[cli][conventions]") {
  TempDir tmp;
  const std::string db = seeds_db(tmp).string();
  const std::vector<std::vector<std::string>> usage_errors = {
      {},
      {"nonsense"},
      {"explain"},
      {"explain", "--db", db},
      {"explain", "--dcid", "1"},
      {"explain", "--db", db, "--id", "-1"},
      {"ingest", "--db", db},
      {"ingest", "--db", db, "--idle-timeout", "-5", MAILTLS_SAMPLES_DIR "/seeds"},
      {"ingest", "--db", db, "--max-open", "0", MAILTLS_SAMPLES_DIR "/seeds"},
      {"ingest", "--db", db, "--progress", "2", MAILTLS_SAMPLES_DIR "/seeds"},
      {"summary"},
      {"summary", "--db", db, "--width", "0"},
      {"summary", "--db", db, "--since", "yesterday"},
      {"posture", "--db", db, "--width", "0"},
      {"query", "--db", db, "--width", "0", "SELECT 1"},
      {"query", "--db", db},
      {"query", "--db", db, "--bogus", "SELECT 1"},
      {"notice", "--db", db},
      {"tlsrpt", "--db", db},
      {"report", "--db", db},
      {"check", "--format", "yaml"},
  };
  for (const auto& args : usage_errors) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    INFO(line);
    const Output r = run_mailtls(tmp, args);
    CHECK(r.status == 2);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("the man page and the bash and zsh completions name every option of every subcommand",
          "[cli][conventions]") {
  TempDir tmp;
  const std::string man = slurp(MAILTLS_MAN_PAGE), bash = slurp(MAILTLS_BASH_COMPLETION),
                    zsh = slurp(MAILTLS_ZSH_COMPLETION);
  REQUIRE_FALSE(man.empty());
  REQUIRE_FALSE(bash.empty());
  REQUIRE_FALSE(zsh.empty());
  // The files built are the ones the binary writes now.
  CHECK(run_mailtls(tmp, {"generate", "man"}).out == man);
  CHECK(run_mailtls(tmp, {"generate", "bash"}).out == bash);
  CHECK(run_mailtls(tmp, {"generate", "zsh"}).out == zsh);
  CHECK_THAT(man, Catch::Contains(".TH MAILTLS 1") && Catch::Contains("mailtls " MAILTLS_PROJECT_VERSION));
  for (const auto& sub : kSubcommands) {
    CHECK_THAT(man, Catch::Contains("mailtls " + sub));
    CHECK_THAT(bash, Catch::Contains("    " + sub + ")"));
    CHECK_THAT(zsh, Catch::Contains("    " + sub + ")"));
    const auto options = help_options(tmp, sub);
    CHECK(options.count("--help"));
    for (const auto& option : options) {
      INFO(sub << " " << option);
      std::string in_roff;
      for (char ch : option) in_roff += ch == '-' ? std::string("\\-") : std::string(1, ch);
      CHECK_THAT(man, Catch::Contains("\\fB" + in_roff + "\\fR"));
      CHECK_THAT(bash, Catch::Contains(" " + option));
      CHECK_THAT(zsh, Catch::Contains("'" + option + "[") || Catch::Contains("'*" + option + "["));
    }
  }
  CHECK(run_mailtls(tmp, {"--help"}).out.find("generate") == std::string::npos);  // hidden
  // bash parses the completion script, and it completes a subcommand and an option.
  write_file(tmp.path / "complete.sh", "source '" + std::string(MAILTLS_BASH_COMPLETION) +
                                           "'\nCOMP_WORDS=(mailtls sum); COMP_CWORD=1; _mailtls; echo \"${COMPREPLY[@]}\"\n"
                                           "COMP_WORDS=(mailtls summary --fo); COMP_CWORD=2; _mailtls; echo \"${COMPREPLY[@]}\"\n"
                                           "COMP_WORDS=(mailtls summary --format ''); COMP_CWORD=3; _mailtls; echo \"${COMPREPLY[@]}\"\n");
  REQUIRE(run({"/bin/bash", (tmp.path / "complete.sh").string()}, tmp.path / "complete.log").status == 0);
  CHECK(slurp(tmp.path / "complete.log") == "summary\n--format\ntable json csv\n");
}

TEST_CASE("quiet (-q) silences progress, tables and notes; verbose (-v) says more on stderr", "[cli][conventions]") {
  TempDir tmp;
  const std::string db = (tmp.path / "q.db").string();
  const Output quiet = run_mailtls(tmp, {"ingest", "-q", "--progress", "1", "--db", db, MAILTLS_SAMPLES_DIR "/seeds"});
  CHECK(quiet.status == 0);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.empty());
  const Output verbose = run_mailtls(tmp, {"ingest", "-v", "--db", (tmp.path / "v.db").string(), MAILTLS_SAMPLES_DIR "/seeds"});
  CHECK(verbose.status == 0);
  CHECK_THAT(verbose.err, Catch::Contains("sessions:") && Catch::Contains("reading and parsing"));
  CHECK_THAT(verbose.out, Catch::Contains("total"));

  const Output q = run_mailtls(tmp, {"query", "-q", "--db", db, "SELECT 1 WHERE 0"});
  CHECK(q.status == 0);
  CHECK(q.err.empty());
  CHECK_THAT(run_mailtls(tmp, {"query", "--db", db, "SELECT 1 WHERE 0"}).err, Catch::Contains("(no rows)"));
  CHECK_THAT(run_mailtls(tmp, {"query", "-v", "--db", db, "SELECT 1 UNION ALL SELECT 2"}).err,
             Catch::Contains("2 rows in"));
  const Output check = run_mailtls(tmp, {"check", "-q"});
  CHECK(check.status == 0);
  CHECK(check.out.empty());
  CHECK_THAT(run_mailtls(tmp, {"check", "-v"}).err, Catch::Contains("data directory"));
  CHECK(run_mailtls(tmp, {"summary", "-q", "--db", db, "--width", "30"}).err.empty());
}

TEST_CASE("a missing only input creates no database", "[cli][conventions]") {
  TempDir tmp;
  const fs::path db = tmp.path / "new.db";
  const Output r = run_mailtls(tmp, {"ingest", "--progress", "0", "--db", db.string(), (tmp.path / "absent.log").string()});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("absent.log"));
  CHECK_FALSE(fs::exists(db));
  for (const auto& e : fs::directory_iterator(tmp.path)) CHECK(e.path().filename().string().rfind("new.db", 0) != 0);
}

TEST_CASE("ingest --format json gives each input's results and the totals, and the table ends with totals and fits",
          "[cli][conventions]") {
  TempDir tmp;
  const std::string seeds = MAILTLS_SAMPLES_DIR "/seeds";
  const Output r = run_mailtls(tmp, {"ingest", "--format", "json", "--progress", "0", "--db", (tmp.path / "j.db").string(),
                                 seeds + "/002_misordered.mail_logs.log", seeds + "/002_misordered.debug.log"});
  REQUIRE(r.status == 0);
  const Json j = Json::parse(r.out);
  REQUIRE(j["inputs"].size() == 2);
  CHECK(j["committed"] == true);
  CHECK(j["inputs"][0]["input"].get<std::string>().find("002_misordered.mail_logs.log") != std::string::npos);
  CHECK(j["inputs"][0]["lines"] == 13);
  CHECK(j["inputs"][0]["locale"] == "en");
  CHECK(j["inputs"][0]["note"].is_null());
  CHECK(j["totals"]["inputs"] == 2);
  CHECK(j["totals"]["lines"] == 27);
  CHECK(j["totals"]["connections"] == j["inputs"][0]["connections"].get<int>() + j["inputs"][1]["connections"].get<int>());
  std::vector<std::string> empty;
  find_empty_strings(j, "", empty);
  CHECK(empty.empty());
  // Again: each input is already ingested (a note). Not on a terminal, nothing of the table
  // is cut or dropped, whatever $COLUMNS says, and a totals row ends it.
  const Output table = run_mailtls(tmp, {"ingest", "--progress", "0", "--db", (tmp.path / "j.db").string(),
                                         seeds + "/002_misordered.mail_logs.log"},
                                   "COLUMNS=40");
  REQUIRE(table.status == 0);
  CHECK_THAT(table.out, Catch::Contains(seeds + "/002_misordered.mail_logs.log") &&
                            Catch::Contains("already ingested") && Catch::Contains("locale"));
  std::istringstream lines(table.out);
  std::string line, last;
  while (std::getline(lines, line)) last = line;
  CHECK(last.rfind("total (1 input)", 0) == 0);
}

TEST_CASE("check --format json lists each data family and the problems", "[cli][conventions]") {
  TempDir tmp;
  const Output r = run_mailtls(tmp, {"check", "--format", "json"});
  REQUIRE(r.status == 0);
  const Json j = Json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["families"].size() == 5);
  CHECK(j["families"][0]["family"] == "grammars");
  CHECK(j["families"][0]["problems"] == 0);
  CHECK(j["problems"].empty());
  // A broken data directory: problems with file and message, ok false, exit 1.
  fs::create_directories(tmp.path / "data" / "grammars");
  const Output broken = run_mailtls(tmp, {"check", "--format", "json", "--data-dir", (tmp.path / "data").string()});
  CHECK(broken.status == 1);
  const Json b = Json::parse(broken.out);
  CHECK(b["ok"] == false);
  REQUIRE_FALSE(b["problems"].empty());
  CHECK(b["problems"][0]["message"].is_string());
  std::vector<std::string> empty;
  find_empty_strings(b, "", empty);
  CHECK(empty.empty());
}

TEST_CASE("explain --id explains connections.id; a DCID or ICID on several rows lists them and exits 1; --appliance '' "
          "selects the unnamed appliance",
          "[cli][explain][conventions]") {
  TempDir tmp;
  // The same log twice: as written (its header names the appliance) and without its
  // header line (the unnamed appliance), so each DCID is on two appliances.
  const std::string log = slurp(MAILTLS_SAMPLES_DIR "/seeds/002_misordered.mail_logs.log");
  std::string unnamed;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.find("Version:") == std::string::npos) unnamed += line + "\n";
  write_file(tmp.path / "unnamed.log", unnamed);
  const std::string db = (tmp.path / "e.db").string();
  REQUIRE(run_mailtls(tmp, {"ingest", "--progress", "0", "--db", db, MAILTLS_SAMPLES_DIR "/seeds/002_misordered.mail_logs.log",
                        (tmp.path / "unnamed.log").string()})
              .status == 0);
  const std::string rows = dump(db, "SELECT conn_id, id, appliance FROM connections WHERE direction = 'outbound' "
                                    "AND conn_id IN (SELECT conn_id FROM connections GROUP BY direction, conn_id "
                                    "HAVING count(*) = 2) ORDER BY conn_id, appliance LIMIT 2");
  REQUIRE(std::count(rows.begin(), rows.end(), '\n') == 2);
  std::istringstream r(rows);
  std::string first, second;
  std::getline(r, first);
  std::getline(r, second);
  auto field = [](const std::string& row, int n) {
    std::string f;
    std::istringstream in(row);
    for (int i = 0; i <= n; ++i) std::getline(in, f, '|');
    return f;
  };
  const std::string dcid = field(first, 0), unnamed_id = field(first, 1), named_id = field(second, 1);
  REQUIRE(field(first, 2).empty());

  const Output several = run_mailtls(tmp, {"explain", "--db", db, "--dcid", dcid});
  CHECK(several.status == 1);
  CHECK(several.out.empty());
  CHECK_THAT(several.err, Catch::Contains("--id " + unnamed_id + " (''") &&
                              Catch::Contains("--id " + named_id + " (" + field(second, 2)));

  const Output by_id = run_mailtls(tmp, {"explain", "--db", db, "--id", named_id, "--format", "json"});
  REQUIRE(by_id.status == 0);
  const Json j = Json::parse(by_id.out);
  CHECK(j["connection"]["id"] == std::stoll(named_id));
  CHECK(j["connection"]["appliance"] == field(second, 2));
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  CHECK(std::regex_match(j["connection"]["started_at"].get<std::string>(), iso));
  std::vector<std::string> empty;
  find_empty_strings(j, "", empty);
  CHECK(empty.empty());

  const Output unnamed_json = run_mailtls(tmp, {"explain", "--db", db, "--dcid", dcid, "--appliance", "", "--format", "json"});
  REQUIRE(unnamed_json.status == 0);
  const Json u = Json::parse(unnamed_json.out);
  CHECK(u["connection"]["id"] == std::stoll(unnamed_id));
  CHECK(u["connection"]["appliance"].is_null());

  const Output text = run_mailtls(tmp, {"explain", "--db", db, "--id", named_id});
  REQUIRE(text.status == 0);
  CHECK(std::regex_search(text.out, iso));
  CHECK(text.out.find(" UTC") == std::string::npos);
  CHECK(run_mailtls(tmp, {"explain", "--db", db, "--id", "999999"}).status == 1);
}

TEST_CASE("summary CSV has unique keys and carries the JSON flattened; by day in date order; --since/--until take "
          "ISO 8601 UTC with Z or +00:00",
          "[cli][summary][conventions]") {
  TempDir tmp;
  const std::string db = (tmp.path / "d.db").string();
  REQUIRE(run_mailtls(tmp, {"ingest", "--progress", "0", "--db", db, MAILTLS_SAMPLES_DIR "/scenarios",
                            MAILTLS_SAMPLES_DIR "/seeds"})
              .status == 0);
  for (const std::string by : {"domain", "day"}) {
    const Output csv = run_mailtls(tmp, {"summary", "--db", db, "--by", by, "--format", "csv"});
    const Output json = run_mailtls(tmp, {"summary", "--db", db, "--by", by, "--format", "json"});
    REQUIRE(csv.status == 0);
    REQUIRE(json.status == 0);
    std::istringstream lines(csv.out);
    std::string header;
    std::getline(lines, header);
    std::vector<std::string> names;
    std::stringstream h(header);
    for (std::string name; std::getline(h, name, ',');) names.push_back(name);
    CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
    const Json j = Json::parse(json.out);
    REQUIRE_FALSE(j.empty());
    for (const auto& [key, value] : j[0].items()) {
      INFO(key);
      if (value.is_object() || (value.is_null() && key == "last_failure"))
        CHECK(std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(key + ".", 0) == 0; }));
      else
        CHECK(std::find(names.begin(), names.end(), key) != names.end());
    }
    for (const auto& [outcome, n] : j[0]["outcomes"].items())
      CHECK(std::find(names.begin(), names.end(), "outcomes." + outcome) != names.end());
    if (by == "day") {
      std::vector<std::string> days;
      for (const auto& row : j)
        if (!row["day"].is_null()) days.push_back(row["day"]);
      REQUIRE(days.size() > 1);
      CHECK(std::is_sorted(days.begin(), days.end()));
    }
  }
  const Json all = Json::parse(run_mailtls(tmp, {"summary", "--db", db, "--by", "day", "--format", "json"}).out);
  const std::string day = all[0]["day"];
  for (const std::string& since : {day + "T00:00:00Z", day + "T00:00:00+00:00", day + "T00:00:00"}) {
    for (const std::string& sub : {"summary", "posture"}) {
      INFO(sub << " " << since);
      const Output r = run_mailtls(tmp, {sub, "--db", db, "--since", since, "--until", day + "T23:59:59+00:00",
                                     "--format", "json"});
      CHECK(r.status == 0);
    }
  }
  CHECK(run_mailtls(tmp, {"summary", "--db", db, "--since", day + "T00:00:00+02:00"}).status == 2);
}

TEST_CASE("progress on a terminal names the input, a percentage of the bytes on disk and an ETA (compressed inputs "
          "too), and the phases after the last byte",
          "[cli][conventions][progress]") {
  TempDir tmp;
  if (!shell("command -v python3 >/dev/null && command -v gzip >/dev/null")) {
    WARN("python3 or gzip is missing: the pseudo-terminal test is skipped");
    return;
  }
  const fs::path gz = tmp.path / "misordered-mail.log.gz";
  REQUIRE(shell("gzip -c '" MAILTLS_SAMPLES_DIR "/seeds/002_misordered.mail_logs.log' > '" + gz.string() + "'"));
  write_file(tmp.path / "on_a_terminal.py",
             "import os, pty, sys\n"
             "pid, fd = pty.fork()\n"
             "if pid == 0:\n"
             "    os.execv(sys.argv[1], sys.argv[1:])\n"
             "out = b''\n"
             "while True:\n"
             "    try:\n"
             "        data = os.read(fd, 65536)\n"
             "    except OSError:\n"
             "        break\n"
             "    if not data:\n"
             "        break\n"
             "    out += data\n"
             "_, status = os.waitpid(pid, 0)\n"
             "sys.stdout.buffer.write(out)\n"
             "sys.exit(os.waitstatus_to_exitcode(status))\n");
  const fs::path seen = tmp.path / "seen";
  const Finished f = run({"/bin/sh", "-c", "COLUMNS=100 exec python3 \"$@\" > \"$0\"", seen.string(),
                          (tmp.path / "on_a_terminal.py").string(), MAILTLS_BINARY, "ingest", "--db",
                          (tmp.path / "p.db").string(), gz.string(),
                          MAILTLS_SAMPLES_DIR "/seeds/002_misordered.debug.log"},
                         tmp.path / "pty.log");
  const std::string screen = slurp(seen);
  INFO(screen);
  INFO(slurp(tmp.path / "pty.log"));
  REQUIRE(f.status == 0);
  CHECK_THAT(screen, Catch::Contains("misordered-mail.log.gz") || Catch::Contains("002_misordered.debug.log"));
  CHECK(std::regex_search(screen, std::regex(R"(\[[12]/2\] )")));
  CHECK(std::regex_search(screen, std::regex(R"(\d+%  [0-9.]+/[0-9.]+ MB)")));
  CHECK_THAT(screen, Catch::Contains("ETA"));
  CHECK_THAT(screen, Catch::Contains("all 2 inputs read") && Catch::Contains("building indexes") &&
                         Catch::Contains("reconciling") && Catch::Contains("committing"));
  CHECK_THAT(screen, Catch::Contains("total (2 inputs)"));
  // The percentage is of bytes on disk: it never passes 100 although the gzip input
  // decompresses to more bytes than it holds.
  std::smatch m;
  for (std::string rest = screen; std::regex_search(rest, m, std::regex(R"((\d+)%)")); rest = m.suffix())
    CHECK(std::stoi(m[1]) <= 100);
  std::regex line_width(R"(\r([^\r\n]*))");
  for (std::sregex_iterator it(screen.begin(), screen.end(), line_width), end; it != end; ++it) {
    size_t columns = 0;
    for (unsigned char ch : (*it)[1].str()) columns += (ch & 0xC0) != 0x80;
    CHECK(columns <= 100);
  }
}
