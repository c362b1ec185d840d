#!/bin/sh
# shellcheck disable=SC2154 # tmp, pids, MCXCHECK: set by the sourcing script
# lib_discover.sh -- shell library sourced by discover_live.sh, http_session.sh and
# discover_dns.sh (not a test: ci/run-tests.sh skips lib_*.sh).
#
# Owns: the helpers the discovery scripts use -- starting mcxd and waiting
# (bounded) until it serves, stopping the servers they started (by PID,
# bounded), pass/fail counting, running `mcxcheck discover`
# with an expected exit code, and checking its output. Does not own: what is
# started or asserted (the scripts do that).
#
# The sourcing script sets: tmp (scratch folder), pids (PIDs to stop),
# MCXCHECK, and DISCOVER_ARGS (options every run gets).

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# shellcheck disable=SC2317 # invoked by the trap
discover_cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    for p in $pids; do
        # bounded wait for each server we started
        i=0
        while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}

# start_mcxd NAME MCXD-OPTIONS...: start $MCXD logging to $tmp/NAME.log and
# wait until it serves (at most 5 s); exit 1 with its log if it does not.
start_mcxd() {
    name=$1
    shift
    "$MCXD" "$@" >"$tmp/$name.log" 2>&1 &
    started=$!
    pids="$pids $started"
    i=0
    while ! grep -q 'serving topology' "$tmp/$name.log" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 100 ] || ! kill -0 "$started" 2>/dev/null; then
            cat "$tmp/$name.log"
            echo "FAIL: mcxd $name did not start"
            exit 1
        fi
        sleep 0.05
    done
}

# run NAME EXPECTED_EXIT args... : output in $tmp/NAME.out, stderr in .err
run() {
    name=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    "$MCXCHECK" discover $DISCOVER_ARGS "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, expected $want"
        sed 's/^/   | /' "$tmp/$name.out" "$tmp/$name.err" | tail -n 40
        return 1
    fi
    return 0
}
has() { # NAME TEXT...
    name=$1
    shift
    for t in "$@"; do
        grep -qF -- "$t" "$tmp/$name.out" || {
            fail "$name: output lacks: $t"
            sed 's/^/   | /' "$tmp/$name.out" | tail -n 40
            return 1
        }
    done
    ok "$name"
}
lacks() { # NAME TEXT
    grep -qF -- "$2" "$tmp/$1.out" && fail "$1: output unexpectedly has: $2"
    return 0
}
