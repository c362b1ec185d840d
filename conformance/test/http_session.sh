#!/bin/sh
# http_session.sh -- integration test of the HTTP client session (engineer
# "latency"): one `mcxcheck discover` keeps one connection per host alive,
# as a phone does.
#
# Owns: proving, from mcxd's access log (peer address:port per request),
# that several requests to one host share one TCP connection, that a second
# host gets its own connection, and that every response -- also those on a
# reused connection -- reports the TLS facts of its own connection (the two
# hosts are served by two mcxd instances with different certificates). Does
# not own: the discovery algorithm's trace (discover_live.sh) or the client
# code (lib/http_client.c). Listens on 127.0.16.1 and 127.0.16.3 only.
set -u
top=${MCX_TOP:-$(pwd)}
MCXD=${MCXD:-$top/build/mcxd}
MCXCHECK=${MCXCHECK:-$top/build/mcxcheck}
for b in "$MCXD" "$MCXCHECK"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
pki=$top/conformance/pki
tmp=$(mktemp -d)
pids=""
DISCOVER_ARGS="--resolve-only --timeout 5000"
. "$top/conformance/test/lib_discover.sh"
trap discover_cleanup EXIT
trap 'exit 1' INT TERM
printf 'secret\n' >"$tmp/pw"

# Instance A serves the Director certificate (CN dir01), B the Front End's
# (CN pool01), both from the fixture PKI.
start() { # NAME ADDR CERT
    start_mcxd "$1" --listen "internal-https=$2:18443" --no-listen internal-http \
        --no-listen external-http --no-listen external-https --cert "$pki/$3.pem" \
        --key "$pki/leaf.key" --now 2026-01-01T00:00:00Z --seed 7
}
start a 127.0.16.1 director
start b 127.0.16.3 frontend

run webticket 0 --sip-uri alice@contoso.test --vantage internal --ca "$pki/root.pem" \
    --connect-to lyncdiscoverinternal.contoso.test:443:127.0.16.1:18443 \
    --connect-to dir01.contoso.test:443:127.0.16.1:18443 \
    --connect-to pool01.contoso.test:443:127.0.16.3:18443 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth webticket &&
    has webticket "Web ticket issued" \
        "Result: SIP pool01.contoso.test:5061 (SipClientInternalAccess)"

# Access log lines: "PEER LISTENER METHOD URI STATUS BYTES".
requests() { grep -v '^mcxd:' "$tmp/$1.log" | grep -c ' internal-https '; }
peers() { grep -v '^mcxd:' "$tmp/$1.log" | grep ' internal-https ' | cut -d' ' -f1 | sort -u | wc -l; }
# A: lyncdiscoverinternal (1 request) and dir01 (4: user 401, mex, Auth,
# user 200): two hosts, two connections.
if [ "$(requests a)" -eq 5 ] && [ "$(peers a)" -eq 2 ]; then
    ok "instance A: 5 requests over 2 connections (one per host)"
else
    fail "instance A: $(requests a) requests over $(peers a) connections, expected 5 over 2"
    sed 's/^/   | /' "$tmp/a.log"
fi
if [ "$(requests b)" -eq 5 ] && [ "$(peers b)" -eq 1 ]; then
    ok "instance B: 5 requests to pool01 over 1 connection"
else
    fail "instance B: $(requests b) requests over $(peers b) connections, expected 5 over 1"
    sed 's/^/   | /' "$tmp/b.log"
fi
# Every https request reports the TLS facts of its own connection, also
# when the connection was reused (no handshake of its own): the first time
# a certificate is met in full, after that by its thumbprint ("as above").
tls_of() {
    thumb=$(sed -n "s|.*\[0\] subject /CN=$1\.contoso\.test/.*, thumbprint \([0-9A-F]*\)$|\1|p" \
        "$tmp/webticket.out" | head -n 1)
    grep -c "TLS TLSv1.*certificate \(/CN=$1\.contoso\.test[/,]\|${thumb:-none}, as above\)" \
        "$tmp/webticket.out"
}
if [ "$(tls_of dir01)" -eq 5 ] && [ "$(tls_of pool01)" -eq 5 ]; then
    ok "TLS facts: 5 responses name the dir01 certificate, 5 the pool01 certificate"
else
    fail "TLS facts: $(tls_of dir01) x dir01, $(tls_of pool01) x pool01, expected 5 and 5"
    sed 's/^/   | /' "$tmp/webticket.out"
fi
lacks webticket "TLS handshake not completed"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "http_session: all passed"
