#include "report/html_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>
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
  // The summary's row for an unknown domain ("") holds the connections without one
  // (NULL or ''), as summary groups them.
  sql::Stmt st(db, d.row->key.empty()
                       ? "SELECT conn_id, appliance, tls_outcome, coalesce(peer_host, ''), coalesce(peer_ip, ''), "
                         "coalesce(tls_detail, ''), started_at FROM connections WHERE (domain IS NULL OR domain = :domain) "
                         "AND direction = 'outbound' AND tls_outcome NOT IN (:success, :unknown) "
                         "ORDER BY started_at DESC, id DESC LIMIT :limit"
                       : "SELECT conn_id, appliance, tls_outcome, coalesce(peer_host, ''), coalesce(peer_ip, ''), "
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
    if (outcome != outcome_name(Outcome::tls_success) && outcome != outcome_name(Outcome::unknown))
      d.failing_total += n;  // what the query above counts
  error = st.error();
  return st.succeeded();
}

// ---- rendering helpers -------------------------------------------------------------

// The chart's colours: the eight of Okabe and Ito ("Color Universal Design", 2008), which
// stay distinct with every common colour-vision deficiency. Sixteen outcomes share them by
// what they mean for the reader; the legend names every outcome of a colour.
constexpr NameTable<Outcome> kOutcomeColours = {{
    {Outcome::tls_success, "#009E73"},                 // bluish green: TLS used
    {Outcome::starttls_not_offered, "#E69F00"},        // orange: the receiver offers no TLS
    {Outcome::ehlo_misordered, "#CC79A7"},             // reddish purple: the EHLO reply is damaged
    {Outcome::starttls_masked, "#CC79A7"},
    {Outcome::ehlo_rejected, "#E69F00"},
    {Outcome::starttls_refused, "#D55E00"},            // vermillion: TLS tried and failed
    {Outcome::handshake_failed, "#D55E00"},
    {Outcome::certificate_invalid, "#0072B2"},         // blue: the certificate was refused
    {Outcome::connection_lost, "#D55E00"},
    {Outcome::tls_not_attempted, "#F0E442"},           // yellow: the sending side did not try
    {Outcome::tls_required_not_initiated, "#F0E442"},
    {Outcome::tls_failed, "#D55E00"},
    {Outcome::cleartext, "#F0E442"},
    {Outcome::policy_rejected, "#56B4E9"},             // sky blue: no SMTP session for TLS
    {Outcome::connect_failed, "#56B4E9"},
    {Outcome::unknown, "#999999"},                     // grey: nothing known
}};
// Like names_complete, but colours are shared.
constexpr bool colours_complete() {
  for (size_t i = 0; i < kOutcomeColours.size(); ++i)
    if (static_cast<size_t>(kOutcomeColours[i].value) != i || kOutcomeColours[i].name.size() != 7) return false;
  return true;
}
static_assert(colours_complete(), "every Outcome needs its colour, in order");

std::string outcome_colour(const std::string& outcome) {
  const std::optional<Outcome> known = outcome_by_name(outcome);
  return std::string(known ? name_in(kOutcomeColours, *known) : "#000000");
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
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;padding:0 1rem;max-width:75rem;color:#1b1b1b;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}.meta,.note{color:#555;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:start;vertical-align:top;overflow-wrap:normal}
th{background:#f4f4f4}#domain-table td:first-child{white-space:nowrap}td.num{text-align:end;font-variant-numeric:tabular-nums}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
.figures{display:flex;flex-wrap:wrap;gap:1rem;margin:.8rem 0}
.figure{flex:1 1 12rem;border:1px solid #ddd;border-radius:.4rem;padding:.6rem .8rem}
.figure .value{display:block;font-size:1.8rem;font-weight:700;font-variant-numeric:tabular-nums}
.causes li{margin:.4rem 0}
svg.chart{max-width:100%;height:auto;display:block}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem 1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-inline-end:.3rem;vertical-align:middle;border:1px solid #0003}
article{border-inline-start:4px solid #D55E00;padding-inline-start:1rem;margin:1rem 0}
dt{font-weight:600;margin-top:.4rem}dd{margin-inline-start:0}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .6rem}}
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
                                                           {"connections", texts.count("report.count.outbound_connections", data.connections)},
                                                           {"first", time_text(data.first)},
                                                           {"last", time_text(data.last)}}), "meta") + "\n";
}

// ---- headline ------------------------------------------------------------------

struct Totals {
  int64_t eligible = 0, tls_success = 0, cleartext_messages = 0;
};

Totals totals(const std::vector<SummaryRow>& rows) {
  Totals t;
  for (const auto& r : rows) t.eligible += r.eligible, t.tls_success += r.tls_success, t.cleartext_messages += r.cleartext_messages;
  return t;
}

// One cause: an outcome that failed in one direction, the connections it failed, and the
// domains where it did (most first).
struct Cause {
  std::string direction, outcome;
  int64_t connections = 0;
  std::vector<std::pair<int64_t, std::string>> domains;
};

std::vector<Cause> top_causes(const ReportData& data, size_t most) {
  std::map<std::pair<std::string, std::string>, Cause> by;
  auto add = [&](const char* direction, const std::vector<SummaryRow>& rows) {
    for (const auto& r : rows)
      for (const auto& [outcome, n] : r.outcomes) {
        if (!is_failure_outcome(outcome)) continue;
        Cause& c = by[{direction, outcome}];
        c.direction = direction, c.outcome = outcome, c.connections += n;
        c.domains.push_back({n, r.key});
      }
  };
  add("outbound", data.domains);
  add("inbound", data.inbound);
  std::vector<Cause> causes;
  for (auto& [key, c] : by) {
    std::sort(c.domains.begin(), c.domains.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    causes.push_back(std::move(c));
  }
  std::sort(causes.begin(), causes.end(), [](const Cause& a, const Cause& b) {
    return a.connections != b.connections ? a.connections > b.connections
                                          : std::tie(a.direction, a.outcome) < std::tie(b.direction, b.outcome);
  });
  if (causes.size() > most) causes.resize(most);
  return causes;
}

std::string domain_name_text(const std::string& key, const Texts& texts) {
  return key.empty() ? texts.get("report.unknown_domain") : key;
}

// Who must act on a cause, in the outcome's words for its direction; {domain} names the
// (up to three) domains where it happened most.
std::string cause_actor(const Cause& c, const Texts& texts) {
  const std::string base = "outcome." + c.outcome + ".";
  const std::string key = texts.has(base + c.direction + ".actor") ? base + c.direction + ".actor" : base + "actor";
  if (!texts.has(key)) return {};
  std::string domains;
  for (size_t i = 0; i < c.domains.size() && i < 3; ++i)
    domains += (i ? ", " : "") + domain_name_text(c.domains[i].second, texts);
  if (c.domains.size() > 3) domains += ", …";
  return texts.render(key, {{"domain", domains}, {"peer", texts.get("report.headline.peers")}});
}

std::string figure(const std::string& value, const std::string& label, const char* id) {
  return std::string("<div class=\"figure\" id=\"") + id + "\"><span class=\"value\">" + html_escape(value) +
         "</span>" + html_escape(label) + "</div>\n";
}

std::string rate_figure(const Totals& t, const char* label_key, const char* id, const Texts& texts) {
  if (t.eligible == 0) return figure("–", texts.get(label_key) + " " + texts.get("report.headline.no_eligible"), id);
  const double rate = static_cast<double>(t.tls_success) / static_cast<double>(t.eligible);
  return figure(format_rate(rate) + " %",
                texts.get(label_key) + " " + texts.count("report.count.of_eligible", t.eligible), id);
}

std::string headline_section(const ReportData& data, const Texts& texts) {
  const Totals out = totals(data.domains), in = totals(data.inbound);
  std::string html = "<section id=\"headline\">\n" + cell("h2", texts.get("report.headline.heading")) +
                     "\n<div class=\"figures\">\n" +
                     rate_figure(out, "report.headline.outbound_rate", "outbound-rate", texts) +
                     rate_figure(in, "report.headline.inbound_rate", "inbound-rate", texts) +
                     figure(std::to_string(out.cleartext_messages),
                            texts.count("report.count.sent_in_clear", out.cleartext_messages), "sent-in-clear") +
                     "</div>\n" + cell("h3", texts.get("report.headline.causes_heading")) + "\n";
  const auto causes = top_causes(data, 3);
  if (causes.empty()) return html + cell("p", texts.get("report.headline.no_causes"), "note") + "\n</section>\n";
  html += "<ol class=\"causes\">\n";
  for (const auto& c : causes) {
    html += "<li>" + cell("strong", outcome_title(texts, c.outcome)) + " " +
            html_escape(texts.render("report.headline.cause",
                                     {{"direction", texts.get("direction." + c.direction)},
                                      {"connections", texts.count("report.count.connections", c.connections)},
                                      {"domains", texts.count("report.count.domains", static_cast<int64_t>(c.domains.size()))}}));
    const std::string actor = cause_actor(c, texts);
    if (!actor.empty()) html += "<br>" + cell("span", texts.get("explain.actor") + ": " + actor, "actor");
    html += "</li>\n";
  }
  return html + "</ol>\n</section>\n";
}

// ---- tables ---------------------------------------------------------------------

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
                    cell("p", texts.get("report.domains_note"), "note") + "\n";
  std::string table = "<table id=\"domain-table\">\n<thead><tr>";
  for (const char* col : {"domain", "connections", "messages", "tls_success", "cleartext", "after_failure",
                          "connect_failed", "failures", "last_failure", "protocols", "ciphers"})
    table += cell("th", texts.get(std::string("summary.col.") + col));
  table += "</tr></thead>\n<tbody>\n";
  for (const auto& r : data.domains) table += domain_row(r, texts);
  table += "</tbody>\n</table>";
  return out + table_box(table, data.domains.size(), texts) + "</section>\n";
}

// ---- the chart --------------------------------------------------------------------

// Days since 1970-01-01 of a civil date, and back (the C++20 calendar).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  namespace chr = std::chrono;
  return chr::sys_days(chr::year{static_cast<int>(y)} / chr::month{m} / chr::day{d}).time_since_epoch().count();
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil civil_from_days(int64_t z) {
  namespace chr = std::chrono;
  const chr::year_month_day ymd{chr::sys_days(chr::days(z))};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

std::optional<int64_t> day_number(const std::string& ymd) {
  const auto t = parse_utc_bound(ymd, false);
  if (!t) return std::nullopt;
  return *t / 86400;
}

std::string two(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u", v);
  return buf;
}

struct Tick {
  int64_t day;
  std::string label;
};

// At most about ten ticks on day, week, month or year boundaries; a label carries the
// year when the range spans more than one year (or when it names a month or a year).
std::vector<Tick> chart_ticks(int64_t first, int64_t last) {
  const int64_t span = last - first + 1;
  const Civil a = civil_from_days(first), b = civil_from_days(last);
  const bool years = a.year != b.year;
  auto day_label = [&](int64_t d) {
    const Civil c = civil_from_days(d);
    return (years ? std::to_string(c.year) + "-" : std::string()) + two(c.month) + "-" + two(c.day);
  };
  std::vector<Tick> ticks;
  if (span <= 84) {
    const int64_t step = span <= 12 ? 1 : 7;
    for (int64_t d = first; d <= last; d += step) ticks.push_back({d, day_label(d)});
  } else if (span <= 3 * 366) {
    const int64_t months = (b.year - a.year) * 12 + b.month - a.month + 1;
    const int64_t step = (months + 9) / 10;
    int64_t y = a.year, m = a.month + 1;  // the first whole month
    for (int64_t i = 0;; i += step) {
      const int64_t mm = m - 1 + i, yy = y + mm / 12;
      const int64_t d = days_from_civil(yy, static_cast<unsigned>(mm % 12 + 1), 1);
      if (d > last) break;
      ticks.push_back({d, std::to_string(yy) + "-" + two(static_cast<unsigned>(mm % 12 + 1))});
    }
  } else {
    const int64_t step = (b.year - a.year + 9) / 10;
    for (int64_t yy = a.year + 1; yy <= b.year; yy += step) ticks.push_back({days_from_civil(yy, 1, 1), std::to_string(yy)});
  }
  return ticks;
}

struct ChartGeometry {
  double left = 48, top = 12, height = 220, width = 900, per_day = 1, bar = 1;
  int64_t max_total = 1, first = 0;
  double y(int64_t n) const { return top + height - height * static_cast<double>(n) / static_cast<double>(max_total); }
  double x(int64_t day) const { return left + per_day * static_cast<double>(day - first); }
};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string chart_axis(const ChartGeometry& g, const std::vector<Tick>& ticks) {
  std::string out;
  for (int i = 0; i <= 4; ++i) {
    int64_t n = g.max_total / 4 * i;
    double y = g.y(n);
    out += "<line x1=\"" + fmt(g.left) + "\" x2=\"" + fmt(g.width) + "\" y1=\"" + fmt(y) + "\" y2=\"" + fmt(y) +
           "\" stroke=\"#ddd\"/><text x=\"" + fmt(g.left - 6) + "\" y=\"" + fmt(y + 4) +
           "\" text-anchor=\"end\" font-size=\"12\">" + std::to_string(n) + "</text>\n";
  }
  const double base = g.top + g.height;
  for (const auto& t : ticks) {
    const double x = g.x(t.day) + g.per_day / 2;
    out += "<line class=\"tick\" x1=\"" + fmt(x) + "\" x2=\"" + fmt(x) + "\" y1=\"" + fmt(base) + "\" y2=\"" +
           fmt(base + 5) + "\" stroke=\"#555\"/><text class=\"date\" x=\"" + fmt(x) + "\" y=\"" + fmt(base + 18) +
           "\" font-size=\"12\" text-anchor=\"middle\">" + html_escape(t.label) + "</text>\n";
  }
  return out;
}

std::string chart_bar(const ChartGeometry& g, int64_t day_no, const DayCounts& day,
                      const std::vector<std::string>& outcomes, const Texts& texts) {
  const double x = g.x(day_no) + (g.per_day - g.bar) / 2;
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
  return out + "</g>\n";
}

// One entry per colour, naming every outcome of the chart that has it.
std::string chart_legend(const std::vector<std::string>& outcomes, const Texts& texts) {
  std::vector<std::pair<std::string, std::string>> colours;  // colour, titles
  for (const auto& id : outcomes) {
    const std::string colour = outcome_colour(id);
    auto it = std::find_if(colours.begin(), colours.end(), [&](const auto& c) { return c.first == colour; });
    if (it == colours.end()) colours.push_back({colour, outcome_title(texts, id)});
    else it->second += ", " + outcome_title(texts, id);
  }
  std::string out = "<ul class=\"legend\">";
  for (const auto& [colour, titles] : colours)
    out += "<li><span class=\"swatch\" style=\"background:" + colour + "\"></span>" + html_escape(titles) + "</li>";
  return out + "</ul>\n";
}

std::string chart_section(const ReportData& data, const Texts& texts) {
  std::string out = "<section id=\"chart\">\n" + cell("h2", texts.get("report.chart_heading")) + "\n";
  std::vector<std::pair<int64_t, const DayCounts*>> days;
  for (const auto& d : data.days)
    if (auto n = day_number(d.day)) days.push_back({*n, &d});
  if (days.empty()) return out + cell("p", texts.get("report.no_data"), "note") + "\n</section>\n";
  ChartGeometry g;
  for (const auto& [n, d] : days) {
    int64_t total = 0;
    for (const auto& [id, count] : d->outcomes) total += count;
    g.max_total = std::max(g.max_total, total);
  }
  g.max_total = (g.max_total + 3) / 4 * 4;  // four equal grid steps with whole numbers
  g.first = days.front().first;
  const int64_t last = days.back().first, span = last - g.first + 1;
  g.per_day = std::min((g.width - g.left - 8) / static_cast<double>(span), 60.0);
  g.width = g.left + g.per_day * static_cast<double>(span) + 8;
  g.bar = std::max(g.per_day * 0.7, std::min(g.per_day, 1.0));
  const double height = g.top + g.height + 30;
  const auto outcomes = chart_outcomes(data);
  out += cell("p", texts.render("report.chart_range", {{"first", days.front().second->day},
                                                       {"last", days.back().second->day}}), "note") + "\n";
  out += "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + fmt(g.width) + " " + fmt(height) + "\" width=\"" +
         fmt(g.width) + "\" height=\"" + fmt(height) + "\" aria-label=\"" +
         html_escape(texts.get("report.chart_label")) + "\">\n" + chart_axis(g, chart_ticks(g.first, last));
  for (const auto& [n, d] : days) out += chart_bar(g, n, *d, outcomes, texts);
  return out + "</svg>\n" + chart_legend(outcomes, texts) + "</section>\n";
}

// ---- the cleartext domains ----------------------------------------------------------

// The most frequent failure outcome of a domain, and its count.
std::pair<std::string, int64_t> main_failure(const SummaryRow& r) {
  std::pair<std::string, int64_t> best{"", 0};
  for (const auto& [outcome, n] : r.outcomes)
    if (is_failure_outcome(outcome) && n > best.second) best = {outcome, n};
  return best;
}

std::string peer_text(const FailingConnection& c) {
  return c.peer_host.empty() ? c.peer_ip : c.peer_ip.empty() ? c.peer_host : c.peer_host + " [" + c.peer_ip + "]";
}

// The explanation texts are written for one connection: they are given the latest
// failing connection with the outcome (its peer, and its detail: the reply or error the
// log quotes, or a certificate problem in words), else the domain's latest failing one.
std::string explanation(const std::string& outcome, const std::string& domain, const CleartextDomain& d,
                        const Texts& texts) {
  const std::string base = "outcome." + outcome + ".";
  if (!texts.has(base + "cause") && !texts.has(base + "action"))
    return cell("p", texts.get("report.no_explanation"), "note") + "\n";
  const FailingConnection* c = d.failing.empty() ? nullptr : &d.failing.front();
  for (const auto& f : d.failing)
    if (f.outcome == outcome) { c = &f; break; }
  std::string detail = c && c->outcome == outcome ? c->detail : "";
  if (!detail.empty() && texts.has("tls-detail." + detail)) detail = texts.get("tls-detail." + detail);
  const std::string peer = c ? peer_text(*c) : "";
  std::map<std::string, std::string> vars = {
      {"domain", domain.empty() ? texts.get("explain.unknown-domain") : domain},
      {"peer", peer.empty() ? texts.get("explain.unknown-peer") : peer},
      {"outcome", outcome},
      {"detail", detail.empty() ? texts.get("explain.no-detail") : detail}};
  auto text = [&](const char* field) {
    const std::string directed = base + "outbound." + field;
    return texts.render(texts.has(directed) ? directed : base + field, vars);
  };
  std::string out = "<dl>";
  if (texts.has(base + "cause")) out += cell("dt", texts.get("report.cause")) + cell("dd", text("cause"));
  if (texts.has(base + "actor")) out += cell("dt", texts.get("explain.actor")) + cell("dd", text("actor"));
  if (texts.has(base + "action")) out += cell("dt", texts.get("report.action")) + cell("dd", text("action"));
  return out + "</dl>\n";
}

std::string failing_row(const FailingConnection& c, const Texts& texts) {
  const std::string peer = peer_text(c);
  std::string why = outcome_title(texts, c.outcome) + (c.detail.empty() ? "" : " (" + c.detail + ")");
  return "<tr>" + cell("td", "DCID " + std::to_string(c.conn_id) + " " + c.appliance) + cell("td", time_text(c.time)) +
         cell("td", c.outcome) + cell("td", peer) + cell("td", why) + "</tr>\n";
}

std::string failing_table(const CleartextDomain& d, const Texts& texts) {
  if (d.failing.empty()) return {};
  std::string out = cell("h4", texts.get("report.failing_heading")) + "\n";
  std::string table = "<table class=\"failing\">\n<thead><tr>";
  for (const char* col : {"col_conn", "col_time", "col_outcome", "col_peer", "col_explanation"})
    table += cell("th", texts.get(std::string("report.") + col));
  table += "</tr></thead>\n<tbody>\n";
  for (const auto& c : d.failing) table += failing_row(c, texts);
  table += "</tbody>\n</table>";
  out += table_box(table, d.failing.size(), texts);
  int64_t more = d.failing_total - static_cast<int64_t>(d.failing.size());
  if (more > 0) out += cell("p", texts.count("report.count.more_connections", more), "note") + "\n";
  return out;
}

std::string cleartext_article(const CleartextDomain& d, const Texts& texts) {
  const SummaryRow& r = *d.row;
  auto [outcome, count] = main_failure(r);
  const std::map<std::string, std::string> vars = {
      {"domain", r.key},
      {"messages", texts.count("report.count.messages", r.cleartext_messages)},
      {"connections", texts.count("report.count.connections", r.connections)}};
  std::string out = "<article class=\"domain\">\n" +
                    cell("h3", texts.render(r.key.empty() ? "report.cleartext_unknown_domain" : "report.cleartext_domain", vars)) + "\n";
  if (!outcome.empty()) {
    out += cell("p", texts.render("report.main_outcome", {{"outcome", outcome_title(texts, outcome)},
                                                          {"connections", texts.count("report.count.connections", count)}})) + "\n";
    out += explanation(outcome, r.key, d, texts);
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

std::string table_box(std::string_view table, size_t rows, const Texts& texts) {
  const std::string box = "<div class=\"scroll\">" + std::string(table) + "</div>\n";
  if (rows <= kScreenRows) return box;
  return "<details>" + cell("summary", texts.count("report.count.show_rows", static_cast<int64_t>(rows))) + "\n" + box +
         "</details>\n";
}

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
  SummaryQuery in;
  in.direction = "inbound";
  if (!load_span(db, data, error) || !load_days(db, data, error) || !load_summary(db, q, data.domains, error) ||
      !load_summary(db, in, data.inbound, error))
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
         headline_section(data, texts) + chart_section(data, texts) + domains_section(data, texts) +
         posture_section(data.posture, data.posture_min_connections, texts) + cleartext_section(data, texts) +
         "</body>\n</html>\n";
}

}  // namespace mailtls
