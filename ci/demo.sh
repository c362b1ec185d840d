#!/bin/sh
# demo.sh BUILD -- `make demo`: start mcxd on the embedded default deployment
# (contoso.test) on loopback, run `mcxcheck discover` from the internal and the
# external vantage and `mcxcheck conform` over every vector, print the reports,
# stop mcxd. Exits non-zero if any of them fails.
#
# Name resolution stands in for the deployment's DNS (seed: DNS Requirements):
# from inside, lyncdiscoverinternal.<d> and the pools' internal web FQDNs reach
# the internal web site (80/443), lyncdiscover.<d> and the external web FQDNs
# reach the reverse proxy, which publishes the external web site (8080/4443)
# on 80/443. From the Internet only the external names exist.
#
# TLS uses the committed fixture PKI (conformance/pki): mcxd serves lab.pem
# (every name of the default deployment, issued by the fixture intermediate)
# and every client verifies the chain against the fixture root root.pem, so
# the HTTPS steps run with verified chains and show the TLS facts.
set -eu
build=${1:-build}
top=$(pwd)
mcxd="$top/$build/mcxd"
mcxcheck="$top/$build/mcxcheck"
mcxdns="$top/$build/mcxdns"
work=$(mktemp -d)
pid="" dnspid=""
cleanup() {
    for p in $pid $dnspid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
INT=127.0.1.11 EXT=127.0.1.12 # the Director's internal and external web VIPs
NOW=2026-01-01T00:00:00Z

pki="$top/conformance/pki"
printf '%s' secret >"$work/alice.pw"
"$mcxd" --now "$NOW" --seed 1 --cert "$pki/lab.pem" --key "$pki/leaf.key" \
    --pidfile "$work/mcxd.pid" --quiet &
pid=$!
i=0
until curl -s -o /dev/null "http://$INT:80/" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "demo: mcxd did not start" >&2; exit 3; }
    kill -0 "$pid" 2>/dev/null || { echo "demo: mcxd exited" >&2; pid=""; exit 3; }
    sleep 0.1
done

internal_names="lyncdiscoverinternal.contoso.test lyncdiscoverinternal.fabrikam.test dir01.contoso.test pool01.contoso.test pool02.contoso.test"
external_names="lyncdiscover.contoso.test lyncdiscover.fabrikam.test dirweb.contoso.test webext01.contoso.test webext02.contoso.test"
map() { # names addr http-port https-port
    for n in $1; do
        printf ' --connect-to %s:443:%s:%s --connect-to %s:80:%s:%s' "$n" "$2" "$4" "$n" "$2" "$3"
    done
}
inside="$(map "$internal_names" $INT 80 443)$(map "$external_names" $EXT 8080 4443)"
outside="$(map "$external_names" $EXT 8080 4443)"
color=never
[ -t 1 ] && color=always
rc=0
# The deployment's DNS, both views generated from the topology by mcxdns
# (seed: DNS Requirements, Website Requirements), checked from each vantage.
DNSI=127.0.1.53 DNSE=127.0.1.54
"$mcxdns" --topology default --listen "internal=$DNSI:53" --listen "external=$DNSE:53" \
    --pidfile "$work/mcxdns.pid" --quiet &
dnspid=$!
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
# shellcheck disable=SC2086
"$mcxcheck" discover --sip-uri alice@contoso.test --vantage internal --resolve-only $inside \
    --ca "$pki/root.pem" --user alice@contoso.test --password-file "$work/alice.pw" \
    --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck discover alice@contoso.test, external vantage (Internet) ==="
# shellcheck disable=SC2086
"$mcxcheck" discover --sip-uri alice@contoso.test --vantage external --resolve-only $outside \
    --ca "$pki/root.pem" --user alice@contoso.test --password-file "$work/alice.pw" \
    --now "$NOW" --color $color || rc=$?
echo
echo "=== mcxcheck cert --connect: the certificate a phone sees for lyncdiscover.contoso.test ==="
"$mcxcheck" cert --role director --topology "$top/lib/default_topology.xml" \
    --connect "$EXT:4443" --sni lyncdiscover.contoso.test --ca "$pki/root.pem" --at "$NOW" \
    --color $color || rc=$?
echo
echo "=== mcxcheck conform: every vector against mcxd ==="
"$mcxcheck" conform --vectors "$top/vectors" --ca "$pki/root.pem" \
    --target-internal "https://$INT:443" --target-internal "http://$INT:80" \
    --target-external "https://$EXT:4443" --target-external "http://$EXT:8080" \
    --now "$NOW" --color $color || rc=$?
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
echo
[ $rc -eq 0 ] && echo "demo: all checks passed" || echo "demo: failed (exit $rc)"
exit $rc
