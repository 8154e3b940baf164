-- mailtls store, schema version 5 (PRAGMA user_version = 5).
-- Public: scripts, `query`, `summary`, `tlsrpt` and `report` rely on these tables and
-- columns. docs/schema.md documents every column. Times are UTC seconds since the epoch.

CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,             -- as given (tar members: "bundle.tar.gz:member")
  fingerprint TEXT NOT NULL,      -- FNV-1a of the first fp_len decompressed bytes
  fp_len INTEGER NOT NULL,        -- how many bytes the fingerprint covers (<= 4096)
  bytes INTEGER NOT NULL DEFAULT 0,          -- decompressed bytes read (whole lines)
  lines INTEGER NOT NULL DEFAULT 0,
  lines_parsed INTEGER NOT NULL DEFAULT 0,
  lines_unparsed INTEGER NOT NULL DEFAULT 0,
  appliance TEXT NOT NULL DEFAULT '',
  locale TEXT NOT NULL DEFAULT 'en',
  locale_confidence REAL NOT NULL DEFAULT 1.0,
  packaging TEXT NOT NULL DEFAULT 'plain',
  ingested_at INTEGER NOT NULL,
  utc_offset INTEGER NOT NULL DEFAULT 0  -- from the header: UTC = local time - utc_offset
);

-- What each source's lines are: per class (a kind matched it, only the generic tier
-- recognised it, it belongs to another log subscription, nothing recognised it, or it is
-- a '#' comment), and for the lines of other subscriptions per log type. A source read on
-- by a later run adds to its rows.
CREATE TABLE IF NOT EXISTS source_lines (
  source_id INTEGER NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('specific', 'generic', 'other', 'unrecognised', 'comment')),
  log_type TEXT NOT NULL,         -- 'mail_logs', or the other subscription's type
  lines INTEGER NOT NULL,
  PRIMARY KEY (source_id, class, log_type)
) WITHOUT ROWID;

-- The appliances whose log header ("Version: ... SN: ...") a source holds, in order: a
-- file that concatenates two appliances' logs has two rows, and the lines after each
-- header are keyed by that header's serial.
-- Host access table refusals the appliance logged with ICID 0 (`ICID 0 TCPREFUSE SG ...`):
-- refused before a connection existed, so no connection holds them; counted per source
-- and action. A source read on by a later run adds to its rows.
CREATE TABLE IF NOT EXISTS source_refusals (
  source_id INTEGER NOT NULL,
  action TEXT NOT NULL,           -- TCPREFUSE, REJECT, ... as logged
  lines INTEGER NOT NULL,
  PRIMARY KEY (source_id, action)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS source_appliances (
  source_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,       -- the line of the Version header
  serial TEXT NOT NULL,
  version TEXT NOT NULL,
  PRIMARY KEY (source_id, line_no)
) WITHOUT ROWID;

-- Lines stored from data in which the reader met damage: a gzip member, bzip2 or xz
-- block or zstd frame whose check failed or was never reached because decoding failed.
-- Every readable line is kept, but these may be wrong. One row per damaged stream and run.
CREATE TABLE IF NOT EXISTS source_damage (
  source_id INTEGER NOT NULL,
  first_line INTEGER NOT NULL,    -- the first stored line that may be wrong
  last_line INTEGER NOT NULL,     -- the last line stored from that stream in that run
  from_byte INTEGER NOT NULL,     -- decompressed byte where the damaged unit's output began
  PRIMARY KEY (source_id, first_line)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS connections (
  id INTEGER PRIMARY KEY,
  appliance TEXT NOT NULL DEFAULT '',
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  conn_id INTEGER NOT NULL,       -- ICID or DCID
  started_at INTEGER,             -- NULL: the opening is not in the logs
  ended_at INTEGER,               -- NULL: the close is not in the logs
  peer_ip TEXT,
  peer_host TEXT,
  domain TEXT,
  tls_outcome TEXT NOT NULL DEFAULT 'unknown',
  tls_protocol TEXT,
  tls_cipher TEXT,
  tls_detail TEXT,
  confidence TEXT NOT NULL DEFAULT 'low' CHECK (confidence IN ('high', 'medium', 'low')),
  has_open INTEGER NOT NULL DEFAULT 0,
  has_close INTEGER NOT NULL DEFAULT 0,
  last_seen INTEGER,
  -- Written with the row so that `summary` reads one table instead of joining deliveries
  -- and messages: the distinct messages delivered (outbound) or received (inbound) on it,
  -- and the same count again when the connection has the finding cleartext-fallback.
  messages INTEGER NOT NULL DEFAULT 0,
  fallback_messages INTEGER NOT NULL DEFAULT 0,
  local_ip TEXT                   -- the appliance's own address on this connection
);

-- The mail_logs lines of a connection that can serve as evidence. Stored in the order of
-- its key (WITHOUT ROWID): a connection's lines are read together, and the key is the
-- index that finds them, so none is built after the load.
CREATE TABLE IF NOT EXISTS log_events (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,             -- event name (events.h), e.g. dcid_tls_failed
  time INTEGER,
  detail TEXT,
  source_id INTEGER,
  line_no INTEGER,
  line TEXT NOT NULL,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;

-- The SMTP dialogue of a connection, keyed like log_events.
CREATE TABLE IF NOT EXISTS transcript (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL CHECK (sender IN ('client', 'server')),
  line TEXT NOT NULL,
  time INTEGER,
  source_id INTEGER,
  line_no INTEGER,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  appliance TEXT NOT NULL DEFAULT '',
  mid INTEGER NOT NULL,
  icid INTEGER,
  mail_from TEXT,
  subject TEXT,
  message_id TEXT,
  bytes INTEGER
);

-- Lines about a message that change none of its fields (quarantine, scanning verdicts,
-- filters, LDAP...: the `note` events naming its MID), keyed like log_events, for the
-- timeline of `explain`.
CREATE TABLE IF NOT EXISTS message_events (
  message_id INTEGER NOT NULL,    -- messages.id
  seq INTEGER NOT NULL,
  family TEXT NOT NULL,           -- the generic family (grammars/generic.toml)
  time INTEGER,
  source_id INTEGER,
  line_no INTEGER,
  line TEXT NOT NULL,
  PRIMARY KEY (message_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS recipients (
  message_id INTEGER NOT NULL,    -- messages.id
  rid INTEGER NOT NULL,
  address TEXT NOT NULL
);

-- deliveries, findings and ehlo_keywords are keyed like log_events: (connection_id, seq),
-- seq numbering a connection's rows from 0 in the order the store wrote them.
CREATE TABLE IF NOT EXISTS deliveries (
  connection_id INTEGER NOT NULL, -- connections.id (outbound)
  seq INTEGER NOT NULL,
  message_id INTEGER NOT NULL,    -- messages.id
  rid INTEGER NOT NULL,
  result TEXT NOT NULL,           -- started, delivered, delayed, bounced
  response TEXT,
  mid INTEGER,                    -- the message's MID, so a delivery reads without a join
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS findings (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  code TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ehlo_keywords (
  connection_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('before-tls', 'after-tls')),
  keyword TEXT NOT NULL,
  params TEXT,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS unparsed (
  source_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  text TEXT NOT NULL
);
