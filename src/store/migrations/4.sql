-- Version 3 to 4: the host access table refusals logged with ICID 0, which no connection
-- holds, counted per source (source_refusals). A new table only; what was ingested before
-- has no rows in it. Spelled out here, not taken from schema.sql.
CREATE TABLE source_refusals (
  source_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  lines INTEGER NOT NULL,
  PRIMARY KEY (source_id, action)
) WITHOUT ROWID;
