#!/bin/sh
# dns_scenarios.sh -- every DNS scenario of dnsfixtures/ through `mcxcheck zone`.
#
# Owns: for every scenario and view, running `$MCXCHECK zone` on the view's
# zone files with the scenario's SIP domains and topology, and asserting
# exactly the check IDs that must and must not appear and the discovery
# outcome (which Autodiscover name answers, or none) read from the
# --format json report; running each twice and comparing the bytes;
# `named-checkzone` on every zone file (skipped with a message when
# bind9-utils is absent); and proving the comparison can fail: wrong
# expectations in a temp copy of a scenario must be detected.
# Does not own: the rules (lib/dns_rules.c, unit tests in
# conformance/test/test_dns_rules.c) nor the scenario format
# (lib/dns_scenario.xsd).
# Env: MCXCHECK (binary), MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
fixtures=$top/dnsfixtures

if ! command -v python3 >/dev/null 2>&1; then
    echo "skip: python3 is needed to read scenario.xml and the JSON reports"
    exit 77
fi
if [ ! -x "$mcxcheck" ]; then
    echo "FAIL: $mcxcheck is not built"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect.py, views_of, ids_of, disc_of, compare: shared with dns_live.sh.
. "$top/conformance/test/lib_dns_expect.sh"
dns_expect_init

# run_view SCENARIO_XML VIEW OUT_JSON: run mcxcheck zone for one view.
# Returns mcxcheck's exit code (0 or 1 expected).
run_view() {
    expect=$work/expect.txt
    python3 "$work/expect.py" "$1" "$2" >"$expect" || return 9
    args="zone"
    for z in $(awk '$1 == "zone" { print $2 }' "$expect"); do args="$args $z"; done
    args="$args --view $2 --format json --output $3"
    for d in $(awk '$1 == "domain" { print $2 }' "$expect"); do args="$args --sip-domain $d"; done
    topo=$(awk '$1 == "topology" { print $2 }' "$expect")
    [ "$topo" != "none" ] && args="$args --topology $topo"
    # shellcheck disable=SC2086
    "$mcxcheck" $args 2>"$work/stderr"
}

nscen=0
nviews=0
for xml in "$fixtures"/*/scenario.xml; do
    [ -f "$xml" ] || continue
    name=$(basename "$(dirname "$xml")")
    nscen=$((nscen + 1))
    for view in $(views_of "$xml"); do
        nviews=$((nviews + 1))
        out1=$work/$name.$view.1.json
        out2=$work/$name.$view.2.json
        run_view "$xml" "$view" "$out1"
        rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
            fail "$name [$view]: mcxcheck zone exited $rc: $(cat "$work/stderr")"
            continue
        fi
        if ! compare "$xml" "$view" "$out1"; then
            fail "$name [$view]: report does not match scenario.xml (IDs seen: $(tr '\n' ' ' <"$work/ids.txt"))"
        fi
        run_view "$xml" "$view" "$out2"
        cmp -s "$out1" "$out2" || fail "$name [$view]: two runs gave different bytes"
    done
done
[ "$nscen" -ge 15 ] || fail "only $nscen scenarios in $fixtures (at least 15 expected)"
echo "checked $nscen scenarios, $nviews views"

# The comparison can fail: wrong expectations in a temp copy are caught.
src=$fixtures/cname-right
if [ -d "$src" ]; then
    mkdir -p "$work/wrong/cname-right"
    cp "$src"/* "$work/wrong/cname-right/"
    cp -r "$fixtures/topologies" "$work/wrong/topologies"
    wxml=$work/wrong/cname-right/scenario.xml
    run_view "$wxml" internal "$work/wrong.json"
    compare "$wxml" internal "$work/wrong.json" >/dev/null ||
        fail "the unmodified copy of cname-right should match"
    # 1: an ID that must not appear is now required.
    sed 's|<mustNotHave id="DNS-001"/>|<mustHave id="DNS-001"/>|' "$src/scenario.xml" >"$wxml"
    compare "$wxml" internal "$work/wrong.json" >/dev/null &&
        fail "a wrong mustHave (DNS-001 on a correct zone) was not detected"
    # 2: a wrong discovery outcome.
    sed 's|answers="lyncdiscoverinternal.contoso.test"|answers="none"|' "$src/scenario.xml" >"$wxml"
    compare "$wxml" internal "$work/wrong.json" >/dev/null &&
        fail "a wrong discovery expectation was not detected"
    # 3: a broken zone must raise what it forbids.
    cp "$src/scenario.xml" "$wxml"
    grep -v '^lyncdiscoverinternal' "$src/internal.zone" >"$work/wrong/cname-right/internal.zone"
    run_view "$wxml" internal "$work/wrong.json"
    compare "$wxml" internal "$work/wrong.json" >/dev/null &&
        fail "removing lyncdiscoverinternal from the zone was not detected"
    echo "wrong expectations detected"
else
    fail "dnsfixtures/cname-right is missing"
fi

# Input errors: exit 2 and a message naming file:line and the rule.
printf '$ORIGIN contoso.test.\n$TTL 60\n@ IN SOA a b 1 2 3 4 5\nbad IN A 999.0.0.1\n' >"$work/bad.zone"
"$mcxcheck" zone "$work/bad.zone" --view internal --sip-domain contoso.test >/dev/null 2>"$work/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a bad zone file: exit $rc, expected 2"
grep -q "bad.zone:4: zone:" "$work/err" || fail "a bad zone file: no file:line in: $(cat "$work/err")"
"$mcxcheck" zone "$fixtures/cname-right/internal.zone" --sip-domain contoso.test >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "missing --view: exit $rc, expected 2"
"$mcxcheck" zone "$fixtures/cname-right/internal.zone" --view inside --sip-domain contoso.test >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--view inside: exit $rc, expected 2"
"$mcxcheck" zone "$fixtures/cname-right/internal.zone" --view internal --sip-domain 'a b' >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--sip-domain 'a b': exit $rc, expected 2"
# --fail-on notice turns the notice of lyncdiscover-inside into exit 1.
"$mcxcheck" zone "$fixtures/lyncdiscover-inside/internal.zone" --view internal \
    --sip-domain contoso.test --topology "$fixtures/topologies/frontend.xml" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "lyncdiscover-inside with the default --fail-on: exit $rc, expected 0"
"$mcxcheck" zone "$fixtures/lyncdiscover-inside/internal.zone" --view internal --fail-on notice \
    --sip-domain contoso.test --topology "$fixtures/topologies/frontend.xml" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "lyncdiscover-inside with --fail-on notice: exit $rc, expected 1"

# Every zone file passes BIND's own checker.
if command -v named-checkzone >/dev/null 2>&1; then
    nzones=0
    for xml in "$fixtures"/*/scenario.xml; do
        python3 -c 'import os, sys, xml.etree.ElementTree as ET
ns = {"s": "urn:mcxlab:dns-scenario:1"}
p = sys.argv[1]
for z in ET.parse(p).getroot().iter("{urn:mcxlab:dns-scenario:1}zone"):
    print(z.get("origin") or "", os.path.join(os.path.dirname(p), z.get("file")))' "$xml" >"$work/zones.txt"
        while read -r origin file; do
            nzones=$((nzones + 1))
            [ -n "$origin" ] || { fail "$file: no origin in scenario.xml for named-checkzone"; continue; }
            named-checkzone -q "$origin" "$file" ||
                fail "named-checkzone $origin $file: $(named-checkzone "$origin" "$file" 2>&1 | head -3)"
        done <"$work/zones.txt"
    done
    echo "named-checkzone: $nzones zone files checked"
else
    echo "named-checkzone not found (apt-get install bind9-utils): BIND check skipped"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "dns_scenarios: all passed"
exit 0
