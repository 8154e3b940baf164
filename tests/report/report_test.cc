#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <tuple>
#include <sstream>

#include "cli/commands.h"
#include "report/html_report.h"
#include "reports_test_db.h"
#include "store/sqlite_util.h"

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
  CHECK(count(html, "The database holds no outbound connections.") == 2);  // the intro and the chart
  CHECK(html.find("<svg") == std::string::npos);
}

namespace {

// The value of the headline figure with this id ("28.6 %").
std::string figure_value(const std::string& html, const std::string& id) {
  const size_t at = html.find("id=\"" + id + "\"><span class=\"value\">");
  if (at == std::string::npos) return {};
  const size_t start = html.find('>', html.find("<span", at)) + 1;
  return html.substr(start, html.find('<', start) - start);
}

}  // namespace

TEST_CASE("the report opens with the TLS rates over eligible connections, the messages sent in clear and the top "
          "three causes with who must act",
          "[report]") {
  TempStore store("report-headline");
  const std::string html = report(store);
  const size_t headline = html.find("<section id=\"headline\">");
  REQUIRE(headline != std::string::npos);
  CHECK(headline < html.find("<section id=\"chart\">"));
  CHECK(html.find("<section id=\"chart\">") < html.find("<table id=\"domain-table\">"));
  // The rates as summary computes them: tls-success over eligible connections.
  auto rate = [&](const char* direction) {
    sql::Db db = sql::Db::open_read_only(store.db_path(), nullptr);
    SummaryQuery q;
    q.direction = direction;
    std::vector<SummaryRow> rows;
    std::string error;
    REQUIRE(load_summary(db.get(), q, rows, error));
    int64_t tls = 0, eligible = 0, clear = 0;
    for (const auto& r : rows) tls += r.tls_success, eligible += r.eligible, clear += r.cleartext_messages;
    return std::make_tuple(format_rate(static_cast<double>(tls) / static_cast<double>(eligible)) + " %", eligible, clear);
  };
  const auto [out_rate, out_eligible, out_clear] = rate("outbound");
  const auto [in_rate, in_eligible, in_clear] = rate("inbound");
  CHECK(figure_value(html, "outbound-rate") == out_rate);
  CHECK(figure_value(html, "inbound-rate") == in_rate);
  CHECK(html.find("(of " + std::to_string(out_eligible) + " connections where TLS was possible)") != std::string::npos);
  CHECK(figure_value(html, "sent-in-clear") == std::to_string(out_clear));
  const std::string causes = html.substr(html.find("<ol class=\"causes\">"), html.find("</ol>") - html.find("<ol class=\"causes\">"));
  CHECK(count(causes, "<li>") == 3);
  CHECK(count(causes, "Who must act: ") == 3);
  CHECK(causes.find("badcert.example") != std::string::npos);  // certificate-invalid: 2 connections
  CHECK(causes.find("example.org") != std::string::npos);      // starttls-not-offered: 2 connections
  CHECK(causes.find("[") == std::string::npos);                // no text left unfilled
}

TEST_CASE("the report's chart is dated, spaced by real time and drawn in Okabe-Ito colours", "[report]") {
  TempStore store("report-chart");
  // A day ten months after the fixture's three: the range spans two years.
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome) VALUES "
             "(70, 'esa1', 'outbound', 700, 1736500000, 'gmail.com', 'tls-success')");  // 2025-01-10
  const std::string html = report(store);
  CHECK(html.find("From 2024-03-04 to 2025-01-10 (UTC)") != std::string::npos);
  CHECK(html.find("class=\"date\"") != std::string::npos);
  CHECK(html.find(">2024-04<") != std::string::npos);  // month ticks, with their year
  CHECK(html.find(">2024-12<") != std::string::npos);
  // Bars are placed by date: the gap to 2025-01-10 is 310 days, 155 times the 2 days between 03-04 and 03-06.
  std::vector<double> xs;
  for (size_t at = html.find("<g class=\"day\"><rect x=\""); at != std::string::npos;
       at = html.find("<g class=\"day\"><rect x=\"", at + 1))
    xs.push_back(std::stod(html.substr(at + 24)));
  REQUIRE(xs.size() == 4);
  CHECK((xs[3] - xs[2]) == Approx((xs[2] - xs[0]) * 310.0 / 2.0).epsilon(0.02));
  const std::set<std::string> okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442",
                                           "#0072B2", "#D55E00", "#CC79A7", "#999999", "#000000"};
  size_t fills = 0;
  for (size_t at = html.find("fill=\"#"); at != std::string::npos; at = html.find("fill=\"#", at + 1), ++fills) {
    INFO(html.substr(at + 6, 7));
    CHECK(okabe_ito.count(html.substr(at + 6, 7)) == 1);
  }
  CHECK(fills >= 9);

  // A few days across New Year: every day a tick, each with its year.
  TempStore days("report-chart-years", false);
  days.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome) VALUES "
            "(1, 'esa1', 'outbound', 1, 1735560000, 'a.example', 'tls-success'), "   // 2024-12-30
            "(2, 'esa1', 'outbound', 2, 1735819200, 'a.example', 'cleartext')");     // 2025-01-02
  const std::string turn = report(days);
  for (const char* label : {">2024-12-30<", ">2024-12-31<", ">2025-01-01<", ">2025-01-02<"}) {
    INFO(label);
    CHECK(turn.find(label) != std::string::npos);
  }
}

TEST_CASE("report tables longer than a screen are collapsed with their row count", "[report]") {
  TempStore store("report-collapse");
  std::string rows;
  for (int i = 0; i < 20; ++i)
    rows += std::string(i ? "," : "") + "(" + std::to_string(100 + i) + ", 'esa1', 'outbound', " + std::to_string(900 + i) +
            ", 1709690000, 'many" + std::to_string(i) + ".example', 'tls-success')";
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome) VALUES " + rows);
  const std::string html = report(store);
  const size_t table = html.find("<table id=\"domain-table\">");
  const size_t details = html.rfind("<details>", table);
  REQUIRE(details != std::string::npos);
  CHECK(html.substr(details, table - details).find("Show the table (29 rows)") != std::string::npos);
  CHECK(html.find("<div class=\"scroll\"><table class=\"failing\">") != std::string::npos);  // short: not collapsed
  CHECK(html.find("<details><summary>Show the table (6 rows)") == std::string::npos);
}

TEST_CASE("report texts are complete: the refused STARTTLS quotes the reply, counts take the plural they need, "
          "mail to an unknown domain has a title and its connections",
          "[report]") {
  TempStore store("report-texts");
  // 37 failing deliveries whose recipient domain the logs did not give.
  std::string rows;
  for (int i = 0; i < 37; ++i)
    rows += std::string(i ? "," : "") + "(" + std::to_string(200 + i) + ", 'esa1', 'outbound', " + std::to_string(2000 + i) +
            ", 1709690000, NULL, 'starttls-not-offered', 1)";
  store.exec("INSERT INTO connections (id, appliance, direction, conn_id, started_at, domain, tls_outcome, messages) "
             "VALUES " + rows);
  const std::string html = report(store);
  CHECK(html.find("instead of &#39;ready to start TLS&#39; (454 4.7.0 TLS not available due to local problem).") !=
        std::string::npos);
  CHECK(html.find("()") == std::string::npos);
  CHECK(html.find("legacy-corp.example: 1 message in clear over 1 connection<") != std::string::npos);
  CHECK(html.find(" 1 messages") == std::string::npos);
  CHECK(html.find(" 1 connections") == std::string::npos);
  CHECK(html.find("Mail whose recipient domain is not in the logs: 37 messages in clear over 37 connections") !=
        std::string::npos);
  CHECK(html.find("<h3>the destination domain") == std::string::npos);
  const size_t unknown = html.find("Mail whose recipient domain is not in the logs");
  const std::string block = html.substr(unknown, html.find("</article>", unknown) - unknown);
  CHECK(count(block, "<tr><td>DCID ") == 20);
  CHECK(block.find("… and 17 more connections.") != std::string::npos);

  const std::string fr = report(store, "fr");
  CHECK(fr.find("legacy-corp.example : 1 message en clair sur 1 connexion<") != std::string::npos);
  CHECK(fr.find(" 1 messages") == std::string::npos);
  CHECK(fr.find(" 1 connexions") == std::string::npos);
}

TEST_CASE("plural categories follow each language's rule", "[texts]") {
  const std::vector<std::tuple<const char*, int64_t, const char*>> cases = {
      {"en", 1, "one"},  {"en", 0, "other"}, {"de", 2, "other"},  {"fr", 0, "one"},     {"fr", 1, "one"},
      {"fr", 2, "other"}, {"pt", 0, "one"},   {"ar", 0, "zero"},   {"ar", 2, "two"},     {"ar", 3, "few"},
      {"ar", 110, "few"}, {"ar", 11, "many"}, {"ar", 100, "other"}};
  for (const auto& [lang, n, category] : cases) {
    INFO(lang << " " << n);
    CHECK(plural_category(lang, n) == category);
  }
  Diagnostics diag;
  auto ar = Texts::load(fs::path(MAILTLS_TEST_DIR) / ".." / "locales", "ar", diag);
  REQUIRE(ar);
  CHECK(ar->count("report.count.messages", 2) == "رسالتان");
  CHECK(ar->count("report.count.messages", 5) == "5 رسائل");
  auto it = Texts::load(fs::path(MAILTLS_TEST_DIR) / ".." / "locales", "it", diag);
  CHECK(it->count("report.count.connections", 1) == "1 connessione");
  CHECK(it->count("report.count.connections", 0) == "0 connessioni");
}
