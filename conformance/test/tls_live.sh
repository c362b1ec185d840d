#!/bin/sh
# tls_live.sh -- integration test of live TLS: `mcxcheck cert --connect`
# against real TLS servers (nginx and mcxd) serving the fixture PKI
# (conformance/pki), on loopback 127.0.6.1-127.0.6.4, ports 18440-18499
# (single servers), 18500+ (nginx, one per fixture), 18600+ (mcxd, one per
# fixture).
#
# Owns: proof that --connect gives the same finding IDs and exit code as
# --file for every row of conformance/pki/expected.txt (with its options:
# --topology, --pool, --external-record, --chain, --key, ...) against nginx
# and against mcxd serving that fixture, including sha1.pem and rsa1024.pem,
# which a default-level TLS client refuses; the certificates mcxd's SNI
# selects among topology certificates, the TLS
# profiles against a TLS 1.0-only nginx, a server that stalls the handshake
# (bounded by --timeout), plain HTTP on the TLS port, a name the presented
# certificate does not cover (CT-021), and byte-identical reruns. Does not
# own: the per-fixture expectations of --file (cert_fixtures.sh).
#
# Env: MCXD, MCXCHECK, MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
MCXD=${MCXD:-$top/build/mcxd}
MCXCHECK=${MCXCHECK:-$top/build/mcxcheck}
PKI=$top/conformance/pki
for b in "$MCXD" "$MCXCHECK"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }

tmp=$(mktemp -d)
pids=""
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_staller (conformance/test/lib_tls.sh)
. "$top/conformance/test/lib_tls.sh"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

NG=127.0.6.2 MX=127.0.6.3 STALL=127.0.6.4
AT=2026-06-01T00:00:00Z
COMMON="--ca $PKI/root.pem --at $AT --sip-domain contoso.test --sip-domain fabrikam.test --format json"

# wait_port ADDR PORT: until a TCP connect succeeds (5 s at most); curl
# exit 7 is "could not connect", anything else means something listens.
wait_port() {
    n=0
    while [ $n -lt 50 ]; do
        curl -s -o /dev/null --connect-timeout 1 --max-time 1 "http://$1:$2/" 2>/dev/null
        [ $? -ne 7 ] && return 0
        n=$((n + 1))
        sleep 0.1
    done
    return 1
}

# ids FILE: the sorted finding IDs of a JSON report, comma-separated ("-" none).
ids() {
    [ -s "$1" ] || { echo unreadable; return; }
    l=$(grep -o '"id": *"[A-Z]*-[0-9]*"' "$1" | sed 's/.*"\([A-Z]*-[0-9]*\)"/\1/' | sort | paste -sd, -)
    echo "${l:--}"
}

# ---- the servers: one nginx server and one mcxd per fixture ---------------
# Every certificate file named by conformance/pki/expected.txt (frontend.der
# is served as frontend.pem: servers read PEM) plus lab.pem. nginx runs at
# security level 0 so that it loads sha1.pem and rsa1024.pem; mcxd does so
# by itself for a certificate below the default level.
role_of() {
    case $1 in
    director.pem) echo director ;;
    reverse-proxy.pem) echo reverse-proxy ;;
    *) echo frontend ;;
    esac
}
served_of() { case $1 in frontend.der) echo frontend.pem ;; *) echo "$1" ;; esac; }
key_of() {
    case $1 in
    ecdsa-p256.pem) echo "$PKI/ecdsa-p256.key" ;;
    rsa1024.pem) echo "$PKI/rsa1024.key" ;;
    *) echo "$PKI/leaf.key" ;;
    esac
}
served=$( (echo lab.pem; awk '!/^#/ && NF { print $1 }' "$PKI/expected.txt") |
    while read -r f; do served_of "$f"; done | sort -u)
# port_of FILE BASE: BASE + the index of FILE in $served.
port_of() {
    n=0
    for s_ in $served; do
        [ "$s_" = "$1" ] && { echo $(($2 + n)); return; }
        n=$((n + 1))
    done
    echo 0
}
ng() { echo "$NG:$(port_of "$1" 18500)"; }   # nginx serving FILE
mx() { echo "$MX:$(port_of "$1" 18600)"; }   # mcxd serving FILE
mkdir -p "$tmp/nginx/logs"
{
    echo "daemon off; master_process off; worker_processes 1;"
    echo "pid $tmp/nginx/nginx.pid; error_log $tmp/nginx/logs/error.log;"
    echo "events { worker_connections 256; }"
    echo "http {"
    echo "  access_log off; client_body_temp_path $tmp/nginx/body; proxy_temp_path $tmp/nginx/proxy;"
    echo "  fastcgi_temp_path $tmp/nginx/fcgi; uwsgi_temp_path $tmp/nginx/uwsgi; scgi_temp_path $tmp/nginx/scgi;"
    for f in $served; do
        echo "  server { listen $(ng "$f") ssl; ssl_certificate $PKI/$f; ssl_certificate_key $(key_of "$f");"
        echo "    ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0; location / { return 200 \"ok\\n\"; } }"
    done
    echo "  server { listen $NG:18470 ssl; ssl_certificate $PKI/lab.pem; ssl_certificate_key $PKI/leaf.key;"
    echo "    ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0; location / { return 200 \"ok\\n\"; } }"
    echo "  server { listen $NG:18471; location / { return 200 \"plain\\n\"; } }"
    echo "}"
} >"$tmp/nginx/nginx.conf"
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" \
    >"$tmp/nginx/out" 2>&1 &
pids="$pids $!"
if ! wait_port $NG 18471; then
    cat "$tmp/nginx/out" "$tmp/nginx/logs/error.log" 2>/dev/null
    fail "nginx did not start"
    exit 1
fi
# From here on mcxd and mcxcheck run with Debian's OpenSSL defaults
# (security level 2, MinProtocol TLSv1.2; whatever this machine's openssl.cnf
# says): a 1024-bit key or a SHA-1 signature must still be served and
# checked, and compat must still speak TLS 1.0.
cat >"$tmp/openssl.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = DEFAULT:@SECLEVEL=2
MinProtocol = TLSv1.2
EOF
export OPENSSL_CONF="$tmp/openssl.cnf"
for f in $served; do
    "$MCXD" --cert "$PKI/$f" --key "$(key_of "$f")" --listen "internal-https=$(mx "$f")" \
        --no-listen internal-http --no-listen external-http --no-listen external-https \
        --quiet 2>"$tmp/mcxd-$f.log" &
    pids="$pids $!"
done
for f in $served; do
    a=$(mx "$f")
    wait_port "${a%:*}" "${a##*:}" || { fail "mcxd serving $f did not start"; cat "$tmp/mcxd-$f.log"; }
done

# ---- --connect = --file for every row of expected.txt, nginx and mcxd -------
# Each row runs as cert_fixtures.sh runs it (same ARGS: --topology, --pool,
# --external-record, --chain, --key, --ca, --at, --fail-on), once with
# --file and once with --connect to each server serving that file; the
# finding IDs (with their counts) and the exit code must be equal.
rows=0
while read -r file role args _rest; do
    case $file in '' | '#'*) continue ;; esac
    rows=$((rows + 1))
    set -- --role "$role" --ca "$PKI/root.pem" --at $AT --format json
    if [ "$args" != "-" ]; then
        case ",$args" in *,--sip-domain*) ;; *) set -- "$@" --sip-domain contoso.test --sip-domain fabrikam.test ;; esac
        old_ifs=$IFS
        IFS=,
        for a in $args; do
            IFS=$old_ifs
            set -- "$@" "$(printf '%s' "$a" | sed "s|@PKI@|$PKI|g; s|@TOP@|$top|g")"
        done
        IFS=$old_ifs
    else
        set -- "$@" --sip-domain contoso.test --sip-domain fabrikam.test
    fi
    "$MCXCHECK" cert "$@" --file "$PKI/$file" >"$tmp/file.json" 2>"$tmp/err"
    frc=$?
    fi=$(ids "$tmp/file.json")
    f=$(served_of "$file")
    for server in nginx mcxd; do
        if [ $server = nginx ]; then target=$(ng "$f"); else target=$(mx "$f"); fi
        "$MCXCHECK" cert "$@" --connect "$target" --timeout 5000 >"$tmp/conn.json" 2>>"$tmp/err"
        crc=$?
        ci=$(ids "$tmp/conn.json")
        if [ "$fi" = "$ci" ] && [ "$frc" = "$crc" ] && [ "$fi" != unreadable ]; then
            ok "$server $file $role $args: --connect = --file ($ci, exit $crc)"
        else
            fail "$server $file $role $args: --file $fi (exit $frc) vs --connect $ci (exit $crc)"
            cat "$tmp/err"
        fi
    done
done <"$PKI/expected.txt"
[ "$rows" -ge 40 ] && ok "$rows rows of expected.txt compared" || fail "only $rows rows read"
# The comparison is not vacuous: broken fixtures do produce their findings
# over TLS, including the ones a default-level TLS client would refuse.
conn_has() { # FILE ID [ROLE]: --connect to nginx serving FILE reports ID
    # shellcheck disable=SC2086
    "$MCXCHECK" cert --role "${3:-frontend}" $COMMON --connect "$(ng "$1")" >"$tmp/c.json" 2>/dev/null
    case $(ids "$tmp/c.json") in *"$2"*) ok "$1 over TLS: $2" ;; *) fail "$1 over TLS: $(ids "$tmp/c.json"), $2 expected" ;; esac
}
conn_has expired.pem CT-011
conn_has leaf-only.pem CT-010
conn_has rsa1024.pem CT-015
conn_has sha1.pem CT-016
conn_has wildcard-tld.pem CT-001
# ---- the name a phone asks for (SNI) must be covered: CT-021 --------------
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect "$(ng no-lyncdiscover.pem)" --sni lyncdiscover.contoso.test \
    >"$tmp/c.json" 2>/dev/null
case $(ids "$tmp/c.json") in *CT-021*) ok "no-lyncdiscover.pem asked for lyncdiscover.contoso.test: CT-021" ;; *) fail "CT-021 expected: $(ids "$tmp/c.json")" ;; esac
grep -q 'DNS:lyncdiscover.contoso.test' "$tmp/c.json" && ok "CT-021 names the SAN to add" \
    || fail "CT-021 remediation lacks the SAN"
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect "$(ng frontend.pem)" --sni lyncdiscover.contoso.test \
    >"$tmp/c.json" 2>/dev/null
case $(ids "$tmp/c.json") in *CT-021*) fail "frontend.pem covers lyncdiscover.contoso.test" ;; *) ok "frontend.pem with SNI lyncdiscover.contoso.test: no CT-021" ;; esac

# ---- deterministic: byte-identical reruns ---------------------------------
for n in 1 2; do
    "$MCXCHECK" cert --role frontend --ca "$PKI/root.pem" --at $AT --sip-domain contoso.test \
        --connect "$(ng frontend.pem)" --sni pool01.contoso.test >"$tmp/run$n.txt" 2>&1
done
cmp -s "$tmp/run1.txt" "$tmp/run2.txt" && ok "text report byte-identical on rerun" \
    || fail "reruns differ"
grep -q 'TLSv1.3' "$tmp/run1.txt" && grep -q 'thumbprint' "$tmp/run1.txt" \
    && ok "report shows TLS version and the chain presented" || fail "no TLS facts in the report"

# ---- TLS profiles against a TLS 1.0-only server ---------------------------
# (under the Debian-like OPENSSL_CONF above: the compat probe must lower the
# security level and override MinProtocol itself.) Each profile's step must
# say what it saw; compat must complete at TLSv1 and give the certificate
# findings of the served file (lab.pem) plus CT-022.
step_in() { grep -q "\"title\": \"$2" "$1"; }
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect $NG:18470 >"$tmp/modern.json" 2>/dev/null
mrc=$?
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect $NG:18470 --tls-profile compat \
    >"$tmp/compat.json" 2>/dev/null
crc=$?
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --file "$PKI/lab.pem" >"$tmp/lab.json" 2>/dev/null
want=$( (grep -o '"id": *"[A-Z]*-[0-9]*"' "$tmp/lab.json" | sed 's/.*"\([A-Z]*-[0-9]*\)"/\1/'; echo CT-022) | sort | paste -sd, -)
[ "$(ids "$tmp/modern.json")" = CT-022 ] && [ $mrc = 1 ] \
    && step_in "$tmp/modern.json" 'TLS modern (SNI none): protocol-version' \
    && ! step_in "$tmp/modern.json" 'TLS compat' \
    && ok "modern vs TLS 1.0-only: protocol-version, CT-022 only (exit 1)" \
    || { fail "modern vs TLS 1.0-only: $(ids "$tmp/modern.json") exit $mrc"; cat "$tmp/modern.json"; }
step_in "$tmp/compat.json" 'TLS modern (SNI none): protocol-version' \
    && ok "compat report says what modern saw" || fail "compat report lacks the modern step"
step_in "$tmp/compat.json" 'TLS compat (SNI none): TLSv1, cipher [A-Z0-9-]*, 2 certificate(s) presented' \
    && step_in "$tmp/compat.json" '\[1\] subject /CN=mcxlab Fixture Issuing CA' \
    && ok "compat completed at TLSv1 and shows the chain" \
    || { fail "compat did not complete at TLSv1"; cat "$tmp/compat.json"; }
[ "$(ids "$tmp/compat.json")" = "$want" ] && [ $crc = 1 ] \
    && ok "compat findings: the certificate's ($want), exit 1" \
    || fail "compat findings $(ids "$tmp/compat.json") (exit $crc), want $want"

# ---- plain HTTP on the TLS port --------------------------------------------
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect $NG:18471 >"$tmp/c.json" 2>/dev/null
rc=$?
[ "$(ids "$tmp/c.json")" = CT-024 ] && [ $rc = 1 ] && ok "plain HTTP on the TLS port: CT-024, exit 1" \
    || fail "plain HTTP: $(ids "$tmp/c.json") exit $rc"

# ---- a server that accepts TCP and never answers the ClientHello ---------
start_staller $STALL 18480
wait_port $STALL 18480 || fail "staller did not start"
t0=$(date +%s)
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect $STALL:18480 --timeout 1500 >"$tmp/c.json" 2>/dev/null
rc=$?
t1=$(date +%s)
[ "$(ids "$tmp/c.json")" = CT-023 ] && [ $rc = 1 ] && [ $((t1 - t0)) -le 4 ] \
    && ok "stalled handshake: CT-023 after --timeout 1500 ($((t1 - t0)) s)" \
    || fail "stall: $(ids "$tmp/c.json") exit $rc in $((t1 - t0)) s"

# ---- nothing listening: exit 3 (could not test) ----------------------------
# shellcheck disable=SC2086
"$MCXCHECK" cert --role frontend $COMMON --connect $STALL:18499 >"$tmp/c.json" 2>/dev/null
rc=$?
[ "$(ids "$tmp/c.json")" = CT-025 ] && [ $rc = 3 ] && ok "connection refused: CT-025, exit 3" \
    || fail "refused: $(ids "$tmp/c.json") exit $rc"
"$MCXCHECK" cert --role frontend --sip-domain contoso.test --connect nocolon >/dev/null 2>&1
[ $? = 2 ] && ok "--connect without a port: usage error" || fail "--connect nocolon not exit 2"

# ---- mcxd: certificates per pool from the topology, chosen by SNI ----------
sed -e "s|<internalWeb fqdn=\"dir01.contoso.test\"|& certificate=\"$PKI/director.pem\" key=\"$PKI/leaf.key\"|" \
    -e "s|<internalWeb fqdn=\"pool01.contoso.test\"|& certificate=\"$PKI/frontend.pem\" key=\"$PKI/leaf.key\"|" \
    "$top/lib/default_topology.xml" >"$tmp/topo.xml"
grep -q 'certificate=' "$tmp/topo.xml" || fail "topology edit did not apply"
"$MCXD" --topology "$tmp/topo.xml" --check-config >/dev/null 2>"$tmp/mcxd.err" \
    && ok "mcxd --check-config loads the topology's certificates" \
    || { fail "mcxd --check-config"; cat "$tmp/mcxd.err"; }
sed -e "s|$PKI/frontend.pem|$PKI/missing.pem|" "$tmp/topo.xml" >"$tmp/topo-bad.xml"
"$MCXD" --topology "$tmp/topo-bad.xml" --check-config >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -q missing.pem "$tmp/mcxd.err" && ok "missing certificate file: exit 2 naming it" \
    || fail "bad certificate path: exit $rc: $(cat "$tmp/mcxd.err")"
# Issue 13, example 9: the system's words ("No such file or directory", not
# OpenSSL's "system lib") and, for a path from the topology, its file:line,
# with --check-config and at start-up alike.
line=$(grep -n 'missing.pem' "$tmp/topo-bad.xml" | cut -d: -f1)
want="topo-bad.xml:$line: <internalWeb certificate=> of pool pool01.contoso.test: $PKI/missing.pem: cannot load the certificate (PEM): No such file or directory"
grep -qF "$want" "$tmp/mcxd.err" && ! grep -q 'system lib' "$tmp/mcxd.err" \
    && ok "missing certificate file from the topology: file:line and 'No such file or directory'" \
    || fail "missing topology certificate: want '$want', got: $(cat "$tmp/mcxd.err")"
timeout 10 "$MCXD" --topology "$tmp/topo-bad.xml" --listen internal-https=$MX:18464 \
    --no-listen internal-http --no-listen external-http --no-listen external-https --quiet \
    >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -qF "$want" "$tmp/mcxd.err" \
    && ok "missing topology certificate at start-up: exit 2, file:line, no such file" \
    || fail "missing topology certificate at start-up: exit $rc: $(cat "$tmp/mcxd.err")"
timeout 10 "$MCXD" --cert "$tmp/nowhere.pem" --key "$PKI/leaf.key" --listen internal-https=$MX:18465 \
    --no-listen internal-http --no-listen external-http --no-listen external-https --quiet \
    >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -qF "$tmp/nowhere.pem: cannot load the certificate (PEM): No such file or directory" "$tmp/mcxd.err" \
    && ok "missing --cert: exit 2, the file and 'No such file or directory'" \
    || fail "missing --cert: exit $rc: $(cat "$tmp/mcxd.err")"

# Relative paths are resolved against the topology file's directory.
mkdir -p "$tmp/rel" && ln -s "$PKI" "$tmp/rel/pki"
sed -e "s|$PKI/|pki/|g" "$tmp/topo.xml" >"$tmp/rel/topo.xml"
(cd / && "$MCXD" --topology "$tmp/rel/topo.xml" --check-config >/dev/null 2>"$tmp/mcxd.err") \
    && ok "relative certificate paths resolve against the topology's directory" \
    || { fail "relative certificate paths"; cat "$tmp/mcxd.err"; }
# certificate= without key= is refused with file:line.
sed -e 's| key="[^"]*"||' "$tmp/topo.xml" >"$tmp/topo-nokey.xml"
"$MCXD" --topology "$tmp/topo-nokey.xml" --check-config >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -q 'topo-nokey.xml:[0-9]*: .*certificate without key' "$tmp/mcxd.err" \
    && ok "certificate without key: exit 2, file:line" || fail "certificate without key: exit $rc: $(cat "$tmp/mcxd.err")"

# A key that does not match its certificate: mcxd refuses to start (exit 2)
# naming both files, from --cert/--key and from the topology.
timeout 10 "$MCXD" --cert "$PKI/frontend.pem" --key "$PKI/rsa1024.key" --listen internal-https=$MX:18463 \
    --no-listen internal-http --no-listen external-http --no-listen external-https --quiet \
    >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -q "rsa1024.key: private key does not match the certificate .*frontend.pem" "$tmp/mcxd.err" \
    && ok "--key not matching --cert: exit 2 naming key and certificate" \
    || fail "mismatched --key: exit $rc: $(cat "$tmp/mcxd.err")"
sed -e "s|key=\"$PKI/leaf.key\"|key=\"$PKI/rsa1024.key\"|" "$tmp/topo.xml" >"$tmp/topo-wrongkey.xml"
"$MCXD" --topology "$tmp/topo-wrongkey.xml" --check-config >/dev/null 2>"$tmp/mcxd.err"
rc=$?
[ $rc = 2 ] && grep -q "rsa1024.key: private key does not match the certificate .*director.pem" "$tmp/mcxd.err" \
    && ok "topology key= not matching certificate=: exit 2 naming both" \
    || fail "topology mismatched key: exit $rc: $(cat "$tmp/mcxd.err")"

"$MCXD" --topology "$tmp/topo.xml" --listen internal-https=$MX:18460 --no-listen internal-http \
    --no-listen external-http --no-listen external-https --quiet 2>"$tmp/mcxd.log" &
pids="$pids $!"
wait_port $MX 18460 || { fail "mcxd did not start"; cat "$tmp/mcxd.log"; }
thumb() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }
for pair in dir01.contoso.test:director.pem pool01.contoso.test:frontend.pem \
    lyncdiscoverinternal.contoso.test:director.pem; do
    name=${pair%%:*} f=${pair##*:}
    role=$(role_of "$f")
    # shellcheck disable=SC2086
    "$MCXCHECK" cert --role "$role" $COMMON --connect $MX:18460 --sni "$name" >"$tmp/conn.json" 2>/dev/null
    crc=$?
    grep -q "thumbprint $(thumb "$PKI/$f")" "$tmp/conn.json" \
        && ok "mcxd SNI $name -> $f" || fail "mcxd SNI $name did not get $f"
    # shellcheck disable=SC2086
    "$MCXCHECK" cert --role "$role" $COMMON --file "$PKI/$f" >"$tmp/file.json" 2>/dev/null
    frc=$?
    [ "$(ids "$tmp/file.json")" = "$(ids "$tmp/conn.json")" ] && [ $frc = $crc ] \
        && ok "mcxd $f: --connect = --file ($(ids "$tmp/conn.json"))" \
        || fail "mcxd $f: --file $(ids "$tmp/file.json") vs --connect $(ids "$tmp/conn.json")"
done
# No SNI: the first certificate of the listener (the Director's, topology order).
# shellcheck disable=SC2086
"$MCXCHECK" cert --role director $COMMON --connect $MX:18460 >"$tmp/conn.json" 2>/dev/null
grep -q "thumbprint $(thumb "$PKI/director.pem")" "$tmp/conn.json" \
    && ok "mcxd without SNI serves the first certificate" || fail "mcxd default certificate"
# mcxd speaks TLS 1.2 and 1.3 only.
# (s_client with no config: MinProtocol must not refuse TLS 1.1 for it.)
if OPENSSL_CONF=/dev/null openssl s_client -connect $MX:18460 -tls1_2 -servername pool01.contoso.test </dev/null >/dev/null 2>&1 &&
    OPENSSL_CONF=/dev/null openssl s_client -connect $MX:18460 -tls1_3 -servername pool01.contoso.test </dev/null >/dev/null 2>&1 &&
    ! OPENSSL_CONF=/dev/null openssl s_client -connect $MX:18460 -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >/dev/null 2>&1; then
    ok "mcxd: TLS 1.2 and 1.3 accepted, TLS 1.1 refused"
else
    fail "mcxd protocol versions"
fi

# ---- discover: TLS facts per HTTPS step; the name the phone asked for -----
"$MCXD" --cert "$PKI/no-lyncdiscover.pem" --key "$PKI/leaf.key" --listen external-https=$MX:18461 \
    --listen external-http=$MX:18462 --no-listen internal-http --no-listen internal-https \
    --now 2026-01-01T00:00:00Z --quiet 2>"$tmp/mcxd2.log" &
pids="$pids $!"
wait_port $MX 18462 || { fail "mcxd (external) did not start"; cat "$tmp/mcxd2.log"; }
for n in 1 2; do
    "$MCXCHECK" discover --sip-uri alice@contoso.test --vantage external --resolve-only \
        --connect-to lyncdiscover.contoso.test:443:$MX:18461 \
        --connect-to lyncdiscover.contoso.test:80:$MX:18462 --ca "$PKI/root.pem" \
        --now 2026-01-01T00:00:00Z --color never >"$tmp/disc$n.txt" 2>&1
done
grep -q 'TLS TLSv1.[23], cipher .*; certificate /CN=pool01.contoso.test' "$tmp/disc1.txt" \
    && ok "discover: HTTPS step shows TLS version, cipher and the leaf" || fail "discover: no TLS step"
grep -q 'CT-021' "$tmp/disc1.txt" && grep -q 'Add the SAN DNS:lyncdiscover.contoso.test' "$tmp/disc1.txt" \
    && ok "discover: certificate without lyncdiscover.contoso.test -> CT-021 with the SAN to add" \
    || fail "discover: no CT-021"
[ "$(grep -c 'CT-021  ' "$tmp/disc1.txt")" = 1 ] && ok "discover: CT-021 once per name" \
    || fail "discover: CT-021 repeated"
cmp -s "$tmp/disc1.txt" "$tmp/disc2.txt" && ok "discover output byte-identical on rerun" \
    || fail "discover reruns differ"

grep -q '^      \[INFO\] \[1\] subject /CN=mcxlab Fixture Issuing CA/O=mcxlab fixtures, issuer /CN=mcxlab Fixture Root CA/O=mcxlab fixtures, thumbprint [0-9A-F]\{40\}$' "$tmp/disc1.txt" \
    && ok "discover: each HTTPS step lists the chain presented (subject, issuer, thumbprint)" \
    || fail "discover: the chain presented is not listed"
# discover --tls-profile against the TLS 1.0-only nginx (Debian-like config).
for prof in modern compat; do
    "$MCXCHECK" discover --sip-uri alice@contoso.test --vantage external --resolve-only \
        --connect-to lyncdiscover.contoso.test:443:$NG:18470 --ca "$PKI/root.pem" \
        --tls-profile $prof --timeout 3000 --now 2026-01-01T00:00:00Z --color never \
        >"$tmp/disc-$prof.txt" 2>&1
done
grep -q 'TLS TLSv1, cipher' "$tmp/disc-compat.txt" && grep -q '\[0\] subject /CN=lyncdiscover.contoso.test' "$tmp/disc-compat.txt" \
    && ok "discover --tls-profile compat: TLSv1 with the legacy server, chain listed" \
    || { fail "discover compat did not speak TLS 1.0"; cat "$tmp/disc-compat.txt"; }
! grep -q 'TLS TLSv1,' "$tmp/disc-modern.txt" && ok "discover --tls-profile modern: no TLS 1.0" \
    || fail "discover modern spoke TLS 1.0"
"$MCXCHECK" discover --sip-uri alice@contoso.test --tls-profile legacy >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "tls-profile 'legacy'" "$tmp/err" && ok "discover --tls-profile legacy: usage error" \
    || fail "discover bad --tls-profile: $(cat "$tmp/err")"

echo "tls_live: $failures failure(s)"
[ $failures -eq 0 ]
