#!/bin/sh
# pcap_live.sh -- real captures: tcpdump on loopback records curl talking
# plain HTTP and HTTPS to mcxd, then `mcxcheck pcap verify` reads the file and tshark
# (the peer) must report the same HTTP request URIs and response codes.
#
# Owns: starting mcxd on 127.0.14.1 (17080 internal-http, 27080
# external-http), a broken mcxd (--break http-302) on 127.0.14.2:17080, and
# two HTTPS mcxd on 127.0.14.3/.4:17443 (lab.pem; no-lyncdiscoverinternal.pem)
# that curl reaches with SNI lyncdiscoverinternal.contoso.test over TLS 1.2
# (so the certificate is in clear: verify must report its thumbprint, equal
# to tshark's and openssl's, and CT-021 for the broken one) and TLS 1.3
# (certificate encrypted: reported as not checked),
# tcpdump with a capture filter for those addresses/ports and -U (1 s after
# start and before stop), stopping everything it started by PID, and
# asserting: the good capture verifies with no error, the 302 capture is
# flagged PC-033, mcxcheck's URI/status list equals tshark's, and `pcap
# replay` of the good capture shows no difference against the same mcxd and
# PC-050 against the broken one.
# Does not own: the verifier (test_pcap.c) nor the golden captures
# (pcap_golden.sh).
# Env: MCXD, MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip (last line says why), else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
. "$top/conformance/test/lib_pcap.sh"
pcap_init "" tcpdump tshark curl jq openssl xxd
[ -x "$mcxd" ] || { echo "FAIL: $mcxd is not built"; exit 1; }

start_mcxd() { # addr extra-args...
    addr=$1
    shift
    "$mcxd" --listen "internal-http=$addr:17080" --no-listen internal-https \
        --no-listen external-https --listen "external-http=$addr:27080" \
        --now 2026-01-01T00:00:00Z --seed 1 --quiet "$@" 2>"$work/mcxd-$addr.err" &
    wait_up "$!" "$addr" "http://$addr:17080/"
}

wait_up() { # pid addr url -> returns when url answers, else skips
    pids="$pids $1"
    i=0
    while [ $i -lt 50 ]; do
        if curl -sk -o /dev/null --max-time 1 "$3"; then
            return 0
        fi
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "skip: mcxd did not start at $3 ($(cat "$work/mcxd-$2.err"))"
    exit 77
}

start_mcxd_tls() { # addr cert
    "$mcxd" --listen "internal-https=$1:17443" --no-listen internal-http \
        --no-listen external-http --no-listen external-https --cert "$2" \
        --key "$top/conformance/pki/leaf.key" --now 2026-01-01T00:00:00Z --seed 1 --quiet \
        2>"$work/mcxd-$1.err" &
    wait_up "$!" "$1" "https://$1:17443/"
}

capture() { # file addr [interface] -> starts tcpdump, sets tpid
    tcpdump -i "${3:-lo}" -U -s 0 -w "$1" \
        "host $2 and (tcp port 17080 or tcp port 27080 or tcp port 17443)" \
        2>"$1.err" &
    tpid=$!
    pids="$pids $tpid"
    sleep 1
    if ! kill -0 "$tpid" 2>/dev/null; then
        echo "skip: tcpdump cannot capture on lo: $(cat "$1.err")"
        exit 77
    fi
}

stop_capture() {
    sleep 1
    kill "$tpid" 2>/dev/null
    wait "$tpid" 2>/dev/null
}

XML='Accept: application/vnd.microsoft.rtc.autodiscover+xml;v=1'
JSON='Accept: application/vnd.microsoft.rtc.autodiscover+json;v=1'
AD=/Autodiscover/AutodiscoverService.svc/root

start_mcxd 127.0.14.1
start_mcxd 127.0.14.2 --break http-302
fail=0

# Good deployment: internal first (keep-alive: three requests, one
# connection), then external.
capture "$work/good.pcap" 127.0.14.1
curl -s -o /dev/null -o /dev/null -o /dev/null --max-time 5 \
    -H 'Host: lyncdiscoverinternal.contoso.test' -H "$XML" \
    "http://127.0.14.1:17080/?sipuri=alice@contoso.test" \
    "http://127.0.14.1:17080$AD/domain" "http://127.0.14.1:17080$AD/user"
curl -s -o /dev/null -o /dev/null --max-time 5 -H 'Host: lyncdiscover.contoso.test' -H "$JSON" \
    "http://127.0.14.1:27080/?sipuri=alice@contoso.test" "http://127.0.14.1:27080$AD/domain"
stop_capture

# Broken deployment: the HTTP first hop answered with 302. Captured on the
# "any" device: Linux cooked headers (LINUX_SLL/SLL2) instead of Ethernet.
capture "$work/302.pcap" 127.0.14.2 any
curl -s -o /dev/null --max-time 5 -H 'Host: lyncdiscoverinternal.contoso.test' -H "$XML" \
    "http://127.0.14.2:17080/?sipuri=alice@contoso.test"
stop_capture

ports="--port 17080=internal-http --port 27080=external-http"
for name in good 302; do
    f=$work/$name.pcap
    # shellcheck disable=SC2086
    "$mcxcheck" pcap verify "$f" $ports --format json --output "$f.json"
    echo "$?" >"$f.rc"
    jq -r '.steps[] | select(.title | startswith("HTTP ")) | .title' "$f.json" |
        sed -n 's/^HTTP [A-Z]* \(.*\) -> \([0-9]*\)$/\1\n\2/p' >"$f.ours"
    tshark -r "$f" -d tcp.port==17080,http -d tcp.port==27080,http -Y http -T fields \
        -e http.request.uri -e http.response.code 2>/dev/null | tr -d '\t' | sed '/^$/d' \
        >"$f.peer"
    if [ ! -s "$f.ours" ] || ! cmp -s "$f.ours" "$f.peer"; then
        echo "FAIL: $name: mcxcheck and tshark disagree on request URIs / status codes"
        diff "$f.ours" "$f.peer"
        fail=1
    fi
done

n=$(jq '[.steps[] | select(.title | startswith("HTTP "))] | length' "$work/good.pcap.json")
errs=$(jq '.summary.error' "$work/good.pcap.json")
if [ "$n" -ne 5 ] || [ "$errs" -ne 0 ] || [ "$(cat "$work/good.pcap.rc")" -ne 0 ]; then
    echo "FAIL: good capture: $n exchanges (want 5), $errs errors, exit $(cat "$work/good.pcap.rc")"
    jq -r '.findings[] | "  \(.id) \(.message)"' "$work/good.pcap.json"
    fail=1
fi
if ! jq -e '[.findings[].id] | index("PC-033")' "$work/302.pcap.json" >/dev/null; then
    echo "FAIL: the 302 first hop was not flagged PC-033"
    jq -r '.findings[] | "  \(.id) \(.message)"' "$work/302.pcap.json"
    fail=1
fi
# Replay the good capture at the application layer: against the same mcxd
# no difference, against the broken one (302 first hop) PC-050.
# shellcheck disable=SC2086
"$mcxcheck" pcap replay "$work/good.pcap" $ports --target-internal http://127.0.14.1:17080 \
    --target-external http://127.0.14.1:27080 --format json --output "$work/replay-same.json"
rs=$?
# shellcheck disable=SC2086
"$mcxcheck" pcap replay "$work/good.pcap" $ports --target-internal http://127.0.14.2:17080 \
    --target-external http://127.0.14.2:27080 --format json --output "$work/replay-302.json"
if [ "$rs" -ne 0 ] || [ "$(jq '.findings | length' "$work/replay-same.json")" -ne 0 ]; then
    echo "FAIL: replay against the same mcxd found differences (exit $rs)"
    jq -r '.findings[] | "  \(.id) \(.message)"' "$work/replay-same.json"
    fail=1
fi
if ! jq -e '[.findings[].id] | index("PC-050")' "$work/replay-302.json" >/dev/null; then
    echo "FAIL: replay against the 302 mcxd found no difference"
    fail=1
fi
# HTTPS: curl as the phone (SNI = the lyncdiscover name), TLS 1.2 then 1.3.
PKI=$top/conformance/pki
start_mcxd_tls 127.0.14.3 "$PKI/lab.pem"
start_mcxd_tls 127.0.14.4 "$PKI/no-lyncdiscoverinternal.pem"
HOST=lyncdiscoverinternal.contoso.test
for addr in 127.0.14.3 127.0.14.4; do
    capture "$work/tls-$addr.pcap" "$addr"
    curl -sk -o /dev/null --max-time 5 --tls-max 1.2 --resolve "$HOST:17443:$addr" -H "$XML" \
        "https://$HOST:17443$AD?sipuri=alice@contoso.test"
    curl -sk -o /dev/null --max-time 5 --tlsv1.3 --resolve "$HOST:17443:$addr" -H "$XML" \
        "https://$HOST:17443$AD?sipuri=alice@contoso.test"
    stop_capture
    f=$work/tls-$addr.pcap
    "$mcxcheck" pcap verify "$f" --port 17443=internal-https --format json --output "$f.json"
    echo "$?" >"$f.rc"
    jq -r '.steps[] | select(.title | startswith("TLS ClientHello ")) | .title' "$f.json" |
        sed 's/.* SNI //' >"$f.sni"
    tshark -r "$f" -d tcp.port==17443,tls -Y tls.handshake.type==1 -T fields \
        -e tls.handshake.extensions_server_name 2>/dev/null >"$f.peer"
    if [ "$(sort -u "$f.sni")" != "$HOST" ] || [ "$(wc -l <"$f.sni")" -ne 2 ] ||
        ! cmp -s "$f.sni" "$f.peer"; then
        echo "FAIL: $addr: SNI of the two ClientHellos: ours '$(cat "$f.sni")'," \
            "tshark '$(cat "$f.peer")'"
        fail=1
    fi
    jq -r '.steps[] | select(.title | startswith("TLS server certificate ")) | .title' \
        "$f.json" >"$f.cert"
    thumb=$(sed -n 's/.*thumbprint \([0-9A-F]*\).*/\1/p' "$f.cert")
    cert=$PKI/lab.pem
    [ "$addr" = 127.0.14.4 ] && cert=$PKI/no-lyncdiscoverinternal.pem
    want=$(openssl x509 -in "$cert" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
    peer=$(tshark -r "$f" -d tcp.port==17443,tls -Y tls.handshake.type==11 -T fields \
        -e tls.handshake.certificate 2>/dev/null | head -n 1 | cut -d, -f1 | tr -d ':' |
        xxd -r -p | openssl x509 -inform DER -noout -fingerprint -sha1 2>/dev/null |
        sed 's/.*=//; s/://g')
    if [ "$thumb" != "$want" ] || [ "$peer" != "$want" ] ||
        ! grep -q 'not checked.*TLS 1.3' "$f.cert"; then
        echo "FAIL: $addr: certificate steps '$(cat "$f.cert")'; tshark $peer, served $want"
        fail=1
    fi
done
ct=$(jq '[.findings[] | select(.id == "CT-021")] | length' "$work/tls-127.0.14.4.pcap.json")
if [ "$(cat "$work/tls-127.0.14.3.pcap.rc")" -ne 0 ] ||
    [ "$(jq '.findings | length' "$work/tls-127.0.14.3.pcap.json")" -ne 0 ] || [ "$ct" -ne 1 ] ||
    [ "$(cat "$work/tls-127.0.14.4.pcap.rc")" -ne 1 ]; then
    echo "FAIL: HTTPS: lab.pem must verify clean, no-lyncdiscoverinternal.pem give one CT-021"
    jq -r '.findings[] | "  \(.id) \(.message)"' "$work/tls-127.0.14.3.pcap.json" \
        "$work/tls-127.0.14.4.pcap.json"
    fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "pcap_live: tcpdump captures verified; tshark agrees on $n exchanges; 302 flagged; replay ok;"
echo "pcap_live: HTTPS SNI and TLS 1.2 certificate agree with tshark;" \
    "CT-021 for the broken certificate"
exit 0
