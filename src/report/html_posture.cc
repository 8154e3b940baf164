// The report's posture section: how many recipient domains are ready for TLS Required,
// would break, stopped using TLS or use deprecated TLS, the domains that need action in a
// table, and each downgrade explained. Rows come from load_posture (report/posture.h).
#include "report/html_posture.h"

#include "report/html_report.h"
#include "report/posture_text.h"

namespace mailtls {
namespace {

std::string cell(const char* tag, const std::string& text, const char* cls = nullptr) {
  const std::string open = std::string("<") + tag + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">";
  return open + html_escape(text) + "</" + tag + ">";
}

bool weak(const PostureRow& r) { return !r.deprecated_protocols.empty() || !r.weak_ciphers.empty(); }

std::string counts_line(const std::vector<PostureRow>& rows, const Texts& texts) {
  std::map<Readiness, int64_t> by;
  int64_t downgrades = 0, weak_rows = 0;
  for (const auto& r : rows) {
    ++by[r.readiness];
    downgrades += r.downgrade ? 1 : 0;
    weak_rows += weak(r) ? 1 : 0;
  }
  return texts.render("report.posture.counts", {{"ready", std::to_string(by[Readiness::ready])},
                                                {"would_break", std::to_string(by[Readiness::would_break])},
                                                {"no_tls", std::to_string(by[Readiness::no_tls])},
                                                {"too_few", std::to_string(by[Readiness::too_few])},
                                                {"downgrades", std::to_string(downgrades)},
                                                {"weak", std::to_string(weak_rows)}});
}

std::string row_html(const PostureRow& r, const Texts& texts) {
  const std::string readiness(readiness_id(r.readiness));
  return "<tr class=\"" + readiness + (r.downgrade ? " downgrade" : "") + "\">" + cell("td", r.domain) +
         cell("td", texts.get("posture.readiness." + readiness)) + cell("td", std::to_string(r.connections), "num") +
         cell("td", std::to_string(r.tls_success), "num") + cell("td", counts_text(r.blocking)) +
         cell("td", r.downgrade ? posture_time(r.downgrade->first.time) : "") + cell("td", weak_text(r)) + "</tr>\n";
}

std::string table_html(const std::vector<PostureRow>& rows, const Texts& texts) {
  std::string out = "<table id=\"posture-table\">\n<thead><tr>";
  for (const char* col : {"domain", "readiness", "connections", "tls", "blocking", "downgrade", "weak"})
    out += cell("th", texts.get(std::string("report.posture.col_") + col));
  out += "</tr></thead>\n<tbody>\n";
  const size_t shown = std::min(rows.size(), kMaxPostureRows);
  for (size_t i = 0; i < shown; ++i) out += row_html(rows[i], texts);
  out = table_box(out + "</tbody>\n</table>", shown, texts);
  if (rows.size() > shown)
    out += cell("p", texts.count("report.count.more_domains", static_cast<int64_t>(rows.size() - shown)), "note") + "\n";
  return out;
}

std::string downgrades_html(const std::vector<PostureRow>& rows, const Texts& texts) {
  std::string out;
  for (const auto& r : rows) {
    if (!r.downgrade) continue;
    const DowngradeWords w = downgrade_words(r, "outbound", texts);
    out += "<article class=\"downgrade\">" + cell("h3", r.domain) + cell("p", w.facts) + cell("p", w.why) +
           cell("p", w.action) + "</article>\n";
  }
  return out.empty() ? out : cell("h3", texts.get("posture.downgrades_heading")) + "\n" + out;
}

}  // namespace

std::string posture_section(const std::vector<PostureRow>& rows, int64_t min_connections, const Texts& texts) {
  return "<section id=\"posture\">\n" + cell("h2", texts.get("report.posture.heading")) + "\n" +
         cell("p", texts.render("report.posture.note", {{"min", std::to_string(min_connections)}}), "note") + "\n" +
         cell("p", counts_line(rows, texts)) + "\n" + table_html(rows, texts) + downgrades_html(rows, texts) +
         "</section>\n";
}

}  // namespace mailtls
