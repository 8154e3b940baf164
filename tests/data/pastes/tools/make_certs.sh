#!/usr/bin/env bash
# Makes the certificates record.sh serves: a self-signed one, a small CA, a leaf for the
# right name, one for another name and one that expired in 2021.  Usage: make_certs.sh DIR
set -euo pipefail
mkdir -p "$1" && cd "$1"
req() { openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 3650 -subj "/CN=mx.test.example" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=mailtls test CA" 2>/dev/null
mkdir -p ca && : > ca/index.txt && echo "unique_subject = no" > ca/index.txt.attr && echo 1000 > ca/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = c
[c]
dir = ./ca
database = ./ca/index.txt
serial = ./ca/serial
new_certs_dir = ./ca
certificate = ./ca.crt
private_key = ./ca.key
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
sign() { openssl ca -batch -config ca.cnf -in "$1.csr" -out "$1.crt" -notext "${@:2}" 2>/dev/null; }
req good mx.test.example && sign good -days 3650
req other other.example.net && sign other -days 3650
req exp mx.test.example && sign exp -startdate 20200101000000Z -enddate 20210101000000Z
for c in good other exp; do cat "$c.crt" ca.crt > "${c}_chain.crt"; done
