-- Version 4 to 5: source_damage, the lines stored from damaged compressed data, which may
-- be wrong. A new table only; what was ingested before has no rows in it. Spelled out here
-- (not taken from schema.sql) so that this step still makes version 5 after a later
-- version changes the table again.
CREATE TABLE source_damage (
  source_id INTEGER NOT NULL,
  first_line INTEGER NOT NULL,    -- the first stored line that may be wrong
  last_line INTEGER NOT NULL,     -- the last line stored from that stream in that run
  from_byte INTEGER NOT NULL,     -- decompressed byte where the damaged unit's output began
  PRIMARY KEY (source_id, first_line)
) WITHOUT ROWID;
