// The store, writes: connection ids, and the rows of connections, messages and unparsed
// lines, buffered per table; a rewrite deletes the earlier rows first.
#include <algorithm>

#include "store/store.h"
#include "store/store_statements.h"

namespace mailtls {

// Relaxed: an id only needs to be unique; the rows that carry it reach the writer
// through the queue's mutex, which orders everything else.
int64_t Store::new_connection_id() {
  return next_connection_id_.fetch_add(1, std::memory_order_relaxed);
}
int64_t Store::new_message_id() { return next_message_id_.fetch_add(1, std::memory_order_relaxed); }

namespace {

// Never hands out `id` again, even while another thread takes ids from `next`.
void raise_past(std::atomic<int64_t>& next, int64_t id) {
  int64_t current = next.load(std::memory_order_relaxed);
  while (id >= current &&
         !next.compare_exchange_weak(current, id + 1, std::memory_order_relaxed)) {
  }
}

// The connection's messages as the summary counts them (docs/reports.md): outbound the
// distinct messages with a delivered delivery, inbound those started on it.
int64_t message_count(const Connection& c) {
  if (c.direction == Direction::inbound) return c.messages_received;
  std::vector<int64_t> ids;
  for (const Delivery& d : c.deliveries)
    if (d.result == DeliveryResult::delivered) ids.push_back(d.message_id);
  std::sort(ids.begin(), ids.end());
  return std::unique(ids.begin(), ids.end()) - ids.begin();
}

bool has_finding(const Verdict& v, FindingCode code) {
  return std::any_of(v.findings.begin(), v.findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

void add_connection(sql::BatchInsert& q, const Connection& c, const Verdict& v) {
  q.add_int(c.id).add_text(c.appliance).add_text(direction_name(c.direction));
  q.add_int(c.conn_id).add_int_or_null(c.started_at).add_int_or_null(c.ended_at);
  q.add_text_or_null(c.peer_ip).add_text_or_null(c.peer_host);
  q.add_text_or_null(c.domain).add_text(outcome_name(v.outcome));
  q.add_text_or_null(c.tls_protocol).add_text_or_null(c.tls_cipher);
  q.add_text_or_null(v.detail).add_text(confidence_name(v.confidence));
  q.add_int(c.has_open).add_int(c.has_close).add_int_or_null(c.last_seen);
  const int64_t messages = message_count(c);
  q.add_int(messages).add_int(has_finding(v, FindingCode::cleartext_fallback) ? messages : 0);
  q.add_text_or_null(c.local_ip);
}

}  // namespace

void Store::put_connection(const Connection& c, const Verdict& v) {
  if (!writable("put_connection")) return;
  raise_past(next_connection_id_, c.id);
  if (run_->written_before(c.id, run_->connection_base, run_->connection_written)) delete_connection(c.id);
  write_connection_rows(c, v);
}

// The connection row and the rows its verdict decides (findings, EHLO keywords), for an
// id whose row and verdict rows are known to be gone (or never written).
void Store::write_verdict_rows(const Connection& c, const Verdict& v) {
  Statements& s = *stmts_;
  add_connection(s.connections, c, v);
  int64_t seq = 0;
  for (const Finding& f : v.findings)
    s.findings.add_int(c.id).add_int(seq++).add_text(finding_name(f.code)).add_text_or_null(f.detail);
  seq = 0;
  for (const EhloKeyword& k : v.keywords_before_tls)
    s.ehlo_keywords.add_int(c.id).add_int(seq++).add_text("before-tls").add_text(k.keyword)
        .add_text_or_null(k.params);
  for (const EhloKeyword& k : v.keywords_after_tls)
    s.ehlo_keywords.add_int(c.id).add_int(seq++).add_text("after-tls").add_text(k.keyword)
        .add_text_or_null(k.params);
}

// The rows of `c`, for an id whose child rows are known to be gone (or never written).
void Store::write_connection_rows(const Connection& c, const Verdict& v) {
  Statements& s = *stmts_;
  write_verdict_rows(c, v);
  int64_t seq = 0;
  for (const LogLine& l : c.log) {
    s.log_events.add_int(c.id).add_int(seq++).add_text(event_name(l.type));
    s.log_events.add_int_or_null(l.time).add_text_or_null(l.detail);
    s.log_events.add_int_or_null(l.ref.source_id).add_int_or_null(l.ref.line_no);
    s.log_events.add_text(l.text);
  }
  seq = 0;
  for (const TranscriptLine& t : c.transcript) {
    s.transcript.add_int(c.id).add_int(seq++).add_text(sender_name(t.sender)).add_text(t.text);
    s.transcript.add_int_or_null(t.time).add_int_or_null(t.ref.source_id);
    s.transcript.add_int_or_null(t.ref.line_no);
  }
  seq = 0;
  for (const Delivery& d : c.deliveries) {
    s.deliveries.add_int(c.id).add_int(seq++).add_int(d.message_id).add_int(d.rid);
    s.deliveries.add_text(delivery_result_name(d.result)).add_text_or_null(d.response).add_int_or_null(d.mid);
  }
}

void Store::put_message(const Message& m) {
  if (!writable("put_message")) return;
  Statements& s = *stmts_;
  raise_past(next_message_id_, m.id);
  if (run_->written_before(m.id, run_->message_base, run_->message_written)) {
    delete_message(m.id);
  } else if (run_->fresh) {
    run_->note_message_key(m.appliance, m.mid);
  }
  sql::BatchInsert& q = s.messages;
  q.add_int(m.id).add_text(m.appliance).add_int(m.mid);
  q.add_int_or_null(m.icid, -1).add_text_or_null(m.mail_from);
  q.add_text_or_null(m.subject).add_text_or_null(m.message_id);
  q.add_int_or_null(m.bytes, -1);
  for (const Recipient& r : m.recipients)
    s.recipients.add_int(m.id).add_int(r.rid).add_text(r.address);
  s.check_batches();
  write_message_events(m);
}

void Store::put_unparsed(int64_t source_id, int64_t line_no, std::string_view text) {
  if (!writable("put_unparsed")) return;
  stmts_->unparsed.add_int(source_id).add_int(line_no).add_text(text);
  // Checked once per batch, not per line: the hot path stays a few stores into a buffer.
  if (stmts_->unparsed.pending_rows() == 0) stmts_->check_batches();
}

void Store::delete_connection(int64_t id) {
  Statements& s = *stmts_;
  s.delete_children(id);
  s.delete_connection_row.bind_int(1, id);
  s.execute(s.delete_connection_row);
}

void Store::delete_message(int64_t id) {
  Statements& s = *stmts_;
  s.flush_all();
  s.delete_recipients.bind_int(1, id);
  s.execute(s.delete_recipients);
  delete_message_events(id);
  s.delete_message_row.bind_int(1, id);
  s.execute(s.delete_message_row);
}

}  // namespace mailtls
