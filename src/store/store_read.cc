// The store, reads: the row readers shared with reconcile, and the loaders of one
// connection or message that explain and the reports use.
#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

// Row readers, shared with reconcile's batch loader (columns: store_statements.h).

LogLine read_log_line(const sql::Stmt& q) {
  LogLine l;
  l.type = event_type_by_name(q.text(0)).value_or(EventType::other);
  l.text = q.str(1);
  l.detail = q.str(2);
  l.ref = {q.int64(3), q.int64(4)};
  l.time = q.int64(5);
  return l;
}

TranscriptLine read_transcript_line(const sql::Stmt& q) {
  TranscriptLine t;
  t.sender = q.text(0) == "server" ? Sender::server : Sender::client;
  t.text = q.str(1);
  t.ref = {q.int64(2), q.int64(3)};
  t.time = q.int64(4);
  return t;
}

Delivery read_delivery(const sql::Stmt& q) {
  Delivery d;
  d.message_id = q.int64(0);
  d.mid = q.int64(1);
  d.rid = static_cast<int>(q.int64(2));
  d.result = delivery_result_by_name(q.text(3)).value_or(DeliveryResult::started);
  d.response = q.str(4);
  return d;
}

void read_connection_row(const sql::Stmt& q, Connection& c) {
  c.appliance = q.str(0);
  c.direction = direction_by_name(q.text(1)).value_or(Direction::inbound);
  c.conn_id = q.int64(2);
  c.started_at = q.int64(3);
  c.ended_at = q.int64(4);
  c.last_seen = q.int64(5);
  c.has_open = q.int64(6) != 0;
  c.has_close = q.int64(7) != 0;
  c.peer_ip = q.str(8);
  c.peer_host = q.str(9);
  c.domain = q.str(10);
  c.tls_protocol = q.str(11);
  c.tls_cipher = q.str(12);
  // Outbound counts follow from the deliveries; inbound ones only from this column.
  if (c.direction == Direction::inbound) c.messages_received = q.int64(13);
  c.local_ip = q.str(14);
}


std::optional<Connection> Store::load_connection(int64_t id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  s.get_connection.bind_int(1, id);
  if (!s.get_connection.row()) return std::nullopt;
  Connection c;
  c.id = id;
  read_connection_row(s.get_connection, c);
  s.get_connection.reset();
  s.get_log.bind_int(1, id);
  while (s.get_log.row()) c.log.push_back(read_log_line(s.get_log));
  s.get_transcript.bind_int(1, id);
  while (s.get_transcript.row()) c.transcript.push_back(read_transcript_line(s.get_transcript));
  s.get_deliveries.bind_int(1, id);
  while (s.get_deliveries.row()) c.deliveries.push_back(read_delivery(s.get_deliveries));
  return c;
}

std::vector<int64_t> Store::find_connections(std::string_view appliance, Direction dir,
                                             int64_t conn_id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  sql::Stmt& q = appliance.empty() ? s.connections_by_key_any : s.connections_by_key;
  int p = 1;
  if (!appliance.empty()) q.bind_text(p++, appliance);
  q.bind_text(p, direction_name(dir));
  q.bind_int(p + 1, conn_id);
  std::vector<int64_t> ids;
  while (q.row()) ids.push_back(q.int64(0));
  return ids;
}

std::optional<Message> Store::load_message(int64_t id) {
  Statements& s = *stmts_;
  if (mode_ == Mode::read_write) s.flush_all();
  sql::Stmt& q = s.get_message;
  q.bind_int(1, id);
  if (!q.row()) return std::nullopt;
  Message m;
  m.id = id;
  m.appliance = q.str(0);
  m.mid = q.int64(1);
  m.icid = q.is_null(2) ? -1 : q.int64(2);
  m.mail_from = q.str(3);
  m.subject = q.str(4);
  m.message_id = q.str(5);
  m.bytes = q.is_null(6) ? -1 : q.int64(6);
  q.reset();
  s.get_recipients.bind_int(1, id);
  while (s.get_recipients.row())
    m.recipients.push_back({static_cast<int>(s.get_recipients.int64(0)),
                            s.get_recipients.str(1)});
  m.events = message_events(id);
  return m;
}

}  // namespace mailtls
