#!/usr/bin/env python3
"""Writes samples/posture/: eight days of outbound mail (mail_logs.log) and the domain debug
log of the downgraded domain (debug.log), one recipient domain per TLS posture state, for
`mailtls posture` and `mailtls notice` (tests/golden/posture_*, notice_*).

Written for the project (no real traffic), with the line builders of
scenarios/make_scenarios.py, so the line shapes are those of shared/corpus. The appliance
has a serial of its own, so the whole of samples/ can share one database.
Run from anywhere: python3 make_posture.py (rewrites both files).
"""
import datetime
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scenarios"))
import make_scenarios as ms  # noqa: E402

ms.BASE = datetime.datetime(2024, 4, 1, 0, 0, 0)  # day 1 = 2024-04-01 (UTC)
SERIAL = "7A1C0E55D2B94F3B8C16-1B2D3F4A5C6E"
DAY = 86400

# One recipient domain per state; each letter of `pattern` is one connection, one per day
# from day 1: S = TLS success, N = "STARTTLS command not supported", R = STARTTLS refused,
# M = STARTTLS masked by a firewall (with its dialogue in debug.log).
DOMAINS = [
    # (domain, MX host, MX address, pattern, protocol, cipher)
    ("contoso.example", "mx1.contoso.example", "198.51.100.11", "SSSSSS", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
    ("adventure-works.example", "mx.adventure-works.example", "198.51.100.12", "SSNSSNS", "TLSv1.2",
     "ECDHE-RSA-AES256-GCM-SHA384"),
    ("tailspin.example", "mail.tailspin.example", "198.51.100.13", "SRSRSR", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
    ("oldmail.example", "smtp.oldmail.example", "198.51.100.14", "NNNNN", "", ""),
    ("rarely.example", "mx.rarely.example", "198.51.100.15", "SS", "TLSv1.3", "TLS_AES_128_GCM_SHA256"),
    ("wingtip.example", "mx.wingtip.example", "198.51.100.16", "SSSSMMMM", "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"),
    ("legacy-bank.example", "mx.legacy-bank.example", "198.51.100.17", "SSSSS", "TLSv1", "AES128-SHA"),
    ("oldcipher.example", "mx.oldcipher.example", "198.51.100.18", "SSSSS", "TLSv1.2", "DES-CBC3-SHA"),
]


def tls_line(dcid, t, letter, protocol, cipher):
    if letter == "S":
        return [(t, f"Info: DCID {dcid} TLS success protocol {protocol} cipher {cipher}")]
    if letter == "R":
        return [(t, f"Info: DCID {dcid} TLS failed: STARTTLS unexpected response")]
    return [(t, f"Info: DCID {dcid} STARTTLS command not supported")]


def masked_dialogue(dcid, t, host, rcpt):
    """A firewall in front of the new MX: asterisk banner, STARTTLS overwritten by X's."""
    steps = ([("R", "220 ******************************************"), ("S", f"EHLO {ms.ESA_HOST}"),
              ("R", f"250-{host} Hello [{ms.ESA_IP}]"), ("R", "250-SIZE 20971520"), ("R", "250-PIPELINING"),
              ("R", "250-XXXXXXXA"), ("R", "250 8BITMIME")] + ms.mail_steps(rcpt))
    return ms.client_dialogue(dcid, t, steps)


def tls_dialogue(dcid, t, host, rcpt):
    kw = ["PIPELINING", "SIZE 20971520", "STARTTLS", "8BITMIME"]
    return ms.client_dialogue(dcid, t, ms.tls_steps(host, kw, [k for k in kw if k != "STARTTLS"], rcpt))


def connection(index, day, domain, host, ip, letter, protocol, cipher):
    """One delivery: the message comes in on an ICID, then goes out on a DCID."""
    dcid, icid, mid = 4000 + index, 6000 + index, 70000 + index
    t = day * DAY + 9 * 3600 + index * 60  # 09:00 UTC on its day, a minute apart
    rcpt = f"orders@{domain}"
    mail = ms.inbound_injection(icid, t, [(mid, rcpt)])
    mail += ms.dcid_open(dcid, t + 20, ip) + tls_line(dcid, t + 20, letter, protocol, cipher)
    mail += ms.delivered(dcid, t + 21, mid) + ms.closed("DCID", dcid, t + 24)
    debug = []
    if domain == "wingtip.example":
        debug = (masked_dialogue if letter == "M" else tls_dialogue)(dcid, t + 20, host, rcpt)
    return mail, debug


def unknown_fragment(day):
    """A contoso delivery whose opening was rotated away: its outcome is unknown, so it is
    not eligible and does not change contoso's readiness."""
    dcid, icid, mid, t = 4999, 6999, 70999, day * DAY + 23 * 3600
    return ms.inbound_injection(icid, t, [(mid, "orders@contoso.example")]) + ms.delivered(dcid, t + 20, mid) + \
        ms.closed("DCID", dcid, t + 24)


def inbound_without_tls(index, day):
    """A partner that sends us mail without TLS: the inbound side's no-tls."""
    icid, mid = 6500 + index, 75000 + index
    t = day * DAY + 15 * 3600
    lines = ms.inbound_injection(icid, t, [(mid, "accounts@example.com")], sender_ip="203.0.113.77",
                                 host="out.northwind.example")
    lines = [(s, l.replace("billing@example.com", "invoices@northwind.example")) for s, l in lines
             if " TLS success " not in l]
    return lines


def main():
    mail, debug, index = [], [], 0
    for domain, host, ip, pattern, protocol, cipher in DOMAINS:
        for day, letter in enumerate(pattern):
            m, d = connection(index, day, domain, host, ip, letter, protocol, cipher)
            mail += m
            debug += d
            index += 1
    mail += unknown_fragment(6)
    for day in range(5):
        mail += inbound_without_tls(day, day)
    with open(os.path.join(HERE, "mail_logs.log"), "w") as f:
        f.write(ms.frame(ms.header(-1, "mail_logs", SERIAL) + mail))
    with open(os.path.join(HERE, "debug.log"), "w") as f:
        f.write(ms.frame(ms.header(-1, "domain debug", SERIAL) + debug))


if __name__ == "__main__":
    main()
