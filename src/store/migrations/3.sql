-- Version 2 to 3: what each source's lines are (source_lines), the appliances whose log
-- headers it holds (source_appliances), the lines about each message (message_events).
-- New tables only; what was ingested before has no rows in them. Spelled out here (not
-- taken from schema.sql) so that this step still makes version 3 after a later version
-- changes the tables again.
CREATE TABLE source_lines (
  source_id INTEGER NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('specific', 'generic', 'other', 'unrecognised', 'comment')),
  log_type TEXT NOT NULL,
  lines INTEGER NOT NULL,
  PRIMARY KEY (source_id, class, log_type)
) WITHOUT ROWID;
CREATE TABLE source_appliances (
  source_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  serial TEXT NOT NULL,
  version TEXT NOT NULL,
  PRIMARY KEY (source_id, line_no)
) WITHOUT ROWID;
CREATE TABLE message_events (
  message_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  family TEXT NOT NULL,
  time INTEGER,
  source_id INTEGER,
  line_no INTEGER,
  line TEXT NOT NULL,
  PRIMARY KEY (message_id, seq)
) WITHOUT ROWID;
