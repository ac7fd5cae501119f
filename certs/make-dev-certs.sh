#!/usr/bin/env bash
# Makes a development CA and certificates signed by it (EC P-256), with openssl.
# For development and tests only: the CA key sits unencrypted next to its certificate.
#
#   make-dev-certs.sh [-o DIR] [SAN ...]           the full set (below); SANs of app.crt
#   make-dev-certs.sh [-o DIR] -n NAME SAN ...     one more server leaf, NAME.crt/NAME.key
#
# Full set, in DIR (default: dev/ next to this script):
#   ca.crt ca.key              the CA (reused when both exist, so every run signs with one CA)
#   app.crt app.key            server leaf; SANs from the arguments, default
#                              localhost 127.0.0.1 app.example.test
#   wildcard.crt wildcard.key  server leaf for *.example.test
#   client.crt client.key      client leaf (clientAuth), CN apus-client
# A SAN that is an IPv4 or IPv6 address becomes an IP SAN, anything else a DNS SAN.
# A leaf's CN is its name (app, wildcard, NAME), so `openssl s_client` shows which was served.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

out="$(cd "$(dirname "$0")" && pwd)/dev"
name=""
while getopts "o:n:h" option; do
  case "$option" in
    o) out="$OPTARG" ;;
    n) name="$OPTARG" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
if [[ -n "$name" && $# -eq 0 ]]; then
  echo "make-dev-certs.sh: -n $name needs at least one SAN" >&2
  exit 2
fi
if [[ -n "$name" && ! "$name" =~ ^[A-Za-z0-9._-]+$ ]]; then
  echo "make-dev-certs.sh: -n takes a file name (letters, digits, . _ -), not '$name'" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-dev-certs.sh: openssl is not on PATH" >&2; exit 1; }

mkdir -p "$out"
# Keys are created readable by their owner only.
umask 077
# Runs on one directory take turns, so two first runs can't each make half a CA.
if command -v flock >/dev/null; then
  exec 9>"$out/.lock"
  flock 9
fi
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# A random 128-bit serial (hex is read as a positive number), so reissued leaves never collide.
serial() {
  printf '0x%s' "$(openssl rand -hex 16)"
}

san_list() {
  local list="" san
  for san in "$@"; do
    if [[ "$san" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$san" == *:* ]]; then
      list+="${list:+,}IP:$san"
    else
      list+="${list:+,}DNS:$san"
    fi
  done
  printf '%s' "$list"
}

make_ca() {
  [[ -s "$out/ca.crt" && -s "$out/ca.key" ]] && return
  new_key "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/CN=Apus Development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  chmod 644 "$work/ca.crt"
  mv "$work/ca.crt" "$out/ca.crt"
}

# make_leaf NAME USAGE SAN... (USAGE: serverAuth or clientAuth; a clientAuth leaf has no SAN)
make_leaf() {
  local leaf="$1" usage="$2" cn="$1"
  shift 2
  [[ "$usage" == clientAuth ]] && cn="apus-client"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    if [[ $# -gt 0 ]]; then echo "subjectAltName=$(san_list "$@")"; fi
  } >"$work/$leaf.ext"
  new_key "$work/$leaf.key"
  openssl req -new -key "$work/$leaf.key" -subj "/CN=$cn" -out "$work/$leaf.csr"
  openssl x509 -req -in "$work/$leaf.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -set_serial "$(serial)" \
    -sha256 -days 397 -extfile "$work/$leaf.ext" -out "$work/$leaf.crt" 2>/dev/null
  # Key first, then certificate: a reader that sees the new certificate finds its key.
  mv "$work/$leaf.key" "$out/$leaf.key"
  chmod 644 "$work/$leaf.crt"
  mv "$work/$leaf.crt" "$out/$leaf.crt"
}

make_ca
if [[ -n "$name" ]]; then
  make_leaf "$name" serverAuth "$@"
  echo "$out/$name.crt"
else
  if [[ $# -eq 0 ]]; then set -- localhost 127.0.0.1 app.example.test; fi
  make_leaf app serverAuth "$@"
  make_leaf wildcard serverAuth "*.example.test"
  make_leaf client clientAuth
  echo "$out: ca.crt app.crt wildcard.crt client.crt (and their .key files)"
fi
