#!/usr/bin/env python3
"""Writes samples/scenarios/<outcome-or-finding>/: mail_logs.log, debug.log, expected.toml.

Each scenario is one connection of interest, interleaved with unrelated connections
(other ICIDs/DCIDs, other outcomes), in the file form of AsyncOS logs. The logs are
written for the project (no real traffic); their line shapes follow the corpus files in
shared/corpus. Run from anywhere: python3 make_scenarios.py (rewrites every scenario).
"""
import datetime
import os

HERE = os.path.dirname(os.path.abspath(__file__))
# Each scenario is logged by an appliance of its own (the serial ends with the scenario's
# index), so the numbers a scenario reuses never meet another scenario's connections when
# the whole of samples/ is ingested into one database.
SERIAL_PREFIX = "4235E1A8C2B04F6D9E71-0A3F5C7D"
ESA_IP = "192.0.2.10"
ESA_HOST = "esa1.example.com"
BASE = datetime.datetime(2024, 3, 5, 9, 12, 0)


def ctime(sec):
    t = BASE + datetime.timedelta(seconds=sec)
    return t.strftime("%a %b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S %Y")


def header(sec, kind, serial):
    """The three lines every fetched log file starts with; `kind` only documents the call."""
    return [(sec, "Info: Begin Logfile"),
            (sec, f"Info: Version: 15.0.1-030 SN: {serial}"),
            (sec, "Info: Time offset from UTC: 0 seconds")]


def frame(lines):
    return "".join(f"{ctime(s)} {body}\n" for s, body in sorted(lines, key=lambda x: x[0]))


# ---- mail_logs building blocks -------------------------------------------------------

def inbound_injection(icid, sec, mids, sender_ip="198.51.100.7", host="relay.fourthcoffee.example"):
    """An unrelated inbound connection that brings in the messages later delivered."""
    out = [(sec, f"Info: New SMTP ICID {icid} interface Data 1 ({ESA_IP}) address {sender_ip} reverse dns host {host} verified yes"),
           (sec, f"Info: ICID {icid} RELAY SG RELAYLIST match {sender_ip} SBRS not enabled"),
           (sec, f"Info: ICID {icid} TLS success protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384")]
    for i, (mid, rcpt) in enumerate(mids):
        t = sec + 1 + i
        out += [(t, f"Info: Start MID {mid} ICID {icid}"),
                (t, f"Info: MID {mid} ICID {icid} From: <billing@example.com>"),
                (t, f"Info: MID {mid} ICID {icid} RID 0 To: <{rcpt}>"),
                (t, f"Info: MID {mid} Message-ID '<{mid}.notice@example.com>'"),
                (t, f"Info: MID {mid} Subject 'Invoice {mid}'"),
                (t, f"Info: MID {mid} ready 4382 bytes from <billing@example.com>"),
                (t, f"Info: MID {mid} queued for delivery")]
    out.append((sec + 2 + len(mids), f"Info: ICID {icid} close"))
    return out


def inbound_rejected(icid, sec):
    """An unrelated inbound connection the host access table turns away (policy-rejected)."""
    return [(sec, f"Info: New SMTP ICID {icid} interface Data 1 ({ESA_IP}) address 203.0.113.200 reverse dns host unknown verified no"),
            (sec, f"Info: ICID {icid} REJECT SG BLOCKLIST match sbrs[-10.0:-3.0] SBRS -7.4 country Netherlands"),
            (sec + 1, f"Info: ICID {icid} close")]


def outbound_ok(dcid, sec, mid, ip="203.0.113.9", domain="litware.example"):
    """An unrelated outbound delivery with TLS."""
    return [(sec, f"Info: New SMTP DCID {dcid} interface {ESA_IP} address {ip} port 25"),
            (sec, f"Info: DCID {dcid} TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES128-GCM-SHA256"),
            (sec, f"Info: Delivery start DCID {dcid} MID {mid} to RID [0]"),
            (sec + 1, f"Info: Message done DCID {dcid} MID {mid} to RID [0]"),
            (sec + 1, f"Info: MID {mid} RID [0] Response '2.0.0 Ok: queued as 4Tq{mid}'"),
            (sec + 2, f"Info: Message finished MID {mid} done"),
            (sec + 3, f"Info: DCID {dcid} close")]


def dcid_open(dcid, sec, ip):
    return [(sec, f"Info: New SMTP DCID {dcid} interface {ESA_IP} address {ip} port 25")]


def delivered(dcid, sec, mid, tls=None):
    out = [(sec, f"Info: DCID {dcid} TLS success protocol TLSv1.2 cipher {tls}")] if tls else []
    return out + [(sec, f"Info: Delivery start DCID {dcid} MID {mid} to RID [0]"),
                  (sec + 1, f"Info: Message done DCID {dcid} MID {mid} to RID [0]"),
                  (sec + 1, f"Info: MID {mid} RID [0] Response '2.6.0 <{mid}.notice@example.com> Queued mail for delivery'"),
                  (sec + 2, f"Info: Message finished MID {mid} done")]


def closed(kind, cid, sec):
    return [(sec, f"Info: {kind} {cid} close")]


# ---- debug log building blocks (domain debug: the appliance is the client) -----------

def sent(cid, sec, text):
    return (sec, f"Info: {cid} Sent: '{text}'")


def rcvd(cid, sec, text):
    return (sec, f"Info: {cid} Rcvd: '{text}'")


def client_dialogue(cid, sec, steps):
    """steps: list of ('S'|'R', text); 'S' the appliance sends, 'R' it receives."""
    return [sent(cid, sec, t) if who == "S" else rcvd(cid, sec, t) for who, t in steps]


def ehlo_reply(host, keywords):
    lines = [host] + keywords
    return [("R", f"250-{l}") for l in lines[:-1]] + [("R", f"250 {lines[-1]}")]


def mail_steps(rcpt):
    return [("S", "MAIL FROM:<billing@example.com> SIZE=4382"), ("R", "250 2.1.0 Ok"),
            ("S", f"RCPT TO:<{rcpt}>"), ("R", "250 2.1.5 Ok"),
            ("S", "DATA"), ("R", "354 End data with <CR><LF>.<CR><LF>"),
            ("R", "250 2.0.0 Ok: queued"), ("S", "QUIT"), ("R", "221 2.0.0 Bye")]


def tls_steps(host, kw_before, kw_after, rcpt):
    return ([("R", f"220 {host} ESMTP ready"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, kw_before) +
            [("S", "STARTTLS"), ("R", "220 2.0.0 Ready to start TLS"), ("S", f"EHLO {ESA_HOST}")] +
            ehlo_reply(host, kw_after) + mail_steps(rcpt))


def noise_dialogue(cid, sec):
    """An unrelated outbound dialogue that succeeds, for the domain debug log."""
    kws = ["PIPELINING", "SIZE 36700160", "8BITMIME", "STARTTLS"]
    return client_dialogue(cid, sec, tls_steps("mx.litware.example", kws, kws[:-1], "ops@litware.example"))


KW = ["PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES", "8BITMIME", "STARTTLS"]
KW_AFTER = KW[:-1]


# ---- injection debug log (inbound: the appliance is the server) ------------------------

def server_dialogue(cid, sec, steps):
    """steps: ('C', text) the client sends (appliance receives), ('A', text) the appliance sends."""
    return [rcvd(cid, sec, t) if who == "C" else sent(cid, sec, t) for who, t in steps]


def esa_reply(keywords):
    lines = [ESA_HOST] + keywords
    return [("A", f"250-{l}") for l in lines[:-1]] + [("A", f"250 {lines[-1]}")]


ESA_KW = ["8BITMIME", "SIZE 10485760", "STARTTLS"]


def inbound_noise_dialogue(icid, sec):
    steps = ([("A", f"220 {ESA_HOST} ESMTP"), ("C", "EHLO relay.fourthcoffee.example")] + esa_reply(ESA_KW) +
             [("C", "STARTTLS"), ("A", "220 Go ahead with TLS"), ("C", "EHLO relay.fourthcoffee.example")] +
             esa_reply(ESA_KW[:-1]) + [("C", "MAIL FROM:<billing@example.com>"), ("A", "250 sender <billing@example.com> ok"),
                                        ("C", "QUIT"), ("A", f"221 {ESA_HOST} closing connection")])
    return server_dialogue(icid, sec, steps)


# ---- the scenarios ---------------------------------------------------------------------

def out_scenario(dcid, ip, host, rcpt, log_tail, steps, extra_mail=None):
    """An outbound connection of interest at t=60 with the usual neighbours."""
    mid = dcid * 10
    mail = (inbound_injection(dcid + 5000, 0, [(mid, rcpt), (mid + 1, "ops@litware.example")]) +
            outbound_ok(dcid + 1, 30, mid + 1) + dcid_open(dcid, 60, ip) + log_tail(mid) +
            inbound_rejected(dcid + 5001, 63) + (extra_mail or []))
    debug = (noise_dialogue(dcid + 1, 30) + plain_noise_dialogue(dcid + 2, 45) +
             client_dialogue(dcid, 60, steps))
    return mail, debug


def plain_noise_dialogue(dcid, sec):
    """A second unrelated outbound dialogue, to a server without STARTTLS."""
    host = "mail.oldschool.example"
    steps = ([("R", f"220 {host} ESMTP"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, ["SIZE 5000000", "8BITMIME"]) +
             [("S", "QUIT"), ("R", "221 Bye")])
    return client_dialogue(dcid, sec, steps)


def ok(outcome, confidence, findings=(), not_findings=(), note=""):
    return dict(tls_outcome=outcome, confidence=list(confidence), findings=list(findings),
                not_findings=list(not_findings), decides=True, note=note)


def undecided(best, confidence, acceptable, findings=(), note=""):
    return dict(tls_outcome=best, confidence=list(confidence), findings=list(findings),
                not_findings=[], decides=False, acceptable=list(acceptable), note=note)


def s_tls_success(dcid=3101, name="tls-success"):
    host, rcpt = "mx1.northwind.example", "orders@northwind.example"
    tail = lambda mid: delivered(dcid, 61, mid, tls="ECDHE-RSA-AES256-GCM-SHA384") + closed("DCID", dcid, 64)
    mail, debug = out_scenario(dcid, "198.51.100.20", host, rcpt, tail, tls_steps(host, KW, KW_AFTER, rcpt))
    exp = {"mail_logs": ok("tls-success", ["medium"], [], ["ehlo-repeated-after-tls"],
                           "the TLS success line decides; without the dialogue the second EHLO is not visible"),
           "debug": ok("tls-success", ["high"], ["ehlo-repeated-after-tls"], ["extensions-changed-after-tls"],
                       "STARTTLS answered 220 and the dialogue went on inside TLS; the second EHLO is normal"),
           "both": ok("tls-success", ["high"], ["ehlo-repeated-after-tls"], ["extensions-changed-after-tls"])}
    return name, "outbound", dcid, mail, debug, exp


def s_not_offered():
    dcid, host, rcpt = 3102, "mail.contoso-legacy.example", "sales@contoso-legacy.example"
    tail = lambda mid: [(60, f"Info: DCID {dcid} STARTTLS command not supported")] + delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    steps = ([("R", f"220 {host} ESMTP Postfix"), ("S", f"EHLO {ESA_HOST}")] +
             ehlo_reply(host, ["PIPELINING", "SIZE 10240000", "8BITMIME"]) + mail_steps(rcpt))
    mail, debug = out_scenario(dcid, "198.51.100.31", host, rcpt, tail, steps)
    exp = {"mail_logs": ok("starttls-not-offered", ["low"], [], [],
                           "the log line alone fits several causes: candidates listed"),
           "debug": ok("starttls-not-offered", ["high"], [], [], "a well-formed EHLO reply without STARTTLS"),
           "both": ok("starttls-not-offered", ["high"])}
    return "starttls-not-offered", "outbound", dcid, mail, debug, exp


def s_misordered():
    dcid, host, rcpt = 3103, "mail.fabrikam.example", "hr@fabrikam.example"
    tail = lambda mid: [(60, f"Info: DCID {dcid} STARTTLS command not supported")] + delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    steps = ([("R", f"220 {host} ESMTP Service ready"), ("S", f"EHLO {ESA_HOST}"),
              ("R", "250-STARTTLS"), ("R", f"250-{host}"), ("R", "250-8BITMIME"), ("R", "250-PIPELINING"),
              ("R", "250-HELP"), ("R", "250 DELIVERBY 300")] + mail_steps(rcpt))
    mail, debug = out_scenario(dcid, "198.51.100.44", host, rcpt, tail, steps)
    exp = {"mail_logs": ok("starttls-not-offered", ["low"], [], [],
                           "cannot decide: the log line is the same as for a peer without STARTTLS; ehlo-misordered is one of the candidates"),
           "debug": ok("ehlo-misordered", ["high"], [], [], "250-STARTTLS comes before the domain line"),
           "both": ok("ehlo-misordered", ["high"])}
    return "ehlo-misordered", "outbound", dcid, mail, debug, exp


def s_masked():
    dcid, host, rcpt = 3104, "mx.adatum.example", "support@adatum.example"
    tail = lambda mid: [(60, f"Info: DCID {dcid} STARTTLS command not supported")] + delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    steps = ([("R", "220 ******************************************"), ("S", f"EHLO {ESA_HOST}"),
              ("R", f"250-{host} Hello [{ESA_IP}]"), ("R", "250-SIZE 20971520"), ("R", "250-PIPELINING"),
              ("R", "250-XXXXXXXA"), ("R", "250 8BITMIME")] + mail_steps(rcpt))
    mail, debug = out_scenario(dcid, "198.51.100.58", host, rcpt, tail, steps)
    exp = {"mail_logs": ok("starttls-not-offered", ["low"], [], [],
                           "cannot decide: a masking firewall (middlebox-masked) is one of the candidates"),
           "debug": ok("starttls-masked", ["high"], [], [], "asterisk banner and XXXXXXXA in the EHLO reply"),
           "both": ok("starttls-masked", ["high"])}
    return "starttls-masked", "outbound", dcid, mail, debug, exp


def s_ehlo_rejected():
    dcid, host, rcpt = 3105, "old.tailspin.example", "info@tailspin.example"
    tail = lambda mid: [(60, f"Info: DCID {dcid} STARTTLS command not supported")] + delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    steps = ([("R", f"220 {host} Sendmail 8.9.3/8.9.3; Tue, 5 Mar 2024 09:13:00"), ("S", f"EHLO {ESA_HOST}"),
              ("R", "502 5.5.1 Command not implemented"), ("S", f"HELO {ESA_HOST}"),
              ("R", f"250 {host} Hello {ESA_HOST} [{ESA_IP}], pleased to meet you")] + mail_steps(rcpt))
    mail, debug = out_scenario(dcid, "198.51.100.66", host, rcpt, tail, steps)
    exp = {"mail_logs": ok("starttls-not-offered", ["low"], [], [], "cannot decide: the log line says only that STARTTLS was not available"),
           "debug": ok("ehlo-rejected", ["high"], [], [], "EHLO answered 502, then HELO"),
           "both": ok("ehlo-rejected", ["high"])}
    return "ehlo-rejected", "outbound", dcid, mail, debug, exp


def s_refused(dcid=3106, name="starttls-refused", required=False, fallback=False):
    host, rcpt = "smtp.wideworld.example", "accounts@wideworld.example"
    def tail(mid):
        out = [(61, f"Info: DCID {dcid} TLS failed: STARTTLS unexpected response")]
        if required:
            out += [(61, f"Info: DCID {dcid} IP 198.51.100.77 TLS was required but could not be successfully negotiated"),
                    (62, f"Info: Delayed: DCID {dcid} MID {mid} From: <billing@example.com> To: <{rcpt}> RID 0 - 4.7.0 - TLS required but not negotiated ('454', ['4.7.0 TLS not available due to local problem'])")]
        if fallback:
            out += delivered(dcid, 62, mid)
        return out + closed("DCID", dcid, 65)
    steps = ([("R", f"220 {host} ESMTP"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, KW) +
             [("S", "STARTTLS"), ("R", "454 4.7.0 TLS not available due to local problem")])
    steps += mail_steps(rcpt) if fallback else [("S", "QUIT"), ("R", "221 2.0.0 Bye")]
    mail, debug = out_scenario(dcid, "198.51.100.77", host, rcpt, tail, steps)
    return name, "outbound", dcid, mail, debug, {}


def s_starttls_refused():
    name, d, cid, mail, debug, _ = s_refused()
    exp = {"mail_logs": ok("starttls-refused", ["low"], [], [],
                           "STARTTLS unexpected response alone: the server refused, or a firewall answered in its place; the domain debug log decides"),
           "debug": ok("starttls-refused", ["high"], [], [], "STARTTLS answered 454"),
           "both": ok("starttls-refused", ["high"])}
    return name, d, cid, mail, debug, exp


def accepted_steps(host):
    return ([("R", f"220 {host} ESMTP"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, KW) +
            [("S", "STARTTLS"), ("R", "220 2.0.0 Ready to start TLS")])


def s_handshake():
    dcid, host = 3107, "mx.proseware.example"
    tail = lambda mid: [(61, f"Info: DCID {dcid} TLS failed: (336130315, 'error:1408F10B:SSL routines:ssl3_get_record:wrong version number')")] + closed("DCID", dcid, 63)
    mail, debug = out_scenario(dcid, "198.51.100.88", host, "it@proseware.example", tail, accepted_steps(host))
    exp = {"mail_logs": ok("handshake-failed", ["medium"], [], [], "TLS failed with an SSL routines error"),
           "debug": undecided("tls-failed", ["low", "medium"], ["tls-failed", "handshake-failed", "connection-lost", "unknown"],
                              note="cannot decide: the dialogue ends at 220 Ready to start TLS; the handshake result is only in mail_logs"),
           "both": ok("handshake-failed", ["high", "medium"])}
    return "handshake-failed", "outbound", dcid, mail, debug, exp


def s_certificate():
    dcid, host = 3108, "mx.margie.example"
    tail = lambda mid: [(61, f"Info: DCID {dcid} TLS failed: (1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1129)')"),
                        (61, f"Info: DCID {dcid} IP 198.51.100.99 TLS was required but could not be successfully negotiated")] + closed("DCID", dcid, 63)
    mail, debug = out_scenario(dcid, "198.51.100.99", host, "legal@margie.example", tail, accepted_steps(host))
    exp = {"mail_logs": ok("certificate-invalid", ["medium"], ["tls-required"], [], "certificate verify failed: expired (tls_detail expired)"),
           "debug": undecided("tls-failed", ["low", "medium"], ["tls-failed", "handshake-failed", "connection-lost", "unknown"],
                              note="cannot decide: the certificate check happens inside the handshake, which the dialogue does not show"),
           "both": ok("certificate-invalid", ["high", "medium"], ["tls-required"])}
    return "certificate-invalid", "outbound", dcid, mail, debug, exp


def s_lost():
    dcid, host = 3109, "mx.wingtip.example"
    tail = lambda mid: [(90, f"Info: Connection Error: DCID {dcid} domain: wingtip.example IP: 198.51.100.110 port: 25 details: timeout interface: {ESA_IP} reason: network error")]
    steps = ([("R", f"220 {host} ESMTP"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, KW) + [("S", "STARTTLS")])
    mail, debug = out_scenario(dcid, "198.51.100.110", host, "team@wingtip.example", tail, steps)
    exp = {"mail_logs": undecided("connect-failed", ["low"], ["connect-failed", "connection-lost", "unknown"],
                                  note="cannot decide: a Connection Error without a TLS line does not show that STARTTLS was sent (connect-failed, low, with its candidates)"),
           "debug": undecided("connection-lost", ["high", "medium", "low"], ["connection-lost", "unknown"],
                              note="cannot decide alone: the dialogue stops after STARTTLS, but a debug log that stops does not prove the connection ended"),
           "both": ok("connection-lost", ["high"])}
    return "connection-lost", "outbound", dcid, mail, debug, exp


def s_not_attempted():
    dcid, host, rcpt = 3110, "mx.lucerne.example", "press@lucerne.example"
    tail = lambda mid: delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    steps = ([("R", f"220 {host} ESMTP"), ("S", f"EHLO {ESA_HOST}")] + ehlo_reply(host, KW) + mail_steps(rcpt))
    mail, debug = out_scenario(dcid, "198.51.100.121", host, rcpt, tail, steps)
    exp = {"mail_logs": undecided("cleartext", ["medium", "low"], ["cleartext"],
                                  note="cannot decide: without the dialogue a connection with no TLS line is cleartext; only the dialogue shows STARTTLS was offered"),
           "debug": ok("tls-not-attempted", ["high"], [], [], "STARTTLS offered, the appliance went on with MAIL FROM"),
           "both": ok("tls-not-attempted", ["high"])}
    return "tls-not-attempted", "outbound", dcid, mail, debug, exp


def in_scenario(icid, ip, host, lines, steps):
    """An inbound connection of interest at t=60 with neighbours."""
    mail = (inbound_injection(icid + 1, 0, [(icid * 10, "ops@example.com")]) +
            [(60, f"Info: New SMTP ICID {icid} interface Data 1 ({ESA_IP}) address {ip} reverse dns host {host} verified yes")] +
            lines + outbound_ok(icid + 2000, 40, icid * 10) + inbound_rejected(icid + 3, 62))
    debug = (inbound_noise_dialogue(icid + 1, 0) + inbound_noise_dialogue(icid + 4, 45) +
             server_dialogue(icid, 60, steps))
    return mail, debug


def s_required_not_initiated():
    icid, host = 5111, "mta.partner-a.example"
    lines = [(60, f"Info: ICID {icid} ACCEPT SG PARTNERS match partner-a.example SBRS 4.2 country Germany"),
             (61, f"Info: ICID {icid} TLS was required but remote host did not initiate it"),
             (62, f"Info: ICID {icid} close")]
    steps = ([("A", f"220 {ESA_HOST} ESMTP"), ("C", f"EHLO {host}")] + esa_reply(ESA_KW) +
             [("C", "MAIL FROM:<statements@partner-a.example>"), ("A", "530 5.7.0 Must issue a STARTTLS command first"),
              ("C", "QUIT"), ("A", f"221 {ESA_HOST} closing connection")])
    mail, debug = in_scenario(icid, "198.51.100.130", host, lines, steps)
    exp = {"mail_logs": ok("tls-required-not-initiated", ["medium", "low"], ["tls-required"], [],
                           "candidates: the client has no TLS, or a firewall in front of the appliance masked STARTTLS"),
           "debug": undecided("cleartext", ["high", "medium"], ["cleartext", "tls-not-attempted", "tls-required-not-initiated"],
                              note="cannot decide: the dialogue shows the client ignored STARTTLS, not that policy required TLS (the 530 hints at it)"),
           "both": ok("tls-required-not-initiated", ["high", "medium"], ["tls-required"])}
    return "tls-required-not-initiated", "inbound", icid, mail, debug, exp


def s_tls_failed():
    dcid, host = 3112, "mx.alpineski.example"
    tail = lambda mid: [(61, f"Info: DCID {dcid} IP 198.51.100.140 TLS was required but could not be successfully negotiated"),
                        (62, f"Info: Delayed: DCID {dcid} MID {mid} From: <billing@example.com> To: <desk@alpineski.example> RID 0 - 4.7.0 - TLS required ('000', ['TLS was required but could not be successfully negotiated'])")] + closed("DCID", dcid, 63)
    mail, debug = out_scenario(dcid, "198.51.100.140", host, "desk@alpineski.example", tail, accepted_steps(host))
    exp = {"mail_logs": ok("tls-failed", ["medium", "low"], ["tls-required", "delivery-deferred"], [],
                           "the required-TLS line alone gives no cause"),
           "debug": undecided("tls-failed", ["low", "medium"], ["tls-failed", "handshake-failed", "connection-lost", "unknown"],
                              note="cannot decide: the dialogue ends at 220 Ready to start TLS"),
           "both": undecided("handshake-failed", ["high", "medium"], ["handshake-failed", "tls-failed"], ["tls-required"],
                             note="220 to STARTTLS, then TLS failed: a handshake failure whose reason is not logged")}
    return "tls-failed", "outbound", dcid, mail, debug, exp


def s_cleartext():
    icid, host = 5113, "mail.smallshop.example"
    lines = [(60, f"Info: ICID {icid} ACCEPT SG UNKNOWNLIST match ALL SBRS 1.3 country France"),
             (61, f"Info: Start MID {icid * 10 + 1} ICID {icid}"),
             (61, f"Info: MID {icid * 10 + 1} ICID {icid} From: <shop@smallshop.example>"),
             (61, f"Info: MID {icid * 10 + 1} ICID {icid} RID 0 To: <orders@example.com>"),
             (62, f"Info: MID {icid * 10 + 1} ready 1803 bytes from <shop@smallshop.example>"),
             (63, f"Info: ICID {icid} close")]
    steps = ([("A", f"220 {ESA_HOST} ESMTP"), ("C", f"EHLO {host}")] + esa_reply(["8BITMIME", "SIZE 10485760"]) +
             [("C", "MAIL FROM:<shop@smallshop.example>"), ("A", "250 sender <shop@smallshop.example> ok"),
              ("C", "RCPT TO:<orders@example.com>"), ("A", "250 recipient <orders@example.com> ok"),
              ("C", "DATA"), ("A", "354 go ahead"), ("A", "250 ok:  Message 51131 accepted"),
              ("C", "QUIT"), ("A", f"221 {ESA_HOST} closing connection")])
    mail, debug = in_scenario(icid, "198.51.100.150", host, lines, steps)
    exp = {"mail_logs": ok("cleartext", ["medium", "low"], [], [], "opened and closed, no TLS line"),
           "debug": ok("cleartext", ["high"], [], [],
                       "the appliance's own EHLO reply has no STARTTLS: the listener's mail flow policy offers no TLS (tls_detail listener-no-starttls)"),
           "both": ok("cleartext", ["high"])}
    return "cleartext", "inbound", icid, mail, debug, exp


def s_unknown():
    dcid = 3114
    mid = dcid * 10
    # The opening of DCID 3114 was in the previous, rotated file: only its end is here.
    mail = (inbound_injection(dcid + 5000, 0, [(mid + 1, "ops@litware.example")]) +
            delivered(dcid, 10, mid) + closed("DCID", dcid, 14) + outbound_ok(dcid + 1, 30, mid + 1) +
            inbound_rejected(dcid + 5001, 63))
    debug = noise_dialogue(dcid + 1, 30) + client_dialogue(dcid, 10, mail_steps("lab@graphicdesign.example"))
    exp = {"mail_logs": ok("unknown", ["low"], [], [], "the opening is not in this file"),
           "debug": ok("unknown", ["low"], [], [], "the dialogue starts after EHLO: it proves nothing"),
           "both": ok("unknown", ["low"])}
    return "unknown", "outbound", dcid, mail, debug, exp


# ---- findings --------------------------------------------------------------------------

def s_f_repeated():
    name, d, cid, mail, debug, exp = s_tls_success(3201, "ehlo-repeated-after-tls")
    exp["mail_logs"]["note"] = "cannot show the finding: mail_logs do not record EHLO; the outcome is still tls-success"
    return name, d, cid, mail, debug, exp


def s_f_no_ehlo():
    icid, host = 5202, "relay.oldcorp.example"
    lines = [(60, f"Info: ICID {icid} ACCEPT SG PARTNERS match oldcorp.example SBRS 2.1"),
             (60, f"Info: ICID {icid} TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES128-GCM-SHA256"),
             (62, f"Info: ICID {icid} close")]
    steps = ([("A", f"220 {ESA_HOST} ESMTP"), ("C", f"EHLO {host}")] + esa_reply(ESA_KW) +
             [("C", "STARTTLS"), ("A", "220 Go ahead with TLS"),
              ("C", "MAIL FROM:<reports@oldcorp.example>"), ("A", "250 sender <reports@oldcorp.example> ok"),
              ("C", "QUIT"), ("A", f"221 {ESA_HOST} closing connection")])
    mail, debug = in_scenario(icid, "198.51.100.160", host, lines, steps)
    exp = {"mail_logs": ok("tls-success", ["medium"], [], ["no-ehlo-after-tls"], "cannot show the finding without the dialogue"),
           "debug": ok("tls-success", ["high"], ["no-ehlo-after-tls"], ["ehlo-repeated-after-tls"], "MAIL FROM straight after the handshake"),
           "both": ok("tls-success", ["high"], ["no-ehlo-after-tls"], ["ehlo-repeated-after-tls"])}
    return "no-ehlo-after-tls", "inbound", icid, mail, debug, exp


def s_f_offered_again():
    dcid, host, rcpt = 3203, "mx.blueyonder.example", "flights@blueyonder.example"
    tail = lambda mid: delivered(dcid, 61, mid, tls="ECDHE-RSA-AES256-GCM-SHA384") + closed("DCID", dcid, 64)
    mail, debug = out_scenario(dcid, "198.51.100.170", host, rcpt, tail, tls_steps(host, KW, KW, rcpt))
    exp = {"mail_logs": ok("tls-success", ["medium"], [], ["starttls-offered-after-tls"], "cannot show the finding without the dialogue"),
           "debug": ok("tls-success", ["high"], ["starttls-offered-after-tls", "ehlo-repeated-after-tls"], [],
                       "STARTTLS listed again in the EHLO reply inside TLS"),
           "both": ok("tls-success", ["high"], ["starttls-offered-after-tls", "ehlo-repeated-after-tls"])}
    return "starttls-offered-after-tls", "outbound", dcid, mail, debug, exp


def s_f_changed():
    dcid, host, rcpt = 3204, "mx.treyresearch.example", "lab@treyresearch.example"
    tail = lambda mid: delivered(dcid, 61, mid, tls="TLS_AES_256_GCM_SHA384") + closed("DCID", dcid, 64)
    after = ["PIPELINING", "SIZE 52428800", "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "CHUNKING"]
    mail, debug = out_scenario(dcid, "198.51.100.180", host, rcpt, tail, tls_steps(host, KW, after, rcpt))
    exp = {"mail_logs": ok("tls-success", ["medium"], [], ["extensions-changed-after-tls"], "cannot show the finding without the dialogue"),
           "debug": ok("tls-success", ["high"], ["extensions-changed-after-tls", "ehlo-repeated-after-tls"], [],
                       "AUTH and CHUNKING appear only after TLS (allowed)"),
           "both": ok("tls-success", ["high"], ["extensions-changed-after-tls", "ehlo-repeated-after-tls"])}
    return "extensions-changed-after-tls", "outbound", dcid, mail, debug, exp


def s_f_required():
    name, d, cid, mail, debug, _ = s_refused(3205, "tls-required", required=True)
    exp = {"mail_logs": ok("starttls-refused", ["low"], ["tls-required", "delivery-deferred"], [],
                           "STARTTLS unexpected response, TLS required: the message waits"),
           "debug": ok("starttls-refused", ["high"], [], ["tls-required"],
                       "cannot show the finding: the policy is only in mail_logs"),
           "both": ok("starttls-refused", ["high"], ["tls-required", "delivery-deferred"])}
    return name, d, cid, mail, debug, exp


def s_f_fallback():
    name, d, cid, mail, debug, _ = s_refused(3206, "cleartext-fallback", fallback=True)
    exp = {"mail_logs": ok("starttls-refused", ["low"], ["cleartext-fallback"], ["tls-required"],
                           "TLS failed, then Message done on the same DCID"),
           "debug": ok("starttls-refused", ["high"], [], [],
                       "the dialogue shows MAIL FROM after the 454; whether that counts as the finding without mail_logs is the classifier's call"),
           "both": ok("starttls-refused", ["high"], ["cleartext-fallback"])}
    return name, d, cid, mail, debug, exp


def s_f_delivery(dcid, name, kind):
    host, rcpt = "mx.cohowinery.example", "cellar@cohowinery.example"
    mid = dcid * 10
    if kind == "delayed":
        line = f"Info: Delayed: DCID {dcid} MID {mid} From: <billing@example.com> To: <{rcpt}> RID 0 - 4.2.2 - Mailbox full ('452', ['4.2.2 Mailbox full, try again later'])"
        reply = "452 4.2.2 Mailbox full, try again later"
    else:
        line = f"Info: Bounced: DCID {dcid} MID {mid} From: <billing@example.com> To: <{rcpt}> RID 0 - 5.1.1 - Bad destination email address ('550', ['5.1.1 <{rcpt}>: Recipient address rejected: User unknown'])"
        reply = f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"
    tail = lambda m: [(60, f"Info: DCID {dcid} TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384"),
                      (61, f"Info: Delivery start DCID {dcid} MID {m} to RID [0]"), (62, line)] + closed("DCID", dcid, 64)
    steps = tls_steps(host, KW, KW_AFTER, rcpt)
    rcpt_at = next(i for i, (w, t) in enumerate(steps) if t.startswith("RCPT TO"))
    steps = steps[:rcpt_at + 1] + [("R", reply), ("S", "QUIT"), ("R", "221 2.0.0 Bye")]
    mail, debug = out_scenario(dcid, "198.51.100.190", host, rcpt, tail, steps)
    finding = "delivery-deferred" if kind == "delayed" else "delivery-bounced"
    exp = {"mail_logs": ok("tls-success", ["medium"], [finding]),
           "debug": ok("tls-success", ["high"], ["ehlo-repeated-after-tls"], [finding],
                       f"cannot show the finding: the {kind} line is only in mail_logs"),
           "both": ok("tls-success", ["high"], [finding, "ehlo-repeated-after-tls"])}
    return name, "outbound", dcid, mail, debug, exp



# ---- connections where TLS never came into question, and TLS quality -------------------

def s_policy_rejected():
    icid, host = 5115, "unknown"
    lines = [(60, f"Info: ICID {icid} REJECT SG BLOCKLIST match sbrs[-10.0:-3.0] SBRS -8.1 country Russian Federation"),
             (60, f"Info: ICID {icid} close")]
    steps = [("A", f"554 {ESA_HOST} Access denied")]
    mail, debug = in_scenario(icid, "198.51.100.170", host, lines, steps)
    exp = {"mail_logs": ok("policy-rejected", ["medium"], [], [], "the host access table refused the client: TLS never came into question"),
           "debug": ok("unknown", ["low"], [], [], "the appliance's 554 alone: the policy decision is only in mail_logs"),
           "both": ok("policy-rejected", ["medium", "high"])}
    return "policy-rejected", "inbound", icid, mail, debug, exp


def s_connect_failed():
    dcid, host = 3115, "mx.fabrikam-old.example"
    tail = lambda mid: [(61, f"Info: Connection Error: DCID {dcid} domain: fabrikam-old.example IP: 198.51.100.180 port: 25 details: [Errno 111] Connection refused interface: {ESA_IP} reason: network error"),
                        (62, f"Info: Delayed: DCID {dcid} MID {mid} From: <billing@example.com> To: <ap@fabrikam-old.example> RID 0 - 4.4.1 - Connection refused ('000', ['[Errno 111] Connection refused'])")]
    steps = [("R", "421 4.3.2 Service not available, closing transmission channel")]
    mail, debug = out_scenario(dcid, "198.51.100.180", host, "ap@fabrikam-old.example", tail, steps)
    exp = {"mail_logs": ok("connect-failed", ["low"], ["delivery-deferred"], [],
                           "Connection Error, no TLS line: low, with its candidates and the domain debug log that would decide"),
           "debug": ok("unknown", ["low"], [], [], "a 421 greeting alone, no end of the connection in the logs"),
           "both": ok("connect-failed", ["high"], ["delivery-deferred"], [], "the dialogue stops at the greeting: STARTTLS never came")}
    return "connect-failed", "outbound", dcid, mail, debug, exp


def quality_scenario(dcid, name, protocol, cipher, findings):
    host, rcpt = "mx.oldbank.example", "statements@oldbank.example"
    tail = lambda mid: [(60, f"Info: DCID {dcid} TLS success protocol {protocol} cipher {cipher}")] + delivered(dcid, 61, mid) + closed("DCID", dcid, 64)
    mail, debug = out_scenario(dcid, "198.51.100.190", host, rcpt, tail, tls_steps(host, KW, KW_AFTER, rcpt))
    absent = [f for f in ("deprecated-protocol", "weak-cipher") if f not in findings]
    exp = {"mail_logs": ok("tls-success", ["medium"], findings, absent, f"TLS succeeded with {protocol} and {cipher}"),
           "debug": ok("tls-success", ["high"], [], ["deprecated-protocol", "weak-cipher"],
                       "cannot show the finding: protocol and cipher are only in mail_logs"),
           "both": ok("tls-success", ["high"], findings + ["ehlo-repeated-after-tls"], absent)}
    return name, "outbound", dcid, mail, debug, exp


def s_f_deprecated():
    return quality_scenario(3209, "deprecated-protocol", "TLSv1", "AES128-SHA", ["deprecated-protocol"])


def s_f_weak():
    return quality_scenario(3213, "weak-cipher", "TLSv1.2", "ECDHE-RSA-DES-CBC3-SHA", ["weak-cipher"])

SCENARIOS = [s_tls_success, s_not_offered, s_misordered, s_masked, s_ehlo_rejected, s_starttls_refused,
             s_handshake, s_certificate, s_lost, s_not_attempted, s_required_not_initiated, s_tls_failed,
             s_cleartext, s_unknown, s_f_repeated, s_f_no_ehlo, s_f_offered_again, s_f_changed, s_f_required,
             s_f_fallback, lambda: s_f_delivery(3207, "delivery-deferred", "delayed"),
             lambda: s_f_delivery(3208, "delivery-bounced", "bounced"),
             # appended, so the scenarios above keep their appliance serials
             s_policy_rejected, s_connect_failed, s_f_deprecated, s_f_weak]

VARIANT_FILES = {"mail_logs": ["mail_logs.log"], "debug": ["debug.log"], "both": ["mail_logs.log", "debug.log"]}


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def expected_toml(name, direction, conn_id, exp):
    out = [f"# Scenario {name}: written for the project by make_scenarios.py (do not edit by hand).",
           "# Each variant ingests `files` and looks up the connection below; `decides = false`",
           "# marks a variant whose logs cannot decide the outcome: `acceptable` lists what it may yield.",
           "[connection]", f'direction = "{direction}"', f"conn_id = {conn_id}", ""]
    for variant in ("mail_logs", "debug", "both"):
        out.append(f"[{variant}]")
        out.append(f"files = {toml_value(VARIANT_FILES[variant])}")
        for key in ("tls_outcome", "confidence", "findings", "not_findings", "decides", "acceptable", "note"):
            if key in exp[variant] and (key != "note" or exp[variant][key]):
                out.append(f"{key} = {toml_value(exp[variant][key])}")
        out.append("")
    return "\n".join(out)


def main():
    for index, make in enumerate(SCENARIOS):
        name, direction, conn_id, mail, debug, exp = make()
        serial = f"{SERIAL_PREFIX}{index:04X}"
        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        debug_kind = "domain debug" if direction == "outbound" else "injection debug"
        with open(os.path.join(d, "mail_logs.log"), "w") as f:
            f.write(frame(header(-1, "mail_logs", serial) + mail))
        with open(os.path.join(d, "debug.log"), "w") as f:
            f.write(frame(header(-1, debug_kind, serial) + debug))
        with open(os.path.join(d, "expected.toml"), "w") as f:
            f.write(expected_toml(name, direction, conn_id, exp))


if __name__ == "__main__":
    main()
