// `mailtls summary`: one line per domain (appliance, day, peer) with its TLS figures,
// as a table that fits the terminal, JSON or CSV. The figures are defined in summary.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "base/data_dir.h"
#include "store/sqlite_util.h"
#include "report/posture.h"
#include "report/summary.h"
#include "report/table_format.h"
#include "render/texts.h"

namespace mailtls {
namespace {

using Json = nlohmann::ordered_json;

bool build_query(const SummaryOptions& o, SummaryQuery& q, std::ostream& err) {
  q.by = o.by;
  q.direction = o.direction;
  q.domain = o.domain;
  for (char& c : q.domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Bound { const std::string& text; bool upper; std::optional<int64_t>& out; const char* flag; };
  for (Bound b : {Bound{o.since, false, q.since, "--since"}, Bound{o.until, true, q.until, "--until"}}) {
    if (b.text.empty()) continue;
    b.out = parse_utc_bound(b.text, b.upper);
    if (!b.out) {
      err << "mailtls summary: " << b.flag << " '" << b.text
          << "' is not a UTC date YYYY-MM-DD or time YYYY-MM-DDTHH:MM:SS\n";
      return false;
    }
  }
  return true;
}

double rounded(double rate) { return std::round(rate * 10000.0) / 10000.0; }

Table summary_table(const std::vector<SummaryRow>& rows, const Texts& texts, const std::string& by) {
  auto label = [&](const std::string& name) { return texts.get("summary.col." + name); };
  Table t;
  // Minimum widths: a domain stays readable (30); a cut cipher list says nothing, so
  // ciphers drop rather than shrink below 22; a last failure keeps its date and time.
  // Connections where TLS never came into question (refused by policy, failed to
  // connect) have columns of their own, outside the TLS rate and the failures; they
  // give way first when the terminal is narrow (JSON and CSV always carry them).
  t.columns = {{label(by), false, 0, 30},           {label("connections"), true, 0, 0},
               {label("messages"), true, 1, 0},     {label("tls_success"), true, 0, 0},
               {label("cleartext"), true, 0, 0},    {label("after_failure"), true, 2, 0},
               {label("rejected"), true, 7, 0},     {label("connect_failed"), true, 7, 0},
               {label("failures"), false, 3, 20},   {label("last_failure"), false, 4, 16},
               {label("protocols"), false, 5, 7},   {label("ciphers"), false, 6, 22}};
  for (const auto& r : rows)
    t.rows.push_back({r.key.empty() ? texts.get("summary.unknown_key") : r.key,
                      std::to_string(r.connections), std::to_string(r.messages),
                      format_rate(r.tls_success_rate()), std::to_string(r.cleartext_messages),
                      std::to_string(r.cleartext_after_failure), std::to_string(r.policy_rejected),
                      std::to_string(r.connect_failed), failures_text(r), last_failure_text(r),
                      join(r.protocols, " "), join(r.ciphers, " ")});
  return t;
}

void write_table(const std::vector<SummaryRow>& rows, const SummaryOptions& o, const Texts& texts,
                 Streams io) {
  if (rows.empty()) {
    io.out << texts.get("summary.empty") << "\n";
    return;
  }
  Table t = summary_table(rows, texts, o.by);
  size_t width = output_width(o.width);
  io.out << render_table(t, width) << std::flush;  // before the note on stderr
  std::vector<std::string> hidden;
  for (size_t i : fit_table(t, width).dropped) hidden.push_back(t.columns[i].label);
  if (!hidden.empty() && !o.quiet) io.err << texts.render("summary.hidden_columns", {{"columns", join(hidden, ", ")}}) << "\n";
}

Json row_json(const SummaryRow& r, const std::string& by) {
  Json j;
  j[by] = r.key.empty() ? Json(nullptr) : Json(r.key);
  j["connections"] = r.connections;
  j["messages"] = r.messages;
  auto rate = r.tls_success_rate();
  j["tls_success"] = rate ? Json(rounded(*rate)) : Json(nullptr);
  j["tls_success_count"] = r.tls_success;
  j["known_outcome_count"] = r.known;
  j["eligible"] = r.eligible;
  j["policy_rejected"] = r.policy_rejected;
  j["connect_failed"] = r.connect_failed;
  j["cleartext"] = r.cleartext_messages;
  j["cleartext_after_failure"] = r.cleartext_after_failure;
  j["outcomes"] = Json::object();
  for (const auto& [outcome, n] : r.outcomes) j["outcomes"][outcome] = n;
  j["protocols"] = r.protocols;
  j["ciphers"] = r.ciphers;
  j["last_failure"] = nullptr;
  if (!r.last_failure_outcome.empty())
    j["last_failure"] = {{"time", r.last_failure_time ? Json(iso_utc(*r.last_failure_time)) : Json(nullptr)},
                         {"outcome", r.last_failure_outcome}};
  return j;
}

// The outcome columns of the CSV: every specified id, then any other id in the data.
std::vector<std::string> csv_outcomes(const std::vector<SummaryRow>& rows) {
  std::vector<std::string> ids = outcome_ids();
  for (const auto& r : rows)
    for (const auto& [outcome, n] : r.outcomes)
      if (std::find(ids.begin(), ids.end(), outcome) == ids.end()) ids.push_back(outcome);
  return ids;
}

// The CSV is the JSON flattened: the same keys in the same order, a nested object's keys
// joined with '.' (outcomes.cleartext, last_failure.time), lists joined with spaces, null
// as an empty cell. Every outcome id is a column, so the header does not depend on the data.
void write_csv(const std::vector<SummaryRow>& rows, const std::string& by, std::ostream& out) {
  const std::vector<std::string> ids = csv_outcomes(rows);
  auto flat = [&](const SummaryRow& r) {
    std::vector<std::pair<std::string, std::string>> cells;
    const Json j = row_json(r, by);
    for (const auto& [key, value] : j.items()) {
      if (key == "outcomes") {
        for (const auto& id : ids)
          cells.emplace_back("outcomes." + id, std::to_string(value.contains(id) ? value[id].get<int64_t>() : 0));
      } else if (key == "last_failure") {
        for (const char* part : {"time", "outcome"})
          cells.emplace_back(key + "." + part,
                             value.is_object() && value[part].is_string() ? value[part].get<std::string>() : "");
      } else if (value.is_array()) {
        std::vector<std::string> items;
        for (const auto& item : value) items.push_back(item.get<std::string>());
        cells.emplace_back(key, join(items, " "));
      } else if (key == "tls_success") {
        char buf[16] = "";
        if (auto rate = r.tls_success_rate()) std::snprintf(buf, sizeof buf, "%.4f", *rate);
        cells.emplace_back(key, buf);
      } else {
        cells.emplace_back(key, value.is_null() ? "" : value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    return cells;
  };
  std::vector<std::string> header;
  for (const auto& [key, cell] : flat(SummaryRow{})) header.push_back(key);
  write_csv_row(out, header);
  for (const auto& r : rows) {
    std::vector<std::string> f;
    for (auto& [key, cell] : flat(r)) f.push_back(spreadsheet_cell(std::move(cell)));  // a key comes from the logs
    write_csv_row(out, f);
  }
}

// A domain that stopped using TLS hides in a summary among domains that never had it:
// the table names them and sends the reader to `mailtls posture` (same window and
// direction). By domain in one direction, the summary's rows say which domains may have
// one and posture confirms those alone; otherwise posture reads every connection again.
std::vector<std::string> downgrades(sqlite3* db, const SummaryQuery& sq, const std::vector<SummaryRow>& rows) {
  std::vector<std::string> found;
  const bool per_domain = sq.by == "domain" && sq.direction != "both";
  for (const char* direction : {"outbound", "inbound"}) {
    if (sq.direction != "both" && sq.direction != direction) continue;
    PostureQuery q;
    q.direction = direction;
    q.since = sq.since;
    q.until = sq.until;
    std::vector<std::string> domains{sq.domain};
    if (per_domain) {
      domains.clear();
      for (const auto& r : rows)
        if (r.downgrade_candidate && !r.key.empty()) domains.push_back(r.key);
    }
    for (const auto& domain : domains) {
      q.domain = domain;
      std::vector<PostureRow> posture;
      std::string error;
      if (!load_posture(db, q, posture, error)) return found;
      for (const auto& d : downgraded_domains(posture)) found.push_back(d);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

void point_to_downgrades(sqlite3* db, const SummaryQuery& q, const std::vector<SummaryRow>& rows,
                         const Texts& texts, Streams io) {
  const std::vector<std::string> domains = downgrades(db, q, rows);
  if (domains.empty()) return;
  io.err << texts.render("summary.downgrades", {{"count", std::to_string(domains.size())},
                                                {"domains", join(domains, ", ")}}) << "\n";
}

}  // namespace

int run_summary(const SummaryOptions& o, Streams io) {
  SummaryQuery q;
  if (!build_query(o, q, io.err)) return 2;
  Diagnostics diag;
  auto texts = Texts::load(resolve_data_dir(o.data_dir) / "locales", o.lang, diag);
  for (const auto& d : diag.all()) io.err << d.format() << "\n";
  if (!texts) return 1;
  std::string error;
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  std::vector<SummaryRow> rows;
  if (!db.ok() || !load_summary(db.get(), q, rows, error)) {
    io.err << "mailtls summary: " << error << "\n";
    return 1;
  }
  if (o.format == "json") {
    Json all = Json::array();
    for (const auto& r : rows) all.push_back(row_json(r, o.by));
    io.out << all.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else if (o.format == "csv") {
    write_csv(rows, o.by, io.out);
  } else {
    write_table(rows, o, *texts, io);
    if (!o.quiet) point_to_downgrades(db.get(), q, rows, *texts, io);
  }
  return 0;
}

}  // namespace mailtls
