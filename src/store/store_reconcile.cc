// reconcile(): joins what several files or several runs wrote in pieces.
//
// Pieces arise because a connection's lines can be spread over files read in different
// runs (a log rotated mid-connection) or over two kinds of log (mail_logs and a debug
// log with the SMTP dialogue). Each piece was stored as its own row; here the pieces of
// one key (appliance, direction, conn_id) are loaded, merged in memory, and the result
// is written back and classified again. Merging in memory keeps one write path
// (put_connection) for every row the store ever writes.
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {
namespace {

// The earliest time known for a piece: its opening, else its first dated line.
int64_t first_time(const Connection& c) {
  if (c.started_at) return c.started_at;
  int64_t t = 0;
  for (const auto& l : c.log)
    if (l.time && (!t || l.time < t)) t = l.time;
  for (const auto& l : c.transcript)
    if (l.time && (!t || l.time < t)) t = l.time;
  return t ? t : c.last_seen;
}

// The latest time known for a piece: its close, else its last dated line.
int64_t last_time(const Connection& c) {
  if (c.ended_at) return c.ended_at;
  int64_t t = std::max(c.last_seen, first_time(c));
  for (const auto& l : c.log) t = std::max(t, l.time);
  for (const auto& l : c.transcript) t = std::max(t, l.time);
  return t;
}

// Each line's time for ordering: an undated line keeps the time of the line before it
// (or after it, at the start), so it stays next to its neighbours.
template <class Line>
std::vector<int64_t> ordering_times(const std::vector<Line>& lines) {
  std::vector<int64_t> times(lines.size(), 0);
  int64_t last = 0;
  for (size_t i = 0; i < lines.size(); ++i) times[i] = last = lines[i].time ? lines[i].time : last;
  for (size_t i = lines.size(); i-- > 0;)
    if (!times[i]) times[i] = last = (i + 1 < lines.size() ? times[i + 1] : 0);
  return times;
}

// Merges two lists, each already in order, by time; on equal times the lines of `a`
// (the piece that began first) come first, and each list keeps its own order.
template <class Line>
std::vector<Line> merge_by_time(std::vector<Line> a, std::vector<Line> b) {
  std::vector<int64_t> ta = ordering_times(a), tb = ordering_times(b);
  std::vector<Line> out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    bool take_b = i == a.size() || (j < b.size() && tb[j] < ta[i]);
    out.push_back(take_b ? std::move(b[j++]) : std::move(a[i++]));
  }
  return out;
}

void coalesce(std::string& into, const std::string& from) {
  if (into.empty()) into = from;
}

int64_t min_known(int64_t a, int64_t b) { return !a ? b : !b ? a : std::min(a, b); }

// Moves `src` into `dst`: lines in time order, deliveries appended, columns coalesced.
void absorb(Connection& dst, Connection& src) {
  bool dst_first = first_time(dst) <= first_time(src);
  Connection& early = dst_first ? dst : src;
  Connection& late = dst_first ? src : dst;
  auto log = merge_by_time(std::move(early.log), std::move(late.log));
  auto transcript = merge_by_time(std::move(early.transcript), std::move(late.transcript));
  dst.log = std::move(log);
  dst.transcript = std::move(transcript);
  for (auto& d : src.deliveries) dst.deliveries.push_back(std::move(d));
  dst.messages_received += src.messages_received;
  for (std::string Connection::*field : {&Connection::peer_ip, &Connection::peer_host, &Connection::domain,
                      &Connection::tls_protocol, &Connection::tls_cipher, &Connection::local_ip})
    coalesce(dst.*field, src.*field);
  dst.started_at = min_known(dst.started_at, src.started_at);
  dst.ended_at = std::max(dst.ended_at, src.ended_at);
  dst.last_seen = std::max(dst.last_seen, src.last_seen);
  dst.has_open = dst.has_open || src.has_open;
  dst.has_close = dst.has_close || src.has_close;
}

struct Piece {
  Connection c;
  bool merged_away = false;
  bool changed = false;
  // Set when the piece's only change is a debug-log dialogue it adopted while it had no
  // transcript of its own: the dialogue's rows keep their order and are only re-pointed.
  int64_t adopted_dialogue = 0;
  // Set when the piece's only change is a later piece of Delayed:/Bounced: lines whose
  // lines all come after its own: their rows are re-pointed, numbered on from its last.
  int64_t adopted_late = 0;
  size_t log_lines_before = 0, deliveries_before = 0;  // its rows before it adopted them
};

// A piece made only of Delayed:/Bounced: lines, of the TLS and DANE results of consolidated
// events, or of notes: the appliance logs those after the connection that carried the
// message has closed, so they belong to it all the same.
bool only_late_lines(const Connection& c) {
  if (c.log.empty() || !c.transcript.empty()) return false;
  return std::all_of(c.log.begin(), c.log.end(), [](const LogLine& l) {
    return l.type == EventType::delayed || l.type == EventType::bounced ||
           l.type == EventType::consolidated_tls || l.type == EventType::dane || l.type == EventType::note;
  });
}

// For a piece that lacks its opening: the nearest earlier piece with mail_logs lines
// that is not closed yet (closed or not, for late lines), within the window. Pieces are
// in (first_time, id) order.
Piece* earlier_open_piece(std::vector<Piece>& pieces, size_t r, int64_t window) {
  int64_t t = first_time(pieces[r].c);
  if (!t) return nullptr;  // an undated piece cannot be placed
  const bool late = only_late_lines(pieces[r].c);
  for (size_t q = r; q-- > 0;) {
    Piece& p = pieces[q];
    if (t - first_time(p.c) > window) return nullptr;
    if (!p.merged_away && !p.c.log.empty() && (!p.c.has_close || late)) return &p;
  }
  return nullptr;
}

// For a transcript-only piece: the piece with mail_logs lines whose span contains the
// transcript's first time, else the one nearest to it, within the window.
Piece* containing_piece(std::vector<Piece>& pieces, size_t r, int64_t window) {
  int64_t t = first_time(pieces[r].c);
  if (!t) return nullptr;  // an undated dialogue cannot be placed
  Piece* best = nullptr;
  int64_t best_distance = window + 1;
  for (size_t q = 0; q < pieces.size(); ++q) {
    Piece& p = pieces[q];
    if (q == r || p.merged_away || p.c.log.empty()) continue;
    int64_t start = first_time(p.c), end = last_time(p.c);
    int64_t distance = t < start ? start - t : t > end ? t - end : 0;
    if (distance <= best_distance) {  // on a tie the later start wins: it is nearer
      best = &p;
      best_distance = distance;
    }
  }
  return best;
}

// Whether absorbing `late` into `c` only appends: `late` holds only Delayed:/Bounced:
// lines (no dialogue, no verdict of its own worth keeping) and each of its lines sorts
// after every line of `c` in merge_by_time's order (its deliveries are appended anyway).
bool appends_late_lines(const Connection& c, const Connection& late) {
  if (!only_late_lines(late) || c.log.empty()) return false;
  if (first_time(c) > first_time(late)) return false;  // absorb would put `late` first
  const std::vector<int64_t> own = ordering_times(c.log), added = ordering_times(late.log);
  return added.front() >= *std::max_element(own.begin(), own.end());
}

// Decides and performs the merges among the pieces of one key. Returns how many pieces
// were merged away.
int64_t merge_pieces(std::vector<Piece>& pieces, int64_t window) {
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    return std::tuple(first_time(a.c), a.c.id) < std::tuple(first_time(b.c), b.c.id);
  });
  int64_t merged = 0;
  auto merge = [&](Piece* into, Piece& from) {
    if (!into) return;
    const bool adopts_dialogue = !into->changed && into->c.transcript.empty() &&
                                 from.c.log.empty() && from.c.deliveries.empty();
    into->adopted_dialogue = adopts_dialogue ? from.c.id : 0;
    into->adopted_late = !into->changed && appends_late_lines(into->c, from.c) ? from.c.id : 0;
    into->log_lines_before = into->c.log.size();
    into->deliveries_before = into->c.deliveries.size();
    absorb(into->c, from.c);
    into->changed = true;
    from.merged_away = true;
    ++merged;
  };
  // Mail_logs pieces first, in time order, so a middle piece joins the opening before
  // the closing piece looks for an open connection; then the dialogues, which need the
  // joined spans.
  for (size_t r = 0; r < pieces.size(); ++r)
    if (!pieces[r].merged_away && !pieces[r].c.has_open && !pieces[r].c.log.empty())
      merge(earlier_open_piece(pieces, r, window), pieces[r]);
  for (size_t r = 0; r < pieces.size(); ++r)
    if (!pieces[r].merged_away && pieces[r].c.log.empty() && !pieces[r].c.transcript.empty())
      merge(containing_piece(pieces, r, window), pieces[r]);
  return merged;
}

// Fills in what `into` lacks from `from`, unites the recipients and the events (in log
// order: pieces of one message come from several files or runs).
void absorb_message(Message& into, const Message& from) {
  into.events.insert(into.events.end(), from.events.begin(), from.events.end());
  std::stable_sort(into.events.begin(), into.events.end(), [](const LogLine& a, const LogLine& b) {
    return std::tuple(a.time, a.ref.source_id, a.ref.line_no) < std::tuple(b.time, b.ref.source_id, b.ref.line_no);
  });
  if (into.icid < 0) into.icid = from.icid;
  if (into.bytes < 0) into.bytes = from.bytes;
  coalesce(into.mail_from, from.mail_from);
  coalesce(into.subject, from.subject);
  coalesce(into.message_id, from.message_id);
  for (const Recipient& r : from.recipients) {
    bool known = std::any_of(into.recipients.begin(), into.recipients.end(), [&](auto& x) {
      return x.rid == r.rid && x.address == r.address;
    });
    if (!known) into.recipients.push_back(r);
  }
}

}  // namespace

namespace {

// Keys per batch: their pieces are loaded, merged and written back together, a few
// set-based statements per batch instead of ~20 statement round trips per key. A batch
// of pieces (mostly a connection and its debug dialogue) stays a few MB in memory.
constexpr size_t kReconcileBatchKeys = 512;

// The ids of every piece of every key that has a fragment, grouped by key; keys with a
// single piece are left out (nothing to join them with).
std::vector<std::vector<int64_t>> fragment_groups(sql::Stmt& q) {
  std::vector<std::vector<int64_t>> groups;
  std::string appliance, direction;
  int64_t conn_id = 0;
  std::vector<int64_t> ids;
  auto close_group = [&] {
    if (ids.size() >= 2) groups.push_back(std::move(ids));
    ids.clear();
  };
  while (q.row()) {
    if (ids.empty() || q.text(1) != appliance || q.text(2) != direction || q.int64(3) != conn_id) {
      close_group();
      appliance = q.str(1);
      direction = q.str(2);
      conn_id = q.int64(3);
    }
    ids.push_back(q.int64(0));
  }
  close_group();
  return groups;
}

// "(1,2,3)": ids are integers we read ourselves, so they are written into the SQL
// (a batch holds thousands, more than SQLite allows parameters).
std::string id_list(const std::vector<int64_t>& ids) {
  std::string out = "(";
  for (int64_t id : ids) {
    if (out.size() > 1) out += ',';
    out += std::to_string(id);
  }
  return out + ")";
}

// Reads the rows of `columns` for every connection in `ids`, in `order`, and hands each
// row to `add` with the connection it belongs to; the connection id is the last column.
template <class Add>
std::string load_rows(sqlite3* db, const std::string& table, const char* columns, int count,
                      const std::string& ids, const char* order, Add add) {
  sql::Stmt q(db, std::string("SELECT ") + columns + ", connection_id FROM " + table +
                      " WHERE connection_id IN " + ids + " ORDER BY connection_id, " + order);
  if (!q.ok()) return q.error();
  while (q.row()) add(q.int64(count), q);
  return q.rc() == SQLITE_DONE || q.rc() == SQLITE_OK ? "" : q.error();
}

// Loads the connections `ids` with their lines and deliveries, as load_connection()
// would one by one. Returns an error message, empty on success.
std::string load_pieces(sqlite3* db, const std::vector<int64_t>& ids,
                        std::unordered_map<int64_t, Piece>& pieces) {
  const std::string list = id_list(ids);
  sql::Stmt q(db, std::string("SELECT ") + kConnectionColumns +
                      ", id FROM connections WHERE id IN " + list);
  if (!q.ok()) return q.error();
  while (q.row()) {
    Piece& p = pieces[q.int64(kConnectionColumnCount)];
    p.c.id = q.int64(kConnectionColumnCount);
    read_connection_row(q, p.c);
  }
  auto piece = [&](int64_t id) -> Connection* {
    auto it = pieces.find(id);
    return it == pieces.end() ? nullptr : &it->second.c;
  };
  std::string error = load_rows(db, "log_events", kLogColumns, kLogColumnCount, list, "seq",
                                [&](int64_t id, const sql::Stmt& r) {
                                  if (Connection* c = piece(id)) c->log.push_back(read_log_line(r));
                                });
  if (error.empty())
    error = load_rows(db, "transcript", kTranscriptColumns, kTranscriptColumnCount, list, "seq",
                      [&](int64_t id, const sql::Stmt& r) {
                        if (Connection* c = piece(id)) c->transcript.push_back(read_transcript_line(r));
                      });
  if (error.empty())
    error = load_rows(db, "deliveries", kDeliveryColumns, kDeliveryColumnCount, list, "seq",
                      [&](int64_t id, const sql::Stmt& r) {
                        if (Connection* c = piece(id)) c->deliveries.push_back(read_delivery(r));
                      });
  return error;
}

}  // namespace

int64_t Store::reconcile(const Classify& classify, int64_t window_seconds) {
  if (!writable("reconcile")) return 0;
  Statements& s = *stmts_;
  s.flush_all();  // the indexes reconcile reads (schema_indexes.sql) exist from the open
  merge_messages();
  // The pieces are read first: the batches below rewrite the table the query reads.
  // Each batch only touches the rows of its own keys, so the ids stay valid.
  const auto groups = fragment_groups(s.fragment_pieces);
  int64_t merged = 0;
  for (size_t first = 0; first < groups.size() && !run_->failed; first += kReconcileBatchKeys) {
    const size_t last = std::min(groups.size(), first + kReconcileBatchKeys);
    merged += reconcile_batch({groups.begin() + static_cast<std::ptrdiff_t>(first),
                               groups.begin() + static_cast<std::ptrdiff_t>(last)},
                              classify, window_seconds);
  }
  s.flush_all();
  return merged;
}

// Merges the pieces of each key in `groups` (see merge_pieces), then deletes the rows of
// every piece merged away or changed and writes the changed ones again, set-wise.
int64_t Store::reconcile_batch(const std::vector<std::vector<int64_t>>& groups,
                               const Classify& classify, int64_t window_seconds) {
  std::vector<int64_t> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  std::unordered_map<int64_t, Piece> loaded;
  if (std::string error = load_pieces(db_, all, loaded); !error.empty()) {
    run_->report("reconcile: " + error);
    return 0;
  }
  int64_t merged = 0;
  std::vector<Piece> changed, adopting;
  std::vector<int64_t> rewritten;  // merged away or changed: all their rows go
  std::vector<int64_t> reverdicted;  // adopting pieces and their dialogues: verdict rows go
  std::vector<std::pair<int64_t, int64_t>> repointed;  // (dialogue id, adopting id)
  std::vector<LateMove> late_moves;
  for (const auto& g : groups) {
    std::vector<Piece> pieces;
    for (int64_t id : g)
      if (auto it = loaded.find(id); it != loaded.end()) pieces.push_back(std::move(it->second));
    merged += merge_pieces(pieces, window_seconds);
    std::set<int64_t> adopted;
    for (const Piece& p : pieces) {
      if (!p.merged_away && p.adopted_dialogue) adopted.insert(p.adopted_dialogue);
      if (!p.merged_away && p.adopted_late) adopted.insert(p.adopted_late);
    }
    for (Piece& p : pieces) {
      if (p.merged_away && adopted.count(p.c.id)) {
        reverdicted.push_back(p.c.id);
      } else if (!p.merged_away && (p.adopted_dialogue || p.adopted_late)) {
        reverdicted.push_back(p.c.id);
        if (p.adopted_dialogue) repointed.emplace_back(p.adopted_dialogue, p.c.id);
        if (p.adopted_late)
          late_moves.push_back({p.adopted_late, p.c.id, static_cast<int64_t>(p.log_lines_before),
                                static_cast<int64_t>(p.deliveries_before)});
        adopting.push_back(std::move(p));
      } else {
        if (p.merged_away || p.changed) rewritten.push_back(p.c.id);
        if (!p.merged_away && p.changed) changed.push_back(std::move(p));
      }
    }
  }
  delete_rows(rewritten, {"log_events", "transcript", "deliveries", "findings", "ehlo_keywords"});
  delete_rows(reverdicted, {"findings", "ehlo_keywords"});
  repoint_transcripts(repointed);
  repoint_late_lines(late_moves);
  for (Piece& p : changed) write_connection_rows(p.c, classify ? classify(p.c) : Verdict{});
  for (Piece& p : adopting) write_verdict_rows(p.c, classify ? classify(p.c) : Verdict{});
  return merged;
}

// Deletes the connection rows of `ids` and their rows in `tables`.
void Store::delete_rows(const std::vector<int64_t>& ids, std::initializer_list<const char*> tables) {
  if (ids.empty()) return;
  Statements& s = *stmts_;
  const std::string list = id_list(ids);
  std::string error;
  for (const char* table : tables)
    if (s.db.exec(std::string("DELETE FROM ") + table + " WHERE connection_id IN " + list, &error) != SQLITE_OK)
      run_->report("reconcile: " + error);
  if (s.db.exec("DELETE FROM connections WHERE id IN " + list, &error) != SQLITE_OK)
    run_->report("reconcile: " + error);
}

// Moves each dialogue's transcript rows to the connection that adopted it; their seq
// numbers stay valid because the connection had no transcript of its own.
void Store::repoint_transcripts(const std::vector<std::pair<int64_t, int64_t>>& moves) {
  if (moves.empty()) return;
  sql::Stmt update(db_, "UPDATE transcript SET connection_id = ?1 WHERE connection_id = ?2");
  for (const auto& [dialogue, connection] : moves) {
    update.bind_int(1, connection).bind_int(2, dialogue);
    if (update.run() != SQLITE_OK) run_->report("reconcile: " + update.error());
  }
}

// Moves the log_events and delivery rows of each late piece to the connection that
// adopted it, numbered on after the connection's own.
void Store::repoint_late_lines(const std::vector<LateMove>& moves) {
  if (moves.empty()) return;
  sql::Stmt log(db_, "UPDATE log_events SET connection_id = ?1, seq = seq + ?3 WHERE connection_id = ?2");
  sql::Stmt deliveries(
      db_, "UPDATE deliveries SET connection_id = ?1, seq = seq + ?3 WHERE connection_id = ?2");
  for (const LateMove& m : moves) {
    log.bind_int(1, m.adopting).bind_int(2, m.piece).bind_int(3, m.seq_offset);
    if (log.run() != SQLITE_OK) run_->report("reconcile: " + log.error());
    deliveries.bind_int(1, m.adopting).bind_int(2, m.piece).bind_int(3, m.delivery_seq_offset);
    if (deliveries.run() != SQLITE_OK) run_->report("reconcile: " + deliveries.error());
  }
}

void Store::merge_messages() {
  Statements& s = *stmts_;
  std::vector<std::pair<std::string, int64_t>> keys;
  if (run_->fresh && !run_->too_many_candidates) {
    // Only this run wrote messages: the keys it may have written twice are known.
    keys = std::move(run_->duplicate_candidates);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  } else {
    while (s.duplicate_message_keys.row())
      keys.emplace_back(s.duplicate_message_keys.str(0), s.duplicate_message_keys.int64(1));
  }
  for (const auto& [appliance, mid] : keys) {
    std::vector<int64_t> ids;
    s.messages_by_key.bind_text(1, appliance).bind_int(2, mid);
    while (s.messages_by_key.row()) ids.push_back(s.messages_by_key.int64(0));
    if (ids.size() < 2) continue;  // a key the filter only took for one seen before
    auto kept = load_message(ids.front());
    if (!kept) continue;
    for (size_t i = 1; i < ids.size(); ++i) {
      if (auto m = load_message(ids[i])) absorb_message(*kept, *m);
      s.move_deliveries.bind_int(1, kept->id).bind_int(2, ids[i]);
      s.execute(s.move_deliveries);
      delete_message(ids[i]);
    }
    s.recount_messages.bind_int(1, kept->id);
    s.execute(s.recount_messages);
    put_message(*kept);
  }
}

}  // namespace mailtls
