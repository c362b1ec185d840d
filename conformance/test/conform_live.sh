#!/bin/sh
# conform_live.sh -- end-to-end proof of the conformance suite against mcxd.
#
# Owns: starting mcxd (deterministic: --now 2026-01-01T00:00:00Z --seed 1) on
# 127.N.4.x high ports (N from the PID) and checking that
#   1. `mcxcheck conform` passes every vector in vectors/ (exit 0);
#   2. the same run twice gives byte-identical reports in every format;
#   3. --shuffle-seed changes the order of the cases but not their results;
#   4. `mcxcheck record --check` against a fresh mcxd finds no drift, and a
#      corrupted recording is reported as VC-004 with exit 1;
#   5. a second mcxd with the 2013 topology passes the 2013-only vectors
#      (OAuth), and their recordings do not drift;
#   6. an mcxd with --test-clock passes every Mobility vector with
#      --mcxd-test-clock (MB-LIFE-* moves its clock), and the recordings of
#      those clock vectors, made on such a fresh mcxd, do not drift;
#   7. against each `mcxd --break NAME` exactly the vector IDs listed in
#      data/break-expectations.txt fail and the exit code is 1 (the
#      Mobility breaks included: drop-message, no-pget-replace,
#      resend-acked, no-auth).
# Does not own: mcxd, the vectors themselves, or the report formats.
# Env (ci/run-tests.sh): MCXD, MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
data=$top/conformance/test/data
vectors=$top/vectors
now=2026-01-01T00:00:00Z
# Loopback /24 of this run: derived from the PID so that two runs at once
# (engineers sharing a machine) do not collide on the ports; MCX_CONFORM_NET
# overrides it (three octets, e.g. 127.0.4).
net=${MCX_CONFORM_NET:-127.$((100 + $$ % 100)).4}

[ -x "$mcxd" ] || { echo "skip: $mcxd not built"; exit 77; }
[ -x "$mcxcheck" ] || { echo "skip: $mcxcheck not built"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "skip: openssl not found (needed by ci/mkcert.sh)"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "skip: curl not found (used to wait for mcxd)"; exit 77; }

work=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }

sh "$top/ci/mkcert.sh" "$work/pki" >/dev/null 2>&1 || { echo "skip: ci/mkcert.sh failed"; exit 77; }

# start_mcxd INTERNAL_ADDR EXTERNAL_ADDR [mcxd options...]: sets $pid.
start_mcxd() {
    int=$1 ext=$2
    shift 2
    "$mcxd" --listen "internal-http=$int:14080" --listen "internal-https=$int:14443" \
        --listen "external-http=$ext:14080" --listen "external-https=$ext:14443" \
        --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
        --now "$now" --seed 1 --quiet "$@" >"$work/mcxd-$ext.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    i=0
    while [ $i -lt 50 ]; do
        if curl -s -o /dev/null --max-time 1 --cacert "$work/pki/ca.pem" \
            --connect-to "::$ext:14443" "https://lyncdiscover.contoso.test/"; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    cat "$work/mcxd-$ext.log"
    fail "mcxd $* did not start on $int/$ext"
}

stop_mcxd() { # PID
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    rest=""
    for p in $pids; do [ "$p" = "$1" ] || rest="$rest $p"; done
    pids=$rest
}

targets() { # INTERNAL_ADDR EXTERNAL_ADDR
    echo "--target-internal http://$1:14080 --target-internal https://$1:14443" \
        "--target-external http://$2:14080 --target-external https://$2:14443" \
        "--ca $work/pki/ca.pem --vectors $vectors"
}

# Case IDs with their result from a TAP report: "ok ID" / "not ok ID".
cases_of() {
    sed -n 's/^\(not ok\|ok\) [0-9][0-9]* - \([A-Z0-9-]*\)$/\1 \2/p' "$1"
}

# ---- 1..3: the default deployment -------------------------------------------
start_mcxd $net.1 $net.2
main_pid=$pid
T=$(targets $net.1 $net.2)

# shellcheck disable=SC2086
"$mcxcheck" conform $T >"$work/run.txt" 2>"$work/run.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/run.txt" "$work/run.err"; fail "conform exit $rc, expected 0"; }
grep -q ' 0 failed' "$work/run.txt" || fail "conform reported failed cases"
npass=$(grep -c '^  \[PASS\]' "$work/run.txt")
[ "$npass" -ge 60 ] || fail "only $npass vectors passed (expected >= 60)"
echo "conform: $npass vectors pass"

for fmt in text json jsonl junit tap; do
    # shellcheck disable=SC2086
    "$mcxcheck" conform $T --format $fmt --output "$work/a.$fmt" 2>/dev/null
    # shellcheck disable=SC2086
    "$mcxcheck" conform $T --format $fmt --output "$work/b.$fmt" 2>/dev/null
    cmp -s "$work/a.$fmt" "$work/b.$fmt" || fail "two runs differ in format $fmt"
    [ -s "$work/a.$fmt" ] || fail "empty $fmt report"
done
echo "conform: byte-identical reports in text json jsonl junit tap"

# shellcheck disable=SC2086
"$mcxcheck" conform $T --shuffle-seed 7 --format tap --output "$work/shuf.tap" 2>/dev/null
cases_of "$work/a.tap" >"$work/plain.cases"
cases_of "$work/shuf.tap" >"$work/shuf.cases"
[ -s "$work/plain.cases" ] || fail "no cases in the TAP report"
cmp -s "$work/plain.cases" "$work/shuf.cases" && fail "--shuffle-seed 7 did not change the order"
sort "$work/plain.cases" >"$work/plain.sorted"
sort "$work/shuf.cases" >"$work/shuf.sorted"
cmp -s "$work/plain.sorted" "$work/shuf.sorted" || fail "--shuffle-seed changed results"
echo "conform: --shuffle-seed changes the order, not the results"
stop_mcxd "$main_pid"

# ---- 4: recordings (fresh servers: web tickets come from the seeded stream) --
start_mcxd $net.7 $net.8
# shellcheck disable=SC2086
"$mcxcheck" record $(targets $net.7 $net.8) --check >"$work/check.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$work/check.txt"; fail "record --check found drift (exit $rc)"; }
stop_mcxd "$pid"
echo "record --check: no drift"

mkdir -p "$work/vec/recorded"
cp "$vectors"/AD-ROOT-001.xml "$work/vec/"
sed 's/AccessLocation="External"/AccessLocation="Internal"/' "$vectors/recorded/AD-ROOT-001.http" \
    >"$work/vec/recorded/AD-ROOT-001.http"
start_mcxd $net.7 $net.8
# shellcheck disable=SC2086
"$mcxcheck" record $(targets $net.7 $net.8) --vectors "$work/vec" --check \
    --format json >"$work/drift.json" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "a corrupted recording gave exit $rc, expected 1"
grep -q '"VC-004"' "$work/drift.json" || fail "a corrupted recording did not give VC-004"
stop_mcxd "$pid"
echo "record --check: drift detected as VC-004"

# ---- 5: the 2013 profile (OAuth) ----------------------------------------------
start_mcxd $net.3 $net.4 --topology "$data/topology-2013.xml"
T13="$(targets $net.3 $net.4) --topology $data/topology-2013.xml"
# shellcheck disable=SC2086
"$mcxcheck" record $T13 --select 'AU-OAUTH-*' --select '*-2013-*' --check >"$work/check13.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$work/check13.txt"; fail "2013 record --check found drift (exit $rc)"; }
# shellcheck disable=SC2086
"$mcxcheck" conform $T13 --format tap --output "$work/t13.tap" 2>"$work/t13.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/t13.tap" "$work/t13.err"; fail "conform (2013) exit $rc, expected 0"; }
grep -q '^ok [0-9]* - AU-OAUTH-004$' "$work/t13.tap" || fail "AU-OAUTH-004 did not pass on 2013"
grep -q '^ok [0-9]* - AD-USER-2013-001$' "$work/t13.tap" || fail "AD-USER-2013-001 did not pass on 2013"
stop_mcxd "$pid"
echo "conform: 2013 topology passes, OAuth vectors run"

# ---- 6: the Mobility vectors that need mcxd --test-clock ----------------------
start_mcxd $net.9 $net.10 --test-clock
# shellcheck disable=SC2086
"$mcxcheck" record $(targets $net.9 $net.10) --mcxd-test-clock --select 'MB-LIFE-*' \
    --check >"$work/checkclock.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$work/checkclock.txt"; fail "test-clock record --check found drift (exit $rc)"; }
# shellcheck disable=SC2086
"$mcxcheck" conform $(targets $net.9 $net.10) --mcxd-test-clock --select 'MB-*' \
    --format tap --output "$work/clock.tap" 2>"$work/clock.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/clock.tap" "$work/clock.err"; fail "conform --mcxd-test-clock exit $rc, expected 0"; }
grep -q '^ok [0-9]* - MB-LIFE-001$' "$work/clock.tap" || fail "MB-LIFE-001 did not pass with --mcxd-test-clock"
grep -q '^ok [0-9]* - MB-EVT-004$' "$work/clock.tap" || fail "MB-EVT-004 (async P-GET) did not pass"
stop_mcxd "$pid"
echo "conform: Mobility vectors pass on mcxd --test-clock, idle expiry included"

# ---- 7: every --break variant fails exactly the expected vectors --------------
nbreaks=0
while read -r name ids; do
    case $name in '' | '#'*) continue ;; esac
    start_mcxd $net.5 $net.6 --break "$name"
    # shellcheck disable=SC2086
    "$mcxcheck" conform $(targets $net.5 $net.6) --format tap --output "$work/br.tap" 2>/dev/null
    rc=$?
    stop_mcxd "$pid"
    [ $rc -eq 1 ] || fail "--break $name: exit $rc, expected 1"
    got=$(cases_of "$work/br.tap" | sed -n 's/^not ok //p' | sort | tr '\n' ' ' | sed 's/ $//')
    want=$(echo "$ids" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || fail "--break $name: failed [$got], expected [$want]"
    echo "--break $name: exactly $(echo "$want" | wc -w) expected vectors fail"
    nbreaks=$((nbreaks + 1))
done <"$data/break-expectations.txt"
[ $nbreaks -ge 11 ] || fail "only $nbreaks break variants checked"
echo "conform_live: all checks passed"
exit 0
