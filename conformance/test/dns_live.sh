#!/bin/sh
# dns_live.sh -- every DNS scenario of dnsfixtures/ live: served by mcxdns
# (127.0.8.11 internal view, 127.0.8.12 external view, UDP+TCP) and by
# BIND9 (named, two views selected by match-destinations on 127.0.8.21 and
# 127.0.8.22 inside a private network namespace, since named only listens
# on configured addresses), checked with `mcxcheck dns`.
#
# Asserts, per scenario and view, against mcxdns (the scenario's <fault>s
# served): the live expectations (must / must-not IDs and discovery outcome,
# only="live" ones included, only="zone" ones left out); the exact set of
# finding IDs (the rule: the zone golden's IDs + mustHave only="live" -
# mustNotHave only="live", see dnsfixtures/README.md); byte-identical
# reports on a second run; for cname-right and nxdomain-vs-nodata the
# whole report in the five formats against live goldens
# (dnsfixtures/<scenario>/golden/live-<view>.<ext>, port shown as PORT).
# Against BIND9: the same expectations and ID set, and the whole normalised
# report (steps, IDs, subjects, messages, remediations) equal to mcxdns's;
# a scenario BIND9 cannot serve honestly says why in <bind9 exclude=> and
# is listed as excluded; <bind9 brokenZone=> is served as a zone whose file
# is missing (BIND9 answers SERVFAIL for it).
# Without --topology (both servers), the web FQDNs inferred from the CNAME
# targets run the web FQDN rules (split-brain-missing, internal-webfqdn-public).
# Then the network-error findings (DNS-021 no answer, DNS-022 SERVFAIL)
# through command-line mcxdns faults, a delayed answer within the timeout
# (no finding), no server at all (exit 3), and 100 SIP domains all answered
# (their time is measured by `make bench`, section dns-many, not here).
# Does not own: the rules, the scenarios, the expectation reader
# (lib_dns_expect.sh, shared with dns_scenarios.sh), starting mcxdns
# (lib_mcxdns.sh), the 100-domain zone (dnsfixtures/gen-many-domains.sh).
# Env: MCXCHECK, MCXDNS (default $MCX_BUILD/mcxdns), MCX_TOP (repo root).
# Exit 0 pass, 77 skip (last line says why), else fail.
set -u
top=${MCX_TOP:-$(pwd)}
build=${MCX_BUILD:-$top/build}
mcxcheck=${MCXCHECK:-$build/mcxcheck}
mcxdns=${MCXDNS:-$build/mcxdns}
fixtures=$top/dnsfixtures
# A port of our own per run, so parallel runs (make check, SANITIZE=1) do not collide.
P=${MCX_DNS_LIVE_PORT:-$((20000 + $$ % 10000))}

# ---- BIND9 phase: runs inside `unshare -n` (see below) -----------------
# bind_phase WORK: for each scenario listed in WORK/scenarios.txt, serve
# its zones with named and write WORK/NAME.VIEW.bind.json.
bind_phase() {
	work=$1
	ip link set lo up || return 1
	ip addr add 127.0.8.21/32 dev lo && ip addr add 127.0.8.22/32 dev lo || return 1
	while read -r name xml views; do
		first=${views%% *}
		grep -q '^bind9exclude ' "$work/$name.$first.expect" && continue
		nd=$work/named.$name
		mkdir -p "$nd"
		{
			echo "options { directory \"$nd\"; pid-file \"$nd/named.pid\";"
			echo "  session-keyfile \"$nd/session.key\"; managed-keys-directory \"$nd\";"
			echo "  listen-on port $P { 127.0.8.21; 127.0.8.22; }; listen-on-v6 { none; };"
			echo "  recursion no; dnssec-validation no; notify no; };"
			echo "controls { };"
			for view in $views; do
				addr=127.0.8.21
				[ "$view" = external ] && addr=127.0.8.22
				echo "view \"$view\" { match-clients { any; }; match-destinations { $addr; };"
				awk '$1 == "origin" { printf "  zone \"%s\" { type primary; file \"%s\"; };\n", $3, $2 }' \
					"$work/$name.$view.expect"
				# A zone whose file is missing: named answers SERVFAIL for it.
				awk -v v="$view" -v d="$nd" '$1 == "bind9broken" && $3 == v {
					printf "  zone \"%s\" { type primary; file \"%s/missing.%s.zone\"; };\n", $2, d, $2 }' \
					"$work/$name.$view.expect"
				echo "};"
			done
		} >"$nd/named.conf"
		/usr/sbin/named -g -n 1 -u root -c "$nd/named.conf" >"$nd/named.log" 2>&1 &
		npid=$!
		i=0
		until grep -q ' running$' "$nd/named.log" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 100 ] || ! kill -0 "$npid" 2>/dev/null; then
				echo "named did not start for $name: $(tail -n 5 "$nd/named.log")"
				kill "$npid" 2>/dev/null
				return 1
			fi
			sleep 0.1
		done
		for view in $views; do
			addr=127.0.8.21
			[ "$view" = external ] && addr=127.0.8.22
			run_dns "$work/$name.$view.expect" "$view" "$addr:$P" "$work/$name.$view.bind.json"
			rc=$?
			[ $rc -le 1 ] || echo "mcxcheck dns against BIND9 exited $rc for $name [$view]: $(cat "$work/stderr")"
		done
		kill "$npid"
		wait "$npid" 2>/dev/null
	done <"$work/scenarios.txt"
	return 0
}

# run_dns EXPECT VIEW SERVER OUT_JSON [extra args]: mcxcheck dns for one
# view with the scenario's SIP domains and topology.
run_dns() {
	expect=$1 view=$2 server=$3 out=$4
	shift 4
	args="dns --dns-$view $server --timeout 1000 --tries 1 --seed 1 --format json --output $out"
	for d in $(awk '$1 == "domain" { print $2 }' "$expect"); do args="$args --sip-domain $d"; done
	topo=$(awk '$1 == "topology" { print $2 }' "$expect")
	[ "$topo" != "none" ] && args="$args --topology $topo"
	# shellcheck disable=SC2086
	"$mcxcheck" $args "$@" 2>"${work}/stderr"
}

if [ "${1:-}" = "--bind-phase" ]; then
	bind_phase "$2"
	exit $?
fi

# ---- main ---------------------------------------------------------------
for tool in python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool is needed"; exit 77; }
done
[ -x "$mcxcheck" ] || { echo "FAIL: $mcxcheck is not built"; exit 1; }
[ -x "$mcxdns" ] || { echo "FAIL: $mcxdns is not built"; exit 1; }

. "$top/conformance/test/lib_mcxdns.sh"
mcxdns_init
. "$top/conformance/test/lib_dns_expect.sh"
dns_expect_init

# live_goldens NAME VIEW SERVER: the live report of a scenario's view in
# the five formats (--color never, fixed --now and --seed), each run twice
# (same bytes), against dnsfixtures/NAME/golden/live-VIEW.<ext>; the
# server's port, which changes from run to run, is written PORT.
live_golden="cname-right nxdomain-vs-nodata"
live_goldens() {
	gexp=$work/$1.$2.expect
	for pair in text:txt json:json jsonl:jsonl junit:xml tap:tap; do
		fmt=${pair%%:*} ext=${pair#*:}
		for k in 1 2; do
			run_dns "$gexp" "$2" "$3" "$work/lg$k.raw" --format "$fmt" --color never \
				--now 2026-06-01T00:00:00Z
			sed "s/\(127\.0\.8\.1[12]\):$P/\1:PORT/g" "$work/lg$k.raw" >"$work/lg$k.$ext"
		done
		cmp -s "$work/lg1.$ext" "$work/lg2.$ext" || fail "$1 [$2] live --format $fmt: two runs gave different bytes"
		g=$fixtures/$1/golden/live-$2.$ext
		if [ "${MCX_UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$work/lg1.$ext" "$g"
		else
			check_golden "$work/lg1.$ext" "$g" "$1 [$2] live --format $fmt"
		fi
	done
}
. "$top/conformance/test/lib_golden.sh"

# 1. Every scenario against mcxdns.
: >"$work/scenarios.txt"
nscen=0
nviews=0
for xml in "$fixtures"/*/scenario.xml; do
	[ -f "$xml" ] || continue
	dir=$(dirname "$xml")
	name=$(basename "$dir")
	views=$(views_of "$xml")
	listen=""
	for view in $views; do
		python3 "$work/expect.py" "$xml" "$view" live >"$work/$name.$view.expect" || fail "$name: expect.py"
		addr=127.0.8.11
		[ "$view" = external ] && addr=127.0.8.12
		listen="$listen --listen $view=$addr:$P"
	done
	echo "$name $xml $views" >>"$work/scenarios.txt"
	nscen=$((nscen + 1))
	# shellcheck disable=SC2086
	start_mcxdns --scenario "$dir" $listen || continue
	for view in $views; do
		nviews=$((nviews + 1))
		addr=127.0.8.11
		[ "$view" = external ] && addr=127.0.8.12
		out1=$work/$name.$view.mcxdns.json
		run_dns "$work/$name.$view.expect" "$view" "$addr:$P" "$out1"
		rc=$?
		if [ $rc -gt 1 ]; then
			fail "$name [$view]: mcxcheck dns exited $rc: $(cat "$work/stderr")"
			continue
		fi
		compare "$xml" "$view" "$out1" "$work/$name.$view.expect" ||
			fail "$name [$view]: live report (mcxdns) does not match scenario.xml (IDs seen: $(tr '\n' ' ' <"$work/ids.txt"))"
		exact_ids "$xml" "$view" "$dir/golden/$view.json" "$out1" ||
			fail "$name [$view]: live finding IDs (mcxdns) are not exactly the expected set"
		normalise_report "$out1" >"$work/$name.$view.mcxdns.norm"
		run_dns "$work/$name.$view.expect" "$view" "$addr:$P" "$work/again.json"
		cmp -s "$out1" "$work/again.json" || fail "$name [$view]: two runs gave different bytes"
		case " $live_golden " in *" $name "*) live_goldens "$name" "$view" "$addr:$P" ;; esac
	done
	stop_mcxdns
done
[ "$nscen" -ge 15 ] || fail "only $nscen scenarios in $fixtures"

# nodata_apart SERVER_LABEL JSON...: the reports of nxdomain-vs-nodata tell
# NODATA (contoso.test: the name exists with a TXT/MX record only) from
# NXDOMAIN (fabrikam.test: no name).
nodata_apart() {
	lbl=$1
	shift
	for j in "$@"; do
		for want in 'contoso.test: NODATA' 'fabrikam.test: NXDOMAIN'; do
			grep -q "lyncdiscover[a-z]*\.$want (no CNAME" "$j" ||
				fail "nxdomain-vs-nodata ($lbl): no '$want' in $(basename "$j")"
		done
	done
}
nodata_apart mcxdns "$work"/nxdomain-vs-nodata.*.mcxdns.json

# The exact comparisons can fail: a wrong expected ID set (another
# scenario's golden) and a report that differs in one remediation.
cr=$work/cname-right.external.mcxdns.json
if [ -f "$cr" ]; then
	exact_ids "$fixtures/cname-right/scenario.xml" external \
		"$fixtures/external-missing/golden/external.json" "$cr" >/dev/null &&
		fail "exact_ids accepted the IDs of external-missing for cname-right"
	dj=$work/dangling-cname.internal.mcxdns.json
	sed 's/pool01web\.contoso\.test\. (the internal/pool02web.contoso.test. (the internal/' "$dj" >"$work/altered.json"
	cmp -s "$dj" "$work/altered.json" && fail "could not alter a copy of $dj"
	normalise_report "$work/altered.json" | cmp -s - "$work/dangling-cname.internal.mcxdns.norm" &&
		fail "normalise_report hid a changed remediation"
fi
echo "mcxdns: checked $nscen scenarios, $nviews views"

# 2. Faults, errors, scale (mcxdns only: BIND cannot inject them).
ex=$work/cname-right.external.expect
if [ -f "$ex" ]; then
	base_ids=$(summary_of "$work/cname-right.external.mcxdns.json" | awk '$1 == "id"')
	for fault in noanswer:DNS-021 servfail:DNS-022 delay:300:; do
		kind=${fault%:*}
		want=${fault##*:}
		start_mcxdns --scenario "$fixtures/cname-right" --listen "external=127.0.8.12:$P" \
			--fault "lyncdiscover.contoso.test=$kind" || continue
		run_dns "$ex" external "127.0.8.12:$P" "$work/fault.json"
		rc=$?
		summary_of "$work/fault.json" >"$work/fault.sum"
		if [ -n "$want" ]; then
			[ $rc -eq 1 ] || fail "fault $kind: exit $rc, expected 1"
			grep -qx "id $want" "$work/fault.sum" || fail "fault $kind: no $want in $(tr '\n' ' ' <"$work/fault.sum")"
			grep -q 'lyncdiscover.contoso.test' "$work/fault.json" || fail "fault $kind: the finding does not name the record"
		else
			[ "$(awk '$1 == "id"' "$work/fault.sum")" = "$base_ids" ] ||
				fail "a 300 ms delay within the 1000 ms timeout changed the findings: $(tr '\n' ' ' <"$work/fault.sum")"
		fi
		stop_mcxdns
	done
	# No server at all: DNS-021 and exit 3 (could not test).
	"$mcxcheck" dns --dns-internal "127.0.8.13:$P" --sip-domain contoso.test --timeout 200 --tries 1 \
		--format json --output "$work/none.json" 2>/dev/null
	rc=$?
	[ $rc -eq 3 ] || fail "no server: exit $rc, expected 3"
	grep -q '"DNS-021"' "$work/none.json" || fail "no server: no DNS-021"
else
	fail "dnsfixtures/cname-right is missing"
fi
# No --topology, both servers: the web FQDNs are inferred from the CNAME
# targets and the web FQDN rules run on them (a step says so).
for case in split-brain-missing:DNS-008 internal-webfqdn-public:DNS-010 cname-right:; do
	scen=${case%%:*} want=${case#*:}
	start_mcxdns --scenario "$fixtures/$scen" --listen "internal=127.0.8.11:$P" \
		--listen "external=127.0.8.12:$P" || continue
	"$mcxcheck" dns --dns-internal "127.0.8.11:$P" --dns-external "127.0.8.12:$P" \
		--sip-domain contoso.test --timeout 1000 --tries 1 --format json --output "$work/infer.json"
	stop_mcxdns
	grep -q '"no --topology: web FQDN rules .* run on inferred names: internal web FQDN pool01web.contoso.test (CNAME target of lyncdiscoverinternal.contoso.test), external web FQDN webext01.contoso.test' \
		"$work/infer.json" || fail "inference ($scen): no step naming the inferred web FQDNs"
	ids=$(ids_of "$work/infer.json" | tr '\n' ' ')
	for id in DNS-008 DNS-009 DNS-010 DNS-011; do
		case " $ids " in
		*" $id "*) [ "$id" = "$want" ] || fail "inference ($scen): unexpected $id (IDs: $ids)" ;;
		*) [ "$id" = "$want" ] && fail "inference ($scen): $id expected from the inferred names (IDs: $ids)" ;;
		esac
	done
	grep -q 'not checked: web FQDN rules (split-brain' "$work/infer.json" &&
		fail "inference ($scen): the web FQDN rules are still reported as not checked"
done

# Bad options: exit 2.
"$mcxcheck" dns --sip-domain contoso.test >/dev/null 2>&1
[ $? -eq 2 ] || fail "no --dns-internal/--dns-external: expected exit 2"
"$mcxcheck" dns --sip-domain contoso.test --dns-internal 999.1.1.1 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--dns-internal 999.1.1.1: expected exit 2"
"$mcxcheck" dns --sip-domain contoso.test --dns-internal 127.0.8.13:0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--dns-internal port 0: expected exit 2"

# 100 SIP domains, one zone, against mcxdns: every domain answered (the
# < 2 s target is measured by `make bench`, section dns-many, not here).
sh "$fixtures/gen-many-domains.sh" "$work/many" 100 || fail "gen-many-domains.sh failed"
if start_mcxdns --scenario "$work/many" --listen "internal=127.0.8.11:$P"; then
	args=""
	while read -r d; do args="$args --sip-domain $d"; done <"$work/many/domains.txt"
	# shellcheck disable=SC2086
	"$mcxcheck" dns --dns-internal "127.0.8.11:$P" $args --format json --output "$work/many.json"
	rc=$?
	[ $rc -eq 0 ] || fail "100 domains: exit $rc"
	n=$(grep -c '"discovery internal d[0-9]*\.many\.test: lyncdiscoverinternal' "$work/many.json")
	[ "$n" -eq 100 ] || fail "100 domains: $n discovery answers"
	# shellcheck disable=SC2086
	"$mcxcheck" dns --dns-internal "127.0.8.11:$P" $args --format json --output "$work/many2.json"
	cmp -s "$work/many.json" "$work/many2.json" || fail "100 domains: two runs gave different bytes"
	stop_mcxdns
	# Asked by 8 workers in parallel, merged in domain order: SERVFAIL for
	# three domains that different workers ask gives three DNS-022 in
	# domain order, whatever worker finishes first.
	if start_mcxdns --scenario "$work/many" --listen "internal=127.0.8.11:$P" \
		--fault lyncdiscoverinternal.d003.many.test=servfail \
		--fault lyncdiscoverinternal.d050.many.test=servfail \
		--fault lyncdiscoverinternal.d097.many.test=servfail; then
		# shellcheck disable=SC2086
		"$mcxcheck" dns --dns-internal "127.0.8.11:$P" $args --format json --output "$work/many-f.json"
		got=$(python3 -c 'import json, sys
print(" ".join(f["subject"] for f in json.load(open(sys.argv[1]))["findings"] if f["id"] == "DNS-022"))' "$work/many-f.json")
		[ "$got" = "lyncdiscoverinternal.d003.many.test lyncdiscoverinternal.d050.many.test lyncdiscoverinternal.d097.many.test" ] ||
			fail "100 domains, 3 SERVFAIL: DNS-022 subjects not in domain order: $got"
		stop_mcxdns
	fi
fi

# 3. The same scenarios against BIND9.
bind_skip=""
if [ ! -x /usr/sbin/named ]; then
	bind_skip="named not installed (apt-get install bind9)"
elif ! command -v unshare >/dev/null 2>&1 || ! unshare -n true 2>/dev/null; then
	bind_skip="cannot create a network namespace (unshare -n) for named's listen addresses"
else
	MCXCHECK=$mcxcheck MCX_TOP=$top unshare -n sh "$0" --bind-phase "$work" >"$work/bind.log" 2>&1 ||
		fail "the BIND9 phase failed: $(tail -n 5 "$work/bind.log")"
	[ -s "$work/bind.log" ] && sed 's/^/  bind| /' "$work/bind.log"
	nbind=0
	while read -r name xml views; do
		first=${views%% *}
		if grep -q '^bind9exclude ' "$work/$name.$first.expect"; then
			echo "BIND9: $name excluded: $(sed -n 's/^bind9exclude //p' "$work/$name.$first.expect")"
			continue
		fi
		for view in $views; do
			bj=$work/$name.$view.bind.json
			if [ ! -s "$bj" ]; then
				fail "$name [$view]: no report against BIND9"
				continue
			fi
			nbind=$((nbind + 1))
			compare "$xml" "$view" "$bj" "$work/$name.$view.expect" ||
				fail "$name [$view]: live report (BIND9) does not match scenario.xml"
			exact_ids "$xml" "$view" "$(dirname "$xml")/golden/$view.json" "$bj" ||
				fail "$name [$view]: live finding IDs (BIND9) are not exactly the expected set"
			normalise_report "$bj" >"$work/$name.$view.bind.norm"
			if ! cmp -s "$work/$name.$view.bind.norm" "$work/$name.$view.mcxdns.norm"; then
				fail "$name [$view]: the BIND9 and mcxdns reports differ (normalised):"
				diff -u "$work/$name.$view.mcxdns.norm" "$work/$name.$view.bind.norm" | head -20
			fi
		done
	done <"$work/scenarios.txt"
	nodata_apart BIND9 "$work"/nxdomain-vs-nodata.*.bind.json
	echo "BIND9: $nbind views compared with mcxdns"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
if [ -n "$bind_skip" ]; then
	echo "skip: mcxdns part passed; BIND9 part not run: $bind_skip"
	exit 77
fi
echo "dns_live: all passed"
exit 0
