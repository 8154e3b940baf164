-- Rows for the report commands' tests (summary, query, tlsrpt, report). Load it after
-- src/store/schema.sql and the two index files. Three UTC days, 2024-03-04 to 2024-03-06
-- (1709510400, 1709596800, 1709683200), two appliances, one line per behaviour.
INSERT INTO sources (id, path, fingerprint, fp_len, bytes, lines, lines_parsed, appliance, ingested_at) VALUES
  (1, 'mail.current', 'f00dfeed', 4096, 52000, 400, 396, 'esa1.example.net', 1709800000),
  (2, 'esa2/mail.@20240305T000000.s', 'beadcafe', 4096, 21000, 170, 170, 'esa2.example.net', 1709800000);

INSERT INTO connections (id, appliance, direction, conn_id, started_at, ended_at, peer_ip, peer_host, domain,
                         tls_outcome, tls_protocol, tls_cipher, tls_detail, confidence, has_open, has_close, last_seen) VALUES
  (1,  'esa1.example.net', 'outbound', 101, 1709539200, 1709539203, '142.250.102.27', 'gmail-smtp-in.l.google.com', 'gmail.com',
       'tls-success', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', NULL, 'medium', 1, 1, 1709539203),
  (2,  'esa1.example.net', 'outbound', 102, 1709629800, 1709629802, '142.250.102.27', 'gmail-smtp-in.l.google.com', 'gmail.com',
       'tls-success', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', NULL, 'medium', 1, 1, 1709629802),
  (3,  'esa2.example.net', 'outbound', 201, 1709719200, 1709719201, '74.125.133.26', 'alt1.gmail-smtp-in.l.google.com', 'gmail.com',
       'tls-success', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', NULL, 'medium', 1, 1, 1709719201),
  (4,  'esa1.example.net', 'outbound', 103, 1709542800, 1709542805, '198.51.100.25', 'mx1.example.org', 'example.org',
       'starttls-not-offered', NULL, NULL, NULL, 'low', 1, 1, 1709542805),
  (5,  'esa1.example.net', 'outbound', 104, 1709631000, 1709631004, '198.51.100.25', 'mx1.example.org', 'example.org',
       'starttls-not-offered', NULL, NULL, NULL, 'high', 1, 1, 1709631004),
  (6,  'esa1.example.net', 'outbound', 105, 1709722800, 1709722802, '198.51.100.26', 'mx2.example.org', 'example.org',
       'tls-success', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', NULL, 'medium', 1, 1, 1709722802),
  (7,  'esa1.example.net', 'outbound', 106, 1709643600, 1709643603, '203.0.113.40', 'mail.legacy-corp.example', 'legacy-corp.example',
       'ehlo-misordered', NULL, NULL, NULL, 'high', 1, 1, 1709643603),
  (8,  'esa2.example.net', 'outbound', 202, 1709650800, 1709650806, '192.0.2.80', 'smtp.pix-shop.example', 'pix-shop.example',
       'starttls-masked', NULL, NULL, NULL, 'high', 1, 1, 1709650806),
  (9,  'esa1.example.net', 'outbound', 107, 1709726400, 1709726401, '203.0.113.90', 'mx.badcert.example', 'badcert.example',
       'certificate-invalid', NULL, NULL, 'expired', 'medium', 1, 1, 1709726401),
  (10, 'esa1.example.net', 'outbound', 108, 1709730000, 1709730001, '203.0.113.91', 'mx2.badcert.example', 'badcert.example',
       'certificate-invalid', NULL, NULL, 'host-mismatch', 'medium', 1, 1, 1709730001),
  (11, 'esa1.example.net', 'outbound', 109, 1709550000, 1709550004, '198.51.100.77', 'mx.refused.example', 'refused.example',
       'starttls-refused', NULL, NULL, '454 4.7.0 TLS not available due to local problem', 'medium', 1, 1, 1709550004),
  (12, 'esa1.example.net', 'outbound', 90, NULL, 1709512000, '198.51.100.5', 'mx.rotated.example', 'rotated.example',
       'unknown', NULL, NULL, NULL, 'low', 0, 1, 1709512000),
  (13, 'esa2.example.net', 'outbound', 203, 1709654400, 1709654402, '192.0.2.15', 'mx.plain.example', 'plain.example',
       'tls-not-attempted', NULL, NULL, NULL, 'high', 1, 1, 1709654402),
  (14, 'esa1.example.net', 'outbound', 110, 1709737200, 1709737201, '198.51.100.99', 'mx.broken.example', 'broken.example',
       'handshake-failed', NULL, NULL, 'sslv3 alert handshake failure', 'medium', 1, 1, 1709737201),
  (15, 'esa1.example.net', 'outbound', 111, 1709740800, 1709740830, '142.250.102.27', 'gmail-smtp-in.l.google.com', 'gmail.com',
       'connection-lost', NULL, NULL, NULL, 'medium', 1, 1, 1709740830),
  (16, 'esa1.example.net', 'inbound', 5001, 1709545000, 1709545004, '203.0.113.7', 'mail.partner.example', 'partner.example',
       'tls-success', 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', NULL, 'medium', 1, 1, 1709545004),
  (17, 'esa1.example.net', 'inbound', 5002, 1709640000, 1709640001, '203.0.113.66', 'old.oldmta.example', 'oldmta.example',
       'tls-required-not-initiated', NULL, NULL, NULL, 'low', 1, 1, 1709640001),
  (18, 'esa1.example.net', 'inbound', 5003, 1709640100, 1709640105, '203.0.113.66', 'old.oldmta.example', 'oldmta.example',
       'cleartext', NULL, NULL, NULL, 'medium', 1, 1, 1709640105);

INSERT INTO messages (id, appliance, mid, icid, mail_from, subject, message_id, bytes) VALUES
  (1,  'esa1.example.net', 7001, 4001, 'ana@corp.example', 'Quarterly figures', '<a1@corp.example>', 18211),
  (2,  'esa1.example.net', 7002, 4002, 'ben@corp.example', 'Lunch?', '<a2@corp.example>', 2211),
  (3,  'esa2.example.net', 7003, 4003, 'cy@corp.example', 'Re: Lunch?', '<a3@corp.example>', 3120),
  (4,  'esa1.example.net', 7004, 4004, 'ana@corp.example', 'Invoice 2024-117', '<a4@corp.example>', 80211),
  (5,  'esa1.example.net', 7005, 4005, 'dee@corp.example', 'Contract draft', '<a5@corp.example>', 120400),
  (6,  'esa1.example.net', 7006, 4006, 'dee@corp.example', 'Contract draft v2', '<a6@corp.example>', 121800),
  (7,  'esa1.example.net', 7007, 4007, 'eli@corp.example', 'Shipping notice', '<a7@corp.example>', 4100),
  (8,  'esa2.example.net', 7008, 4008, 'fay@corp.example', 'Order 5531', '<a8@corp.example>', 5200),
  (9,  'esa1.example.net', 7009, 4009, 'gus@corp.example', 'Payroll', '<a9@corp.example>', 9100),
  (10, 'esa1.example.net', 7010, 4010, 'hal@corp.example', 'Meeting notes', '<a10@corp.example>', 7100),
  (11, 'esa1.example.net', 7011, 4011, 'ivy@corp.example', 'Old thread', '<a11@corp.example>', 1100),
  (12, 'esa2.example.net', 7012, 4012, 'jo@corp.example', 'Newsletter', '<a12@corp.example>', 30100),
  (13, 'esa1.example.net', 7013, 4013, 'kim@corp.example', 'Build results', '<a13@corp.example>', 2100),
  (14, 'esa1.example.net', 7014, 4014, 'lea@corp.example', 'Photos', '<a14@corp.example>', 901100),
  (15, 'esa1.example.net', 9001, 5001, 'sales@partner.example', 'Price list', '<p1@partner.example>', 14000),
  (16, 'esa1.example.net', 9002, 5003, 'robot@oldmta.example', 'Daily report', '<o1@oldmta.example>', 3000);

INSERT INTO recipients (message_id, rid, address) VALUES
  (1, 0, 'x@gmail.com'), (2, 0, 'y@gmail.com'), (3, 0, 'z@gmail.com'),
  (4, 0, 'billing@example.org'), (4, 1, 'ap@example.org'), (5, 0, 'legal@example.org'), (6, 0, 'legal@example.org'),
  (7, 0, 'logistics@legacy-corp.example'), (8, 0, 'orders@pix-shop.example'),
  (9, 0, 'hr@badcert.example'), (10, 0, 'team@badcert.example'), (11, 0, 'old@rotated.example'),
  (12, 0, 'list@plain.example'), (13, 0, 'ci@broken.example'), (14, 0, 'w@gmail.com'),
  (15, 0, 'buyer@corp.example'), (16, 0, 'ops@corp.example');

INSERT INTO deliveries (connection_id, seq, message_id, rid, result, response) VALUES
  (1, 0, 1, 0, 'delivered', '250 2.0.0 OK'), (2, 0, 2, 0, 'delivered', '250 2.0.0 OK'), (3, 0, 3, 0, 'delivered', '250 2.0.0 OK'),
  (4, 0, 4, 0, 'delivered', '250 ok'), (4, 1, 4, 1, 'delivered', '250 ok'), (5, 0, 5, 0, 'delivered', '250 ok'),
  (6, 0, 6, 0, 'delivered', '250 ok'), (7, 0, 7, 0, 'delivered', '250 Message accepted'), (8, 0, 8, 0, 'delivered', '250 Ok: queued'),
  (9, 0, 9, 0, 'delayed', NULL), (10, 0, 10, 0, 'delayed', NULL), (11, 0, 11, 0, 'delivered', '250 ok'),
  (12, 0, 11, 0, 'delivered', '250 ok'), (13, 0, 12, 0, 'delivered', '250 ok'), (14, 0, 13, 0, 'bounced', '554 5.7.1 TLS handshake failed'),
  (15, 0, 14, 0, 'delayed', NULL);

INSERT INTO findings (connection_id, seq, code, detail) VALUES
  (4, 0, 'cleartext-fallback', NULL), (5, 0, 'cleartext-fallback', NULL), (7, 0, 'cleartext-fallback', NULL),
  (8, 0, 'cleartext-fallback', NULL), (11, 0, 'cleartext-fallback', NULL), (9, 0, 'tls-required', NULL),
  (10, 0, 'tls-required', NULL), (9, 1, 'delivery-deferred', NULL), (10, 1, 'delivery-deferred', NULL),
  (14, 0, 'delivery-bounced', NULL), (15, 0, 'delivery-deferred', NULL), (6, 0, 'ehlo-repeated-after-tls', NULL);

-- The per-connection counts that `mailtls ingest` writes with each connection (docs/schema.md):
-- the distinct delivered (outbound) or received (inbound) messages, and the same again on
-- connections with the finding cleartext-fallback. summary_test checks them against the joins.
UPDATE connections SET messages = 1 WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 16, 18);
UPDATE connections SET fallback_messages = messages WHERE id IN (4, 5, 7, 8, 11);
