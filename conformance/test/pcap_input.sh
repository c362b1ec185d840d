#!/bin/sh
# pcap_input.sh -- `mcxcheck pcap verify` (and replay) of a FILE that is no
# capture (issue 13, example 7): a missing file, a text file, an empty file
# and a directory are input errors -- exit 2, one line on stderr naming the
# file once, no report on stdout, no advice about stopping tcpdump -- while a
# capture cut short stays finding PC-001 (exit 1).
#
# Owns: those exit codes and messages. Does not own: the reader
# (lib/pcap_read.c) nor truncation inside a capture (test_pcap.c).
# Env: MCXCHECK, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}

. "$top/conformance/test/lib_pcap.sh"
pcap_init ""

printf 'GET / HTTP/1.1\r\n\r\n' >"$work/notes.txt"
: >"$work/empty.pcap"
mkdir "$work/dir.pcap"

# input_error NAME FILE WORDS [SUBCOMMAND ARGS...]
input_error() {
    name=$1 file=$2 words=$3
    shift 3
    if [ $# -eq 0 ]; then set -- verify; fi
    "$mcxcheck" pcap "$@" "$file" >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL: $name: exit $rc, expected 2 (input error)"
        sed 's/^/   | /' "$work/out" "$work/err" | head -n 12
        fail=1
        return
    fi
    if [ -s "$work/out" ]; then
        echo "FAIL: $name: a report on stdout for an input error"
        fail=1
    fi
    if [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -qF -- "$file: $words" "$work/err"; then
        echo "FAIL: $name: stderr is not one line with '$file: $words':"
        sed 's/^/   | /' "$work/err"
        fail=1
        return
    fi
    if [ "$(grep -o -F -- "$file" "$work/err" | wc -l)" -ne 1 ]; then
        echo "FAIL: $name: the file is named more than once: $(cat "$work/err")"
        fail=1
    fi
    if grep -q 'tcpdump\|PC-001' "$work/err"; then
        echo "FAIL: $name: capture advice for a file that is no capture: $(cat "$work/err")"
        fail=1
    fi
    echo "ok: $name: exit 2, $(cat "$work/err")"
}

input_error missing "$work/missing.pcap" "No such file or directory"
input_error text "$work/notes.txt" "not a pcap or pcapng capture"
input_error empty "$work/empty.pcap" "not a pcap or pcapng capture"
input_error directory "$work/dir.pcap" "Is a directory"
input_error replay-missing "$work/missing.pcap" "No such file or directory" \
    replay --target-internal http://127.0.0.1:9

# A real capture cut in a record is still the capture's problem: PC-001.
golden=$top/pcap/golden/internal-v4.pcap
if [ -f "$golden" ]; then
    head -c 300 "$golden" >"$work/cut.pcap"
    "$mcxcheck" pcap verify "$work/cut.pcap" --format json >"$work/cut.json" 2>"$work/err"
    rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q '"id": "PC-001"' "$work/cut.json"; then
        echo "FAIL: a truncated capture: exit $rc, expected 1 with PC-001"
        fail=1
    else
        echo "ok: truncated capture: exit 1, PC-001"
    fi
fi

[ "$fail" -eq 0 ] && echo "pcap_input: all passed"
exit "$fail"
