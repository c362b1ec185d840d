#!/bin/sh
# pcap_golden.sh -- the golden captures in pcap/golden/ (and
# pcap/golden/scenarios/, one per dnsfixtures scenario and vantage)
# regenerate byte-identically, pass `mcxcheck pcap verify`, and tshark (the
# peer) sees the same HTTP request URIs and response codes.
#
# Owns: regeneration with `mcxcheck pcap record` (fixed --now/--seed
# defaults) into a temp dir and `cmp` with the committed files; a check that
# the comparison can fail (a changed seed must change the bytes); verify of
# every top-level golden file (exit 0, zero findings); verify of every
# scenario capture with the scenario's topology, whose DNS- findings must
# equal the scenario's mustHave IDs minus the rules a capture cannot judge
# (the table below; each entry must stay unreported) plus the listed extras,
# and whose discovery outcomes must match the scenario's; the tshark
# comparison (skipped with a message when tshark is absent): URIs and
# status codes, the frame numbers of every DNS and HTTP step, and no bad
# IPv4/TCP/UDP checksum with tshark's checksum validation on (a corrupted
# copy must fail); internal-v4's frame numbers exactly.
# Does not own: the synthesis (lib/pcap_synth.c, conformance/pcap_record*.c),
# the verifier (lib/pcap_rules.c, lib/pcap_dns_rules.c; unit tests in
# test_pcap.c), the scenario format (lib/dns_scenario.xsd), the shared
# helpers (lib_pcap.sh).
# Env: MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
golden=$top/pcap/golden

. "$top/conformance/test/lib_pcap.sh"
pcap_init " to read the JSON reports and scenario files" jq python3

# Rules the phone's lookups cannot judge in a scenario (SCENARIO VIEW ID):
# it never asks for a pool's web FQDN (DNS-008/009/010), an internal phone
# stops at lyncdiscoverinternal (DNS-006), and a wildcard's answer carries
# the asked name (DNS-015).
cat >"$work/not-judged.txt" <<'EOF'
internal-webfqdn-public external DNS-010
lyncdiscover-inside internal DNS-006
split-brain-missing internal DNS-008
split-brain-private-ip internal DNS-009
wildcard external DNS-015
wildcard external DNS-010
EOF
# Findings a capture adds to the zone-file expectations (SCENARIO VIEW ID):
# the CNAME target director.contoso.net lies in no zone the capture shows.
cat >"$work/extra.txt" <<'EOF'
cross-domain-cname external DNS-018
EOF

mkdir -p "$work/regen" "$work/seed2"
if ! "$mcxcheck" pcap record --out "$work/regen" --pki "$top/conformance/pki" --dnsfixtures "$top/dnsfixtures"; then
    echo "FAIL: pcap record exited non-zero"
    exit 1
fi
n=0
for f in "$golden"/*.pcap "$golden"/scenarios/*.pcap; do
    name=${f#"$golden"/}
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
for f in "$work/regen"/*.pcap "$work/regen"/scenarios/*.pcap; do
    name=${f#"$work/regen"/}
    [ -f "$golden/$name" ] || { echo "FAIL: $name not committed"; fail=1; }
done
# The comparison can fail: another seed changes the DNS IDs.
"$mcxcheck" pcap record --out "$work/seed2" --seed 2 --pki "$top/conformance/pki" --dnsfixtures "$top/dnsfixtures" >/dev/null 2>&1
for name in internal-v4.pcap scenarios/a-right-internal.pcap; do
    if cmp -s "$golden/$name" "$work/seed2/$name"; then
        echo "FAIL: a different --seed produced identical bytes for $name (cmp cannot fail?)"
        fail=1
    fi
done

# tshark_compare FILE JSON: the HTTP URIs and codes of our report and of
# tshark agree.
tshark_compare() {
    command -v tshark >/dev/null 2>&1 || return 0
    jq -r '.steps[] | select(.title | startswith("HTTP ")) | .title' "$2" |
        sed -n 's/^HTTP [A-Z]* \(.*\) -> \([0-9]*\)$/\1\n\2/p' >"$work/ours"
    tshark -r "$1" -d tcp.port==8080,http -Y http -T fields -e http.request.uri \
        -e http.response.code 2>/dev/null | tr -d '\t' | sed '/^$/d' >"$work/peer"
    if ! cmp -s "$work/ours" "$work/peer"; then
        echo "FAIL: $1: mcxcheck and tshark disagree on URIs/status codes"
        diff "$work/ours" "$work/peer"
        fail=1
    fi
}

# tshark_checksums FILE: tshark (checksum validation on) finds no bad IPv4,
# TCP or UDP checksum, and validated at least one (the preferences took).
tshark_checksums() {
    command -v tshark >/dev/null 2>&1 || return 0
    tshark -r "$1" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -o udp.check_checksum:TRUE -T fields -e frame.number -e ip.checksum.status \
        -e tcp.checksum.status -e udp.checksum.status 2>/dev/null >"$work/cks"
    # Status per field: 0 bad, 1 good, 2 unverified; IPv6 has no IP checksum.
    bad=$(awk -F'\t' '$2 == "0" || $3 == "0" || $4 == "0" { printf "%s ", $1 }' "$work/cks")
    good=$(awk -F'\t' '$3 == "1" || $4 == "1"' "$work/cks" | wc -l)
    if [ -n "$bad" ] || [ "$good" -eq 0 ]; then
        echo "FAIL: $1: bad checksums in frames [$bad], $good frames validated"
        fail=1
    fi
}

# tshark_frames FILE JSON: the frame numbers of our DNS and HTTP steps are
# tshark's (DNS: every message; HTTP: the frame ending each message).
tshark_frames() {
    command -v tshark >/dev/null 2>&1 || return 0
    jq -r '.steps[] | select(.title | startswith("DNS ") or startswith("HTTP "))
        | .detail | capture("frames (?<f>[0-9,]+)|request frames [0-9]+-(?<q>[0-9]+), response frames [0-9]+-(?<r>[0-9]+)")
        | [.f, .q, .r] | map(select(. != null)) | join(",")' "$2" | tr ',' '\n' | sort -n >"$work/fr.ours"
    tshark -r "$1" -d tcp.port==8080,http -Y 'dns || http' -T fields -e frame.number \
        2>/dev/null | sort -n >"$work/fr.peer"
    if ! cmp -s "$work/fr.ours" "$work/fr.peer"; then
        echo "FAIL: $1: DNS/HTTP frame numbers differ from tshark's (ours, tshark):"
        diff "$work/fr.ours" "$work/fr.peer" | sed 's/^/  /'
        fail=1
    fi
}

# A corrupted copy (last byte of the last frame: TCP urgent pointer) must
# fail the checksum check, so the check can fail.
if command -v tshark >/dev/null 2>&1; then
    cp "$golden/internal-v4.pcap" "$work/bad-cksum.pcap"
    python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[-1]^=0xff; open(p,"wb").write(d)' \
        "$work/bad-cksum.pcap"
    saved=$fail
    fail=0
    tshark_checksums "$work/bad-cksum.pcap" >/dev/null
    if [ "$fail" -eq 0 ]; then
        echo "FAIL: a corrupted TCP checksum went unnoticed"
        saved=1
    fi
    fail=$saved
fi

for f in "$golden"/*.pcap; do
    name=$(basename "$f")
    pcap_verify_clean "$f" "$name"
    tshark_checksums "$f"
    tshark_frames "$f" "$work/$name.json"
    nx=$(jq '[.steps[] | select(.title | startswith("HTTP "))] | length' "$work/$name.json")
    nt=$(jq '[.steps[] | select(.title | startswith("TLS ClientHello"))] | length' \
        "$work/$name.json")
    nd=$(jq '[.steps[] | select(.title | startswith("DNS "))] | length' "$work/$name.json")
    if { [ "$nx" -lt 2 ] && [ "$nt" -lt 1 ]; } || [ "$nd" -lt 1 ]; then
        echo "FAIL: $name: expected DNS and HTTP (or TLS) steps, got $nd DNS / $nx HTTP / $nt TLS"
        fail=1
    fi
    tshark_compare "$f" "$work/$name.json"
done

# Scenario captures: the DNS rules over what the phone asked. One python3
# run lists the captures with their scenario's topology (plan.txt), mcxcheck
# verifies each, one python3 run compares every report with the scenario.
cat >"$work/scen.py" <<'PYEOF'
import json, os, sys, xml.etree.ElementTree as ET
ns = {"s": "urn:mcxlab:dns-scenario:1"}
mode, top, work = sys.argv[1:4]
def table(name):
    return {tuple(l.split()) for l in open(os.path.join(work, name)) if l.strip()}
def plan():
    out = []
    fixtures = os.path.join(top, "dnsfixtures")
    for scen in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, scen, "scenario.xml")
        if not os.path.isfile(path):
            continue
        root = ET.parse(path).getroot()
        ref = root.find("s:topology", ns).get("ref")
        topo = ref if ref in ("none", "default") else os.path.join(fixtures, scen, ref)
        for v in root.findall("s:view", ns):
            out.append({"base": scen + "-" + v.get("name"), "scen": scen, "view": v.get("name"),
                        "topology": topo,
                        # A capture is what a phone saw live: expectations
                        # only="zone" (zone files alone) do not apply.
                        "must": sorted(m.get("id") for m in v.findall("s:mustHave", ns)
                                       if m.get("only") in (None, "live")),
                        "mustnot": sorted(m.get("id") for m in v.findall("s:mustNotHave", ns)
                                          if m.get("only") in (None, "live")),
                        "disc": {d.get("sipDomain").lower(): d.get("answers").lower()
                                 for d in v.findall("s:discovery", ns)}})
    return out
if mode == "plan":
    for p in plan():
        print(p["base"], p["topology"])
    sys.exit(0)
skip, extra = table("not-judged.txt"), table("extra.txt")
bad = 0
http = open(os.path.join(work, "scen.ours"), "w")
for p in plan():
    try:
        doc = json.load(open(os.path.join(work, "s-" + p["base"] + ".json")))
    except (OSError, ValueError) as e:
        print("FAIL: scenarios/%s: no report (%s)" % (p["base"], e)); bad = 1; continue
    key = (p["scen"], p["view"])
    got = sorted({f["id"] for f in doc["findings"] if f["id"].startswith("DNS-")})
    want = sorted({i for i in p["must"] if key + (i,) not in skip} |
                  {r[2] for r in extra if r[:2] == key})
    if got != want:
        print("FAIL: scenarios/%s: DNS- findings %s, want %s" % (p["base"], got, want)); bad = 1
        for f in doc["findings"]:
            if f["id"].startswith("DNS-"):
                print("  %s %s" % (f["id"], f["message"]))
    for r in skip:
        if r[:2] == key and r[2] not in p["must"]:
            print("FAIL: not-judged entry '%s' is no mustHave of the scenario" % " ".join(r)); bad = 1
    for i in p["mustnot"]:
        if i in got:
            print("FAIL: scenarios/%s: %s must not appear, it does" % (p["base"], i)); bad = 1
    if not any(s["title"].startswith("DNS A ") for s in doc["steps"]):
        print("FAIL: scenarios/%s: no DNS lookup listed" % p["base"]); bad = 1
    seen = {}
    for s in doc["steps"]:
        t = s["title"].split(" ")
        if len(t) == 4 and t[0] == "discovery" and t[2].endswith(":"):
            seen.setdefault(t[2][:-1], t[3])
    for d, name in p["disc"].items():
        if seen.get(d) != name:
            print("FAIL: scenarios/%s: discovery for %s: expected %s, got %s"
                  % (p["base"], d, name, seen.get(d))); bad = 1
    for s in doc["steps"]:
        t = s["title"]
        if t.startswith("HTTP ") and " -> " in t:
            uri, code = t.split(" ", 2)[2].rsplit(" -> ", 1)
            http.write(uri + "\n" + code + "\n")
sys.exit(bad)
PYEOF
python3 "$work/scen.py" plan "$top" "$work" >"$work/plan.txt" || fail=1
ns=0
while read -r base topo; do
    ns=$((ns + 1))
    if [ ! -f "$golden/scenarios/$base.pcap" ]; then
        echo "FAIL: no capture scenarios/$base.pcap for scenario view $base"
        fail=1
        continue
    fi
    pcap_verify "$work/s-$base.json" "$golden/scenarios/$base.pcap" --topology "$topo"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "FAIL: verify scenarios/$base exited $rc"
        fail=1
    fi
done <"$work/plan.txt"
python3 "$work/scen.py" check "$top" "$work" || fail=1
ncap=$(find "$golden/scenarios" -name '*.pcap' | wc -l)
if [ "$ns" -ne "$ncap" ] || [ "$ns" -lt 40 ]; then
    echo "FAIL: $ncap scenario captures committed for $ns scenario views"
    fail=1
fi
# One tshark run over all scenario captures, appended in plan order.
if command -v tshark >/dev/null 2>&1 && command -v mergecap >/dev/null 2>&1; then
    awk -v g="$golden" '{ print g "/scenarios/" $1 ".pcap" }' "$work/plan.txt" >"$work/files"
    # shellcheck disable=SC2046
    mergecap -a -w "$work/scen.pcap" $(cat "$work/files")
    tshark -r "$work/scen.pcap" -d tcp.port==8080,http -Y http -T fields \
        -e http.request.uri -e http.response.code 2>/dev/null | tr -d '\t' | sed '/^$/d' \
        >"$work/scen.peer"
    if ! cmp -s "$work/scen.ours" "$work/scen.peer"; then
        echo "FAIL: scenario captures: mcxcheck and tshark disagree on URIs/status codes"
        diff "$work/scen.ours" "$work/scen.peer"
        fail=1
    fi
    [ -s "$work/scen.pcap" ] && tshark_checksums "$work/scen.pcap"
fi

# --format json lists every DNS transaction and HTTP exchange with its
# frames: internal-v4 exactly (DNS query and answer, then four exchanges on
# one keep-alive connection after the handshake).
got=$(jq -r '.steps[] | select(.title | startswith("DNS ") or startswith("HTTP ")) | .detail
    | capture("^(?<f>frames [0-9,]+|request frames [0-9-]+, response frames [0-9-]+)").f' \
    "$work/internal-v4.pcap.json" | tr '\n' ';')
want="frames 1,2;request frames 6-6, response frames 8-8;request frames 10-10, response frames 12-12;request frames 14-14, response frames 16-16;request frames 18-18, response frames 20-20;"
if [ "$got" != "$want" ]; then
    echo "FAIL: internal-v4 frame numbers: got '$got', want '$want'"
    fail=1
fi
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
echo "pcap_golden: $n captures regenerate byte-identically and verify as expected" \
     "($ns scenario captures judged by the DNS rules)"
exit 0
