// The HTML report: one self-contained page (inline CSS and SVG, no script, no network
// request) over the outbound connections of a store. Every text that comes from the
// database is HTML-escaped; a Content-Security-Policy forbids scripts and remote loads
// as a second line of defence.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/posture.h"
#include "report/summary.h"
#include "render/texts.h"

namespace mailtls {

struct DayCounts {
  std::string day;                          // YYYY-MM-DD (UTC)
  std::map<std::string, int64_t> outcomes;  // outcome id -> connections
};

struct FailingConnection {
  int64_t conn_id = 0;  // the DCID
  std::string appliance, outcome, peer_host, peer_ip, detail;
  std::optional<int64_t> time;
};

struct CleartextDomain {
  const SummaryRow* row = nullptr;           // into ReportData::domains
  std::vector<FailingConnection> failing;    // the latest first, at most kMaxFailing
  int64_t failing_total = 0;
};

struct ReportData {
  std::string db_name;  // the file name only: the report may travel
  int64_t connections = 0;
  std::optional<int64_t> first, last;
  std::vector<SummaryRow> domains;  // summary by domain, outbound
  std::vector<SummaryRow> inbound;  // summary by domain, inbound (the headline's rate and causes)
  std::vector<DayCounts> days;      // chronological
  std::vector<CleartextDomain> cleartext;
  std::vector<PostureRow> posture;  // outbound, all time, the default --min-connections
  int64_t posture_min_connections = 5;
};

inline constexpr size_t kMaxCleartextDomains = 10;
inline constexpr size_t kMaxFailing = 20;
// A table with more rows than this does not fit one screen: it is collapsed in <details>.
inline constexpr size_t kScreenRows = 15;

bool load_report_data(sqlite3* db, ReportData& data, std::string& error);
std::string render_html_report(const ReportData& data, const Texts& texts);

// The line in the head of every report, by which `mailtls report` knows a file it may
// overwrite: one it wrote itself.
inline constexpr std::string_view kReportGenerator = "<meta name=\"generator\" content=\"mailtls report\">";

// A table (its HTML) in a box that scrolls sideways on a narrow screen, collapsed in
// <details> with its row count when it has more than kScreenRows rows.
std::string table_box(std::string_view table, size_t rows, const Texts& texts);

// & < > " ' as entities: safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);

}  // namespace mailtls
