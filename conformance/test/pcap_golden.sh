#!/bin/sh
# pcap_golden.sh -- the golden captures in pcap/golden/ regenerate
# byte-identically, pass `mcxcheck pcap verify` with no finding, and tshark
# (the peer) sees the same HTTP request URIs and response codes.
#
# Owns: regeneration with `mcxcheck pcap record` (fixed --now/--seed
# defaults) into a temp dir and `cmp` with the committed files; a check that
# the comparison can fail (a changed seed must change the bytes); verify of
# every golden file (exit 0, zero findings); the tshark comparison (skipped
# with a message when tshark is absent).
# Does not own: the synthesis (lib/pcap_synth.c, conformance/pcap_record.c)
# nor the verifier (lib/pcap_rules.c; unit tests in test_pcap.c).
# Env: MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
golden=$top/pcap/golden
fail=0

if [ ! -x "$mcxcheck" ]; then
    echo "FAIL: $mcxcheck is not built"
    exit 1
fi
if ! command -v jq >/dev/null 2>&1; then
    echo "skip: jq is needed to read the JSON reports"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$work/regen" "$work/seed2"
if ! "$mcxcheck" pcap record --out "$work/regen"; then
    echo "FAIL: pcap record exited non-zero"
    exit 1
fi
n=0
for f in "$golden"/*.pcap; do
    name=$(basename "$f")
    n=$((n + 1))
    if ! cmp "$f" "$work/regen/$name"; then
        echo "FAIL: $name does not regenerate byte-identically"
        fail=1
    fi
done
if [ "$n" -lt 3 ]; then
    echo "FAIL: expected at least 3 golden captures, found $n"
    fail=1
fi
for f in "$work/regen"/*.pcap; do
    [ -f "$golden/$(basename "$f")" ] || { echo "FAIL: $(basename "$f") not committed"; fail=1; }
done

# The comparison can fail: another seed changes the DNS IDs.
"$mcxcheck" pcap record --out "$work/seed2" --seed 2 >/dev/null 2>&1
if cmp -s "$golden/internal-v4.pcap" "$work/seed2/internal-v4.pcap"; then
    echo "FAIL: a different --seed produced identical bytes (cmp cannot fail?)"
    fail=1
fi

for f in "$golden"/*.pcap; do
    name=$(basename "$f")
    "$mcxcheck" pcap verify "$f" --format json --output "$work/$name.json"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: verify $name exited $rc"
        fail=1
    fi
    nf=$(jq '.findings | length' "$work/$name.json")
    if [ "$nf" != "0" ]; then
        echo "FAIL: verify $name reported $nf findings:"
        jq -r '.findings[] | "  \(.id) \(.message)"' "$work/$name.json"
        fail=1
    fi
    nx=$(jq '[.steps[] | select(.title | startswith("HTTP "))] | length' "$work/$name.json")
    nd=$(jq '[.steps[] | select(.title | startswith("DNS "))] | length' "$work/$name.json")
    if [ "$nx" -lt 2 ] || [ "$nd" -lt 1 ]; then
        echo "FAIL: $name: expected DNS and HTTP steps, got $nd DNS / $nx HTTP"
        fail=1
    fi
    if command -v tshark >/dev/null 2>&1; then
        jq -r '.steps[] | select(.title | startswith("HTTP ")) | .title' "$work/$name.json" |
            sed -n 's/^HTTP [A-Z]* \(.*\) -> \([0-9]*\)$/\1\n\2/p' >"$work/$name.ours"
        tshark -r "$f" -d tcp.port==8080,http -Y http -T fields -e http.request.uri \
            -e http.response.code 2>/dev/null | tr -d '\t' | sed '/^$/d' >"$work/$name.peer"
        if ! cmp -s "$work/$name.ours" "$work/$name.peer"; then
            echo "FAIL: $name: mcxcheck and tshark disagree on URIs/status codes"
            diff "$work/$name.ours" "$work/$name.peer"
            fail=1
        fi
    fi
done
command -v tshark >/dev/null 2>&1 || echo "note: tshark absent, peer comparison not run"

# The same capture as pcapng (editcap, from Wireshark) reads the same.
if command -v editcap >/dev/null 2>&1; then
    editcap -F pcapng "$golden/internal-v4.pcap" "$work/internal-v4.pcapng"
    "$mcxcheck" pcap verify "$work/internal-v4.pcapng" --format json --output "$work/ng.json"
    a=$(jq -c '[.steps[].title]' "$work/ng.json")
    b=$(jq -c '[.steps[].title]' "$work/internal-v4.pcap.json")
    if [ "$a" != "$b" ]; then
        echo "FAIL: pcapng copy of internal-v4 reads differently"
        fail=1
    fi
fi

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "pcap_golden: $n captures regenerate byte-identically and verify clean"
exit 0
