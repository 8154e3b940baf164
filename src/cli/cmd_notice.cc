// `mailtls notice`: a short letter to a partner's postmaster about the TLS of one domain,
// in the chosen language: what we observed (dates, counts, outcomes), the lines of our
// logs that show it (the SMTP dialogue where the debug log has it), the likely cause and
// what they can do, the standards, and whom to reply to. Exit 1 when the domain has
// nothing to report: every connection used TLS with a current protocol and cipher.
//
// The connection quoted is the one that matters most: the first one without TLS after a
// downgrade, else the last one without TLS, else the last one with a deprecated protocol
// or a weak cipher. It is classified afresh, as `explain` does, for its evidence.
//
// The domain, the peer's name and the evidence lines come from the logs: the letter and
// every message naming them go through terminal_text(), as explain's output does.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "base/data_dir.h"
#include "base/terminal_text.h"
#include "cli/commands.h"
#include "render/explainer.h"
#include "render/references.h"
#include "report/posture.h"
#include "report/posture_text.h"
#include "report/summary.h"
#include "store/sqlite_util.h"
#include "store/store.h"
#include "verdict/classifier.h"

namespace mailtls {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

struct Letter {
  const NoticeOptions& o;
  const Texts& t;
  const PostureRow& row;
  std::ostringstream out;
  Vars vars;
};

std::string day_text(const std::optional<int64_t>& t) { return t ? iso_utc(*t).substr(0, 10) : "?"; }

// "STARTTLS not offered (starttls-not-offered) 3, ...": the outcome's title and its id.
std::string outcomes_text(const PostureRow& r, const Texts& t) {
  std::vector<std::string> parts;
  for (const auto& [outcome, n] : r.blocking) {
    const std::string key = "outcome." + outcome + ".title";
    parts.push_back((t.has(key) ? t.get(key) + " (" + outcome + ")" : outcome) + ": " + std::to_string(n));
  }
  return join(parts, "; ");
}

std::string names_text(const std::map<std::string, int64_t>& m) {
  std::vector<std::string> names;
  for (const auto& [name, n] : m) names.push_back(name);
  return join(names, ", ");
}

int64_t total(const std::map<std::string, int64_t>& m) {
  int64_t n = 0;
  for (const auto& [k, v] : m) n += v;
  return n;
}

void write_observed(Letter& l) {
  const PostureRow& r = l.row;
  Vars v = l.vars;
  v["first"] = day_text(r.first_seen);
  v["last"] = day_text(r.last_seen);
  v["connections"] = std::to_string(r.connections);
  v["blocking"] = std::to_string(r.connections - r.tls_success);
  v["outcomes"] = outcomes_text(r, l.t);
  const bool blocked = r.tls_success < r.connections;
  l.out << l.t.render(blocked ? "notice.observed-" + l.o.direction : std::string("notice.all-tls"), v) << "\n";
  if (r.downgrade) {
    v["last_success"] = posture_time(r.downgrade->last_tls_success.time) + " UTC";
    v["first_seen"] = posture_time(r.downgrade->first.time) + " UTC";
    v["count"] = std::to_string(r.downgrade->connections);
    l.out << "\n" << l.t.render("notice.downgrade", v) << "\n";
  }
  if (!r.deprecated_protocols.empty())
    l.out << "\n" << l.t.render("notice.deprecated", {{"count", std::to_string(total(r.deprecated_protocols))},
                                                      {"list", names_text(r.deprecated_protocols)}}) << "\n";
  if (!r.weak_ciphers.empty())
    l.out << "\n" << l.t.render("notice.weak", {{"count", std::to_string(total(r.weak_ciphers))},
                                                {"list", names_text(r.weak_ciphers)}}) << "\n";
}

// The id of the connection to quote (see the file comment); 0 when there is none.
int64_t quoted_connection(sqlite3* db, const PostureRow& r, const std::string& direction) {
  if (r.downgrade) return r.downgrade->first.id;
  if (r.last_blocking) return r.last_blocking->id;
  sql::Stmt st(db, "SELECT id, tls_protocol, tls_cipher FROM connections WHERE domain = :domain AND "
                   "direction = :direction AND tls_outcome = 'tls-success' "
                   "ORDER BY coalesce(started_at, ended_at, last_seen) DESC, id DESC");
  st.bind_text(":domain", r.domain);
  st.bind_text(":direction", direction);
  while (st.row())
    if (r.deprecated_protocols.count(st.str(1)) || r.weak_ciphers.count(st.str(2))) return st.int64(0);
  return 0;
}

std::string peer_of(const Connection& c) {
  if (!c.peer_host.empty() && !c.peer_ip.empty()) return c.peer_host + " [" + c.peer_ip + "]";
  return c.peer_host.empty() ? c.peer_ip : c.peer_host;
}

std::string remedy(const Letter& l, const std::string& outcome) {
  const std::string base = "notice.remedy." + l.o.direction + ".";
  return l.t.has(base + outcome) ? l.t.get(base + outcome) : l.t.get(base + "default");
}

// The lines in the order of their logs (mail_logs and debug log each in line order), as
// a reader would find them with grep.
std::vector<Evidence> in_log_order(std::vector<Evidence> evidence) {
  std::stable_sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
    return a.ref.source_id != b.ref.source_id ? a.ref.source_id < b.ref.source_id : a.ref.line_no < b.ref.line_no;
  });
  return evidence;
}

void write_evidence(Letter& l, const Connection& c, const Verdict& v, const nlohmann::json& why) {
  const std::string time = posture_time(c.started_at ? std::optional<int64_t>(c.started_at) : std::nullopt);
  l.out << "\n" << l.t.render("notice.evidence", {{"time", time + " UTC"}, {"peer", peer_of(c)}}) << "\n";
  for (const auto& e : in_log_order(v.evidence)) l.out << "  > " << e.text << "\n";
  const std::string outcome = why["tls_outcome"].get<std::string>();
  if (outcome != "tls-success") {
    l.out << "\n" << l.t.get("notice.cause") << " " << why["cause"].get<std::string>() << "\n";
    // One log line that fits several causes: name them all rather than pick one.
    for (const auto& candidate : why["candidates"]) l.out << "  - " << candidate["text"].get<std::string>() << "\n";
    l.out << l.t.get("notice.what-to-do") << " " << remedy(l, outcome) << "\n";
  }
}

void write_standards(Letter& l, std::vector<std::string> refs, const ReferenceTitles& titles) {
  for (const auto& r : weak_references(l.row)) refs.push_back(r);
  if (l.row.downgrade)
    for (const auto& r : downgrade_references()) refs.push_back(r);
  if (refs.empty()) return;
  l.out << "\n" << l.t.get("notice.standards") << "\n";
  std::vector<std::string> seen;
  for (const auto& r : refs) {
    if (std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
    seen.push_back(r);
    auto it = titles.find(r);
    l.out << "  " << r << (it == titles.end() ? "" : " (" + it->second + ")") << "\n";
  }
}

void write_closing(Letter& l) {
  l.out << "\n" << (l.o.contact.empty() ? l.t.get("notice.contact-none")
                                         : l.t.render("notice.contact", {{"contact", l.o.contact}}))
        << "\n\n" << l.t.get("notice.closing") << "\n" << l.t.render("notice.signature", l.vars) << "\n";
}

bool build_query(const NoticeOptions& o, PostureQuery& q, std::ostream& err) {
  q.direction = o.direction;
  q.domain = o.domain;
  for (char& c : q.domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Bound { const std::string& text; bool upper; std::optional<int64_t>& out; const char* flag; };
  for (Bound b : {Bound{o.since, false, q.since, "--since"}, Bound{o.until, true, q.until, "--until"}}) {
    if (b.text.empty()) continue;
    b.out = parse_utc_bound(b.text, b.upper);
    if (!b.out) {
      err << "mailtls notice: " << b.flag << " '" << b.text
          << "' is not a UTC date YYYY-MM-DD or time YYYY-MM-DDTHH:MM:SS\n";
      return false;
    }
  }
  return true;
}

int write_letter(const NoticeOptions& o, const Texts& t, const ReferenceTitles& titles, const PostureRow& row,
                 Streams io) {
  Diagnostics diag;
  auto store = Store::open(o.db, Store::Mode::read_only, diag);
  if (!store) {
    for (const auto& d : diag.all()) io.err << terminal_text(d.format(), true) << "\n";
    return 1;
  }
  Letter l{o, t, row, {}, {{"domain", row.domain},
                           {"our", o.organization.empty() ? t.get("notice.our-default") : o.organization}}};
  l.out << t.render("notice.subject", l.vars) << "\n\n" << t.render("notice.greeting", l.vars) << "\n\n";
  write_observed(l);
  std::vector<std::string> refs;
  if (const int64_t id = quoted_connection(store->handle(), row, o.direction)) {
    if (auto c = store->load_connection(id)) {
      const Verdict v = classify(*c);
      const nlohmann::json why = render_json(*c, v, t, {}, titles);
      write_evidence(l, *c, v, why);
      for (const auto& r : why["references"]) refs.push_back(r.get<std::string>());
    }
  }
  if (!row.deprecated_protocols.empty() || !row.weak_ciphers.empty())
    l.out << (row.tls_success < row.connections ? "" : "\n" + t.get("notice.what-to-do") + " ")
          << t.get("notice.weak-remedy") << "\n";
  write_standards(l, refs, titles);
  write_closing(l);
  io.out << terminal_text(l.out.str(), true);
  return 0;
}

}  // namespace

int run_notice(const NoticeOptions& o, Streams io) {
  PostureQuery q;
  if (!build_query(o, q, io.err)) return 2;
  Diagnostics diag;
  const fs::path data = resolve_data_dir(o.data_dir);
  auto texts = Texts::load(data / "locales", o.lang, diag);
  ReferenceTitles titles;
  if (auto catalogue = ReferenceCatalogue::load(data, diag))
    for (const auto& r : catalogue->entries()) titles[r.id] = r.title;
  for (const auto& d : diag.all()) io.err << terminal_text(d.format(), true) << "\n";
  if (!texts) return 1;
  std::string error;
  std::vector<PostureRow> rows;
  {
    sql::Db db = sql::Db::open_read_only(o.db, &error);
    if (!db.ok() || !load_posture(db.get(), q, rows, error)) {
      io.err << "mailtls notice: " << terminal_text(error, true) << "\n";
      return 1;
    }
  }
  if (rows.empty()) {
    io.err << terminal_text(texts->render("notice.unknown-domain", {{"domain", q.domain}, {"db", o.db}})) << "\n";
    return 1;
  }
  if (!rows.front().needs_notice()) {
    io.err << terminal_text(texts->render("notice.nothing", {{"domain", q.domain}})) << "\n";
    return 1;
  }
  return write_letter(o, *texts, titles, rows.front(), io);
}

}  // namespace mailtls
