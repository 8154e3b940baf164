#!/usr/bin/env bash
# Records what swaks, posttls-finger, openssl s_client, telnet and nc print against
# responder.py on 127.0.0.1, one responder per mode.  Output: OUT/<tool>_<case>.txt
# (Debian packages: swaks, postfix for posttls-finger, openssl, telnet, netcat-openbsd.)
# Usage: record.sh OUT
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: record.sh OUT}
mkdir -p "$out"
C=$out/certs
"$here/make_certs.sh" "$C"
port=2700

start() {  # mode cert key
  port=$((port + 1))
  python3 "$here/responder.py" "$port" "$@" & rp=$!
  sleep 1.5
}
stop() { kill "$rp" 2>/dev/null; wait "$rp" 2>/dev/null; }

swaks_run() {  # case extra-args...
  local name=$1; shift
  timeout 20 swaks --to user@test.example --from admin@sender.example --server "127.0.0.1:$port" \
    --ehlo client.sender.example --quit-after RCPT "$@" >"$out/swaks_$name.txt" 2>&1
}
ptf_run() {  # case extra-args...
  local name=$1; shift
  timeout 20 posttls-finger -h native "$@" >"$out/posttls-finger_$name.txt" 2>&1
}
ssl_run() {  # case extra-args...
  local name=$1; shift
  timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$port" "$@" </dev/null \
    >"$out/openssl_$name.txt" 2>&1
}
# A terminal session: the pty echoes what is typed, as in a real telnet window.
tty_run() {  # case program commands...
  local name=$1 prog=$2; shift 2
  { sleep 0.7; for cmd in "$@"; do printf '%s\n' "$cmd"; sleep 0.7; done; sleep 0.5; } |
    timeout 20 script -q -c "$prog" /dev/null >"$out/${prog%% *}_$name.txt" 2>&1
}

start ok "$C/good_chain.crt" "$C/good.key"
swaks_run verified --tls --tls-verify --tls-ca-path "$C/ca.crt"
ptf_run verified -l secure -F "$C/ca.crt" "[127.0.0.1]:$port" mx.test.example
ssl_run verified -CAfile "$C/ca.crt" -verify_hostname mx.test.example
tty_run starttls-accepted "telnet 127.0.0.1 $port" "EHLO client.sender.example" "STARTTLS" "QUIT"
tty_run starttls-accepted "nc -C 127.0.0.1 $port" "EHLO client.sender.example" "STARTTLS"
stop

start ok "$C/self.crt" "$C/self.key"
swaks_run selfsigned --tls --tls-verify
ptf_run selfsigned -l secure "[127.0.0.1]:$port" mx.test.example
ptf_run may -l may "[127.0.0.1]:$port"
ssl_run selfsigned
ssl_run selfsigned-brief -brief
stop

start ok "$C/other_chain.crt" "$C/other.key"
ptf_run mismatch -l secure -F "$C/ca.crt" "[127.0.0.1]:$port" mx.test.example
ssl_run mismatch -CAfile "$C/ca.crt" -verify_hostname mx.test.example
swaks_run mismatch --tls --tls-verify --tls-ca-path "$C/ca.crt"
stop

start ok "$C/exp_chain.crt" "$C/exp.key"
ptf_run expired -l secure -F "$C/ca.crt" "[127.0.0.1]:$port" mx.test.example
ssl_run expired -CAfile "$C/ca.crt"
swaks_run expired --tls --tls-verify --tls-ca-path "$C/ca.crt"
stop

start refused454
swaks_run refused454 --tls
ptf_run refused454 "[127.0.0.1]:$port"
ssl_run refused454
tty_run refused454 "telnet 127.0.0.1 $port" "EHLO client.sender.example" "STARTTLS" "QUIT"
stop

start refused501
swaks_run refused501 --tls
ptf_run refused501 "[127.0.0.1]:$port"
stop

start notoffered
swaks_run notoffered --tls
swaks_run notoffered-optional --tls-optional
ptf_run notoffered "[127.0.0.1]:$port"
ssl_run notoffered
tty_run notoffered "nc -C 127.0.0.1 $port" "EHLO client.sender.example" "STARTTLS" "QUIT"
stop

start masked
swaks_run masked --tls
ptf_run masked "[127.0.0.1]:$port"
tty_run masked "telnet 127.0.0.1 $port" "EHLO client.sender.example" "STARTTLS" "QUIT"
stop

start masked500
swaks_run masked500 --tls
ptf_run masked500 "[127.0.0.1]:$port"
stop

start garbage "$C/self.crt" "$C/self.key"
swaks_run handshake-garbage --tls
ptf_run handshake-garbage "[127.0.0.1]:$port"
ssl_run handshake-garbage
stop

start tls10 "$C/self.crt" "$C/self.key"
swaks_run handshake-tls10 --tls
ptf_run handshake-tls10 "[127.0.0.1]:$port"
ssl_run handshake-tls10
stop
