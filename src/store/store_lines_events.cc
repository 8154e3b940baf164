// What each source holds beyond its own row: the classes of its lines, the refusals no
// connection holds, the lines kept from damaged data and the log headers of the
// appliances it concatenates (source_lines, source_refusals, source_damage,
// source_appliances; docs/schema.md);
// and the events of messages (message_events). Few rows each: plain statements, not
// batches.
#include <sqlite3.h>

#include "store/sqlite_util.h"
#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

void Store::add_source_lines(int64_t source_id, std::string_view line_class, std::string_view log_type,
                             int64_t lines) {
  if (lines <= 0 || !writable("add_source_lines")) return;
  sql::Stmt st(db_,
               "INSERT INTO source_lines (source_id, class, log_type, lines) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (source_id, class, log_type) DO UPDATE SET lines = lines + excluded.lines");
  st.bind_int(1, source_id).bind_text(2, line_class).bind_text(3, log_type).bind_int(4, lines);
  stmts_->execute(st);
}

std::vector<SourceLines> Store::source_lines(int64_t source_id) {
  std::vector<SourceLines> out;
  if (mode_ == Mode::read_write) stmts_->flush_all();
  sql::Stmt st(db_, "SELECT class, log_type, lines FROM source_lines WHERE source_id = ?1 ORDER BY class, log_type");
  st.bind_int(1, source_id);
  while (st.row()) out.push_back({st.str(0), st.str(1), st.int64(2)});
  return out;
}

void Store::add_source_refusals(int64_t source_id, std::string_view action, int64_t lines) {
  if (lines <= 0 || !writable("add_source_refusals")) return;
  sql::Stmt st(db_,
               "INSERT INTO source_refusals (source_id, action, lines) VALUES (?1, ?2, ?3) "
               "ON CONFLICT (source_id, action) DO UPDATE SET lines = lines + excluded.lines");
  st.bind_int(1, source_id).bind_text(2, action).bind_int(3, lines);
  stmts_->execute(st);
}

void Store::add_source_damage(int64_t source_id, int64_t first_line, int64_t last_line, int64_t from_byte) {
  if (first_line > last_line || !writable("add_source_damage")) return;
  sql::Stmt st(db_,
               "INSERT OR REPLACE INTO source_damage (source_id, first_line, last_line, from_byte) "
               "VALUES (?1, ?2, ?3, ?4)");
  st.bind_int(1, source_id).bind_int(2, first_line).bind_int(3, last_line).bind_int(4, from_byte);
  stmts_->execute(st);
}

void Store::add_source_appliance(int64_t source_id, const SourceAppliance& header) {
  if (!writable("add_source_appliance")) return;
  sql::Stmt st(db_,
               "INSERT OR REPLACE INTO source_appliances (source_id, line_no, serial, version) "
               "VALUES (?1, ?2, ?3, ?4)");
  st.bind_int(1, source_id).bind_int(2, header.line_no).bind_text(3, header.serial).bind_text(4, header.version);
  stmts_->execute(st);
}

std::vector<SourceAppliance> Store::source_appliances(int64_t source_id) {
  std::vector<SourceAppliance> out;
  if (mode_ == Mode::read_write) stmts_->flush_all();
  sql::Stmt st(db_, "SELECT line_no, serial, version FROM source_appliances WHERE source_id = ?1 ORDER BY line_no");
  st.bind_int(1, source_id);
  while (st.row()) out.push_back({st.int64(0), st.str(1), st.str(2)});
  return out;
}

}  // namespace mailtls

namespace mailtls {

// A message's events are few (a handful of generic lines at most): plain statements.
void Store::write_message_events(const Message& m) {
  if (m.events.empty()) return;
  sql::Stmt st(db_,
               "INSERT INTO message_events (message_id, seq, family, time, source_id, line_no, line) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  for (size_t i = 0; i < m.events.size(); ++i) {
    const LogLine& e = m.events[i];
    st.bind_int(1, m.id).bind_int(2, static_cast<int64_t>(i)).bind_text(3, e.detail);
    st.bind_int_or_null(4, e.time).bind_int(5, e.ref.source_id).bind_int(6, e.ref.line_no).bind_text(7, e.text);
    stmts_->execute(st);
  }
}

void Store::delete_message_events(int64_t id) {
  sql::Stmt st(db_, "DELETE FROM message_events WHERE message_id = ?1");
  st.bind_int(1, id);
  stmts_->execute(st);
}

std::vector<LogLine> Store::message_events(int64_t message_id) {
  std::vector<LogLine> out;
  sql::Stmt st(db_,
               "SELECT family, time, source_id, line_no, line FROM message_events WHERE message_id = ?1 "
               "ORDER BY seq");
  st.bind_int(1, message_id);
  while (st.row())
    out.push_back(LogLine{EventType::note, st.str(4), st.str(0), LineRef{st.int64(2), st.int64(3)},
                          st.is_null(1) ? 0 : st.int64(1)});
  return out;
}

std::vector<int64_t> Store::messages_of_icid(std::string_view appliance, int64_t icid) {
  std::vector<int64_t> out;
  if (mode_ == Mode::read_write) stmts_->flush_all();
  sql::Stmt st(db_, "SELECT id FROM messages WHERE appliance = ?1 AND icid = ?2 ORDER BY id");
  st.bind_text(1, appliance).bind_int(2, icid);
  while (st.row()) out.push_back(st.int64(0));
  return out;
}

}  // namespace mailtls
