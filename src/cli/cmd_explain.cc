// `mailtls explain`: one connection's TLS outcome in words. The connection comes from
// the database (--dcid/--icid) or from a pasted SMTP dialogue (--transcript); either
// way it is classified afresh (the classifier is pure, so this reproduces the stored
// verdict together with its evidence) and rendered by the explainer.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>

#include "verdict/classifier.h"
#include "base/terminal_text.h"
#include "cli/commands.h"
#include "base/data_dir.h"
#include "render/explainer.h"
#include "store/store.h"
#include "render/texts.h"
#include "report/summary.h"

#include "render/references.h"
#include "verdict/ehlo.h"
#include "verdict/transcript_paste.h"

namespace mailtls {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

struct Env {
  std::unique_ptr<Texts> texts;
  ReferenceTitles references;
};

int fail(Streams io, const Texts& t, std::string_view key, const Vars& vars = {}) {
  io.err << t.render(key, vars) << "\n";
  return 1;
}

void print_diagnostics(const Diagnostics& diag, std::ostream& err) {
  for (const auto& d : diag.all()) err << terminal_text(d.format(), true) << "\n";
}

bool load_env(const ExplainOptions& o, Streams io, Env& env) {
  Diagnostics diag;
  const fs::path data = resolve_data_dir(o.data_dir);
  env.texts = Texts::load(data / "locales", o.lang, diag);
  if (auto catalogue = ReferenceCatalogue::load(data, diag))
    for (const auto& r : catalogue->entries()) env.references[r.id] = r.title;
  print_diagnostics(diag, io.err);
  return env.texts != nullptr;
}

int print(const Connection& c, const Verdict& v, const SourceNames& names,
          const ExplainOptions& o, const Env& env, Streams io, const MessageEvents& events = {}) {
  if (o.format == "json")
    io.out << render_json(c, v, *env.texts, names, env.references, events).dump(2) << "\n";
  else
    io.out << terminal_text(render_text(c, v, *env.texts, names, env.references, events), true);
  return 0;
}

std::string id_name(Direction d) { return d == Direction::outbound ? "DCID" : "ICID"; }

// ---- --transcript ----

// A pasted dialogue is a few kilobytes; reading stops at kMaxTranscriptBytes, so that a
// wrong path (/dev/zero, a whole log archive) cannot take the machine's memory.
constexpr size_t kMaxTranscriptBytes = size_t{16} << 20;

// Reads at most kMaxTranscriptBytes; *cut is set when there was more.
bool read_bounded(const std::string& path, std::string& text, bool* cut) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return false;
    in = &file;
  }
  text.resize(kMaxTranscriptBytes + 1);
  in->read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in->gcount()));
  if (in->bad()) return false;
  *cut = text.size() > kMaxTranscriptBytes;
  if (*cut) text.resize(kMaxTranscriptBytes);
  return true;
}

// A pasted dialogue has no log line naming the peer; the server names itself in its
// greeting ("220 mx.example.com ESMTP") or on the first line of its EHLO reply.
std::string peer_from_dialogue(const std::vector<TranscriptLine>& lines) {
  for (const auto& l : lines)
    if (l.sender == Sender::server)
      if (std::string name = server_name_in_reply(l.text); !name.empty()) return name;
  return {};
}

std::string shape_label(const Texts& t, PasteShape shape) {
  return t.get("shape." + std::string(paste_shape_name(shape)));
}

// "swaks output, posttls-finger output, ...": what the error for an unreadable paste lists.
std::string shape_list(const Texts& t) {
  std::string list;
  for (PasteShape s : kPasteShapes) list += (list.empty() ? "" : "; ") + shape_label(t, s);
  return list;
}

// A pasted connection has no log line naming the peer or the appliance; the appliance
// side is the paste's client (outbound) unless the paste is a server's own log.
Connection pasted_connection(PastedDialogue& d) {
  Connection c;
  c.direction = d.direction;
  c.transcript = std::move(d.transcript);
  c.log = std::move(d.log);
  c.tls_protocol = d.tls_protocol;
  c.tls_cipher = d.tls_cipher;
  c.peer_host = peer_from_dialogue(c.transcript);
  // The tools name the address they connected to; the server names itself in its greeting.
  const bool address = !d.peer.empty() &&
      d.peer.find_first_not_of("0123456789.:abcdefABCDEF[]") == std::string::npos;
  if (address) c.peer_ip = d.peer;
  else if (c.peer_host.empty()) c.peer_host = d.peer;
  return c;
}

int explain_transcript(const ExplainOptions& o, const Env& env, Streams io) {
  const Texts& t = *env.texts;
  std::string text;
  bool cut = false;
  if (!read_bounded(o.transcript, text, &cut)) return fail(io, t, "error.transcript-read", {{"path", o.transcript}});
  if (cut)
    io.err << t.render("error.transcript-too-long", {{"path", o.transcript},
                                                     {"limit", std::to_string(kMaxTranscriptBytes >> 20) + " MiB"}})
           << "\n";
  constexpr int64_t kPasteSource = 1;
  std::vector<PastedDialogue> dialogues = read_paste(text, kPasteSource);
  if (dialogues.empty())
    return fail(io, t, "error.transcript-empty", {{"path", o.transcript}, {"shapes", shape_list(t)}});
  const SourceNames names{{kPasteSource, o.transcript == "-" ? "stdin" : o.transcript}};
  auto all = nlohmann::json::array();
  for (size_t i = 0; i < dialogues.size(); ++i) {
    PastedDialogue& d = dialogues[i];
    const Vars vars{{"shape", shape_label(t, d.shape)},
                    {"n", std::to_string(i + 1)},
                    {"count", std::to_string(dialogues.size())},
                    {"first", std::to_string(d.first_line)},
                    {"last", std::to_string(d.last_line)}};
    const PasteShape shape = d.shape;
    const int64_t first = d.first_line, last = d.last_line;
    const Connection c = pasted_connection(d);
    const Verdict v = classify(c);
    if (o.format == "json") {
      auto j = render_json(c, v, t, names, env.references);
      j["shape"] = std::string(paste_shape_name(shape));
      j["lines"] = {{"first", first}, {"last", last}};
      all.push_back(std::move(j));
      continue;
    }
    if (i > 0) io.out << "\n";
    io.out << terminal_text(t.render(dialogues.size() > 1 ? "explain.paste-shape-of" : "explain.paste-shape", vars) +
                                "\n" + render_text(c, v, t, names, env.references),
                            true);
  }
  // One connection is one object, as before several could be read; several, an array.
  if (o.format == "json") io.out << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  return 0;
}

// ---- --db with --dcid/--icid ----

// The ids of this direction numerically closest to the one asked for, to suggest a typo's
// intended target: "DCID 5165206 (esa1), DCID 5165209 (esa1)".
std::string nearest_ids(Store& store, Direction dir, int64_t conn_id) {
  static constexpr const char* kSql =
      "SELECT appliance, conn_id FROM connections WHERE direction = ?1 "
      "GROUP BY appliance, conn_id ORDER BY abs(conn_id - ?2), conn_id LIMIT 3";
  sqlite3_stmt* stmt = nullptr;
  std::string list;
  if (sqlite3_prepare_v2(store.handle(), kSql, -1, &stmt, nullptr) != SQLITE_OK) return list;
  const std::string dir_name(direction_name(dir));
  sqlite3_bind_text(stmt, 1, dir_name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, conn_id);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* appliance = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    if (!list.empty()) list += ", ";
    list += id_name(dir) + " " + std::to_string(sqlite3_column_int64(stmt, 1));
    if (appliance && *appliance) list += " (" + std::string(appliance) + ")";
  }
  sqlite3_finalize(stmt);
  return list;
}

int not_found(Store& store, const ExplainOptions& o, Direction dir, int64_t conn_id,
              const Texts& t, Streams io) {
  const Vars vars{{"direction", t.get("direction." + std::string(direction_name(dir)))},
                  {"id_name", id_name(dir)},
                  {"conn_id", std::to_string(conn_id)},
                  {"where", o.appliance_given ? " (" + (o.appliance.empty() ? std::string("''") : o.appliance) + ")" : ""},
                  {"path", o.db}};
  io.err << t.render("error.not-found", vars) << "\n";
  const std::string list = nearest_ids(store, dir, conn_id);
  io.err << (list.empty() ? t.render("error.none-nearby", vars)
                          : t.render("error.nearest", {{"direction", vars.at("direction")}, {"list", list}}))
         << "\n";
  return 1;
}

// The rows of connections.id of one DCID/ICID: on the appliance asked for (--appliance ''
// is the unnamed one), or on any appliance.
std::vector<int64_t> find_rows(Store& store, const ExplainOptions& o, Direction dir, int64_t conn_id) {
  std::string sql = "SELECT id FROM connections WHERE direction = ?1 AND conn_id = ?2";
  if (o.appliance_given) sql += " AND appliance = ?3";
  sql += " ORDER BY coalesce(started_at, last_seen), id";
  std::vector<int64_t> ids;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(store.handle(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return ids;
  const std::string dir_name(direction_name(dir));
  sqlite3_bind_text(stmt, 1, dir_name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 2, conn_id);
  if (o.appliance_given) sqlite3_bind_text(stmt, 3, o.appliance.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  return ids;
}

// "--id 12 (esa1, 2026-11-16T18:34:30Z); --id 40 ('', ...)": each row a DCID/ICID names.
std::string rows_list(const std::vector<Connection>& rows) {
  std::string list;
  for (const auto& c : rows) {
    const int64_t t = c.started_at ? c.started_at : c.last_seen;
    list += (list.empty() ? "" : "; ") + std::string("--id ") + std::to_string(c.id) + " (" +
            (c.appliance.empty() ? std::string("''") : c.appliance) + (t > 0 ? ", " + iso_utc(t) : "") + ")";
  }
  return list;
}

// The events of the messages the connection carried: received on it (inbound) or
// delivered on it (outbound), in log order.
MessageEvents message_events(Store& store, const Connection& c) {
  std::set<int64_t> ids;
  if (c.direction == Direction::inbound) {
    for (int64_t id : store.messages_of_icid(c.appliance, c.conn_id)) ids.insert(id);
  } else {
    for (const auto& d : c.deliveries) ids.insert(d.message_id);
  }
  MessageEvents events;
  for (int64_t id : ids)
    for (auto& e : store.message_events(id)) events.push_back(std::move(e));
  return events;
}

SourceNames source_names(Store& store, const Connection& c, const Verdict& v, const MessageEvents& events) {
  std::set<int64_t> ids;
  for (const auto& e : events) ids.insert(e.ref.source_id);
  for (const auto& e : v.evidence) ids.insert(e.ref.source_id);
  for (const auto& l : c.log) ids.insert(l.ref.source_id);
  for (const auto& l : c.transcript) ids.insert(l.ref.source_id);
  SourceNames names;
  for (int64_t id : ids)
    if (auto s = store.source(id)) names[id] = s->path;
  return names;
}

int explain_stored(const ExplainOptions& o, const Env& env, Streams io) {
  const Texts& t = *env.texts;
  if (o.db.empty()) return fail(io, t, "error.no-db") + 1;  // usage errors: exit 2
  if (o.id < 0 && o.dcid < 0 && o.icid < 0) return fail(io, t, "error.no-id") + 1;
  std::error_code ec;
  if (!fs::is_regular_file(o.db, ec)) return fail(io, t, "error.db-missing", {{"path", o.db}});
  Diagnostics diag;
  auto store = Store::open(o.db, Store::Mode::read_only, diag);
  print_diagnostics(diag, io.err);
  if (!store) return fail(io, t, "error.db-open", {{"path", o.db}});

  if (o.id >= 0) {
    auto c = store->load_connection(o.id);
    if (!c) return fail(io, t, "error.id-not-found", {{"id", std::to_string(o.id)}, {"path", o.db}});
    const Verdict v = classify(*c);
    const MessageEvents events = message_events(*store, *c);
    return print(*c, v, source_names(*store, *c, v, events), o, env, io, events);
  }
  const Direction dir = o.dcid >= 0 ? Direction::outbound : Direction::inbound;
  const int64_t conn_id = o.dcid >= 0 ? o.dcid : o.icid;
  std::vector<Connection> rows;
  for (int64_t id : find_rows(*store, o, dir, conn_id))
    if (auto c = store->load_connection(id)) rows.push_back(std::move(*c));
  if (rows.empty()) return not_found(*store, o, dir, conn_id, t, io);
  // Several rows (several appliances, or one counter reused after a restart): each is
  // listed with its id, and none is picked.
  if (rows.size() > 1)
    return fail(io, t, "error.several", {{"id_name", id_name(dir)}, {"conn_id", std::to_string(conn_id)},
                                         {"count", std::to_string(rows.size())}, {"list", rows_list(rows)}});
  const Connection& c = rows.front();
  const Verdict v = classify(c);
  const MessageEvents events = message_events(*store, c);
  return print(c, v, source_names(*store, c, v, events), o, env, io, events);
}

}  // namespace

int run_explain(const ExplainOptions& o, Streams io) {
  Env env;
  if (!load_env(o, io, env)) {
    io.err << "mailtls explain: the English texts (locales/en) cannot be loaded\n";
    return 1;
  }
  return o.transcript.empty() ? explain_stored(o, env, io) : explain_transcript(o, env, io);
}

}  // namespace mailtls
