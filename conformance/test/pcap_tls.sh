#!/bin/sh
# pcap_tls.sh -- the golden HTTPS captures (pcap/golden/*-tls*.pcap)
# regenerate byte-identically, verify clean, and tshark (the peer) reads the
# same SNI and, for TLS 1.2, the same server certificate as `pcap verify`.
#
# Owns: regeneration with `mcxcheck pcap record` (default --now/--seed, --pki
# conformance/pki) into a temp dir and `cmp` with the committed *-tls*
# files; a check that the comparison can fail (--seed 2 changes the bytes);
# verify of each (exit 0, zero findings, an SNI step, the TLS 1.2
# certificate step); tshark's tls.handshake.extensions_server_name against
# our SNI and the SHA-1 of tshark's first tls.handshake.certificate against
# our thumbprint (skipped with a note when tshark is absent).
# Does not own: the recorder (conformance/pcap_record_tls.c), the reader
# (lib/pcap_tls.c; unit tests in test_pcap_tls.c), nor the plain-HTTP golden
# files (pcap_golden.sh), nor the shared helpers (lib_pcap.sh).
# Env: MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
golden=$top/pcap/golden

. "$top/conformance/test/lib_pcap.sh"
pcap_init " to read the JSON reports" jq

mkdir -p "$work/regen" "$work/seed2"
if ! "$mcxcheck" pcap record --out "$work/regen" --pki "$top/conformance/pki" --dnsfixtures "$top/dnsfixtures"; then
    echo "FAIL: pcap record exited non-zero"
    exit 1
fi
"$mcxcheck" pcap record --out "$work/seed2" --seed 2 --pki "$top/conformance/pki" --dnsfixtures "$top/dnsfixtures" >/dev/null 2>&1
# Without the PKI the HTTPS captures cannot be written: a clear error, exit 2.
"$mcxcheck" pcap record --out "$work/seed2" --pki "$work/nowhere" 2>"$work/nopki.err"
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "nowhere/lab.pem" "$work/nopki.err"; then
    echo "FAIL: record with a missing --pki: exit $rc, $(cat "$work/nopki.err")"
    fail=1
fi

n=0
for name in internal-tls12 external-tls13; do
    f=$golden/$name.pcap
    n=$((n + 1))
    if [ ! -f "$f" ]; then
        echo "FAIL: $name.pcap is not committed in pcap/golden"
        fail=1
        continue
    fi
    if ! cmp "$f" "$work/regen/$name.pcap"; then
        echo "FAIL: $name.pcap does not regenerate byte-identically"
        fail=1
    fi
    if cmp -s "$f" "$work/seed2/$name.pcap"; then
        echo "FAIL: $name: --seed 2 produced identical bytes (cmp cannot fail?)"
        fail=1
    fi
    pcap_verify_clean "$f" "$name"
    ours=$(jq -r '.steps[] | select(.title | startswith("TLS ClientHello ")) | .title' \
        "$work/$name.json" | sed -n 's/.* SNI //p')
    case $name in
    internal-*) want=lyncdiscoverinternal.contoso.test ;;
    *) want=lyncdiscover.contoso.test ;;
    esac
    if [ "$ours" != "$want" ]; then
        echo "FAIL: $name: SNI step '$ours', expected $want"
        fail=1
    fi
    cert=$(jq -r '.steps[] | select(.title | startswith("TLS server certificate ")) | .title' \
        "$work/$name.json")
    case $name in
    *-tls12)
        thumb=$(printf '%s\n' "$cert" | sed -n 's/.*thumbprint \([0-9A-F]*\).*/\1/p')
        if [ -z "$thumb" ]; then
            echo "FAIL: $name: no certificate step with a thumbprint: '$cert'"
            fail=1
        fi ;;
    *)
        case $cert in
        *"not checked"*"TLS 1.3"*) ;;
        *) echo "FAIL: $name: expected 'not checked (TLS 1.3)', got '$cert'"; fail=1 ;;
        esac
        thumb="" ;;
    esac
    if command -v tshark >/dev/null 2>&1; then
        peer=$(tshark -r "$f" -d tcp.port==4443,tls -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null)
        if [ "$peer" != "$ours" ]; then
            echo "FAIL: $name: tshark SNI '$peer', mcxcheck '$ours'"
            fail=1
        fi
        if [ -n "$thumb" ]; then
            peer_thumb=$(pcap_tshark_cert_sha1 "$f")
            if [ "$peer_thumb" != "$thumb" ]; then
                echo "FAIL: $name: tshark's certificate SHA-1 '$peer_thumb', mcxcheck '$thumb'"
                fail=1
            fi
        fi
    fi
done
command -v tshark >/dev/null 2>&1 || echo "note: tshark absent, peer comparison not run"

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "pcap_tls: $n HTTPS captures regenerate byte-identically, verify clean, tshark agrees"
exit 0
