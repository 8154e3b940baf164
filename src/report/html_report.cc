#include "report/html_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "report/html_posture.h"
#include "store/sqlite_util.h"

namespace mailtls {
namespace {

// ---- loading ---------------------------------------------------------------------

// The first and last start. Two subqueries, because SQLite reads a lone min() or max()
// from one end of connections_started, but scans the table for both in one SELECT.
bool load_span(sqlite3* db, ReportData& data, std::string& error) {
  sql::Stmt st(db, "SELECT (SELECT min(started_at) FROM connections WHERE direction = 'outbound'), "
                   "(SELECT max(started_at) FROM connections WHERE direction = 'outbound')");
  if (st.row() && !st.is_null(0)) data.first = st.int64(0), data.last = st.int64(1);
  error = st.error();
  return st.succeeded();
}

// The chart's days come from the summary by day (one scan, grouped in memory) rather
// than from a GROUP BY date() of their own, which sorted every connection again.
bool load_days(sqlite3* db, ReportData& data, std::string& error) {
  SummaryQuery q;
  q.by = "day";
  std::vector<SummaryRow> rows;
  if (!load_summary(db, q, rows, error)) return false;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (auto& r : rows)
    if (!r.key.empty()) data.days.push_back({r.key, std::move(r.outcomes)});
  return true;
}

// The latest failing connections of one domain (the (domain, direction) index serves).
bool load_failing(sqlite3* db, CleartextDomain& d, std::string& error) {
  sql::Stmt st(db, "SELECT conn_id, appliance, tls_outcome, coalesce(peer_host, ''), coalesce(peer_ip, ''), "
                   "coalesce(tls_detail, ''), started_at FROM connections WHERE domain = :domain AND "
                   "direction = 'outbound' AND tls_outcome NOT IN (:success, :unknown) "
                   "ORDER BY started_at DESC, id DESC LIMIT :limit");
  st.bind_text(":domain", d.row->key);
  st.bind_text(":success", outcome_name(Outcome::tls_success));
  st.bind_text(":unknown", outcome_name(Outcome::unknown));
  st.bind_int(":limit", static_cast<int64_t>(kMaxFailing));
  while (st.row()) {
    FailingConnection c{st.int64(0), st.str(1), st.str(2), st.str(3), st.str(4), st.str(5), {}};
    if (!st.is_null(6)) c.time = st.int64(6);
    d.failing.push_back(std::move(c));
  }
  for (const auto& [outcome, n] : d.row->outcomes)
    if (is_failure_outcome(outcome)) d.failing_total += n;
  error = st.error();
  return st.succeeded();
}

// ---- rendering helpers -------------------------------------------------------------

// One colour per outcome, all distinct (checked like a name table).
constexpr NameTable<Outcome> kOutcomeColours = {{
    {Outcome::tls_success, "#2e7d32"},
    {Outcome::starttls_not_offered, "#e65100"},
    {Outcome::ehlo_misordered, "#fb8c00"},
    {Outcome::starttls_masked, "#8e24aa"},
    {Outcome::ehlo_rejected, "#f9a825"},
    {Outcome::starttls_refused, "#c62828"},
    {Outcome::handshake_failed, "#ad1457"},
    {Outcome::certificate_invalid, "#5e35b1"},
    {Outcome::connection_lost, "#6d4c41"},
    {Outcome::tls_not_attempted, "#ffb300"},
    {Outcome::tls_required_not_initiated, "#283593"},
    {Outcome::tls_failed, "#b71c1c"},
    {Outcome::cleartext, "#d84315"},
    {Outcome::policy_rejected, "#546e7a"},
    {Outcome::connect_failed, "#78909c"},
    {Outcome::unknown, "#9e9e9e"},
}};
static_assert(names_complete(kOutcomeColours), "every Outcome needs its own colour, in order");

std::string outcome_colour(const std::string& outcome) {
  const std::optional<Outcome> known = outcome_by_name(outcome);
  return std::string(known ? name_in(kOutcomeColours, *known) : "#607d8b");
}

// The outcome's title from the explainer's texts, else its id.
std::string outcome_title(const Texts& texts, const std::string& outcome) {
  std::string key = "outcome." + outcome + ".title";
  return texts.has(key) ? texts.get(key) : outcome;
}

std::string cell(std::string_view tag, const std::string& text, const char* cls = nullptr) {
  std::string open = "<" + std::string(tag) + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">";
  return open + html_escape(text) + "</" + std::string(tag) + ">";
}

std::string time_text(std::optional<int64_t> t) {
  if (!t) return "";
  std::string iso = iso_utc(*t);
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

std::vector<std::string> chart_outcomes(const ReportData& data) {
  std::vector<std::string> seen;
  for (const auto& id : outcome_ids())
    for (const auto& d : data.days)
      if (d.outcomes.count(id)) { seen.push_back(id); break; }
  for (const auto& d : data.days)
    for (const auto& [id, n] : d.outcomes)
      if (std::find(seen.begin(), seen.end(), id) == seen.end()) seen.push_back(id);
  return seen;
}

// ---- sections ------------------------------------------------------------------

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}.meta,.note{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:start;vertical-align:top}
th{background:#f4f4f4}#domain-table td:first-child{white-space:nowrap}td.num{text-align:end;font-variant-numeric:tabular-nums}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem 1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-inline-end:.3rem;vertical-align:middle}
article{border-inline-start:4px solid #e65100;padding-inline-start:1rem;margin:1rem 0}
dt{font-weight:600;margin-top:.4rem}dd{margin-inline-start:0}
)";

std::string head(const Texts& texts) {
  return "<head>\n<meta charset=\"utf-8\">\n" + std::string(kReportGenerator) + "\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<title>" + html_escape(texts.get("report.title")) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
}

std::string intro(const ReportData& data, const Texts& texts) {
  std::string out = "<h1>" + html_escape(texts.get("report.title")) + "</h1>\n";
  if (data.connections == 0) return out + cell("p", texts.get("report.no_data"), "meta") + "\n";
  return out + cell("p", texts.render("report.generated", {{"db", data.db_name},
                                                           {"connections", std::to_string(data.connections)},
                                                           {"first", time_text(data.first)},
                                                           {"last", time_text(data.last)}}), "meta") + "\n";
}

std::string domain_row(const SummaryRow& r, const Texts& texts) {
  std::string key = r.key.empty() ? texts.get("summary.unknown_key") : r.key;
  return "<tr>" + cell("td", key) + cell("td", std::to_string(r.connections), "num") +
         cell("td", std::to_string(r.messages), "num") + cell("td", format_rate(r.tls_success_rate()), "num") +
         cell("td", std::to_string(r.cleartext_messages), "num") +
         cell("td", std::to_string(r.cleartext_after_failure), "num") +
         cell("td", std::to_string(r.connect_failed), "num") + cell("td", failures_text(r)) +
         cell("td", last_failure_text(r)) + cell("td", join(r.protocols, " ")) + cell("td", join(r.ciphers, " ")) +
         "</tr>\n";
}

std::string domains_section(const ReportData& data, const Texts& texts) {
  std::string out = "<section id=\"domains\">\n" + cell("h2", texts.get("report.domains_heading")) + "\n" +
                    cell("p", texts.get("report.domains_note"), "note") + "\n<table id=\"domain-table\">\n<thead><tr>";
  for (const char* col : {"domain", "connections", "messages", "tls_success", "cleartext", "after_failure",
                          "connect_failed", "failures", "last_failure", "protocols", "ciphers"})
    out += cell("th", texts.get(std::string("summary.col.") + col));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : data.domains) out += domain_row(r, texts);
  return out + "</tbody>\n</table>\n</section>\n";
}

struct ChartGeometry {
  double left = 48, top = 12, height = 220, step = 40, bar = 28;
  int64_t max_total = 1;
  double y(int64_t n) const { return top + height - height * static_cast<double>(n) / max_total; }
};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string chart_axis(const ChartGeometry& g, double width) {
  std::string out;
  for (int i = 0; i <= 4; ++i) {
    int64_t n = g.max_total / 4 * i;
    double y = g.y(n);
    out += "<line x1=\"" + fmt(g.left) + "\" x2=\"" + fmt(width) + "\" y1=\"" + fmt(y) + "\" y2=\"" + fmt(y) +
           "\" stroke=\"#ddd\"/><text x=\"" + fmt(g.left - 6) + "\" y=\"" + fmt(y + 4) +
           "\" text-anchor=\"end\" font-size=\"11\">" + std::to_string(n) + "</text>\n";
  }
  return out;
}

std::string chart_bar(const ChartGeometry& g, size_t index, const DayCounts& day,
                      const std::vector<std::string>& outcomes, const Texts& texts) {
  double x = g.left + g.step * static_cast<double>(index) + (g.step - g.bar) / 2;
  std::string out = "<g class=\"day\">";
  int64_t below = 0;
  for (const auto& id : outcomes) {
    auto it = day.outcomes.find(id);
    if (it == day.outcomes.end()) continue;
    double y = g.y(below + it->second), h = g.y(below) - y;
    out += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(g.bar) + "\" height=\"" + fmt(h) +
           "\" fill=\"" + outcome_colour(id) + "\"><title>" +
           html_escape(day.day + " " + outcome_title(texts, id) + ": " + std::to_string(it->second)) + "</title></rect>";
    below += it->second;
  }
  double label_y = g.top + g.height + 14;
  return out + "<text x=\"" + fmt(x + g.bar / 2) + "\" y=\"" + fmt(label_y) + "\" font-size=\"10\" text-anchor=\"end\" " +
         "transform=\"rotate(-45 " + fmt(x + g.bar / 2) + " " + fmt(label_y) + ")\">" + html_escape(day.day.substr(5)) +
         "</text></g>\n";
}

std::string chart_legend(const std::vector<std::string>& outcomes, const Texts& texts) {
  std::string out = "<ul class=\"legend\">";
  for (const auto& id : outcomes)
    out += "<li><span class=\"swatch\" style=\"background:" + outcome_colour(id) + "\"></span>" +
           html_escape(outcome_title(texts, id)) + "</li>";
  return out + "</ul>\n";
}

std::string chart_section(const ReportData& data, const Texts& texts) {
  ChartGeometry g;
  for (const auto& d : data.days) {
    int64_t total = 0;
    for (const auto& [id, n] : d.outcomes) total += n;
    g.max_total = std::max(g.max_total, total);
  }
  g.max_total = (g.max_total + 3) / 4 * 4;  // four equal grid steps with whole numbers
  g.step = std::clamp(900.0 / std::max<size_t>(data.days.size(), 1), 6.0, 48.0);
  g.bar = g.step * 0.7;
  const double width = g.left + g.step * static_cast<double>(data.days.size()) + 8;
  const auto outcomes = chart_outcomes(data);
  std::string out = "<section id=\"chart\">\n" + cell("h2", texts.get("report.chart_heading")) + "\n" +
                    "<svg role=\"img\" width=\"" + fmt(width) + "\" height=\"" +
                    fmt(g.top + g.height + 60) + "\" viewBox=\"0 0 " + fmt(width) + " " + fmt(g.top + g.height + 60) +
                    "\" aria-label=\"" + html_escape(texts.get("report.chart_label")) + "\">\n" + chart_axis(g, width);
  for (size_t i = 0; i < data.days.size(); ++i) out += chart_bar(g, i, data.days[i], outcomes, texts);
  return out + "</svg>\n" + chart_legend(outcomes, texts) + "</section>\n";
}

// The most frequent failure outcome of a domain, and its count.
std::pair<std::string, int64_t> main_failure(const SummaryRow& r) {
  std::pair<std::string, int64_t> best{"", 0};
  for (const auto& [outcome, n] : r.outcomes)
    if (is_failure_outcome(outcome) && n > best.second) best = {outcome, n};
  return best;
}

// The explanation texts are written for one connection: {peer} is given the peer of the
// domain's first failing connection, {domain} a phrase when the domain is not known.
std::string explanation(const std::string& outcome, const std::string& domain, const std::string& peer,
                        const Texts& texts) {
  const std::string base = "outcome." + outcome + ".";
  if (!texts.has(base + "cause") && !texts.has(base + "action"))
    return cell("p", texts.get("report.no_explanation"), "note") + "\n";
  std::map<std::string, std::string> vars = {
      {"domain", domain.empty() ? texts.get("explain.unknown-domain") : domain},
      {"peer", peer.empty() ? texts.get("explain.unknown-peer") : peer},
      {"outcome", outcome},
      {"detail", ""}};
  std::string out = "<dl>";
  if (texts.has(base + "cause")) out += cell("dt", texts.get("report.cause")) + cell("dd", texts.render(base + "cause", vars));
  if (texts.has(base + "action")) out += cell("dt", texts.get("report.action")) + cell("dd", texts.render(base + "action", vars));
  return out + "</dl>\n";
}

std::string peer_text(const FailingConnection& c) {
  return c.peer_host.empty() ? c.peer_ip : c.peer_ip.empty() ? c.peer_host : c.peer_host + " [" + c.peer_ip + "]";
}

std::string failing_row(const FailingConnection& c, const Texts& texts) {
  const std::string peer = peer_text(c);
  std::string why = outcome_title(texts, c.outcome) + (c.detail.empty() ? "" : " (" + c.detail + ")");
  return "<tr>" + cell("td", "DCID " + std::to_string(c.conn_id) + " " + c.appliance) + cell("td", time_text(c.time)) +
         cell("td", c.outcome) + cell("td", peer) + cell("td", why) + "</tr>\n";
}

std::string failing_table(const CleartextDomain& d, const Texts& texts) {
  std::string out = cell("h4", texts.get("report.failing_heading")) + "\n<table class=\"failing\">\n<thead><tr>";
  for (const char* col : {"col_conn", "col_time", "col_outcome", "col_peer", "col_explanation"})
    out += cell("th", texts.get(std::string("report.") + col));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& c : d.failing) out += failing_row(c, texts);
  out += "</tbody>\n</table>\n";
  int64_t more = d.failing_total - static_cast<int64_t>(d.failing.size());
  if (more > 0) out += cell("p", texts.render("report.more_connections", {{"count", std::to_string(more)}}), "note") + "\n";
  return out;
}

std::string cleartext_article(const CleartextDomain& d, const Texts& texts) {
  const SummaryRow& r = *d.row;
  auto [outcome, count] = main_failure(r);
  std::string out = "<article class=\"domain\">\n" +
                    cell("h3", texts.render("report.cleartext_domain", {{"domain", r.key.empty() ? texts.get("explain.unknown-domain") : r.key},
                                                                        {"messages", std::to_string(r.cleartext_messages)},
                                                                        {"connections", std::to_string(r.connections)}})) + "\n";
  if (!outcome.empty()) {
    out += cell("p", texts.render("report.main_outcome", {{"outcome", outcome_title(texts, outcome)},
                                                          {"count", std::to_string(count)}})) + "\n";
    out += explanation(outcome, r.key, d.failing.empty() ? std::string() : peer_text(d.failing.front()), texts);
  }
  return out + failing_table(d, texts) + "</article>\n";
}

std::string cleartext_section(const ReportData& data, const Texts& texts) {
  std::string out = "<section id=\"cleartext\">\n" + cell("h2", texts.get("report.cleartext_heading")) + "\n";
  if (data.cleartext.empty()) out += cell("p", texts.get("report.cleartext_none"), "note") + "\n";
  for (const auto& d : data.cleartext) out += cleartext_article(d, texts);
  return out + "</section>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

bool load_report_data(sqlite3* db, ReportData& data, std::string& error) {
  SummaryQuery q;  // by domain, outbound, all time
  if (!load_span(db, data, error) || !load_days(db, data, error) || !load_summary(db, q, data.domains, error))
    return false;
  PostureQuery posture;  // outbound, all time
  posture.min_connections = data.posture_min_connections;
  if (!load_posture(db, posture, data.posture, error)) return false;
  for (const auto& r : data.domains) data.connections += r.connections;
  for (const auto& r : data.domains) {  // sorted by cleartext: the first ones are the worst
    if (r.cleartext_messages == 0 || data.cleartext.size() == kMaxCleartextDomains) break;
    data.cleartext.push_back({&r, {}, 0});
    if (!load_failing(db, data.cleartext.back(), error)) return false;
  }
  return true;
}

std::string render_html_report(const ReportData& data, const Texts& texts) {
  return "<!DOCTYPE html>\n<html lang=\"" + html_escape(texts.lang()) + "\" dir=\"" +
         (texts.right_to_left() ? "rtl" : "ltr") + "\">\n" + head(texts) + "<body>\n" + intro(data, texts) +
         domains_section(data, texts) + posture_section(data.posture, data.posture_min_connections, texts) +
         chart_section(data, texts) + cleartext_section(data, texts) +
         "</body>\n</html>\n";
}

}  // namespace mailtls
