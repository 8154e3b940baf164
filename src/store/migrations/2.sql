-- Version 1 to 2: the tables of a connection's rows (log_events, transcript, deliveries,
-- findings, ehlo_keywords) become WITHOUT ROWID tables keyed by (connection_id, seq),
-- which replaces their indexes by connection. deliveries, findings and ehlo_keywords gain
-- the column seq, numbered here in their old rowid order (the order the store read them
-- in); it follows connection_id, as SQLite 3.40's integrity_check misreads a WITHOUT ROWID
-- table whose key columns are not its first. The definitions are spelled out (not taken
-- from schema.sql) so that this step still makes version 2 after a later version changes
-- the tables again. The rows are copied in key order, so the new B-trees are built by
-- appending; a duplicate key (which no version of the store writes) fails the migration,
-- and the transaction of the run rolls it back. deliveries_msg goes with its table and is
-- built again with the other indexes at the end of the run.
CREATE TABLE log_events_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  time INTEGER,
  detail TEXT,
  source_id INTEGER,
  line_no INTEGER,
  line TEXT NOT NULL,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO log_events_v2 (connection_id, seq, kind, time, detail, source_id, line_no, line)
  SELECT connection_id, seq, kind, time, detail, source_id, line_no, line FROM log_events
  ORDER BY connection_id, seq;
DROP TABLE log_events;
ALTER TABLE log_events_v2 RENAME TO log_events;
CREATE TABLE transcript_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL CHECK (sender IN ('client', 'server')),
  line TEXT NOT NULL,
  time INTEGER,
  source_id INTEGER,
  line_no INTEGER,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO transcript_v2 (connection_id, seq, sender, line, time, source_id, line_no)
  SELECT connection_id, seq, sender, line, time, source_id, line_no FROM transcript
  ORDER BY connection_id, seq;
DROP TABLE transcript;
ALTER TABLE transcript_v2 RENAME TO transcript;
CREATE TABLE deliveries_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  result TEXT NOT NULL,
  response TEXT,
  mid INTEGER,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO deliveries_v2 (connection_id, seq, message_id, rid, result, response, mid)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         message_id, rid, result, response, mid
  FROM deliveries ORDER BY connection_id, rowid;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;
CREATE TABLE findings_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  code TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO findings_v2 (connection_id, seq, code, detail)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         code, detail
  FROM findings ORDER BY connection_id, rowid;
DROP TABLE findings;
ALTER TABLE findings_v2 RENAME TO findings;
CREATE TABLE ehlo_keywords_v2 (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('before-tls', 'after-tls')),
  keyword TEXT NOT NULL,
  params TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
INSERT INTO ehlo_keywords_v2 (connection_id, seq, phase, keyword, params)
  SELECT connection_id, row_number() OVER (PARTITION BY connection_id ORDER BY rowid) - 1,
         phase, keyword, params
  FROM ehlo_keywords ORDER BY connection_id, rowid;
DROP TABLE ehlo_keywords;
ALTER TABLE ehlo_keywords_v2 RENAME TO ehlo_keywords;
