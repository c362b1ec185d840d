#!/bin/sh
# dns_refused.sh -- `mcxcheck dns` against a server that REFUSES the
# queries (issue 13, example 6): mcxdns on 127.0.17.53 serves the default
# deployment's zones (contoso.test, fabrikam.test) and, like any
# authoritative server, answers REFUSED for names outside them.
#
# Owns: a refusal is reported at once -- no retry and no timeout wait, so
# the run ends well within one --timeout -- as one DNS-022 error (exit 1:
# the server answered, so the deployment's DNS is wrong, not "could not
# test") whose fix is about the server not being authoritative for, or not
# serving, the zone to this client; never "add the zone file". A SIP
# domain the server does serve stays clean in the same run. Does not own:
# the other DNS failures (dns_live.sh, dns_hostile.sh).
# Env: MCXCHECK, MCXDNS, MCX_TOP. Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
mcxdns=${MCXDNS:-$(dirname "$mcxcheck")/mcxdns}
for b in "$mcxcheck" "$mcxdns"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
. "$top/conformance/test/lib_mcxdns.sh"
mcxdns_init
ADDR=127.0.17.53

start_mcxdns --topology default --listen "external=$ADDR:53" || exit 1

# --timeout 2000 --tries 2: one wait for a refused query would take 2 s.
start=$(date +%s%N)
"$mcxcheck" dns --sip-domain refused.test --topology default --dns-external "$ADDR" \
    --timeout 2000 --tries 2 --format json >"$work/refused.json" 2>"$work/refused.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 1 ] || fail "refused: exit $rc, expected 1 (findings): $(cat "$work/refused.err")"
[ "$ms" -lt 1500 ] && echo "ok: refused: answered in $ms ms (no retry wait)" \
    || fail "refused: took $ms ms: a refusal must not wait for a timeout"
ids=$(sed -n 's/^ *"id": "\([A-Z]*-[0-9]*\)",$/\1/p' "$work/refused.json" | sort | tr '\n' ' ')
[ "$ids" = "DNS-022 " ] && echo "ok: refused: one finding, DNS-022" \
    || fail "refused: findings [$ids], expected exactly one DNS-022"
grep -q '"message": "external view: lyncdiscoverinternal.refused.test A to 127.0.17.53:53: answered REFUSED' \
    "$work/refused.json" || fail "refused: the message does not say REFUSED for the first name"
grep -q '"remediation": "127.0.17.53:53 refuses to answer for lyncdiscoverinternal.refused.test: it is not authoritative for the zone that holds it, or does not serve that zone to clients of the external network' \
    "$work/refused.json" && grep -q 'point --dns-external at the zone' "$work/refused.json" \
    && echo "ok: refused: the fix is the server's zone configuration" \
    || fail "refused: the fix does not name the server's zone configuration"
if grep -qi 'add the zone file' "$work/refused.json"; then
    fail "refused: still advises adding the zone file"
else
    echo "ok: refused: no 'add the zone file'"
fi

# A served SIP domain next to a refused one: only the refused one is wrong.
"$mcxcheck" dns --sip-domain contoso.test --sip-domain refused.test --topology default \
    --dns-external "$ADDR" --format json >"$work/mixed.json" 2>"$work/mixed.err"
rc=$?
[ "$rc" -eq 1 ] || fail "mixed: exit $rc, expected 1"
if grep -q '"subject": "lyncdiscover[a-z]*\.contoso\.test"' "$work/mixed.json"; then
    fail "mixed: a finding about the served domain contoso.test"
else
    echo "ok: mixed: the served domain has no finding"
fi
grep -q '"subject": "lyncdiscoverinternal.refused.test"' "$work/mixed.json" \
    && echo "ok: mixed: the refused domain's name is the subject" \
    || fail "mixed: no finding about refused.test"

stop_mcxdns
[ "$failures" -eq 0 ] && echo "dns_refused: all passed"
[ "$failures" -eq 0 ]
