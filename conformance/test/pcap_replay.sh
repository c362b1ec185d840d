#!/bin/sh
# pcap_replay.sh -- `mcxcheck pcap replay` over real sockets (libcurl)
# against mcxd: the plain-HTTP golden captures (pcap/golden/internal-v4,
# external-v4, internal-v6) replayed at
#   - mcxd as recorded: no finding, exit 0;
#   - mcxd --break NAME for every break: exactly the expected findings (ID,
#     exchange number, element), exit 1 when there are any; breaks that do
#     not touch a plain-HTTP first hop give none;
#   - mcxd serving a renamed topology (other SIP domains and pool names),
#     with --target-topology and with --map-host: no finding, and the
#     requests reach it with the renamed SIP URIs (mcxd's access log; the
#     mapped Host header is asserted in test_pcap_replay.c);
#   - bad mappings: exit 2 naming the option.
# (In-process, test_pcap_replay.c also shows the differences a renamed
# deployment gives without the mapping: mcxd's first-hop documents echo the
# Host header, so they only differ when a document carries pool names.)
#
# Owns: these assertions and the mcxd instances on 127.0.15.x. Does not own:
# the comparison (conformance/pcap_replay.c) nor the captures.
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
. "$top/conformance/test/lib_pcap.sh"
pcap_init "" jq curl
[ -x "$mcxd" ] || { echo "FAIL: $mcxd is not built"; exit 1; }
golden=$top/pcap/golden

# start ADDR ARGS...: mcxd on ADDR:17080 (internal-http) and :27080
# (external-http), access log in $work/ADDR.log.
start() {
    addr=$1
    shift
    "$mcxd" --listen "internal-http=$addr:17080" --no-listen internal-https \
        --no-listen external-https --listen "external-http=$addr:27080" \
        --now 2026-01-01T00:00:00Z --seed 1 "$@" >"$work/$addr.log" 2>&1 &
    pids="$pids $!"
    i=0
    while ! curl -s -o /dev/null --max-time 1 "http://$addr:17080/"; do
        i=$((i + 1))
        if [ $i -ge 50 ] || ! kill -0 "$!" 2>/dev/null; then
            echo "skip: mcxd did not start on $addr ($(tail -n 1 "$work/$addr.log"))"
            exit 77
        fi
        sleep 0.1
    done
}

# replay FILE ADDR ARGS...: "FILE N ID WHAT" per finding into stdout; the
# exit code in $rc.
replay() {
    f=$1 addr=$2
    shift 2
    "$mcxcheck" pcap replay "$golden/$f.pcap" --target-internal "http://$addr:17080" \
        --target-external "http://$addr:27080" "$@" --format json --output "$work/r.json"
    rc=$?
    jq -r --arg f "$f" '.findings[] | .id as $id | .message
        | capture("^exchange (?<n>[0-9]+) .*?: (?<what>[^:]+): recorded ")
        | "\($f) \(.n) \($id) \(.what)"' "$work/r.json"
}

# each FILE ID WHAT KIND...: the expected line per exchange, "%s" in WHAT
# replaced by that exchange's document kind.
each() {
    f=$1 id=$2 what=$3
    shift 3
    k=1
    for kind in "$@"; do
        echo "$f $k $id $(printf '%s' "$what" | sed "s|%s|$kind|")"
        k=$((k + 1))
    done
}

expect_all() { # WHAT-TEMPLATE ID: over the three captures
    each internal-v4 "$2" "$1" Root Root Domain User
    each external-v4 "$2" "$1" Root Domain User
    each internal-v6 "$2" "$1" Root User
}

check() { # NAME ADDR EXPECTED_FILE ARGS...
    name=$1 addr=$2 exp=$3
    shift 3
    : >"$work/got"
    rcs=""
    for f in internal-v4 external-v4 internal-v6; do
        replay "$f" "$addr" "$@" >>"$work/got"
        rcs="$rcs$rc"
    done
    want_rc=000
    [ -s "$exp" ] && want_rc=111
    if ! cmp -s "$exp" "$work/got" || [ "$rcs" != "$want_rc" ]; then
        echo "FAIL: $name: exits $rcs (want $want_rc); findings differ from the expected:"
        diff "$exp" "$work/got" | sed 's/^/  /'
        fail=1
    fi
}

start 127.0.15.1
: >"$work/none"
check "same mcxd" 127.0.15.1 "$work/none"

n=2
for br in mcx-internal no-content-length http-302 multi-redirect content-type user-404-body \
    no-401-ticket-url; do
    start "127.0.15.$n" --break "$br"
    case $br in
    http-302) expect_all status PC-050 ;;
    content-type) expect_all "header Content-Type" PC-050 ;;
    multi-redirect) expect_all "%s/Link[token=Domain]/@href" PC-051 ;;
    *) : ;; # documents over HTTPS, 401s, unknown users, framing: not on a first hop
    esac >"$work/want-$br"
    check "--break $br" "127.0.15.$n" "$work/want-$br"
    n=$((n + 1))
done

# A deployment with other names.
sed -e 's/dir01\.contoso\.test/director.example.test/g' -e 's/contoso\.test/example.test/g' \
    -e 's/fabrikam\.test/northwind.test/g' "$top/lib/default_topology.xml" >"$work/renamed.xml"
start 127.0.15.20 --topology "$work/renamed.xml"
check "renamed, --target-topology" 127.0.15.20 "$work/none" --target-topology "$work/renamed.xml"
check "renamed, --map-host" 127.0.15.20 "$work/none" --map-host contoso.test=example.test \
    --map-host fabrikam.test=northwind.test
if ! grep -q 'sipuri=alice@example\.test' "$work/127.0.15.20.log" ||
    ! grep -q 'bob@northwind\.test' "$work/127.0.15.20.log" ||
    grep -q 'contoso\.test\|fabrikam\.test' "$work/127.0.15.20.log"; then
    echo "FAIL: the renamed mcxd did not get the mapped names only:"
    sed 's/^/  /' "$work/127.0.15.20.log" | head -n 20
    fail=1
fi

for bad in "--map-host contoso.test" "--map-host a=b --map-host a=c" \
    "--target-topology $top/dnsfixtures/none.xml" "--topology none --target-topology $work/renamed.xml"; do
    # shellcheck disable=SC2086 # the options are words
    "$mcxcheck" pcap replay "$golden/internal-v4.pcap" --target-internal http://127.0.15.1:17080 \
        $bad >/dev/null 2>"$work/err"
    rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q 'target-topology\|map-host' "$work/err"; then
        echo "FAIL: replay $bad: exit $rc (want 2 naming the option): $(cat "$work/err")"
        fail=1
    fi
done

[ "$fail" -eq 0 ] || exit 1
echo "pcap_replay: golden captures replay clean; every mcxd break gives its exact findings;" \
    "a renamed deployment replays clean with the mapping"
