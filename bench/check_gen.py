#!/usr/bin/env python3
"""Checks mailtls-gen output against reality and against itself.

usage: bench/check_gen.py GEN_DIR [CORPUS_FILE]

1. Shapes: every line shape seen at least twice in the real corpus file (default: the
   cribl AsyncOS 7.6 sample) also occurs in the generated mail_logs. A shape is the first
   six words of the body after the level, with quoted text -> Q, <...> -> A, bare e-mail
   addresses -> E, host names -> H, digits -> N.
2. Joins: every connection number in domain_debug.current / injection_debug.current opens
   in mail.current (New SMTP DCID / ICID) under the same number, and its debug lines fall
   within that connection's lifetime there (open .. close, plus a minute of slack).
3. Realism: peak number of connections open at once, TLS line counts, domain spread.
Exits 1 when check 1 or 2 fails. Standard library only; reads files line by line.
"""
import collections
import os
import re
import sys
import time

DEFAULT_CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                              "shared", "corpus", "cribl-cisco-esa-mailtext__sTAFXQ_raw.log")
CTIME = re.compile(r"^(?:<\d+>)?(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}) (\w+): (.*)$")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
ANGLE = re.compile(r"<[^>]*>")
EMAIL = re.compile(r"[^\s<>'\"]+@[^\s<>'\",)]+")
HOST = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
DIGITS = re.compile(r"\d+")


def shape(body):
    body = ANGLE.sub("A", QUOTED.sub("Q", body))
    body = DIGITS.sub("N", HOST.sub("H", EMAIL.sub("E", body)))
    return " ".join(body.split()[:6])


def parse(line):
    m = CTIME.match(line)
    if not m:
        return None
    return m.group(1), m.group(2), m.group(3)


def seconds(ctime):
    return time.mktime(time.strptime(ctime.replace("  ", " "), "%a %b %d %H:%M:%S %Y"))


def corpus_shapes(path):
    counts = collections.Counter()
    with open(path, errors="replace") as f:
        for line in f:
            p = parse(line.rstrip("\n"))
            if p:
                counts[shape(p[2])] += 1
    return {s for s, n in counts.items() if n >= 2}


def scan_mail(path):
    """Shapes, connection lifetimes and counters of the generated mail_logs."""
    shapes, life = set(), {}
    stats = collections.Counter()
    open_now, peak = {"ICID": 0, "DCID": 0}, {"ICID": 0, "DCID": 0}
    rcpt_domains = collections.Counter()
    opener = re.compile(r"^New SMTP (ICID|DCID) (\d+)")
    closer = re.compile(r"^(ICID|DCID) (\d+) close")
    conn_error = re.compile(r"^Connection Error: DCID (\d+)")
    rcpt = re.compile(r"^MID \d+ ICID \d+ RID \d+ To: <[^@]+@([^>]+)>")
    with open(path, errors="replace") as f:
        for line in f:
            p = parse(line.rstrip("\n"))
            if not p:
                continue
            body = p[2]
            shapes.add(shape(body))
            stats["level " + p[1]] += 1
            if line.endswith(" \n"):
                stats["trailing space"] += 1
            if "TLS" in body and (body.startswith("ICID") or body.startswith("DCID")):
                kind = re.sub(r" cipher .*| for .*|IP \S+ ", " ", DIGITS.sub("N", body))
                stats[kind[:70].rstrip()] += 1
            m = opener.match(body)
            if m:
                t = seconds(p[0])
                life[(m.group(1), m.group(2))] = [t, None]
                open_now[m.group(1)] += 1
                peak[m.group(1)] = max(peak[m.group(1)], open_now[m.group(1)])
                continue
            m = closer.match(body) or conn_error.match(body)
            if m:
                key = (m.group(1), m.group(2)) if m.lastindex == 2 else ("DCID", m.group(1))
                if key in life and life[key][1] is None:
                    life[key][1] = seconds(p[0])
                    open_now[key[0]] -= 1
                continue
            m = rcpt.match(body)
            if m and not m.group(1).endswith("mycompany.com"):  # the appliance's own
                rcpt_domains[m.group(1)] += 1
    return shapes, life, stats, peak, rcpt_domains


def check_debug(path, kind, life):
    """Every debug connection opens in mail_logs and talks during its lifetime there."""
    bad, ids, lines = [], set(), 0
    line_re = re.compile(r"^(\d+) (Sent|Rcvd): '")
    with open(path, errors="replace") as f:
        for line in f:
            p = parse(line.rstrip("\n"))
            if not p:
                continue
            m = line_re.match(p[2])
            if not m:
                continue
            lines += 1
            ids.add(m.group(1))
            span = life.get((kind, m.group(1)))
            t = seconds(p[0])
            if span is None:
                bad.append(f"{kind} {m.group(1)} not opened in mail_logs")
            elif t < span[0] or (span[1] is not None and t > span[1] + 60):
                bad.append(f"{kind} {m.group(1)} debug line at {p[0]} outside its lifetime")
    return ids, lines, bad


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    gen_dir = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_CORPUS
    failed = False

    gen_shapes, life, stats, peak, domains = scan_mail(os.path.join(gen_dir, "mail.current"))
    missing = sorted(corpus_shapes(corpus) - gen_shapes)
    print(f"shapes: {len(gen_shapes)} generated; corpus shapes (seen >= 2x) missing: {len(missing)}")
    for s in missing:
        print("  missing:", s)
    failed |= bool(missing)

    for kind, name in (("DCID", "domain_debug.current"), ("ICID", "injection_debug.current")):
        ids, lines, bad = check_debug(os.path.join(gen_dir, name), kind, life)
        opened = sum(1 for k in life if k[0] == kind)
        print(f"{name}: {lines} dialogue lines, {len(ids)} {kind}s "
              f"({100.0 * len(ids) / max(opened, 1):.1f}% of {opened}); join problems: {len(bad)}")
        for b in bad[:10]:
            print("  ", b)
        failed |= bool(bad)

    print(f"peak open connections: ICID {peak['ICID']}, DCID {peak['DCID']}")
    top = domains.most_common()
    total = sum(domains.values())
    print(f"external recipient domains: {len(top)} distinct; top 5 carry "
          f"{100.0 * sum(n for _, n in top[:5]) / max(total, 1):.1f}% of {total} recipients")
    print("line counters:")
    for k, n in sorted(stats.items(), key=lambda kv: -kv[1])[:40]:
        print(f"  {n:9d}  {k}")
    print("RESULT:", "FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
