#include <catch2/catch.hpp>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <regex>
#include <sstream>

#include "cli/commands.h"
#include "reports_test_db.h"

using namespace mailtls;
using mailtls::testing::TempStore;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The JSON Schema keywords tests/data/tlsrpt_schema.json uses: type, required,
// properties, additionalProperties (false), items, enum, minLength, minItems, minimum,
// pattern. Returns one message per violation, each with its JSON pointer.
void validate(const json& schema, const json& value, const std::string& at, std::vector<std::string>& errors) {
  auto fail = [&](const std::string& why) { errors.push_back(at + ": " + why); };
  const std::string type = schema.value("type", "");
  if ((type == "object" && !value.is_object()) || (type == "array" && !value.is_array()) ||
      (type == "string" && !value.is_string()) || (type == "integer" && !value.is_number_integer()))
    return fail("not " + type);
  if (schema.contains("enum") && std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
    fail("not in enum");
  if (value.is_string() && value.get<std::string>().size() < schema.value("minLength", 0u)) fail("too short");
  if (value.is_string() && schema.contains("pattern") &&
      !std::regex_search(value.get<std::string>(), std::regex(schema["pattern"].get<std::string>())))
    fail("does not match pattern");
  if (value.is_number() && schema.contains("minimum") && value.get<double>() < schema["minimum"].get<double>())
    fail("below minimum");
  if (value.is_array()) {
    if (value.size() < schema.value("minItems", 0u)) fail("too few items");
    for (size_t i = 0; i < value.size() && schema.contains("items"); ++i)
      validate(schema["items"], value[i], at + "/" + std::to_string(i), errors);
  }
  if (!value.is_object()) return;
  for (const auto& name : schema.value("required", json::array()))
    if (!value.contains(name.get<std::string>())) fail("missing " + name.get<std::string>());
  for (const auto& [name, v] : value.items()) {
    if (schema.contains("properties") && schema["properties"].contains(name))
      validate(schema["properties"][name], v, at + "/" + name, errors);
    else if (schema.value("additionalProperties", true) == false)
      fail("unexpected " + name);
  }
}

std::vector<std::string> schema_errors(const json& report) {
  static const json schema = json::parse(mailtls::testing::read_text(fs::path(MAILTLS_TEST_DIR) / "data" / "tlsrpt_schema.json"));
  std::vector<std::string> errors;
  validate(schema, report, "", errors);
  return errors;
}

std::string gunzip(const fs::path& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  REQUIRE(gz);
  std::string out;
  char buf[4096];
  for (int n; (n = gzread(gz, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  return out;
}

struct Run {
  int status;
  std::string out, err;
};

Run tlsrpt(const TempStore& store, const std::string& date, const fs::path& out_dir, bool gzip = false,
           const std::string& org = "Corp Example", const std::string& contact = "mailto:tlsrpt@corp.example",
           const std::string& sender_domain = "") {
  TlsrptOptions o{store.db_path(), date, org, contact, sender_domain, out_dir.string(), gzip};
  std::ostringstream out, err;
  int status = run_tlsrpt(o, {out, err});
  return {status, out.str(), err.str()};
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("tlsrpt writes one RFC 8460 report per recipient domain of the day, named per section 5.3", "[tlsrpt]") {
  TempStore store("tlsrpt-names");
  fs::path out = store.dir() / "reports" / "new";  // created when missing
  auto run = tlsrpt(store, "2024-03-06", out);
  REQUIRE(run.status == 0);
  CHECK(names_in(out) == std::vector<std::string>{
                             "corp.example!badcert.example!1709683200!1709769599.json",
                             "corp.example!broken.example!1709683200!1709769599.json",
                             "corp.example!example.org!1709683200!1709769599.json",
                             "corp.example!gmail.com!1709683200!1709769599.json"});
  for (const auto& name : names_in(out)) {
    json report = json::parse(mailtls::testing::read_text(out / name));
    INFO(name);
    CHECK(schema_errors(report).empty());
    CHECK(report["date-range"]["start-datetime"] == "2024-03-06T00:00:00Z");
    CHECK(report["date-range"]["end-datetime"] == "2024-03-06T23:59:59Z");
  }
}

TEST_CASE("tlsrpt counts tls-success as success and maps failures to RFC 8460 result types", "[tlsrpt]") {
  TempStore store("tlsrpt-counts");
  fs::path out = store.dir() / "out";
  REQUIRE(tlsrpt(store, "2024-03-06", out).status == 0);
  json gmail = json::parse(mailtls::testing::read_text(out / "corp.example!gmail.com!1709683200!1709769599.json"));
  const auto& policy = gmail["policies"][0];
  CHECK(policy["policy"]["policy-type"] == "no-policy-found");
  CHECK(policy["policy"]["policy-domain"] == "gmail.com");
  CHECK(policy["summary"]["total-successful-session-count"] == 1);
  CHECK(policy["summary"]["total-failure-session-count"] == 1);
  CHECK(policy["failure-details"][0]["result-type"] == "validation-failure");
  CHECK(policy["failure-details"][0]["receiving-ip"] == "142.250.102.27");
  CHECK(policy["failure-details"][0]["receiving-mx-hostname"] == "gmail-smtp-in.l.google.com");
  json bad = json::parse(mailtls::testing::read_text(out / "corp.example!badcert.example!1709683200!1709769599.json"));
  CHECK(bad["policies"][0]["failure-details"][0]["result-type"] == "certificate-expired");
  CHECK(bad["policies"][0]["failure-details"][1]["result-type"] == "certificate-host-mismatch");
}

TEST_CASE("tlsrpt leaves out connections where TLS was not attempted or nothing is known", "[tlsrpt]") {
  TempStore store("tlsrpt-excluded");
  fs::path out = store.dir() / "out";
  REQUIRE(tlsrpt(store, "2024-03-05", out).status == 0);
  for (const auto& name : names_in(out)) CHECK(name.find("plain.example") == std::string::npos);
  CHECK(names_in(out).size() == 4);  // example.org, gmail.com, legacy-corp.example, pix-shop.example
}

TEST_CASE("tlsrpt --gzip writes readable .json.gz files", "[tlsrpt]") {
  TempStore store("tlsrpt-gzip");
  fs::path out = store.dir() / "gz";
  REQUIRE(tlsrpt(store, "2024-03-05", out, true).status == 0);
  for (const auto& name : names_in(out)) {
    CHECK(name.size() > 8);
    CHECK(name.substr(name.size() - 8) == ".json.gz");
    CHECK(schema_errors(json::parse(gunzip(out / name))).empty());
  }
}

TEST_CASE("the report id is stable for an organization, domain and day, and differs across them", "[tlsrpt]") {
  TempStore store("tlsrpt-id");
  fs::path a = store.dir() / "a", b = store.dir() / "b", c = store.dir() / "c";
  tlsrpt(store, "2024-03-06", a);
  tlsrpt(store, "2024-03-06", b);
  tlsrpt(store, "2024-03-06", c, false, "Other Org");
  const std::string name = "corp.example!gmail.com!1709683200!1709769599.json";
  auto id = [&](const fs::path& dir, const std::string& n) {
    return json::parse(mailtls::testing::read_text(dir / n))["report-id"].get<std::string>();
  };
  CHECK(id(a, name) == id(b, name));
  CHECK(id(a, name) != id(c, name));
  CHECK(id(a, name) != id(a, "corp.example!example.org!1709683200!1709769599.json"));
}

TEST_CASE("a domain from the logs cannot make tlsrpt write outside --out", "[tlsrpt]") {
  TempStore store("tlsrpt-escape");
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome) VALUES "
             "(50, 'esa1', 'outbound', 500, 1709690000, '../../etc/evil', 'tls-success'), "
             "(51, 'esa1', 'outbound', 501, 1709690000, '..', 'tls-failed'), "
             "(52, 'esa1', 'outbound', 502, 1709690000, 'a/b!c', 'tls-success')");
  fs::path out = store.dir() / "out";
  REQUIRE(tlsrpt(store, "2024-03-06", out).status == 0);
  auto names = names_in(out);
  CHECK(names.size() == 7);
  for (const auto& name : names) {
    CHECK(name.find('/') == std::string::npos);
    CHECK(name.find("..") == std::string::npos);
  }
  CHECK(std::find(names.begin(), names.end(), "corp.example!%2E%2E%2F%2E%2E%2Fetc%2Fevil!1709683200!1709769599.json") != names.end());
  CHECK(std::find(names.begin(), names.end(), "corp.example!a%2Fb%21c!1709683200!1709769599.json") != names.end());
  CHECK(names_in(store.dir()).size() == 2);  // store.db and out/: nothing escaped
}

TEST_CASE("tlsrpt rejects a --date that is not a UTC day", "[tlsrpt]") {
  TempStore store("tlsrpt-date");
  for (const char* bad : {"2024-02-30", "2024-03-06T00:00:00", "06/03/2024"}) {
    auto run = tlsrpt(store, bad, store.dir() / "x");
    CHECK(run.status == 2);
    CHECK(run.err.find("is not a UTC day") != std::string::npos);
  }
}

TEST_CASE("tlsrpt takes only an e-mail address as --contact and writes it without mailto:", "[tlsrpt]") {
  TempStore store("tlsrpt-contact");
  for (const char* contact : {"tlsrpt@corp.example", "mailto:tlsrpt@corp.example", "MAILTO:tlsrpt@corp.example",
                              "\"tls rpt\"@corp.example"}) {
    fs::path out = store.dir() / "ok";
    fs::remove_all(out);
    INFO(contact);
    REQUIRE(tlsrpt(store, "2024-03-06", out, false, "Corp Example", contact).status == 0);
    json gmail = json::parse(mailtls::testing::read_text(out / "corp.example!gmail.com!1709683200!1709769599.json"));
    const std::string written = gmail["contact-info"];
    CHECK(written.find("mailto:") == std::string::npos);
    CHECK(written.find("MAILTO:") == std::string::npos);
    CHECK(written.substr(written.size() - 13) == "@corp.example");
  }
  for (const char* bad : {"Corp Example", "https://corp.example/tlsrpt", "mailto:", "tlsrpt@", "@corp.example",
                          "tls rpt@corp.example", "a..b@corp.example", "tlsrpt@corp.example?subject=x",
                          "Ops <tlsrpt@corp.example>", "tlsrpt@[192.0.2.1]"}) {
    INFO(bad);
    auto run = tlsrpt(store, "2024-03-06", store.dir() / "bad", false, "Corp Example", bad);
    CHECK(run.status == 2);
    CHECK(run.err.find("--contact") != std::string::npos);
    CHECK(!fs::exists(store.dir() / "bad"));
  }
}

TEST_CASE("tlsrpt file names start with --sender-domain, else the domain of --contact, never the organization",
          "[tlsrpt]") {
  TempStore store("tlsrpt-sender");
  fs::path a = store.dir() / "a", b = store.dir() / "b";
  REQUIRE(tlsrpt(store, "2024-03-06", a, false, "Corp Example", "tls-reports@Mail.Corp.Example").status == 0);
  CHECK(fs::exists(a / "mail.corp.example!gmail.com!1709683200!1709769599.json"));
  REQUIRE(tlsrpt(store, "2024-03-06", b, true, "Corp Example", "ops@outsourced.example", "Corp.Example").status == 0);
  CHECK(fs::exists(b / "corp.example!gmail.com!1709683200!1709769599.json.gz"));
  auto run = tlsrpt(store, "2024-03-06", store.dir() / "c", false, "Corp Example", "ops@corp.example", "not a domain");
  CHECK(run.status == 2);
  CHECK(run.err.find("--sender-domain") != std::string::npos);
}

TEST_CASE("tlsrpt gives receiving-mx-helo from the dialogue and receiving-mx-hostname only when the row has one",
          "[tlsrpt]") {
  TempStore store("tlsrpt-helo");
  // A delivery as ingested logs give it: no MX host name, the debug log's dialogue.
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, peer_ip, domain, tls_outcome) "
             "VALUES (60, 'esa1', 'outbound', 600, 1709690000, '192.0.2.60', 'dialogue.example', 'ehlo-misordered'), "
             "(61, 'esa1', 'outbound', 601, 1709690100, '192.0.2.61', 'dialogue.example', 'ehlo-misordered'); "
             "INSERT INTO transcript (connection_id, seq, sender, line) VALUES "
             "(60, 0, 'server', '220 banner.dialogue.example ESMTP'), (60, 1, 'client', 'EHLO esa.corp.example'), "
             "(60, 2, 'server', '250-STARTTLS'), (60, 3, 'server', '250-mx7.dialogue.example'), "
             "(61, 0, 'server', '220 mx8.dialogue.example ESMTP'), (61, 1, 'client', 'EHLO esa.corp.example'), "
             "(61, 2, 'server', '250-mx8.dialogue.example Hello'), (61, 3, 'server', '250 STARTTLS')");
  fs::path out = store.dir() / "out";
  REQUIRE(tlsrpt(store, "2024-03-06", out).status == 0);
  json r = json::parse(mailtls::testing::read_text(out / "corp.example!dialogue.example!1709683200!1709769599.json"));
  const auto& details = r["policies"][0]["failure-details"];
  REQUIRE(details.size() == 2);
  std::set<std::string> helos;
  for (const auto& d : details) {
    CHECK(!d.contains("receiving-mx-hostname"));
    helos.insert(d.value("receiving-mx-helo", ""));
  }
  // 60: the first 250 line names no host (STARTTLS), so the greeting does.
  CHECK(helos == std::set<std::string>{"banner.dialogue.example", "mx8.dialogue.example"});
  CHECK(schema_errors(r).empty());
}

TEST_CASE("tlsrpt never overwrites a file mailtls did not write, and replaces its own reports", "[tlsrpt]") {
  TempStore store("tlsrpt-overwrite");
  fs::path out = store.dir() / "out";
  REQUIRE(tlsrpt(store, "2024-03-06", out).status == 0);
  REQUIRE(tlsrpt(store, "2024-03-06", out).status == 0);  // its own files: replaced
  REQUIRE(tlsrpt(store, "2024-03-06", out, true).status == 0);
  REQUIRE(tlsrpt(store, "2024-03-06", out, true).status == 0);
  const fs::path theirs = out / "corp.example!gmail.com!1709683200!1709769599.json";
  const fs::path other = out / "corp.example!example.org!1709683200!1709769599.json";
  const std::string before_other = mailtls::testing::read_text(other);
  { std::ofstream(theirs) << "{\"report-id\": \"someone else's\"}\n"; }
  fs::remove(other);
  auto run = tlsrpt(store, "2024-03-06", out);
  CHECK(run.status == 1);
  CHECK(run.err.find("refused to overwrite") != std::string::npos);
  CHECK(mailtls::testing::read_text(theirs) == "{\"report-id\": \"someone else's\"}\n");
  CHECK(!fs::exists(other));  // checked before writing: nothing was written
  { std::ofstream(theirs) << "notes, not a report\n"; }
  CHECK(tlsrpt(store, "2024-03-06", out).status == 1);
  CHECK(mailtls::testing::read_text(theirs) == "notes, not a report\n");
  fs::remove(theirs);
  fs::create_directory(theirs);  // not a regular file
  CHECK(tlsrpt(store, "2024-03-06", out).status == 1);
  fs::remove(theirs);
  CHECK(tlsrpt(store, "2024-03-06", out).status == 0);
  CHECK(mailtls::testing::read_text(other) == before_other);
  for (const auto& name : names_in(out)) CHECK(name.find(".tmp-") == std::string::npos);
}
