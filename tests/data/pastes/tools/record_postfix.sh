#!/usr/bin/env bash
# Sends one message per case through a private Postfix instance (loopback only, its
# smtpd on 127.0.0.1:2625, no system Postfix involved) to responder.py, then two inbound
# STARTTLS sessions to that smtpd; the instance logs to WORK/pf/maillog.
# Usage: record_postfix.sh WORK, after record.sh WORK made WORK/certs and with WORK/pf/etc
# holding a main.cf (queue_directory, data_directory, maillog_file under WORK,
# inet_interfaces = loopback-only, smtp_tls_loglevel = 1, smtpd_tls_cert_file/key_file =
# WORK/certs/self.*) and master.cf with its smtpd on 127.0.0.1:2625; start it with
# `postfix -c WORK/pf/etc start` and stop it with `postfix -c WORK/pf/etc stop`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: record_postfix.sh WORK}
C=$work/certs; P=$work/pf/etc
port=2800
start() { port=$((port + 1)); python3 $here/responder.py $port "$@" 2>/dev/null & rp=$!; sleep 1.5; }
stop() { kill $rp 2>/dev/null; wait $rp 2>/dev/null; }
send() {  # level [extra postconf]
  postconf -c $P -e "relayhost = [127.0.0.1]:$port" "smtp_tls_security_level = $1"
  postfix -c $P reload >/dev/null 2>&1; sleep 1
  printf 'Subject: %s\n\ntest\n' "$1" | sendmail -C $P -f admin@sender.example user@test.example
  sleep 4
}
start ok $C/self.crt $C/self.key; send may; stop
start ok $C/good_chain.crt $C/good.key; postconf -c $P -e "smtp_tls_secure_cert_match = nexthop, mx.test.example"; send secure; stop
start ok $C/other_chain.crt $C/other.key; send secure; stop
start ok $C/exp_chain.crt $C/exp.key; send secure; stop
start refused454; send may; stop
start refused454; send encrypt; stop
start notoffered; send encrypt; stop
start masked; send encrypt; stop
start garbage $C/self.crt $C/self.key; send may; stop
# inbound: smtpd on 2625
timeout 20 swaks --server 127.0.0.1:2625 --to user@test.example --from a@b.example --tls --quit-after EHLO >/dev/null 2>&1
timeout 10 openssl s_client -starttls smtp -connect 127.0.0.1:2625 -tls1 </dev/null >/dev/null 2>&1
sleep 2
