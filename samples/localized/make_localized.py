#!/usr/bin/env python3
"""Writes samples/localized/<lang>/: the same two outbound connections, logged in English
(en.mail_logs.log, en.debug.log) and as a machine-translated support page would show them
(mail_logs.log, debug.log), with expected.toml. Written for the project; no real traffic.

DCID 7001 succeeds with TLS and sends EHLO again after STARTTLS (seeds 000/001);
DCID 7002's EHLO reply offers no STARTTLS. The translation uses the word tables in
locales/<lang>/words.toml, varying the spelling from line to line the way pasted pages
do, plus each page's own damage (French spacing and guillemets, Portuguese "o ... de",
a German period after the day, Italian "mar" for both Tuesday and March, Arabic
right-to-left damage: lost timestamps, a period moved to the front, a reply code moved
to the end). Run: python3 make_localized.py (rewrites every language directory).
"""
import datetime
import os
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
LOCALES = os.path.join(HERE, "..", "..", "locales")
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ESA = "esa2.example.org"

# Per language: the day the logs were written, and the peers' names.
DAYS = {"fr": (2024, 2, 8), "pt": (2024, 12, 2), "es": (2024, 1, 17),
        "de": (2024, 3, 5), "it": (2024, 3, 12), "ar": (2024, 8, 25)}


def words(lang):
    with open(os.path.join(LOCALES, lang, "words.toml"), "rb") as f:
        return tomllib.load(f)


def mail_logs(t):
    """(seconds, English body) of the mail_logs side."""
    return [(0, "Info: Begin Logfile"),
            (0, "Info: Version: 15.0.1-030 SN: 4C4C1E2A0B77-9QWXY12"),
            (0, "Info: Time offset from UTC: 0 seconds"),
            (10, "Info: New SMTP ICID 9150 interface Management (10.2.0.1) address 10.2.0.40 reverse dns host crm.example.org verified yes"),
            (10, "Info: ICID 9150 RELAY SG RELAYLIST match 10.2.0.40 SBRS None"),
            (11, "Info: Start MID 44120 ICID 9150"),
            (11, "Info: MID 44120 ICID 9150 From: <orders@example.org>"),
            (11, "Info: MID 44120 ICID 9150 RID 0 To: <buyer@contoso.example>"),
            (11, "Info: MID 44120 ICID 9150 RID 1 To: <clerk@fabrikam.example>"),
            (12, "Info: MID 44120 ready 3120 bytes from <orders@example.org>"),
            (12, "Info: ICID 9150 close"),
            (20, "Info: New SMTP DCID 7001 interface 10.2.0.1 address 198.51.100.25 port 25"),
            (20, "Info: New SMTP DCID 7002 interface 10.2.0.1 address 203.0.113.80 port 25"),
            (21, "Info: DCID 7001 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384"),
            (21, "Info: DCID 7002 STARTTLS command not supported."),
            (21, "Info: Delivery start DCID 7001 MID 44120 to RID [0]"),
            (21, "Info: Delivery start DCID 7002 MID 44120 to RID [1]"),
            (22, "Info: Message done DCID 7001 MID 44120 to RID [0]"),
            (22, "Info: Message done DCID 7002 MID 44120 to RID [1]"),
            (23, "Info: MID 44120 RID [0] Response '2.0.0 Ok: queued as 5F2C1'"),
            (23, "Info: MID 44120 RID [1] Response '2.6.0 Queued mail for delivery'"),
            (24, "Info: Message finished MID 44120 done"),
            (25, "Info: DCID 7001 close"),
            (25, "Info: DCID 7002 close")]


def dialogue():
    """(seconds, id, 'Sent'|'Rcvd', text, closing quote kept) of the domain debug log."""
    a = [("R", "220 mx1.contoso.example ESMTP ready"), ("S", f"EHLO {ESA}"),
         ("R", "250-mx1.contoso.example"), ("R", "250-PIPELINING"), ("R", "250-SIZE 20971520"),
         ("R", "250-8BITMIME"), ("R", "250 STARTTLS"), ("S", "STARTTLS"),
         ("R", "220 2.0.0 Ready to start TLS"), ("S", f"EHLO {ESA}"),
         ("R", "250-mx1.contoso.example"), ("R", "250-PIPELINING"), ("R", "250-SIZE 20971520"),
         ("R", "250 8BITMIME"), ("S", "MAIL FROM:<orders@example.org> SIZE=3120"),
         ("R", "250 2.1.0 Sender OK"), ("S", "RCPT TO:<buyer@contoso.example>"),
         ("R", "250 2.1.5 Recipient OK"), ("S", "DATA"), ("R", "354 Start mail input"),
         ("R", "250 2.0.0 Ok: queued as 5F2C1"), ("S", "QUIT"), ("R", "221 2.0.0 Bye")]
    b = [("R", "220 mail.fabrikam.example ESMTP Service ready"), ("S", f"EHLO {ESA}"),
         ("R", "250-mail.fabrikam.example"), ("R", "250-SIZE 10485760"), ("R", "250-HELP"),
         ("R", "250 8BITMIME"), ("S", "MAIL FROM:<orders@example.org> SIZE=3120"),
         ("R", "250 OK"), ("S", "RCPT TO:<clerk@fabrikam.example>"), ("R", "250 OK"),
         ("S", "DATA"), ("R", "354 Go ahead"), ("R", "250 OK id=1r2s3t"), ("S", "QUIT"),
         ("R", "221 Bye")]
    out = [(20, 7001, w, t) for w, t in a] + [(20, 7002, w, t) for w, t in b]
    # Pages drop closing quotes here and there (seed 000): every fourth line.
    return [(s, i, "Sent" if w == "S" else "Rcvd", t, n % 4 != 3) for n, (s, i, w, t) in enumerate(out)]


def pick(options, n):
    """Mostly the first spelling, sometimes another: pages are not consistent."""
    return options[0] if n % 3 else options[n // 3 % len(options)]


class Page:
    def __init__(self, lang):
        self.lang, self.w = lang, words(lang)
        self.base = datetime.datetime(*DAYS[lang], 14, 5, 0)

    def english_prefix(self, sec):
        t = self.base + datetime.timedelta(seconds=sec)
        return f"{WEEKDAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day} {t:%H:%M:%S} {t.year}"

    def prefix(self, sec, n):
        t = self.base + datetime.timedelta(seconds=sec)
        wd = pick(self.w["weekdays"][WEEKDAYS[t.weekday()]], n)
        mo = pick(self.w["months"][MONTHS[t.month - 1]], n)
        tpl = self.w["render"]["timestamp"]
        if len(wd) > 4:  # the template's period follows abbreviations only
            tpl = tpl.replace("{weekday}.", "{weekday}")
        return tpl.format(weekday=wd, day=t.day, month=mo, time=f"{t:%H:%M:%S}", year=t.year)

    def level(self, n):
        return self.w["render"]["level"].format(level=pick(self.w["levels"]["Info"], n))

    def line(self, sec, body, n):
        assert body.startswith("Info: ")
        return f"{self.prefix(sec, n)} {self.level(n)}{body[6:]}"

    def dialogue_line(self, sec, cid, direction, text, closed, n):
        d = self.w["directions"][direction]
        word = pick(d, n)
        if self.lang == "fr" and direction == "Rcvd" and n % 2:
            word = "Rcvd"  # the French page left Rcvd untranslated
        text = self.translate(text, n)
        opening, closing = self.w["render"]["open"], self.w["render"]["close"]
        if self.lang in ("fr", "pt") and direction == "Rcvd":
            opening, closing = "'", "'"  # seeds 000/001 keep ASCII quotes on replies
        body = self.w["render"]["direction"].format(id=cid, direction=word)
        return (f"{self.prefix(sec, n)} {self.level(n)}{body}{opening}{text}"
                f"{closing if closed else ''}")

    def translate(self, text, n):
        if text.startswith(("250 ", "250-")):
            head, _, rest = text[4:].partition(" ")
            kw = self.w.get("keywords", {}).get(head)
            return text[:4] + pick(kw, n) + (" " + rest if rest else "") if kw else text
        verbs = self.w.get("verbs", {})
        for verb in sorted(verbs, key=len, reverse=True):
            if text.startswith(verb) and (len(text) == len(verb) or text[len(verb)] in " :<"):
                return pick(verbs[verb], n) + text[len(verb):]
        return text


def rtl_damage(line, english, n):
    """What a right-to-left page does to some lines: timestamps lost, a final period moved
    to the front, a trailing reply code. Returns the damaged line."""
    if english.endswith("supported."):
        return "." + english[english.index("Info: "):-1]
    if n % 6 == 5:  # the timestamp is lost, the English level stays
        return english[english.index("Info: "):]
    return line


def reply_code_moved(text):
    code, rest = text[:3], text[4:]
    return f"{rest} {code}"


def write(lang):
    page = Page(lang)
    out = os.path.join(HERE, lang)
    os.makedirs(out, exist_ok=True)
    note = f"# Written for the project by make_localized.py: the {lang} page's rendering of en.*.log (do not edit by hand).\n"
    en_note = f"# Written for the project by make_localized.py: the English original of the {lang} sample.\n"
    ml_en, ml = [], []
    for n, (sec, body) in enumerate(mail_logs(page)):
        english = f"{page.english_prefix(sec)} {body}"
        line = page.line(sec, body, n)
        ml_en.append(english)
        ml.append(rtl_damage(line, english, n) if lang == "ar" else line)
    dbg_en, dbg = [], []
    for n, (sec, cid, direction, text, closed) in enumerate(dialogue()):
        q = "'" if closed else ""
        english = f"{page.english_prefix(sec)} Info: {cid} {direction}: '{text}{q}"
        line = page.dialogue_line(sec, cid, direction, text, closed, n)
        if lang == "ar" and cid == 7002 and text.startswith("220 "):
            line = page.dialogue_line(sec, cid, direction, reply_code_moved(text), closed, n)
        elif lang == "ar":
            line = rtl_damage(line, english, n)
        dbg_en.append(english)
        dbg.append(line)
    for name, lines, head in (("en.mail_logs.log", ml_en, en_note), ("en.debug.log", dbg_en, en_note),
                              ("mail_logs.log", ml, note), ("debug.log", dbg, note)):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(head + "".join(l + "\n" for l in lines))
    with open(os.path.join(out, "expected.toml"), "w", encoding="utf-8") as f:
        f.write(EXPECTED.format(lang=lang))


EXPECTED = """# Expected verdicts of the {lang} sample (written by make_localized.py). Each [[case]]
# ingests `files` (the localized page, then its English original) and looks up one
# connection: both must give the same verdict. Same fields as samples/seeds/expected.toml.
locale = "{lang}"

[[case]]
name = "{lang}: double EHLO around STARTTLS, both logs"
files = ["mail_logs.log", "debug.log"]
english = ["en.mail_logs.log", "en.debug.log"]
direction = "outbound"
conn_id = 7001
tls_outcome = "tls-success"
confidence = ["high"]
findings = ["ehlo-repeated-after-tls"]
not_findings = ["extensions-changed-after-tls", "starttls-offered-after-tls"]
decides = true

[[case]]
name = "{lang}: EHLO reply without STARTTLS, both logs"
files = ["mail_logs.log", "debug.log"]
english = ["en.mail_logs.log", "en.debug.log"]
direction = "outbound"
conn_id = 7002
tls_outcome = "starttls-not-offered"
confidence = ["high"]
findings = []
not_findings = []
decides = true
"""

if __name__ == "__main__":
    for lang in sorted(DAYS):
        write(lang)
