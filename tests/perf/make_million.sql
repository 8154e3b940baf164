-- Fills a store with 1,000,000 synthetic outbound connections (2,000 domains, 30 days,
-- every outcome), one message each (delivered, or delayed on every 17th connection), and a
-- cleartext-fallback finding on a third of the failures; connections.messages and
-- fallback_messages are filled as `mailtls ingest` fills them: the load for timing `mailtls summary` (see tests/perf/README.md).
-- Usage: cat src/store/schema.sql tests/perf/make_million.sql src/store/schema_indexes.sql src/store/schema_indexes_after_load.sql | sqlite3 million.db
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO connections (id, appliance, direction, conn_id, started_at, ended_at, peer_ip, peer_host, domain,
                         tls_outcome, tls_protocol, tls_cipher, confidence, has_open, has_close, messages)
SELECT i, 'esa' || (i % 4) || '.example.net', 'outbound', i, 1709251200 + (i * 2591) % 2592000,
       1709251200 + (i * 2591) % 2592000 + 3, '198.51.' || (i % 200) || '.' || (i % 250),
       'mx' || (i % 3) || '.d' || (i % 2000) || '.example', 'd' || (i % 2000) || '.example',
       CASE WHEN i % 10 < 7 THEN 'tls-success'
            ELSE json_extract('["starttls-not-offered","ehlo-misordered","starttls-masked","ehlo-rejected",' ||
                              '"starttls-refused","handshake-failed","certificate-invalid","connection-lost",' ||
                              '"tls-not-attempted","tls-failed","cleartext","unknown"]', '$[' || (i % 12) || ']') END,
       CASE WHEN i % 10 < 7 THEN (CASE WHEN i % 3 = 0 THEN 'TLSv1.2' ELSE 'TLSv1.3' END) END,
       CASE WHEN i % 10 < 7 THEN (CASE WHEN i % 3 = 0 THEN 'ECDHE-RSA-AES256-GCM-SHA384' ELSE 'TLS_AES_256_GCM_SHA384' END) END,
       'medium', 1, 1, i % 17 != 0
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO messages (id, appliance, mid, icid, mail_from, subject, bytes)
SELECT i, 'esa' || (i % 4) || '.example.net', i, NULL, 'user' || (i % 500) || '@corp.example', 'Message ' || i, 1000 + i % 90000
FROM n;
INSERT INTO deliveries (connection_id, seq, message_id, rid, result, response)
SELECT id, 0, id, 0, CASE WHEN id % 17 = 0 THEN 'delayed' ELSE 'delivered' END, '250 ok' FROM connections;
INSERT INTO findings (connection_id, seq, code) SELECT id, 0, 'cleartext-fallback' FROM connections
WHERE tls_outcome NOT IN ('tls-success', 'unknown', 'tls-not-attempted', 'cleartext') AND id % 3 = 0;
UPDATE connections SET fallback_messages = messages
WHERE tls_outcome NOT IN ('tls-success', 'unknown', 'tls-not-attempted', 'cleartext') AND id % 3 = 0;
COMMIT;
