#!/bin/sh
# dns_hostile.sh -- hostile DNS answers live: mcxdns (127.0.12.1, UDP+TCP)
# serves a scenario whose <fault> elements damage the answers for one SIP
# domain each (wrong-id, wrong-question, truncated, compression-loop,
# garbage, oversized), and `mcxcheck dns` must report, for exactly that
# name, the finding of its class (DNS-023 malformed, DNS-024 does not
# match, DNS-025 oversized) naming the server, the query, the class and the
# byte offset; the clean domain next to them must still be checked and
# resolve; the run must finish well within its bound (nothing hangs);
# exit code 1 (findings). The same faults from the command line (--fault)
# give the same findings; a bad fault name is a usage error (exit 2) naming
# the choices, and a bad <fault> in a scenario names file:line.
# Does not own: the analysis (lib/dns_answer.c; unit tests in
# conformance/test/test_dns_answer.c), the rules, starting mcxdns
# (lib_mcxdns.sh).
# Env: MCXCHECK, MCXDNS (default $MCX_BUILD/mcxdns), MCX_TOP (repo root).
# Exit 0 pass, 77 skip (last line says why), else fail.
set -u
top=${MCX_TOP:-$(pwd)}
build=${MCX_BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
mcxcheck=${MCXCHECK:-$build/mcxcheck}
mcxdns=${MCXDNS:-$build/mcxdns}
ADDR=127.0.12.1
P=${MCX_DNS_HOSTILE_PORT:-$((30000 + $$ % 10000))}

command -v jq >/dev/null 2>&1 || { echo "skip: jq is needed"; exit 77; }
[ -x "$mcxcheck" ] || { echo "FAIL: $mcxcheck is not built"; exit 1; }
[ -x "$mcxdns" ] || { echo "FAIL: $mcxdns is not built"; exit 1; }

. "$top/conformance/test/lib_mcxdns.sh"
mcxdns_init

# fault kind : SIP domain label : expected ID : text the finding must hold
cases='wrong-id:wid:DNS-024:is wrong-id: the answer'"'"'s ID is
wrong-question:wq:DNS-024:is wrong-question: the answer'"'"'s question is for
truncated:trunc:DNS-023:is malformed: answer record 1 of 1 at byte offset
compression-loop:loop:DNS-023:points to offset 12: a compression pointer loop
garbage:garb:DNS-023:is malformed:
oversized:big:DNS-025:more than the 512 the query allowed (from byte offset 512 on), and TC is not set'

sc=$work/scenario
mkdir -p "$sc"
{
	echo '$ORIGIN lab.test.'
	echo '$TTL 3600'
	echo '@ IN SOA ns1 hostmaster 1 3600 600 604800 300'
	for d in ok wid wq trunc loop garb big; do
		echo "lyncdiscoverinternal.$d IN A 192.0.2.10"
	done
} >"$sc/hostile.zone"
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<dnsScenario xmlns="urn:mcxlab:dns-scenario:1" name="hostile">'
	echo '  <description>One hostile answer per SIP domain, and one clean domain.</description>'
	echo '  <topology ref="none"/>'
	echo '  <sipDomain>ok.lab.test</sipDomain>'
	echo '  <view name="internal">'
	echo '    <zone file="hostile.zone" origin="lab.test"/>'
	echo "$cases" | while IFS=: read -r kind label id text; do
		echo "    <fault name=\"lyncdiscoverinternal.$label.lab.test\" kind=\"$kind\"/>"
	done
	echo '  </view>'
	echo '</dnsScenario>'
} >"$sc/scenario.xml"

domains="--sip-domain ok.lab.test"
for d in wid wq trunc loop garb big; do
	domains="$domains --sip-domain $d.lab.test"
done

# check_report JSON RC WHAT: the assertions on one mcxcheck dns run.
check_report() {
	json=$1 rc=$2 what=$3
	[ "$rc" -eq 1 ] || fail "$what: exit $rc, expected 1 (findings)"
	echo "$cases" | while IFS=: read -r kind label id text; do
		name=lyncdiscoverinternal.$label.lab.test
		got=$(jq -r --arg n "$name" '[.findings[] | select(.subject == $n) | .id] | join(" ")' "$json")
		[ "$got" = "$id" ] || echo "FAIL: $what: $kind: findings for $name are '$got', expected exactly $id"
		msg=$(jq -r --arg n "$name" '.findings[] | select(.subject == $n) | .message' "$json")
		for part in "$name A to $ADDR:$P" "UDP answer to query ID" "$text" "byte offset"; do
			case $msg in
			*"$part"*) ;;
			*) echo "FAIL: $what: $kind: the finding lacks '$part': $msg" ;;
			esac
		done
	done >"$work/check.out"
	while read -r line; do fail "${line#FAIL: }"; done <"$work/check.out"
	n=$(jq '[.findings[] | select(.id == "DNS-021" or .id == "DNS-022")] | length' "$json")
	[ "$n" -eq 0 ] || fail "$what: $n DNS-021/022 findings: a hostile answer is not a timeout"
	clean='.findings[] | select(.level != "info" and ((.subject // "") | test("ok\\.lab\\.test")))'
	jq -e "$clean" "$json" >/dev/null && fail "$what: the clean domain has findings: $(jq -c "[$clean]" "$json")"
	jq -e '.steps[] | select(.title == "discovery internal ok.lab.test: lyncdiscoverinternal.ok.lab.test")' \
		"$json" >/dev/null || fail "$what: the clean domain was not resolved: $(jq -c '[.steps[].title]' "$json")"
}

run_check() { # OUT_JSON
	start=$(date +%s)
	timeout 30 "$mcxcheck" dns --dns-internal "$ADDR:$P" $domains --timeout 1000 --tries 2 \
		--format json --output "$1" 2>"$work/check.err"
	rc=$?
	elapsed=$(($(date +%s) - start))
	[ "$rc" -ne 124 ] || fail "mcxcheck dns hung (killed after 30 s)"
	# Every hostile answer arrives at once: no try may wait for its timeout.
	[ "$elapsed" -le 5 ] || fail "mcxcheck dns took ${elapsed}s against answers that all arrive at once"
	return $rc
}

# 1. Faults from the scenario file.
if start_mcxdns --scenario "$sc" --listen "internal=$ADDR:$P" --seed 7; then
	run_check "$work/scenario.json"
	check_report "$work/scenario.json" $? "scenario <fault>"
	# Deterministic: a second run gives the same report.
	run_check "$work/again.json"
	cmp -s "$work/scenario.json" "$work/again.json" || fail "a second run gave another report"
	stop_mcxdns
fi

# 2. The same faults from the command line, on a scenario without them.
grep -v '<fault ' "$sc/scenario.xml" >"$work/plain.xml"
mkdir -p "$work/plain" && cp "$sc/hostile.zone" "$work/plain/" && mv "$work/plain.xml" "$work/plain/scenario.xml"
set --
while IFS=: read -r kind label id text; do
	set -- "$@" --fault "lyncdiscoverinternal.$label.lab.test=$kind"
done <<EOF
$cases
EOF
if start_mcxdns --scenario "$work/plain" --listen "internal=$ADDR:$P" --seed 7 "$@"; then
	run_check "$work/cli.json"
	check_report "$work/cli.json" $? "--fault"
	stop_mcxdns
fi

# 3. Bad fault names: usage error naming the choices; file:line in a scenario.
"$mcxdns" --scenario "$sc" --listen "internal=$ADDR:$P" --fault "a.lab.test=bogus" 2>"$work/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "--fault a.lab.test=bogus: exit $rc, expected 2"
grep -q "unknown fault 'bogus'.*compression-loop" "$work/bad.err" || fail "--fault bogus: $(cat "$work/bad.err")"
sed 's/kind="garbage"/kind="rubbish"/' "$sc/scenario.xml" >"$work/badsc.xml"
mkdir -p "$work/badsc" && cp "$sc/hostile.zone" "$work/badsc/" && mv "$work/badsc.xml" "$work/badsc/scenario.xml"
"$mcxdns" --scenario "$work/badsc" --listen "internal=$ADDR:$P" 2>"$work/badsc.err"
rc=$?
[ $rc -eq 2 ] || fail "scenario kind=\"rubbish\": exit $rc, expected 2"
line=$(grep -n 'rubbish' "$work/badsc/scenario.xml" | cut -d: -f1)
grep -q "scenario.xml:$line" "$work/badsc.err" || fail "scenario kind=\"rubbish\": no file:$line in $(cat "$work/badsc.err")"

if [ $failures -ne 0 ]; then
	echo "dns_hostile: $failures failure(s)"
	exit 1
fi
echo "dns_hostile: 6 hostile answers (scenario and --fault) reported with their class and offset"
exit 0
