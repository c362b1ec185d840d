#!/bin/sh
# run-tests.sh BUILD -- run every unit test binary (cmocka) and every
# integration script (*/test/*.sh), then print "N passed, N failed".
# A script exits 0 (pass), 77 (skip: it printed why) or anything else (fail).
# MCX_NO_SKIP=1 (set by .ci/run) turns a skip into a failure: on CI's Debian
# 12 with `make deps` done, every prerequisite is there, so a skip would only
# hide a missing install step or a broken test set-up.
set -u
build=${1:-build}
top=$(pwd)
# Debian's tools first: make deps installs python3-jsonschema & co. for
# /usr/bin/python3, not for a python3 a user may have earlier on PATH.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"
export MCXD="$top/$build/mcxd" MCXDNS="$top/$build/mcxdns" MCXCHECK="$top/$build/mcxcheck" MCX_TOP="$top" MCX_BUILD="$top/$build"
pass=0 fail=0 skip=0 failed=""
log=$(mktemp -d)
run_one() { # name, command...
    name=$1; shift
    if "$@" >"$log/out" 2>&1; then rc=0; else rc=$?; fi
    case $rc in
    0) pass=$((pass + 1)); echo "ok   $name" ;;
    77) if [ "${MCX_NO_SKIP:-0}" = 1 ]; then
            fail=$((fail + 1)); failed="$failed $name"
            echo "FAIL $name (skipped, and MCX_NO_SKIP=1: $(tail -n 1 "$log/out"))"
        else
            skip=$((skip + 1)); echo "skip $name: $(tail -n 1 "$log/out")"
        fi ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc)"; sed 's/^/     | /' "$log/out" | tail -n 60 ;;
    esac
}
for t in $(find "$build/lib/test" "$build/refimpl/test" "$build/conformance/test" -type f -perm -u+x -name 'test_*' 2>/dev/null | sort); do
    run_one "unit/$(basename "$t")" "$t"
done
# lib_*.sh are shell libraries sourced by the scripts, not tests.
for s in $(ls lib/test/*.sh refimpl/test/*.sh conformance/test/*.sh 2>/dev/null | grep -v '/lib_[^/]*\.sh$' | sort); do
    run_one "$s" sh "$s"
done
rm -rf "$log"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
