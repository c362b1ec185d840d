#!/bin/sh
# pcap_hostile.sh -- `pcap verify` on a capture of 100,000 TCP connections,
# 7 in 8 never closed: no crash, the documented exit codes, one PC-013 when
# the live flow table (MCX_TCP_MAX_FLOWS = 65,536) is full, the HTTP
# exchanges of every connection that fitted still listed and checked, and a
# maximum RSS below the bound documented in pcap/README.md ("Memory bounds").
#
# Owns: the flood capture (`mcxcheck pcap record --connections N`, written
# with lib/pcap_synth.c into a temp dir), the expected number of accepted
# connections (simulated here from the close pattern), and the RSS bound.
# Does not own: the bounds themselves (include/mcx/tcp_reassembly.h) nor the
# verifier. Env: MCXCHECK, MCX_TOP; PCAP_HOSTILE_RSS_MB overrides the bound
# (a sanitizer build needs more). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
connections=100000
max_flows=65536     # MCX_TCP_MAX_FLOWS
close_every=8       # PCAP_FLOOD_CLOSE_EVERY
rss_bound_mb=${PCAP_HOSTILE_RSS_MB:-200} # measured 133 MB: about 1.9 KiB per open flow
case ${MCX_BUILD:-} in
*-san | *-san/) rss_bound_mb=${PCAP_HOSTILE_RSS_MB:-4000} ;; # ASan shadow memory and redzones
esac

. "$top/conformance/test/lib_pcap.sh"
pcap_init "" jq /usr/bin/time

if ! "$mcxcheck" pcap record --out "$work" --connections "$connections"; then
    echo "FAIL: pcap record --connections exited non-zero"
    exit 1
fi
echo "capture: $(wc -c <"$work/connections.pcap") bytes, $connections connections"

# Connection i closes (and frees its slot) when i % close_every == 0; a new
# connection is accepted while fewer than max_flows are live.
expected=$(awk -v n="$connections" -v max="$max_flows" -v every="$close_every" 'BEGIN {
    live = 0; accepted = 0
    for (i = 0; i < n; i++) {
        if (live < max) { accepted++; if (i % every != 0) live++ }
    }
    print accepted }')

/usr/bin/time -f "%M" -o "$work/rss" "$mcxcheck" pcap verify "$work/connections.pcap" \
    --format json --output "$work/r.json"
rc=$?
rss_kb=$(tail -n 1 "$work/rss")
echo "verify: exit $rc, max RSS $((rss_kb / 1024)) MB (bound $rss_bound_mb MB)"
if [ "$rc" -ne 0 ]; then
    echo "FAIL: verify exited $rc; PC-013 is a warning, so the default --fail-on error gives 0"
    fail=1
fi
if [ "$((rss_kb / 1024))" -ge "$rss_bound_mb" ]; then
    echo "FAIL: max RSS $((rss_kb / 1024)) MB is not below $rss_bound_mb MB"
    fail=1
fi
n13=$(jq '[.findings[] | select(.id == "PC-013")] | length' "$work/r.json")
nother=$(jq '[.findings[] | select(.id != "PC-013")] | length' "$work/r.json")
if [ "$n13" != "1" ] || [ "$nother" != "0" ]; then
    echo "FAIL: expected exactly one PC-013 and nothing else, got $n13 PC-013 and $nother others:"
    jq -r '.findings[] | "  \(.id) \(.message)"' "$work/r.json" | head -n 20
    fail=1
fi
jq -r '.findings[] | select(.id == "PC-013") | "  \(.id) \(.message)"' "$work/r.json"
nx=$(jq '[.steps[] | select(.title | startswith("HTTP GET "))] | length' "$work/r.json")
n200=$(jq '[.steps[] | select(.title | test("^HTTP GET .* -> 200$"))] | length' "$work/r.json")
if [ "$nx" != "$expected" ] || [ "$n200" != "$expected" ]; then
    echo "FAIL: expected $expected HTTP exchanges answered 200, got $nx listed, $n200 with 200"
    fail=1
fi
summary=$(jq -r '.steps[-1].title' "$work/r.json")
case $summary in
*", $expected HTTP exchanges") ;;
*) echo "FAIL: summary step '$summary' does not count $expected exchanges"; fail=1 ;;
esac

# The same file with --fail-on warning: the bound is a finding, exit 1.
"$mcxcheck" pcap verify "$work/connections.pcap" --fail-on warning --format json \
    >/dev/null
rc=$?
if [ "$rc" -ne 1 ]; then
    echo "FAIL: --fail-on warning exited $rc, expected 1 (PC-013 is a warning)"
    fail=1
fi

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "pcap_hostile: $connections connections, $expected fitted and checked, one PC-013," \
    "RSS $((rss_kb / 1024)) MB < $rss_bound_mb MB"
exit 0
