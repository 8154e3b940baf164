// `mailtls posture`: one row per peer domain saying whether TLS can be required for it,
// whether it stopped using TLS, and whether its TLS is deprecated or weak, as a table
// (with the downgrades explained and what to configure below it), JSON or CSV. The
// definitions are in report/posture.h. Domains come from the logs: the table's cells and
// the notes under it reach the terminal through terminal_text(); JSON and CSV keep them.
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "base/data_dir.h"
#include "base/terminal_text.h"
#include "cli/commands.h"
#include "report/posture.h"
#include "report/posture_text.h"
#include "report/summary.h"
#include "report/table_format.h"
#include "store/sqlite_util.h"
#include "verdict/tls_quality.h"

namespace mailtls {
namespace {

using Json = nlohmann::ordered_json;

Json time_json(const std::optional<int64_t>& t) { return t ? Json(iso_utc(*t)) : Json(nullptr); }

// A value the logs did not give (the unnamed appliance) is null, never "".
Json text_or_null(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

Json ref_json(const ConnectionRef& c) {
  return {{"connection_id", c.id}, {"conn_id", c.conn_id}, {"appliance", text_or_null(c.appliance)},
          {"time", time_json(c.time)}, {"outcome", c.outcome}};
}

Json counts_json(const std::map<std::string, int64_t>& counts) {
  Json j = Json::object();
  for (const auto& [k, n] : counts) j[k] = n;
  return j;
}

Json downgrade_json(const PostureRow& r, const PostureOptions& o, const Texts& texts) {
  if (!r.downgrade) return nullptr;
  const Downgrade& d = *r.downgrade;
  const DowngradeWords words = downgrade_words(r, o.direction, texts);
  return {{"first_seen", time_json(d.first.time)},
          {"outcome", d.first.outcome},
          {"connection_id", d.first.id},
          {"conn_id", d.first.conn_id},
          {"appliance", text_or_null(d.first.appliance)},
          {"last_tls_success", time_json(d.last_tls_success.time)},
          {"last_tls_success_connection_id", d.last_tls_success.id},
          {"connections_without_tls", d.connections},
          {"explanation", words.why},
          {"action", words.action},
          {"references", downgrade_references()}};
}

Json weak_json(const PostureRow& r) {
  Json j = Json::object();
  for (const auto& [c, n] : r.weak_ciphers) {
    Json why = Json::array();
    for (CipherWeakness w : cipher_weaknesses(c)) why.push_back(std::string(weakness_id(w)));
    j[c] = {{"connections", n}, {"weaknesses", why}};
  }
  return j;
}

Json row_json(const PostureRow& r, const PostureOptions& o, const Texts& texts) {
  Json j = {{"domain", r.domain},
            {"connections", r.connections},
            {"tls_success", r.tls_success},
            {"not_eligible", r.not_eligible},
            {"first_seen", time_json(r.first_seen)},
            {"last_seen", time_json(r.last_seen)},
            {"readiness", std::string(readiness_id(r.readiness))},
            {"blocking_outcomes", counts_json(r.blocking)},
            {"last_blocking", r.last_blocking ? ref_json(*r.last_blocking) : Json(nullptr)},
            {"downgrade", downgrade_json(r, o, texts)},
            {"protocols", counts_json(r.protocols)},
            {"ciphers", counts_json(r.ciphers)},
            {"deprecated_protocols", counts_json(r.deprecated_protocols)},
            {"weak_ciphers", weak_json(r)}};
  const ConfigureWords c = configure_words(r, o.direction, texts);
  j["configure"] = c.setting.empty() ? Json(nullptr)
                                     : Json{{"setting", c.setting}, {"text", c.text}, {"remaining_risk", c.risk}};
  j["weak_references"] = weak_references(r);
  return j;
}

// ---- CSV: the JSON's facts, one line per domain (texts left to JSON and the table) ----

void write_csv(const std::vector<PostureRow>& rows, std::ostream& out) {
  write_csv_row(out, {"domain", "readiness", "connections", "tls_success", "not_eligible", "first_seen",
                      "last_seen", "blocking_outcomes", "last_blocking_connection_id", "last_blocking_time",
                      "downgrade_first_seen", "downgrade_outcome", "downgrade_connection_id",
                      "last_tls_success", "protocols", "deprecated_protocols", "weak_ciphers", "configure"});
  auto t = [](const std::optional<int64_t>& v) { return v ? iso_utc(*v) : std::string(); };
  for (const auto& r : rows) {
    const Downgrade* d = r.downgrade ? &*r.downgrade : nullptr;
    std::vector<std::string> weak;
    for (const auto& [c, n] : r.weak_ciphers) weak.push_back(c + " " + std::to_string(n));
    write_csv_row(out, {r.domain, std::string(readiness_id(r.readiness)), std::to_string(r.connections),
                        std::to_string(r.tls_success), std::to_string(r.not_eligible), t(r.first_seen),
                        t(r.last_seen), counts_text(r.blocking),
                        r.last_blocking ? std::to_string(r.last_blocking->id) : "",
                        r.last_blocking ? t(r.last_blocking->time) : "", d ? t(d->first.time) : "",
                        d ? d->first.outcome : "", d ? std::to_string(d->first.id) : "",
                        d ? t(d->last_tls_success.time) : "", counts_text(r.protocols),
                        counts_text(r.deprecated_protocols), join(weak, ", "),
                        r.readiness == Readiness::ready ? "Required" : ""});
  }
}

// ---- the table and the notes under it ----

Table posture_table(const std::vector<PostureRow>& rows, const Texts& texts) {
  auto label = [&](const char* name) { return texts.get(std::string("posture.col.") + name); };
  Table t;
  t.columns = {{label("domain"), false, 0, 24},     {label("readiness"), false, 0, 0},
               {label("connections"), true, 0, 0},  {label("tls"), true, 0, 0},
               {label("blocking"), false, 2, 20},   {label("downgrade"), false, 1, 16},
               {label("last_blocking"), false, 4, 16}, {label("protocols"), false, 5, 12},
               {label("weak"), false, 3, 16}};
  for (const auto& r : rows)
    t.rows.push_back({r.domain, texts.get("posture.readiness." + std::string(readiness_id(r.readiness))),
                      std::to_string(r.connections), std::to_string(r.tls_success), counts_text(r.blocking),
                      r.downgrade ? posture_time(r.downgrade->first.time) : "",
                      r.last_blocking ? posture_time(r.last_blocking->time) + " " + r.last_blocking->outcome : "",
                      counts_text(r.protocols), weak_text(r)});
  return t;
}

void write_notes(const std::vector<PostureRow>& rows, const PostureOptions& o, const Texts& texts,
                 std::ostream& out) {
  std::string downgrades, ready, weak;
  for (const auto& r : rows) {
    if (r.downgrade) {
      const DowngradeWords w = downgrade_words(r, o.direction, texts);
      downgrades += "  " + w.facts + "\n    " + w.action + "\n";
    }
    if (const ConfigureWords c = configure_words(r, o.direction, texts); !c.text.empty())
      ready += "  " + c.text + "\n";
    if (!r.deprecated_protocols.empty() || !r.weak_ciphers.empty())
      weak += "  " + texts.render("posture.weak_line", {{"domain", r.domain}, {"list", weak_text(r)}}) + "\n";
  }
  if (!downgrades.empty())
    out << "\n" << texts.get("posture.downgrades_heading") << "\n" << downgrades << "  "
        << texts.get("posture.downgrade_why") << "\n";
  if (!weak.empty())
    out << "\n" << texts.get("posture.weak_heading") << "\n" << weak << "  " << texts.get("posture.weak_why")
        << "\n  " << texts.get("posture.weak_action") << "\n";
  if (!ready.empty())
    out << "\n" << texts.get("posture.ready_heading") << "\n" << ready << "  " << texts.get("posture.risk") << "\n";
}

void write_table(const std::vector<PostureRow>& rows, const PostureOptions& o, const Texts& texts, Streams io) {
  if (rows.empty()) {
    io.out << texts.get("posture.empty") << "\n";
    return;
  }
  const Table t = posture_table(rows, texts);
  const size_t width = output_width(o.width);
  io.out << render_table(t, width);
  std::ostringstream notes;
  write_notes(rows, o, texts, notes);
  io.out << terminal_text(notes.str(), true);
  io.out << std::flush;  // before the note on stderr
  std::vector<std::string> hidden;
  for (size_t i : fit_table(t, width).dropped) hidden.push_back(t.columns[i].label);
  if (!hidden.empty()) io.err << texts.render("posture.hidden_columns", {{"columns", join(hidden, ", ")}}) << "\n";
}

bool build_query(const PostureOptions& o, PostureQuery& q, std::ostream& err) {
  q.direction = o.direction;
  q.min_connections = o.min_connections;
  struct Bound { const std::string& text; bool upper; std::optional<int64_t>& out; const char* flag; };
  for (Bound b : {Bound{o.since, false, q.since, "--since"}, Bound{o.until, true, q.until, "--until"}}) {
    if (b.text.empty()) continue;
    b.out = parse_utc_bound(b.text, b.upper);
    if (!b.out) {
      err << "mailtls posture: " << b.flag << " '" << b.text
          << "' is not a UTC date YYYY-MM-DD or time YYYY-MM-DDTHH:MM:SS\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int run_posture(const PostureOptions& o, Streams io) {
  PostureQuery q;
  if (!build_query(o, q, io.err)) return 2;
  Diagnostics diag;
  auto texts = Texts::load(resolve_data_dir(o.data_dir) / "locales", o.lang, diag);
  for (const auto& d : diag.all()) io.err << d.format() << "\n";
  if (!texts) return 1;
  std::string error;
  sql::Db db = sql::Db::open_read_only(o.db, &error);
  std::vector<PostureRow> rows;
  if (!db.ok() || !load_posture(db.get(), q, rows, error)) {
    io.err << "mailtls posture: " << error << "\n";
    return 1;
  }
  if (o.format == "json") {
    Json all = Json::array();
    for (const auto& r : rows) all.push_back(row_json(r, o, *texts));
    io.out << all.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else if (o.format == "csv") {
    write_csv(rows, io.out);
  } else {
    write_table(rows, o, *texts, io);
  }
  return 0;
}

}  // namespace mailtls
