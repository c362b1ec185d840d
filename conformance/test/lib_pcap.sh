#!/bin/sh
# shellcheck disable=SC2154 # top: set by the sourcing script
# lib_pcap.sh -- shell library sourced by the capture scripts
# (pcap_golden.sh, pcap_tls.sh, pcap_hostile.sh, pcap_sipe.sh, pcap_live.sh,
# pcap_replay.sh; not a test:
# ci/run-tests.sh skips lib_*.sh). The sourcing script locates it through
# $MCX_TOP.
#
# Owns: the start every capture script shares (mcxcheck built, the tools it
# needs, the scratch folder, the started servers and the trap that stops
# them: pcap_init), running `mcxcheck pcap
# verify` into a JSON report (pcap_verify), the "verifies clean" assertion
# (pcap_verify_clean), and the SHA-1 of the first server certificate tshark
# sees (pcap_tshark_cert_sha1). Does not own: what each script asserts about
# the steps, nor the captures.
#
# The sourcing script sets $top (the repository root); sourcing sets
# $mcxcheck ($MCXCHECK, else $top/build/mcxcheck) and $fail (0), which the
# helpers set to 1 on a failure.
case ${0##*/} in
lib_pcap.sh)
    echo "skip: lib_pcap.sh is a library sourced by the pcap_*.sh scripts"
    exit 77
    ;;
esac

mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
fail=0

# pcap_init WHY TOOL...: exit 1 when $mcxcheck is not built, 77 when a TOOL
# is missing ("skip: TOOL is needed" and WHY, which may be empty); then
# $work, a scratch folder, and $pids, the servers the script starts (it
# appends their PIDs): on exit each is stopped (TERM, then waited for) and
# $work removed.
pcap_init() {
    why=$1
    shift
    if [ ! -x "$mcxcheck" ]; then
        echo "FAIL: $mcxcheck is not built"
        exit 1
    fi
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "skip: $tool is needed$why"
            exit 77
        fi
    done
    work=$(mktemp -d)
    pids=""
    trap pcap_cleanup EXIT
    trap 'exit 1' INT TERM
}

# shellcheck disable=SC2317 # invoked by the trap
pcap_cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}

# pcap_verify OUT_JSON FILE [ARGS...]: `mcxcheck pcap verify FILE ARGS`
# with a JSON report in OUT_JSON; its exit code.
pcap_verify() {
    out=$1 file=$2
    shift 2
    "$mcxcheck" pcap verify "$file" "$@" --format json --output "$out"
}

# pcap_verify_clean FILE NAME [ARGS...]: verify FILE into $work/NAME.json;
# exit 0 and zero findings, else fail=1 with the findings listed.
pcap_verify_clean() {
    file=$1 name=$2
    shift 2
    pcap_verify "$work/$name.json" "$file" "$@"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: verify $name exited $rc"
        fail=1
    fi
    nf=$(jq '.findings | length' "$work/$name.json")
    if [ "$nf" != "0" ]; then
        echo "FAIL: verify $name reported $nf findings:"
        jq -r '.findings[] | "  \(.id) \(.message)"' "$work/$name.json"
        fail=1
    fi
}

# pcap_tshark_cert_sha1 FILE [TSHARK_ARGS...]: the SHA-1 (upper-case hex,
# no colons) of the first certificate of the first TLS Certificate message
# tshark finds in FILE; empty when none.
pcap_tshark_cert_sha1() {
    file=$1
    shift
    der=$(tshark -r "$file" "$@" -Y tls.handshake.type==11 -T fields \
        -e tls.handshake.certificate 2>/dev/null | head -n 1 | cut -d, -f1 | tr -d ':')
    printf '%s' "$der" | xxd -r -p |
        openssl x509 -inform DER -noout -fingerprint -sha1 2>/dev/null |
        sed 's/.*=//; s/://g'
}
