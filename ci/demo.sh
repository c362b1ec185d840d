#!/bin/sh
# demo.sh BUILD -- `make demo`: start mcxd on the embedded default deployment
# (contoso.test) on loopback, run `mcxcheck discover` from the internal and the
# external vantage and `mcxcheck conform` over every vector, and end with alice
# messaging bob through the Mobility Service (`mcxcheck mobility p2pim`), each
# user discovered from the internal and then the external vantage; print the
# reports, stop mcxd. Exits non-zero if any of them fails.
#
# DNS is the deployment's own (seed: DNS Requirements): mcxdns serves the
# internal and the external view the topology requires, and each discovery
# resolves every name through the DNS server of its vantage, as a phone does,
# and connects to the address DNS gave on the port the URL names. So mcxd
# listens where DNS points: the Director's internal web site (dir01,
# 127.0.1.11:80/443; the same instance also serves the Director's external
# web site on 127.0.1.12:8080/4443 for cert --connect and conform), the two
# pools' internal web sites (127.0.1.21 and .31, 80/443), and the reverse
# proxy (rp, 127.0.1.40:80/443) that publishes every external web FQDN. All
# instances share --now/--seed/--cert/--key, so a web ticket one issues
# verifies on another. From the Internet only the external view exists.
#
# Owns: the demo's processes (started here, stopped by PID in the trap) and
# its output. Does not own: the programs it runs.
#
set -eu
build=${1:-build}
top=$(pwd)
mcxd="$top/$build/mcxd"
mcxcheck="$top/$build/mcxcheck"
mcxdns="$top/$build/mcxdns"
work=$(mktemp -d)
pids=""
stop_servers() {
    for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=""
}
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    stop_servers
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
INT=127.0.1.11 EXT=127.0.1.12 # the Director's internal and external web VIPs
NOW=2026-01-01T00:00:00Z

pki="$top/conformance/pki"
printf '%s' secret >"$work/alice.pw"
# start_mcxd NAME PROBE-URL mcxd-options...: one instance, waited for.
start_mcxd() {
    name=$1 probe=$2
    shift 2
    "$mcxd" --now "$NOW" --seed 1 --cert "$pki/lab.pem" --key "$pki/leaf.key" \
        --pidfile "$work/$name.pid" --quiet "$@" &
    p=$!
    pids="$pids $p"
    i=0
    until curl -s -o /dev/null "$probe" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 50 ] || { echo "demo: mcxd $name did not start" >&2; exit 3; }
        kill -0 "$p" 2>/dev/null || { echo "demo: mcxd $name exited" >&2; exit 3; }
        sleep 0.1
    done
}
# The Director: the topology's own listeners (internal 80/443, external
# 8080/4443).
start_mcxd director "http://$INT:80/"
for pool in 127.0.1.21 127.0.1.31; do # pool01, pool02: internal web sites
    start_mcxd "pool-$pool" "http://$pool:80/" \
        --listen "internal-http=$pool:80" --listen "internal-https=$pool:443" \
        --no-listen external-http --no-listen external-https
done
RP=127.0.1.40 # the reverse proxy: every external web FQDN on 80/443
start_mcxd rp "http://$RP:80/" --listen "external-http=$RP:80" --listen "external-https=$RP:443" \
    --no-listen internal-http --no-listen internal-https

color=never
[ -t 1 ] && color=always
rc=0
# The deployment's DNS, both views generated from the topology by mcxdns
# (seed: DNS Requirements, Website Requirements), checked from each vantage.
DNSI=127.0.1.53 DNSE=127.0.1.54
"$mcxdns" --topology default --listen "internal=$DNSI:53" --listen "external=$DNSE:53" \
    --pidfile "$work/mcxdns.pid" --quiet &
pids="$pids $!"
i=0
until [ -s "$work/mcxdns.pid" ]; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "demo: mcxdns did not start" >&2; exit 3; }
    sleep 0.1
done
echo "=== mcxcheck dns: every SIP domain, internal and external DNS views ==="
"$mcxcheck" dns --topology default --dns-internal "$DNSI:53" --dns-external "$DNSE:53" \
    --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck discover alice@contoso.test, internal vantage (corporate network) ==="
"$mcxcheck" discover --sip-uri alice@contoso.test --vantage internal --dns-internal "$DNSI" \
    --ca "$pki/root.pem" --user alice@contoso.test --password-file "$work/alice.pw" \
    --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck discover alice@contoso.test, external vantage (Internet) ==="
"$mcxcheck" discover --sip-uri alice@contoso.test --vantage external --dns-external "$DNSE" \
    --ca "$pki/root.pem" --user alice@contoso.test --password-file "$work/alice.pw" \
    --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck cert --connect: the certificate a phone sees for lyncdiscover.contoso.test ==="
"$mcxcheck" cert --role director --topology "$top/lib/default_topology.xml" \
    --connect "$EXT:4443" --sni lyncdiscover.contoso.test --ca "$pki/root.pem" --at "$NOW" \
    --color $color || rc=$?
echo
echo "=== mcxcheck deployment: DNS, certificates and web, every SIP domain, both vantages ==="
"$mcxcheck" deployment --topology default --dns-internal "$DNSI:53" --dns-external "$DNSE:53" \
    --ca "$pki/root.pem" --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck conform: every vector against mcxd ==="
"$mcxcheck" conform --vectors "$top/vectors" --ca "$pki/root.pem" \
    --target-internal "https://$INT:443" --target-internal "http://$INT:80" \
    --target-external "https://$EXT:4443" --target-external "http://$EXT:8080" \
    --now "$NOW" --color $color || rc=$?
printf '%s' secret2 >"$work/bob.pw"
for vantage in internal external; do
    echo
    echo "=== mcxcheck mobility p2pim: alice@contoso.test messages bob@fabrikam.test, $vantage vantage ==="
    if [ $vantage = internal ]; then dns="--dns-internal $DNSI"; else dns="--dns-external $DNSE"; fi
    # shellcheck disable=SC2086 # $dns is two words
    "$mcxcheck" mobility p2pim --sender alice@contoso.test --receiver bob@fabrikam.test \
        --sender-password-file "$work/alice.pw" --receiver-password-file "$work/bob.pw" \
        --vantage $vantage $dns --ca "$pki/root.pem" --now "$NOW" --color $color || rc=$?
done
stop_servers
echo
[ $rc -eq 0 ] && echo "demo: all checks passed" || echo "demo: failed (exit $rc)"
exit $rc
