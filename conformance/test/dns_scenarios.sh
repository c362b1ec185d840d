#!/bin/sh
# dns_scenarios.sh -- every DNS scenario of dnsfixtures/ through `mcxcheck zone`.
#
# Owns: for every scenario and view, running `$MCXCHECK zone` on the view's
# zone files with the scenario's SIP domains and topology, and asserting
# exactly the check IDs that must and must not appear and the discovery
# outcome (which Autodiscover name answers, or none) read from the
# --format json report; comparing the report in all five formats (text,
# json, jsonl, junit, tap; --color never, fixed --now) byte for byte with
# the goldens dnsfixtures/<scenario>/golden/<view>.<txt|json|jsonl|xml|tap>
# and running json twice; `named-checkzone` on every zone file (when
# bind9-utils is absent the rest still runs, then the script exits 77 with
# the reason: the BIND check was not made); and proving the comparison can
# fail: wrong expectations in a temp copy of a scenario, and an altered
# golden, must be detected.
# Does not own: the rules (lib/dns_rules.c, unit tests in
# conformance/test/test_dns_rules.c) nor the scenario format
# (lib/dns_scenario.xsd).
#
# Goldens: mcxcheck runs from the repository root with relative paths, so a
# golden holds no temp, build or absolute path. After a deliberate change
# of a rule or a renderer, regenerate them (each format is run twice and
# must give the same bytes) and review the diff before committing:
#   MCX_UPDATE_GOLDEN=1 MCXCHECK=build/mcxcheck sh conformance/test/dns_scenarios.sh
# Env: MCXCHECK (binary), MCX_TOP (repo root), MCX_UPDATE_GOLDEN (1 =
# rewrite the goldens). Exit 0 pass, 77 skip, else fail.
set -u
top=$(cd "${MCX_TOP:-.}" && pwd)
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
case $mcxcheck in /*) ;; *) mcxcheck=$(pwd)/$mcxcheck ;; esac
update=${MCX_UPDATE_GOLDEN:-0}
now=2026-06-01T00:00:00Z
# Relative to the repository root: the reports (and goldens) name these paths.
cd "$top" || exit 1
fixtures=dnsfixtures

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

# run_view EXPECT VIEW OUT FORMAT: run mcxcheck zone for one view, EXPECT
# being the output of expect.py for it. Returns mcxcheck's exit code (0 or
# 1 expected).
run_view() {
    args="zone"
    for z in $(awk '$1 == "zone" { print $2 }' "$1"); do args="$args $z"; done
    args="$args --view $2 --format $4 --color never --now $now --output $3"
    for d in $(awk '$1 == "domain" { print $2 }' "$1"); do args="$args --sip-domain $d"; done
    topo=$(awk '$1 == "topology" { print $2 }' "$1")
    [ "$topo" != "none" ] && args="$args --topology $topo"
    # shellcheck disable=SC2086
    "$mcxcheck" $args 2>"$work/stderr"
}

# check_golden OUT GOLDEN LABEL (conformance/test/lib_golden.sh)
. "$top/conformance/test/lib_golden.sh"

# The expectations of every view of every scenario, in one python3 run
# (starting python3 once per view is most of this script's time):
# $work/exp/<scenario>.<view> and the list "<scenario> <view>" in views.txt.
mkdir -p "$work/exp"
python3 -c 'import contextlib, glob, os, runpy, sys
import xml.etree.ElementTree as ET
expect, fixtures, out = sys.argv[1:4]
with open(os.path.join(out, "views.txt"), "w") as views:
    for xml in sorted(glob.glob(os.path.join(fixtures, "*", "scenario.xml"))):
        name = os.path.basename(os.path.dirname(xml))
        for v in ET.parse(xml).getroot().findall("{urn:mcxlab:dns-scenario:1}view"):
            view = v.get("name")
            views.write("%s %s\n" % (name, view))
            with open(os.path.join(out, "exp", name + "." + view), "w") as f:
                with contextlib.redirect_stdout(f):
                    sys.argv = [expect, xml, view]
                    runpy.run_path(expect)' "$work/expect.py" "$fixtures" "$work" ||
    fail "cannot read the scenarios of $fixtures"

formats="text:txt json:json jsonl:jsonl junit:xml tap:tap"
nscen=$(ls "$fixtures"/*/scenario.xml 2>/dev/null | wc -l)
nviews=0
ngolden=0
while read -r name view; do
    nviews=$((nviews + 1))
    xml=$fixtures/$name/scenario.xml
    expect=$work/exp/$name.$view
    golden_dir=$fixtures/$name/golden
    [ "$update" = 1 ] && mkdir -p "$golden_dir"
    for pair in $formats; do
        fmt=${pair%%:*}
        ext=${pair#*:}
        out=$work/out.$ext
        run_view "$expect" "$view" "$out" "$fmt"
        rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
            fail "$name [$view] --format $fmt: mcxcheck zone exited $rc: $(cat "$work/stderr")"
            continue
        fi
        ngolden=$((ngolden + 1))
        if [ "$update" = 1 ]; then
            run_view "$expect" "$view" "$work/again.$ext" "$fmt"
            if cmp -s "$out" "$work/again.$ext"; then
                cp "$out" "$golden_dir/$view.$ext"
            else
                fail "$name [$view] --format $fmt: two runs gave different bytes; golden not written"
            fi
        else
            check_golden "$out" "$golden_dir/$view.$ext" "$name [$view] --format $fmt"
        fi
    done
    [ -f "$work/out.json" ] || continue
    if ! compare "$xml" "$view" "$work/out.json" "$expect"; then
        fail "$name [$view]: report does not match scenario.xml (IDs seen: $(tr '\n' ' ' <"$work/ids.txt"))"
    fi
    run_view "$expect" "$view" "$work/rerun.json" json
    cmp -s "$work/out.json" "$work/rerun.json" || fail "$name [$view]: two runs gave different bytes"
    rm -f "$work/out.json"
done <"$work/views.txt"
[ "$nscen" -ge 15 ] || fail "only $nscen scenarios in $fixtures (at least 15 expected)"
if [ "$update" = 1 ]; then
    echo "wrote $ngolden goldens for $nscen scenarios, $nviews views"
else
    echo "checked $nscen scenarios, $nviews views, $ngolden goldens"
fi

# The golden comparison can fail: one altered byte is caught.
g=$fixtures/cname-right/golden/internal.json
if [ "$update" != 1 ] && [ -f "$g" ]; then
    sed '0,/"error": 0/s//"error": 7/' "$g" >"$work/altered.json"
    cmp -s "$g" "$work/altered.json" && fail "could not alter a copy of $g"
    python3 "$work/expect.py" "$fixtures/cname-right/scenario.xml" internal >"$work/expect.txt"
    run_view "$work/expect.txt" internal "$work/fresh.json" json
    out=$(check_golden "$work/fresh.json" "$work/altered.json" "altered golden")
    case $out in
    *"FAIL: altered golden"*'-    "error": 7,'*) echo "an altered golden is detected" ;;
    *) fail "an altered golden was not detected: $out" ;;
    esac
fi

# The comparison can fail: wrong expectations in a temp copy are caught.
src=$fixtures/cname-right
if [ -d "$src" ]; then
    mkdir -p "$work/wrong/cname-right"
    cp "$src"/*.zone "$src"/scenario.xml "$work/wrong/cname-right/"
    cp -r "$fixtures/topologies" "$work/wrong/topologies"
    wxml=$work/wrong/cname-right/scenario.xml
    wexp=$work/wrong/expect.txt
    python3 "$work/expect.py" "$wxml" internal >"$wexp"
    run_view "$wexp" internal "$work/wrong.json" json
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
    run_view "$wexp" internal "$work/wrong.json" json
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
    bind_skip="named-checkzone not found (apt-get install bind9-utils): the zone files were not checked by BIND"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
if [ -n "${bind_skip:-}" ]; then
    echo "skip: the rest passed; $bind_skip"
    exit 77
fi
echo "dns_scenarios: all passed"
exit 0
