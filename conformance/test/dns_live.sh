#!/bin/sh
# dns_live.sh -- every DNS scenario of dnsfixtures/ live: served by mcxdns
# (127.0.8.11 internal view, 127.0.8.12 external view, UDP+TCP) and by
# BIND9 (named, two views selected by match-destinations on 127.0.8.21 and
# 127.0.8.22 inside a private network namespace, since named only listens
# on configured addresses), checked with `mcxcheck dns`.
#
# Asserts, per scenario and view: the scenario's must / must-not IDs and
# discovery outcome against mcxdns; byte-identical reports on a second run;
# the same IDs and discovery outcomes against BIND9 as against mcxdns.
# Then the network-error findings (DNS-021 no answer, DNS-022 SERVFAIL)
# through mcxdns faults, a delayed answer within the timeout (no finding),
# no server at all (exit 3), and 100 SIP domains in under 2 s.
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
	args="dns --dns-$view $server --timeout 1000 --tries 1 --format json --output $out"
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
		python3 "$work/expect.py" "$xml" "$view" >"$work/$name.$view.expect" || fail "$name: expect.py"
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
		cp "$work/summary.txt" "$work/$name.$view.mcxdns.sum"
		run_dns "$work/$name.$view.expect" "$view" "$addr:$P" "$work/again.json"
		cmp -s "$out1" "$work/again.json" || fail "$name [$view]: two runs gave different bytes"
	done
	stop_mcxdns
done
[ "$nscen" -ge 15 ] || fail "only $nscen scenarios in $fixtures"
echo "mcxdns: checked $nscen scenarios, $nviews views"

# 2. Faults, errors, scale (mcxdns only: BIND cannot inject them).
ex=$work/cname-right.external.expect
if [ -f "$ex" ]; then
	base_ids=$(awk '$1 == "id"' "$work/cname-right.external.mcxdns.sum")
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
	stop_mcxdns
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
		for view in $views; do
			bj=$work/$name.$view.bind.json
			if [ ! -s "$bj" ]; then
				fail "$name [$view]: no report against BIND9"
				continue
			fi
			nbind=$((nbind + 1))
			compare "$xml" "$view" "$bj" "$work/$name.$view.expect" ||
				fail "$name [$view]: live report (BIND9) does not match scenario.xml"
			cmp -s "$work/summary.txt" "$work/$name.$view.mcxdns.sum" ||
				fail "$name [$view]: BIND9 and mcxdns differ: bind=[$(tr '\n' ' ' <"$work/summary.txt")] mcxdns=[$(tr '\n' ' ' <"$work/$name.$view.mcxdns.sum")]"
		done
	done <"$work/scenarios.txt"
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
