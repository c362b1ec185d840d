#!/bin/sh
# counters_live.sh -- integration test of mcxd's performance counters
# (`mcxd --admin`, GET /metrics) and of `mcxcheck counters` on loopback
# (127.0.22.1-2, ports 22080/22443, admin 22090), fixture PKI.
#
# Owns: the counters after known traffic (one `mcxcheck mobility p2pim`:
# 2 sessions initiated and ended by their users, 1 message delivered, the
# rejected first requests of discovery), the exposition's format, and
# `mcxcheck counters`: exit 0 on a healthy server, exit 1 with exactly
# CN-002 when --available-mb is below 1,500 (the check can fail), exit 3
# when nothing answers, exit 2 on usage errors. Does not own: the rate
# window and the formula (test_metrics.c, test_counters.c).
#
# Env: MCXD, MCXCHECK, MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
MCXD=${MCXD:-$top/build/mcxd}
MCXCHECK=${MCXCHECK:-$top/build/mcxcheck}
for b in "$MCXD" "$MCXCHECK"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
tmp=$(mktemp -d)
pids=""
DISCOVER_ARGS=""
. "$top/conformance/test/lib_discover.sh"
trap discover_cleanup EXIT
trap 'exit 1' INT TERM
pki=$top/conformance/pki
printf 'secret\n' >"$tmp/pw"
printf 'secret2\n' >"$tmp/pw2"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

IN=127.0.22.1 EX=127.0.22.2 ADMIN=http://127.0.22.1:22090/metrics
start_mcxd counters --listen "internal-http=$IN:22080" --listen "internal-https=$IN:22443" \
    --listen "external-http=$EX:22080" --listen "external-https=$EX:22443" \
    --cert "$pki/lab.pem" --key "$pki/leaf.key" --now 2026-01-01T00:00:00Z --seed 3 \
    --admin 127.0.22.1:22090

map=""
for h in lyncdiscover.contoso.test lyncdiscover.fabrikam.test dirweb.contoso.test \
    webext01.contoso.test webext02.contoso.test; do
    map="$map --connect-to $h:443:$EX:22443 --connect-to $h:80:$EX:22080"
done
# shellcheck disable=SC2086
"$MCXCHECK" mobility p2pim --sender alice@contoso.test --receiver bob@fabrikam.test \
    --sender-password-file "$tmp/pw" --receiver-password-file "$tmp/pw2" --vantage external \
    --ca "$pki/root.pem" $map --now 2026-01-01T00:00:00Z --seed 3 >"$tmp/p2pim.out" 2>&1 ||
    { fail "p2pim exited $?"; tail -n 20 "$tmp/p2pim.out"; }

curl -s -o "$tmp/metrics" -w '%{http_code} %{content_type}\n' "$ADMIN" >"$tmp/head"
grep -q '^200 text/plain; version=0.0.4' "$tmp/head" || fail "GET /metrics: $(cat "$tmp/head")"
value() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/metrics"; }
expect() {
    got=$(value "$1")
    [ "$got" = "$2" ] || fail "$1 = '$got', expected $2"
}
expect mcx_total_session_initiated_count 2
expect mcx_total_number_of_sessions_terminated_by_user 2
expect mcx_currently_active_session_count 0
expect mcx_currently_active_session_count_with_active_presence_subscriptions 0
expect mcx_currently_active_poll_count 0
expect mcxd_mobility_messages_delivered_total 1
expect mcx_total_sessions_terminated_because_of_user_idle_timeout 0
# every request was answered: received = succeeded + failed + rejected
r=$(value mcx_total_requests_received_on_the_command_channel)
s=$(value mcx_total_requests_succeeded)
f=$(value mcx_total_requests_failed)
j=$(value mcx_total_requests_rejected)
[ -n "$r" ] && [ "$r" -gt 10 ] && [ "$r" -eq $((s + f + j)) ] ||
    fail "requests: received $r, succeeded $s + failed $f + rejected $j"
# every sample has HELP and TYPE
n_samples=$(grep -c -v '^#' "$tmp/metrics")
n_types=$(grep -c '^# TYPE ' "$tmp/metrics")
[ "$n_samples" -eq "$n_types" ] || fail "$n_samples samples, $n_types TYPE lines"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.22.1:22090/other" | grep -q 404 ||
    fail "admin listener answers other paths"

"$MCXCHECK" counters "$ADMIN" --available-mb 4000 >"$tmp/ok.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { fail "counters: exit $rc"; cat "$tmp/ok.out"; }
grep -q 'the seed.s formula gives 164.0 MB' "$tmp/ok.out" || fail "counters: no formula step"
"$MCXCHECK" counters "$ADMIN" --available-mb 1000 --format json >"$tmp/low.json" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "counters --available-mb 1000: exit $rc, expected 1"
ids=$(jq -r '[.findings[].id] | join(" ")' "$tmp/low.json")
[ "$ids" = "CN-002" ] || fail "counters --available-mb 1000: findings [$ids], expected [CN-002]"
"$MCXCHECK" counters http://127.0.22.1:22099/metrics >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] || fail "counters against nothing: exit $rc, expected 3"
"$MCXCHECK" counters >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "counters without URL: exit $rc, expected 2"
"$MCXCHECK" counters "$ADMIN" --available-mb -5 >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "counters --available-mb -5: exit $rc, expected 2"

[ $failed -eq 0 ] && echo "counters_live: all passed"
exit $failed
