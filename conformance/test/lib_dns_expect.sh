#!/bin/sh
# lib_dns_expect.sh -- shell functions shared by dns_scenarios.sh (zone
# files, offline) and dns_live.sh (mcxdns and BIND9, live): reading a
# dnsfixtures scenario.xml and comparing a --format json report with it.
#
# Owns: dns_expect_init (writes $work/expect.py), views_of, ids_of, disc_of,
# compare, exact_ids (the live ID-set rule) and normalise_report (for
# comparing two servers' reports). The caller sets $work (a temp folder) before calling them.
# Does not own: running anything; the scenario format (lib/dns_scenario.xsd).
# Not a test: run directly it skips.
case ${0##*/} in
lib_dns_expect.sh)
    echo "skip: lib_dns_expect.sh is a library sourced by dns_scenarios.sh and dns_live.sh"
    exit 77
    ;;
esac

# expect.py SCENARIO_XML VIEW [zone|live]: the expectations of one view
# for `mcxcheck zone` (default) or a live `mcxcheck dns` run (an
# expectation with only="zone"/"live" holds for that run alone), one per line:
#   topology ARG | domain D | zone FILE | origin FILE NAME | must ID |
#   mustnot ID | disc D NAME | bind9exclude REASON | bind9broken ZONE VIEW
dns_expect_init() {
    cat >"$work/expect.py" <<'EOF'
import os, sys, xml.etree.ElementTree as ET
ns = {"s": "urn:mcxlab:dns-scenario:1"}
path, view = sys.argv[1:3]
mode = sys.argv[3] if len(sys.argv) > 3 else "zone"
def holds(e):
    return e.get("only") in (None, mode)
root = ET.parse(path).getroot()
folder = os.path.dirname(path)
ref = root.find("s:topology", ns).get("ref")
print("topology", ref if ref in ("none", "default") else os.path.join(folder, ref))
for d in root.findall("s:sipDomain", ns):
    print("domain", d.text.strip().lower())
for v in root.findall("s:view", ns):
    if v.get("name") != view:
        continue
    for z in v.findall("s:zone", ns):
        print("zone", os.path.join(folder, z.get("file")))
        print("origin", os.path.join(folder, z.get("file")), z.get("origin") or "")
    for m in filter(holds, v.findall("s:mustHave", ns)):
        print("must", m.get("id"))
    for m in filter(holds, v.findall("s:mustNotHave", ns)):
        print("mustnot", m.get("id"))
    for d in filter(holds, v.findall("s:discovery", ns)):
        print("disc", d.get("sipDomain").lower(), d.get("answers").lower())
b = root.find("s:bind9", ns)
if b is not None and b.get("exclude"):
    print("bind9exclude", " ".join(b.get("exclude").split()))
if b is not None and b.get("brokenZone"):
    print("bind9broken", b.get("brokenZone").lower(), b.get("view"))
EOF
}

# views_of SCENARIO_XML: the view names of a scenario.
views_of() {
    python3 -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(" ".join(v.get("name") for v in r.findall("{urn:mcxlab:dns-scenario:1}view")))' "$1"
}

# ids_of JSON: the finding IDs of a report, one per line, sorted, unique.
ids_of() {
    python3 -c 'import json, sys
print("\n".join(sorted({f["id"] for f in json.load(open(sys.argv[1]))["findings"]})))' "$1"
}

# disc_of JSON DOMAIN: the discovery outcome of DOMAIN in a report.
disc_of() {
    python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
prefix = "discovery "
for s in doc["steps"]:
    t = s["title"]
    if t.startswith(prefix) and t.split(" ")[2] == sys.argv[2] + ":":
        print(t.split(": ", 1)[1]); break
else:
    print("(no discovery step)")' "$1" "$2"
}

# summary_of JSON: the report's finding IDs ("id X", sorted, unique) and
# discovery outcomes ("disc DOMAIN NAME"), in one python3 run.
summary_of() {
    python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
for i in sorted({f["id"] for f in doc["findings"]}):
    print("id", i)
seen = set()
for s in doc["steps"]:
    t = s["title"].split(" ")
    if len(t) == 4 and t[0] == "discovery" and t[2].endswith(":") and t[2] not in seen:
        seen.add(t[2])
        print("disc", t[2][:-1], t[3])' "$1"
}

# compare SCENARIO_XML VIEW JSON [EXPECT]: 0 when the report meets every
# expectation, else print each mismatch and return 1. EXPECT is the output
# of expect.py for that view (computed when absent). Leaves the report's
# IDs in $work/ids.txt.
compare() {
    bad=0
    if [ $# -ge 4 ]; then
        cp "$4" "$work/cmp.txt"
    else
        python3 "$work/expect.py" "$1" "$2" >"$work/cmp.txt" || return 1
    fi
    summary_of "$3" >"$work/summary.txt" || return 1
    awk '$1 == "id" { print $2 }' "$work/summary.txt" >"$work/ids.txt"
    while read -r kind a b; do
        case $kind in
        must)
            grep -qx "$a" "$work/ids.txt" || { echo "  $1 [$2]: $a must appear, it does not"; bad=1; } ;;
        mustnot)
            if grep -qx "$a" "$work/ids.txt"; then echo "  $1 [$2]: $a must not appear, it does"; bad=1; fi ;;
        disc)
            got=$(awk -v d="$a" '$1 == "disc" && $2 == d { print $3; exit }' "$work/summary.txt")
            [ -n "$got" ] || got="(no discovery step)"
            [ "$got" = "$b" ] || { echo "  $1 [$2]: discovery for $a: expected $b, got $got"; bad=1; } ;;
        esac
    done <"$work/cmp.txt"
    return $bad
}

# exact_ids SCENARIO_XML VIEW GOLDEN_JSON REPORT_JSON: 0 when the set of
# finding IDs of a live report is exactly the expected set, else print the
# difference and return 1. The rule (dnsfixtures/README.md): the IDs of the
# view's `mcxcheck zone` golden, plus the view's mustHave only="live" IDs,
# minus its mustNotHave only="live" IDs.
exact_ids() {
    python3 -c 'import json, sys, xml.etree.ElementTree as ET
xml, view, golden, report = sys.argv[1:5]
ns = "{urn:mcxlab:dns-scenario:1}"
want = {f["id"] for f in json.load(open(golden))["findings"]}
for v in ET.parse(xml).getroot().findall(ns + "view"):
    if v.get("name") != view:
        continue
    want |= {m.get("id") for m in v.findall(ns + "mustHave") if m.get("only") == "live"}
    want -= {m.get("id") for m in v.findall(ns + "mustNotHave") if m.get("only") == "live"}
got = {f["id"] for f in json.load(open(report))["findings"]}
if got != want:
    print("  %s [%s]: finding IDs %s, expected exactly %s (missing %s, extra %s)" % (xml, view,
          sorted(got), sorted(want), sorted(want - got), sorted(got - want)))
    sys.exit(1)' "$@"
}

# normalise_report JSON: the whole report (steps, then findings: ID,
# subject, message, remediation), one item a line, with the server's
# address and port replaced by SERVER / PORT so that two servers' reports
# compare, and the number of queries sent written N: it depends on how many
# CNAMEs of a chain each server puts in one answer (BIND9 stops early on a
# long chain, mcxcheck asks on), not on the zone's data.
normalise_report() {
    python3 -c 'import json, re, sys
doc = json.load(open(sys.argv[1]))
def n(s):
    if s is None:
        return "-"
    s = re.sub(r"127\.0\.8\.[0-9]+:[0-9]+", "SERVER", s)
    s = re.sub(r", [0-9]+ queries, ", ", N queries, ", s)
    return re.sub(r"port [0-9]+", "port PORT", s)
print("subject", n(doc["subject"]))
for s in doc["steps"]:
    print("step", s["depth"], s["outcome"], n(s["title"]), "|", n(s["detail"]))
for f in doc["findings"]:
    print("finding", f["id"], "|", n(f.get("subject")), "|", n(f["message"]), "|", n(f.get("remediation")))' "$1"
}
