#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "cli/commands.h"
#include "report/html_report.h"
#include "reports_test_db.h"

using namespace mailtls;
using mailtls::testing::TempStore;
namespace fs = std::filesystem;

namespace {

std::string report(const TempStore& store, const std::string& lang = "en", const std::string& data_dir = "") {
  ReportOptions o{store.db_path(), (store.dir() / "report.html").string(), lang, data_dir};
  std::ostringstream out, err;
  REQUIRE(run_report(o, {out, err}) == 0);
  return mailtls::testing::read_text(o.html);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the HTML report loads nothing from the network and runs no script", "[report]") {
  TempStore store("report-offline");
  std::string html = report(store);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
}

TEST_CASE("the HTML report has the domain table, the daily chart and the cleartext domains", "[report]") {
  TempStore store("report-parts");
  std::string html = report(store);
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">", 0) == 0);
  CHECK(count(html, "<tr><td>") == 9 + 6);  // 9 domains; 6 failing connections of 5 domains
  CHECK(count(html, "<g class=\"day\">") == 3);
  CHECK(count(html, "<article class=\"domain\">") == 5);
  CHECK(html.find("DCID 104 esa1.example.net") != std::string::npos);
  CHECK(html.find("<td>example.org</td>") < html.find("<td>gmail.com</td>"));
}

TEST_CASE("text from the database cannot inject HTML into the report", "[report]") {
  TempStore store("report-escape");
  REQUIRE(store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, ended_at, peer_host, "
                     "domain, tls_outcome, tls_detail, messages) VALUES (40, 'esa1<b>', 'outbound', 400, 1709600000, "
                     "1709600001, '\"><img src=x onerror=alert(1)>', '<script>alert(1)</script>.evil', "
                     "'tls-failed', '</td><script>alert(2)</script>', 1);"
                     "INSERT INTO messages (id, appliance, mid, subject) VALUES (40, 'esa1', 40, '<script>alert(3)</script>');"
                     "INSERT INTO deliveries (connection_id, seq, message_id, rid, result, response) VALUES (40, 0, 40, 0, 'delivered', NULL);") == "");
  std::string html = report(store);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;.evil") != std::string::npos);
  CHECK(html.find("&quot;&gt;&lt;img src=x") != std::string::npos);
  CHECK(html_escape("a&b<c>\"d'") == "a&amp;b&lt;c&gt;&quot;d&#39;");
}

TEST_CASE("a right-to-left language gives dir=rtl and its lang code", "[report]") {
  TempStore store("report-rtl");
  fs::path data = store.dir() / "data";
  fs::create_directories(data / "locales" / "ar");
  fs::copy(fs::path(MAILTLS_TEST_DIR) / ".." / "locales" / "en", data / "locales" / "en");
  std::ofstream(data / "locales" / "ar" / "meta.toml") << "[meta]\nname = \"Arabic\"\ndirection = \"rtl\"\n";
  std::ofstream(data / "locales" / "ar" / "ui.toml") << "[report]\ntitle = \"تقرير\"\n";
  std::string html = report(store, "ar", data.string());
  CHECK(html.find("<html lang=\"ar\" dir=\"rtl\">") != std::string::npos);
  CHECK(html.find("<h1>تقرير</h1>") != std::string::npos);
}

TEST_CASE("an empty store gives a report that says so", "[report]") {
  TempStore store("report-empty", false);
  std::string html = report(store);
  CHECK(html.find("The database holds no outbound connections.") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
}
