-- Indexes created when a run begins, before its rows. Their keys arrive in about key order
-- (ids and MIDs as handed out, ICIDs and DCIDs as the appliance numbers them, times), so
-- each insert lands at the right-hand edge of its index, on pages already in the cache.
-- Kept up as the rows come, they cost less than sorting the whole table for each after
-- the load: at 1 GB of logs 1.3 s less at the finish for 1.1 s more while streaming,
-- when the other core has work too (docs/performance.md, fourth round).
CREATE INDEX IF NOT EXISTS sources_fingerprint ON sources (fingerprint);
CREATE INDEX IF NOT EXISTS connections_key ON connections (appliance, direction, conn_id);
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
