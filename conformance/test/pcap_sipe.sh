#!/bin/sh
# pcap_sipe.sh -- a real Lync client on the wire: pidgin-sipe runs its
# autodiscovery against mcxd inside the sipe harness's network namespace
# (shared/interop/sipe/sipe-demo.sh, as refimpl/test/sipe_interop.sh does)
# while tcpdump, started in the same namespace just before mcxd, records DNS
# (dnsmasq), sipe's plain-HTTP first hop and its HTTPS connections. Then
# `mcxcheck pcap verify` reads the file and tshark (the peer) must agree:
# the same plain-HTTP request URIs and status codes, and the same SNI in
# every ClientHello (sipe sends LyncDiscoverInternal.contoso.test and then
# the User URL's host). The capture must verify with no error-level finding
# (PC-035 would flag an SNI other than the resolved name; CT-021 a
# certificate in clear that misses the SNI).
#
# Owns: the capture wrapper (tcpdump -U -s 0 on the namespace's lo, 1 s
# after starting it before mcxd starts; stopped by PID 1 s after sipe ends)
# and the assertions. Reuses sipe_interop.sh's topology (extracted from that
# script, not copied) and the harness unchanged. Skips (77, last line says
# why) where the namespace, the harness, sipe, tcpdump or tshark cannot run.
# Env: MCXD, MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
demo=${SIPE_DEMO:-$top/../shared/interop/sipe/sipe-demo.sh}
interop=$top/refimpl/test/sipe_interop.sh

[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespace)"; exit 77; }
command -v ip >/dev/null 2>&1 && ip netns list >/dev/null 2>&1 \
    || { echo "skip: 'ip netns' not available"; exit 77; }
[ -f "$demo" ] || { echo "skip: sipe harness not found at $demo"; exit 77; }
[ -x "$mcxd" ] && [ -x "$mcxcheck" ] || { echo "FAIL: mcxd/mcxcheck not built"; exit 1; }
dpkg-query -W -f='${Status}' pidgin-sipe 2>/dev/null | grep -q 'install ok installed' \
    || { echo "skip: pidgin-sipe not installed (apt-get install pidgin-sipe)"; exit 77; }
for tool in tcpdump tshark jq dnsmasq openssl gcc pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done
pkg-config --exists purple glib-2.0 2>/dev/null \
    || { echo "skip: libpurple-dev/libglib2.0-dev missing (sipe harness)"; exit 77; }

. "$top/conformance/test/lib_pcap.sh"
work=$(mktemp -d)
tpid=""
cleanup() {
    if [ -n "$tpid" ]; then
        kill "$tpid" 2>/dev/null
        i=0
        while kill -0 "$tpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The interop topology (one pool whose web FQDNs are the harness's names).
sed -n '/^<?xml/,/^<\/topology>/p' "$interop" >"$work/topology.xml"
grep -q '</topology>' "$work/topology.xml" \
    || { echo "FAIL: no topology found in $interop"; exit 1; }

# mcxd serves TLS 1.3 by default (sipe negotiates it: the certificate is
# encrypted); the second run caps it at TLS 1.2 through OpenSSL's system
# default configuration, so the certificate crosses in clear and is checked.
printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'ssl_conf = ssl_sect' \
    '[ssl_sect]' 'system_default = system_default_sect' '[system_default_sect]' \
    'MaxProtocol = TLSv1.2' >"$work/tls12.cnf"

fail=0
run_sipe() { # label extra-env-for-mcxd
    label=$1
    pcap=$work/$label.pcap
    # Runs inside the namespace: tcpdump first, then mcxd in the foreground
    # (the harness stops it). $CERT and $KEY come from the harness.
    {
        echo "tcpdump -i lo -U -s 0 -w '$pcap' 'udp port 53 or tcp port 80 or tcp port 443' \\"
        echo "    2>'$pcap.err' &"
        echo "echo \$! >'$work/tcpdump.pid'"
        echo "sleep 1"
        echo "exec env $2 '$mcxd' --topology '$work/topology.xml' \\"
        echo "    --listen internal-http=127.0.0.1:80 --listen internal-https=127.0.0.1:443 \\"
        echo "    --no-listen external-http --no-listen external-https \\"
        echo "    --cert \"\$CERT\" --key \"\$KEY\" --seed 1"
    } >"$work/target.sh"
    rm -f "$work/tcpdump.pid"
    TARGET="sh '$work/target.sh'" timeout 120 sh "$demo" >"$work/out" 2>&1
    rc=$?
    tpid=$(cat "$work/tcpdump.pid" 2>/dev/null)
    sleep 1
    [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
    i=0
    while [ -n "$tpid" ] && kill -0 "$tpid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    tpid=""
    if [ ! -s "$pcap" ]; then
        cat "$work/out"
        echo "skip: tcpdump wrote no capture in the namespace: $(cat "$pcap.err" 2>/dev/null)"
        exit 77
    fi
    if [ "$rc" != 0 ] || ! grep -q '^PROBE: autodiscover result: sip server' "$work/out"; then
        cat "$work/out"
        echo "FAIL: $label: sipe did not complete autodiscover (harness exit $rc)"
        fail=1
        return
    fi

    pcap_verify "$work/r.json" "$pcap" --topology "$work/topology.xml"
    vrc=$?
    echo "$label: verify exit $vrc, $(jq -r '.steps[-1].title' "$work/r.json")"
    jq -r '.findings[] | "  \(.id) [\(.level)] \(.message)"' "$work/r.json"
    if [ "$vrc" -ne 0 ]; then
        echo "FAIL: $label: verify of sipe's capture exited $vrc (an error-level finding)"
        fail=1
    fi

    # Plain HTTP: URIs and status codes, ours against tshark's.
    jq -r '.steps[] | select(.title | startswith("HTTP ")) | .title' "$work/r.json" |
        sed -n 's/^HTTP [A-Z]* \(.*\) -> \([0-9]*\)$/\1\n\2/p' >"$work/http.ours"
    tshark -r "$pcap" -Y http -T fields -e http.request.uri -e http.response.code \
        2>/dev/null | tr -d '\t' | sed '/^$/d' >"$work/http.peer"
    if [ ! -s "$work/http.ours" ]; then
        echo "FAIL: $label: no plain-HTTP exchange seen (sipe tries http:// first)"
        fail=1
    elif ! cmp -s "$work/http.ours" "$work/http.peer"; then
        echo "FAIL: $label: mcxcheck and tshark disagree on plain-HTTP URIs/status codes"
        diff "$work/http.ours" "$work/http.peer"
        fail=1
    else
        echo "  plain HTTP: $(($(wc -l <"$work/http.ours") / 2)) exchanges, tshark agrees"
    fi

    # HTTPS: the SNI of every ClientHello, ours against tshark's, in order.
    jq -r '.steps[] | select(.title | startswith("TLS ClientHello ")) | .title' \
        "$work/r.json" | sed 's/.* SNI //' >"$work/sni.ours"
    tshark -r "$pcap" -Y tls.handshake.type==1 -T fields \
        -e tls.handshake.extensions_server_name 2>/dev/null | sed 's/^$/(none)/' >"$work/sni.peer"
    if ! grep -qix 'lyncdiscoverinternal.contoso.test' "$work/sni.ours"; then
        echo "FAIL: $label: no ClientHello with SNI lyncdiscoverinternal.contoso.test:"
        cat "$work/sni.ours"
        fail=1
    elif ! cmp -s "$work/sni.ours" "$work/sni.peer"; then
        echo "FAIL: $label: mcxcheck and tshark disagree on SNI"
        diff "$work/sni.ours" "$work/sni.peer"
        fail=1
    else
        echo "  HTTPS: $(wc -l <"$work/sni.ours") ClientHellos, SNI" \
            "$(sort -fu "$work/sni.ours" | tr '\n' ' ')- tshark agrees"
    fi

    # The server certificate: in clear only with TLS 1.2; then its SHA-1 must
    # be the one tshark sees, and it covers every SNI (else CT-021 above).
    jq -r '.steps[] | select(.title | startswith("TLS server certificate ")) | .title' \
        "$work/r.json" | sort -u >"$work/cert.ours"
    sed 's/^/  /' "$work/cert.ours"
    case $label in
    tls12)
        thumb=$(sed -n 's/.*thumbprint \([0-9A-F]*\).*/\1/p' "$work/cert.ours" | sort -u)
        peer=$(pcap_tshark_cert_sha1 "$pcap")
        if [ -z "$thumb" ] || [ "$thumb" != "$peer" ]; then
            echo "FAIL: $label: certificate thumbprint '$thumb', tshark's '$peer'"
            fail=1
        fi ;;
    *)
        if ! grep -q 'not checked.*TLS 1.3' "$work/cert.ours"; then
            echo "FAIL: $label: expected the certificate to be reported as not in clear"
            fail=1
        fi ;;
    esac
}

run_sipe tls13 ""
run_sipe tls12 "OPENSSL_CONF='$work/tls12.cnf'"

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "pcap_sipe: sipe's DNS, plain-HTTP and HTTPS autodiscovery (TLS 1.3 and 1.2)" \
    "captured and verified; tshark agrees"
exit 0
