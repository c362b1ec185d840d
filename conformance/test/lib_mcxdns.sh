#!/bin/sh
# shellcheck disable=SC2154 # mcxdns: set by the sourcing script
# lib_mcxdns.sh -- shell library sourced by the scripts that run mcxdns
# (conformance/test/dns_live.sh, dns_hostile.sh, refimpl/test/mcxdns_live.sh;
# not a test: ci/run-tests.sh skips lib_*.sh). The sourcing script locates
# it through $MCX_TOP.
#
# Owns: the scratch folder and its cleanup trap (mcxdns_init), pass/fail
# counting (fail, $failures), and starting/stopping one mcxdns in the
# background by PID, bounded (start_mcxdns, stop_mcxdns). Does not own: the
# listen addresses, the scenarios or what is asserted (the scripts do that),
# nor the stricter start/stop assertions of mcxdns_live.sh, which tests
# mcxdns's own start-up and SIGTERM behaviour.
#
# The sourcing script sets $mcxdns (the binary) before start_mcxdns.
case ${0##*/} in
lib_mcxdns.sh)
    echo "skip: lib_mcxdns.sh is a library sourced by the mcxdns scripts"
    exit 77
    ;;
esac

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# mcxdns_init: $work (a new scratch folder), $pid (the running mcxdns, ""
# when none), and a trap that stops it and removes $work on exit.
mcxdns_init() {
    work=$(mktemp -d)
    pid=""
    trap mcxdns_cleanup EXIT INT TERM
}

# shellcheck disable=SC2317 # invoked by the trap
mcxdns_cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$work"
}

# start_mcxdns ARGS...: mcxdns --quiet ARGS in the background, waiting (at
# most 5 s) for its pidfile. 0, or 1 with a failure counted (stderr quoted).
start_mcxdns() {
    rm -f "$work/mcxdns.pid"
    "$mcxdns" --quiet --pidfile "$work/mcxdns.pid" "$@" 2>"$work/mcxdns.err" &
    pid=$!
    i=0
    until [ -s "$work/mcxdns.pid" ]; do
        i=$((i + 1))
        if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
            fail "mcxdns did not start ($*): $(cat "$work/mcxdns.err")"
            pid=""
            return 1
        fi
        sleep 0.1
    done
}

# stop_mcxdns: stop the mcxdns start_mcxdns started, and reap it.
stop_mcxdns() {
    [ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null
    pid=""
}
