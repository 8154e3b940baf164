-- Indexes, built after a bulk load (creating them first would slow every insert).
CREATE INDEX IF NOT EXISTS sources_fingerprint ON sources (fingerprint);
CREATE INDEX IF NOT EXISTS connections_key ON connections (appliance, direction, conn_id);
CREATE INDEX IF NOT EXISTS connections_domain ON connections (domain, direction);
CREATE INDEX IF NOT EXISTS connections_started ON connections (started_at);
-- Only the fragments (rows whose opening was not read): reconcile() finds them with one
-- scan of this small index instead of the whole table.
CREATE INDEX IF NOT EXISTS connections_fragments ON connections (appliance, direction, conn_id)
  WHERE has_open = 0;
-- The tables of a connection's rows (log_events, transcript, deliveries, findings,
-- ehlo_keywords) need none by connection: their primary key (connection_id, seq) is one.
CREATE INDEX IF NOT EXISTS messages_key ON messages (appliance, mid);
CREATE INDEX IF NOT EXISTS recipients_msg ON recipients (message_id);
CREATE INDEX IF NOT EXISTS deliveries_msg ON deliveries (message_id);
CREATE INDEX IF NOT EXISTS unparsed_source ON unparsed (source_id, line_no);
