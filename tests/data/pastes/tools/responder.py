#!/usr/bin/env python3
"""A small SMTP responder on 127.0.0.1 for recording what manual TLS tests print.

usage: responder.py PORT MODE [CERT KEY]
MODE: ok (STARTTLS offered, TLS with CERT), refused454, refused501, notoffered
      (no STARTTLS keyword, STARTTLS answered 500), masked (asterisk banner, X'd keyword,
      500 #5.5.1), masked500 (STARTTLS advertised, answered 500 #5.5.1), garbage (220,
      then plain text instead of a TLS handshake), tls10 (only TLS 1.0 offered).
Serves connections one after the other until killed.
"""
import socket
import ssl
import sys

port, mode = int(sys.argv[1]), sys.argv[2]
cert = sys.argv[3] if len(sys.argv) > 3 else None
key = sys.argv[4] if len(sys.argv) > 4 else None
HOST = "mx.test.example"


def ehlo_lines(after_tls):
    if mode == "masked":
        return ["250-" + HOST, "250-PIPELINING", "250-SIZE 10240000", "250-XXXXXXXA",
                "250-8BITMIME", "250 XXXB"]
    kws = ["PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES", "8BITMIME"]
    if mode != "notoffered" and not after_tls:
        kws.insert(2, "STARTTLS")
    lines = [HOST] + kws
    return ["250-" + l for l in lines[:-1]] + ["250 " + lines[-1]]


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if mode == "tls10":
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    return ctx


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, lines):
        self.sock.sendall(("\r\n".join(lines) + "\r\n").encode())

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")


def serve(conn):
    c = Conn(conn)
    c.send(["220 " + ("*" * 30 if mode == "masked" else HOST + " ESMTP test responder")])
    tls = False
    in_data = False
    while True:
        line = c.readline()
        if line is None:
            return
        if in_data:
            if line == ".":
                in_data = False
                c.send(["250 2.0.0 Ok: queued as 4F2A1B3C"])
            continue
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            c.send(ehlo_lines(tls))
        elif verb == "HELO":
            c.send(["250 " + HOST])
        elif verb == "STARTTLS" and not tls:
            if mode == "refused454":
                c.send(["454 4.7.0 TLS not available due to local problem"])
            elif mode == "refused501":
                c.send(["501 5.5.4 Syntax error"])
            elif mode == "notoffered":
                c.send(["500 5.5.1 Command unrecognized: \"STARTTLS\""])
            elif mode in ("masked", "masked500"):
                c.send(["500 #5.5.1 command not recognized"])
            elif mode == "garbage":
                c.send(["220 2.0.0 Ready to start TLS"])
                conn.sendall(b"421 4.3.0 this is not a TLS handshake\r\n")
                conn.close()
                return
            else:
                c.send(["220 2.0.0 Ready to start TLS"])
                try:
                    s = context().wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                c = Conn(s)
                conn = s
                tls = True
        elif verb == "MAIL":
            c.send(["250 2.1.0 Ok"])
        elif verb == "RCPT":
            c.send(["250 2.1.5 Ok"])
        elif verb == "DATA":
            c.send(["354 End data with <CR><LF>.<CR><LF>"])
            in_data = True
        elif verb == "RSET" or verb == "NOOP":
            c.send(["250 2.0.0 Ok"])
        elif verb == "QUIT":
            c.send(["221 2.0.0 Bye"])
            return
        else:
            c.send(["502 5.5.2 Error: command not recognized"])


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(20)
        try:
            serve(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


main()
