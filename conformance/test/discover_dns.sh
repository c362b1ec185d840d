#!/bin/sh
# discover_dns.sh -- integration test of `mcxcheck discover --dns-internal /
# --dns-external`: every name of the trace resolved through mcxdns, requests
# sent to the address DNS gave (loopback 127.0.11.x only).
#
# Owns: the DNS steps of the discovery trace end to end -- golden text and
# JSON reports for both vantages (conformance/test/data/discover-dns/,
# byte-identical over two runs with --now/--seed), NXDOMAIN for
# lyncdiscoverinternal from outside (an expected fallback: no failure in any
# format), a CNAME chain, SERVFAIL and no answer
# (DNS-022, DNS-021, exit 3), a name pointing where nothing listens (connect
# failure, exit 3), and the option checks (exit 2). Does not own: the
# discovery without DNS (discover_live.sh) nor the pure helpers
# (test_discover.c).
#
# The deployment is data/discover-dns/topology.xml (the default one moved to
# 127.0.11.x): mcxdns serves its internal view on .53 and its external view
# on .54; mcxd listens where those views point -- dir01 .11 (80/443),
# pool01 .21 and pool02 .31 (80/443), the reverse proxy .40 (80/443).
# MCX_UPDATE_GOLDEN=1 rewrites the golden files.
#
# Env: MCXD, MCXCHECK, MCX_TOP, MCX_BUILD. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
build=${MCX_BUILD:-build}
MCXD=${MCXD:-$top/$build/mcxd}
MCXCHECK=${MCXCHECK:-$top/$build/mcxcheck}
MCXDNS=${MCXDNS:-$(dirname "$MCXCHECK")/mcxdns}
for b in "$MCXD" "$MCXCHECK" "$MCXDNS"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
command -v curl >/dev/null 2>&1 || { echo "skip: curl command not installed"; exit 77; }

data=$top/conformance/test/data/discover-dns
pki=$top/conformance/pki
topo=$data/topology.xml
NOW=2026-01-01T00:00:00Z
tmp=$(mktemp -d)
pids=""
DISCOVER_ARGS="--now $NOW --seed 5 --timeout 5000"
. "$top/conformance/test/lib_discover.sh"
trap discover_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# wait_for NAME PID COMMAND...: until COMMAND succeeds (bounded).
wait_for() {
    name=$1 pid=$2
    shift 2
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
            cat "$tmp/$name.log" 2>/dev/null
            echo "FAIL: $name did not start"
            exit 1
        fi
        sleep 0.05
    done
}

# mcxd_at NAME PROBE-URL options...
mcxd_at() {
    name=$1 probe=$2
    shift 2
    "$MCXD" --topology "$topo" --now "$NOW" --seed 1 --cert "$pki/lab.pem" --key "$pki/leaf.key" \
        --pidfile "$tmp/$name.pid" "$@" >"$tmp/$name.log" 2>&1 &
    pids="$pids $!"
    wait_for "$name" "$!" curl -s -o /dev/null --max-time 2 "$probe"
}
# mcxdns_at NAME ADDR-OF-FIRST-VIEW options...
mcxdns_at() {
    name=$1
    shift
    "$MCXDNS" --pidfile "$tmp/$name.pid" "$@" >"$tmp/$name.log" 2>&1 &
    pids="$pids $!"
    wait_for "$name" "$!" test -s "$tmp/$name.pid"
}

mcxd_at dir01 http://127.0.11.11:80/ --listen internal-http=127.0.11.11:80 \
    --listen internal-https=127.0.11.11:443 --no-listen external-http --no-listen external-https
for ip in 127.0.11.21 127.0.11.31; do
    mcxd_at "pool-$ip" "http://$ip:80/" --listen "internal-http=$ip:80" \
        --listen "internal-https=$ip:443" --no-listen external-http --no-listen external-https
done
mcxd_at rp http://127.0.11.40:80/ --listen external-http=127.0.11.40:80 \
    --listen external-https=127.0.11.40:443 --no-listen internal-http --no-listen internal-https
mcxdns_at dns --topology "$topo" --listen internal=127.0.11.53:53 --listen external=127.0.11.54:53
mcxdns_at dnsfault --topology "$topo" --listen external=127.0.11.55:53 \
    --fault lyncdiscover.contoso.test=servfail --fault lyncdiscover.fabrikam.test=noanswer
# The reverse proxy's address moved to .99, where nothing listens.
sed 's/ip="127\.0\.11\.40"/ip="127.0.11.99"/' "$topo" >"$tmp/nowhere.xml"
mcxdns_at dnsnowhere --topology "$tmp/nowhere.xml" --listen external=127.0.11.56:53

printf 'secret\n' >"$tmp/pw"

# golden NAME FILE: compare (or with MCX_UPDATE_GOLDEN=1 rewrite) the output.
golden() {
    if [ "${MCX_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$tmp/$1.out" "$data/$2" && echo "updated: $data/$2"
    elif cmp -s "$tmp/$1.out" "$data/$2"; then
        ok "$1 matches $2"
    else
        fail "$1 differs from $data/$2"
        diff -u "$data/$2" "$tmp/$1.out" | head -n 40
    fi
}
err_has() { # NAME TEXT: stderr of the run holds TEXT
    if grep -qF -- "$2" "$tmp/$1.err"; then ok "$1"; else
        fail "$1: stderr lacks: $2"
        sed 's/^/   | /' "$tmp/$1.err" | tail -n 10
    fi
}
same() { # NAME1 NAME2: byte-identical runs
    if cmp -s "$tmp/$1.out" "$tmp/$2.out"; then ok "$1 = $2 (byte-identical)"; else
        fail "$1 and $2 differ"
        diff -u "$tmp/$1.out" "$tmp/$2.out" | head -n 20
    fi
}

auth="--ca $pki/root.pem --user alice@contoso.test --password-file $tmp/pw"

# ---- both vantages through their DNS views: goldens, twice each ---------------
for fmt in text json jsonl junit tap; do
    for n in 1 2; do
        # shellcheck disable=SC2086
        run "int_${fmt}_$n" 0 --sip-uri alice@contoso.test --vantage internal \
            --dns-internal 127.0.11.53 --dns-external 127.0.11.54 $auth --format "$fmt"
        # shellcheck disable=SC2086
        run "ext_${fmt}_$n" 0 --sip-uri alice@contoso.test --vantage external \
            --dns-external 127.0.11.54:53 $auth --format "$fmt"
    done
    same "int_${fmt}_1" "int_${fmt}_2"
    same "ext_${fmt}_1" "ext_${fmt}_2"
done
golden int_text_1 internal.txt
golden int_json_1 internal.json
golden ext_text_1 external.txt
golden ext_json_1 external.json
golden int_jsonl_1 internal.jsonl
golden int_junit_1 internal.xml
golden int_tap_1 internal.tap
golden ext_jsonl_1 external.jsonl
golden ext_junit_1 external.xml
golden ext_tap_1 external.tap

err_has int_text_1 "note: --dns-external 127.0.11.54:53 ignored: the internal vantage uses --dns-internal"
has int_text_1 "DNS A lyncdiscoverinternal.contoso.test @127.0.11.53:53 (internal view)" \
    "NOERROR: lyncdiscoverinternal.contoso.test CNAME dir01.contoso.test (TTL 3600), dir01.contoso.test A 127.0.11.11 (TTL 3600)" \
    "Connect to 127.0.11.11 port 443 for lyncdiscoverinternal.contoso.test (address from DNS)" \
    "DNS A pool01.contoso.test @127.0.11.53:53 (internal view)" \
    "Connect to 127.0.11.21 port 443 for pool01.contoso.test (address from DNS)" \
    "server 127.0.11.21" \
    "Result: SIP pool01.contoso.test:5061 (SipClientInternalAccess)"
# From outside, lyncdiscoverinternal is NXDOMAIN (not a finding: the next
# candidate is tried), lyncdiscover is a CNAME to the reverse proxy.
has ext_text_1 "DNS A lyncdiscoverinternal.contoso.test @127.0.11.54:53 (external view)" \
    "NXDOMAIN: lyncdiscoverinternal.contoso.test does not exist" \
    "not requested: lyncdiscoverinternal.contoso.test: NXDOMAIN at 127.0.11.54:53 (external view)" \
    "NOERROR: lyncdiscover.contoso.test CNAME dirweb.contoso.test (TTL 3600), dirweb.contoso.test A 127.0.11.40 (TTL 3600)" \
    "Connect to 127.0.11.40 port 443 for webext01.contoso.test (address from DNS)" \
    "Result: SIP sip.contoso.test:443 (SipClientExternalAccess)"
if grep -q '"id": "\(DS\|DNS\|NET\)-' "$tmp/ext_json_1.out"; then
    fail "ext_json_1: unexpected finding"
else
    ok "NXDOMAIN of a candidate is no finding"
fi
# Issue 13, example 5: nor a failure, in any format. The lyncdiscoverinternal
# candidates are info steps that say the fallback is expected, their GETs
# (never sent) skipped; a healthy deployment shows no [FAIL], no
# "outcome": "fail", no "not ok", no JUnit failure.
has ext_text_1 "[INFO] Candidate 1: https://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test" \
    "[INFO] Candidate 2: http://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test" \
    "not resolvable outside the internal network, as expected" \
    "[SKIP] GET https://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test"
expected_fallback_clean() { # NAME PATTERN: the run's output lacks PATTERN
    if grep -q -- "$2" "$tmp/$1.out"; then
        fail "$1: expected fallback shown as a failure: $(grep -m1 -- "$2" "$tmp/$1.out")"
    else
        ok "$1: expected fallback is no failure"
    fi
}
expected_fallback_clean ext_text_1 '\[FAIL\]'
expected_fallback_clean ext_json_1 '"outcome": "fail"'
expected_fallback_clean ext_jsonl_1 '"outcome":"fail"'
expected_fallback_clean ext_tap_1 '^not ok'
expected_fallback_clean ext_junit_1 '<failure'
# Issue 13, example 11: the certificate every request meets is shown once
# (SANs and chain), then referred to by its thumbprint.
for name in ext_text_1 int_text_1; do
    sans=$(grep -c 'SANs:' "$tmp/$name.out")
    leaf=$(grep -c '\[0\] subject' "$tmp/$name.out")
    again=$(grep -c 'certificate [0-9A-F]\{40\}, as above' "$tmp/$name.out")
    if [ "$sans" -eq 1 ] && [ "$leaf" -eq 1 ] && [ "$again" -ge 1 ]; then
        ok "$name: the certificate block once, then 'as above' ($again times)"
    else
        fail "$name: certificate block $sans times (chain $leaf times), 'as above' $again times"
    fi
done

# carol: the User-level redirect to pool02 resolves pool02 through DNS too.
# shellcheck disable=SC2086
run carol 0 --sip-uri carol@contoso.test --vantage internal --dns-internal 127.0.11.53 \
    --ca "$pki/root.pem" --user carol@contoso.test --password-file "$tmp/pw" &&
    has carol "Connect to 127.0.11.31 port 443 for pool02.contoso.test (address from DNS)" \
        "server 127.0.11.31" "Result: SIP pool02.contoso.test:5061"

# ---- SERVFAIL and no answer ----------------------------------------------------
run servfail 3 --sip-uri alice@contoso.test --vantage external --dns-external 127.0.11.55 \
    --ca "$pki/root.pem" &&
    has servfail "SERVFAIL: external view: lyncdiscover.contoso.test A to 127.0.11.55:53: answered SERVFAIL (DNS-022)" \
        "DNS-022" "NET-001" "the external DNS server 127.0.11.55:53"
run servfail_2 3 --sip-uri alice@contoso.test --vantage external --dns-external 127.0.11.55 \
    --ca "$pki/root.pem"
same servfail servfail_2
golden servfail servfail.txt
run noanswer 3 --sip-uri bob@fabrikam.test --vantage external --dns-external 127.0.11.55 \
    --ca "$pki/root.pem" --timeout 400 &&
    has noanswer "timeout: external view: lyncdiscover.fabrikam.test A to 127.0.11.55:53: no answer" \
        "DNS-021" "NET-001"

# ---- DNS points where nothing listens: the request goes there and fails ----------
run nowhere 3 --sip-uri alice@contoso.test --vantage external --dns-external 127.0.11.56 \
    --ca "$pki/root.pem" --timeout 2000 &&
    has nowhere "dirweb.contoso.test A 127.0.11.99 (TTL 3600)" \
        "Connect to 127.0.11.99 port 443 for lyncdiscover.contoso.test (address from DNS)" \
        "connect failure" "NET-001"

# ---- options -------------------------------------------------------------------
run bad_server 2 --sip-uri alice@contoso.test --dns-external dns.example &&
    err_has bad_server "expected ADDR[:PORT]"
run wrong_view 2 --sip-uri alice@contoso.test --vantage external --dns-internal 127.0.11.53 &&
    err_has wrong_view "resolves through --dns-external, which is not given"
run with_resolve 2 --sip-uri alice@contoso.test --vantage internal --dns-internal 127.0.11.53 \
    --resolve lyncdiscoverinternal.contoso.test:443:127.0.11.11 &&
    err_has with_resolve "drop --resolve, --connect-to and --resolve-only"
run both_no_vantage 2 --sip-uri alice@contoso.test --dns-internal 127.0.11.53 \
    --dns-external 127.0.11.54 && err_has both_no_vantage "--vantage internal|external says which"

if [ "$failures" -ne 0 ]; then
    echo "discover_dns: $failures failure(s)"
    exit 1
fi
echo "discover_dns: all passed"
exit 0
