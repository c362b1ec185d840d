#!/bin/sh
# discover_live.sh -- integration test of `mcxcheck discover` against the
# real mcxd on loopback (127.0.3.1-127.0.3.8, ports 18080/18443).
#
# Owns: end-to-end discovery traces (internal and external vantage, web
# ticket / Basic / OAuth, User-level redirects, unreachable online redirect,
# wrong password, unknown user, redirect limit, exit codes 0/1/2/3,
# byte-identical text and JSON output) and proof that checks fail against
# `mcxd --break mcx-internal` and `--break http-302`. Does not own: unit
# tests of the pure logic (test_discover.c).
#
# Env: MCXD, MCXCHECK, MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
MCXD=${MCXD:-$top/build/mcxd}
MCXCHECK=${MCXCHECK:-$top/build/mcxcheck}
for b in "$MCXD" "$MCXCHECK"; do
    [ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
command -v openssl >/dev/null 2>&1 || { echo "skip: openssl command not installed"; exit 77; }

tmp=$(mktemp -d)
pids=""
DISCOVER_ARGS="--resolve-only --timeout 5000"
. "$top/conformance/test/lib_discover.sh"
trap discover_cleanup EXIT
trap 'exit 1' INT TERM

# ---- a test CA and one server certificate for every simulated name -------
cat >"$tmp/san.cnf" <<'EOF'
[req]
distinguished_name=dn
[dn]
[ext]
subjectAltName=DNS:lyncdiscover.contoso.test,DNS:lyncdiscoverinternal.contoso.test,DNS:lyncdiscover.fabrikam.test,DNS:lyncdiscoverinternal.fabrikam.test,DNS:dir01.contoso.test,DNS:dirweb.contoso.test,DNS:pool01.contoso.test,DNS:webext01.contoso.test,DNS:pool02.contoso.test,DNS:webext02.contoso.test
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOF
(
    cd "$tmp" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
            -out ca.pem -subj /CN=mcxlab-discover-test-ca -days 2 &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key \
            -out srv.csr -subj /CN=dir01.contoso.test &&
        openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
            -days 2 -extfile san.cnf -extensions ext &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
            -out other-ca.pem -subj /CN=unrelated-ca -days 2
) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log"; echo "skip: cannot create test certificates"; exit 77; }
CA=$tmp/ca.pem
printf 'secret\n' >"$tmp/pw"
printf 'secret2\n' >"$tmp/pw2"
printf 'not-the-password\n' >"$tmp/badpw"

# start NAME INTERNAL_IP EXTERNAL_IP [mcxd options...]
start() {
    name=$1 in_ip=$2 ex_ip=$3
    shift 3
    start_mcxd "$name" --listen "internal-http=$in_ip:18080" --listen "internal-https=$in_ip:18443" \
        --listen "external-http=$ex_ip:18080" --listen "external-https=$ex_ip:18443" \
        --cert "$tmp/srv.pem" --key "$tmp/srv.key" --now 2026-01-01T00:00:00Z --seed 7 \
        --pidfile "$tmp/$name.pid" "$@"
}

start plain 127.0.3.1 127.0.3.2
start y2013 127.0.3.3 127.0.3.4 --topology "$top/conformance/test/data/topology_2013.xml"
start brokenmcx 127.0.3.5 127.0.3.6 --break mcx-internal
start http302 127.0.3.7 127.0.3.8 --break http-302

# Name mappings: internal names -> the internal listeners, external names ->
# the external listeners of the instance at $1 / $2.
internal_map() {
    for h in lyncdiscoverinternal.contoso.test lyncdiscoverinternal.fabrikam.test \
        dir01.contoso.test pool01.contoso.test pool02.contoso.test; do
        printf ' --connect-to %s:443:%s:18443 --connect-to %s:80:%s:18080' "$h" "$1" "$h" "$1"
    done
}
external_map() {
    for h in lyncdiscover.contoso.test lyncdiscover.fabrikam.test dirweb.contoso.test \
        webext01.contoso.test webext02.contoso.test; do
        printf ' --connect-to %s:443:%s:18443 --connect-to %s:80:%s:18080' "$h" "$1" "$h" "$1"
    done
}
INT1=$(internal_map 127.0.3.1)
EXT1=$(external_map 127.0.3.2)

# ---- internal vantage, no credentials: stop at the 401 --------------------
# shellcheck disable=SC2086
run int_anon 0 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT1 &&
    has int_anon "Candidate 1: https://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test" \
        "Root document, AccessLocation Internal; links: Domain, User" \
        "offered: webticket basic" "Stopped before authentication" \
        "Result: Autodiscover found; the User resource offers webticket basic"

# ---- internal vantage, web ticket and Basic -----------------------------------
for auth in webticket basic auto; do
    # shellcheck disable=SC2086
    run "int_$auth" 0 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT1 \
        --user alice@contoso.test --password-file "$tmp/pw" --auth "$auth" &&
        has "int_$auth" "Follow User-level Redirect (hop 1): https://pool01.contoso.test/Autodiscover/AutodiscoverService.svc/root" \
            "Result: SIP pool01.contoso.test:5061 (SipClientInternalAccess), Mcx https://webext01.contoso.test/Mcx/McxService.svc"
done
has int_webticket "GET https://dir01.contoso.test/WebTicket/WebTicketService.svc/mex" \
    "POST https://dir01.contoso.test/WebTicket/WebTicketService.svc/Auth" "Web ticket issued"
has int_auto "Authenticate with webticket as alice@contoso.test"
has int_basic "Authenticate with basic as alice@contoso.test"
lacks int_basic "WebTicketService.svc/mex"

# ---- external vantage: lyncdiscoverinternal does not resolve --------------------
# shellcheck disable=SC2086
run ext_basic 0 --sip-uri bob@fabrikam.test --vantage external --ca "$CA" $EXT1 \
    --user bob@fabrikam.test --password-file "$tmp/pw2" --auth basic &&
    has ext_basic "lyncdiscoverinternal.fabrikam.test:443 not resolvable: no --resolve/--connect-to entry" \
        "Candidate 3: https://lyncdiscover.fabrikam.test/?sipuri=bob@fabrikam.test" \
        "Root document, AccessLocation External" \
        "Result: SIP sip.contoso.test:443 (SipClientExternalAccess), Mcx https://webext01.contoso.test/Mcx/McxService.svc"
lacks ext_basic "DS-001"

# ---- carol: homed on pool02 -> User-level redirect ---------------------------------
# shellcheck disable=SC2086
run carol 0 --sip-uri carol@contoso.test --vantage external --ca "$CA" $EXT1 \
    --user carol@contoso.test --password-file "$tmp/pw" &&
    has carol "Follow User-level Redirect (hop 1): https://webext02.contoso.test/Autodiscover/AutodiscoverService.svc/root" \
        "Mcx https://webext02.contoso.test/Mcx/McxService.svc"

# ---- dave: homed online -> redirect target unreachable ---------------------------
# shellcheck disable=SC2086
run dave 1 --sip-uri dave@contoso.test --vantage external --ca "$CA" $EXT1 \
    --user dave@contoso.test --password-file "$tmp/pw" --auth basic --format json &&
    has dave '"id": "DS-010"' "https://webdir.online.lync.test/Autodiscover/AutodiscoverService.svc/root"

# ---- erin: not enabled for Lync -> 404 -----------------------------------------
# shellcheck disable=SC2086
run erin 1 --sip-uri erin@contoso.test --vantage internal --ca "$CA" $INT1 \
    --user erin@contoso.test --password-file "$tmp/pw" --auth basic && has erin "DS-011"

# ---- wrong password: AU-001 for Basic and for the web ticket service ---------------
for auth in basic webticket; do
    # shellcheck disable=SC2086
    run "badpw_$auth" 1 --sip-uri bob@fabrikam.test --vantage external --ca "$CA" $EXT1 \
        --user bob@fabrikam.test --password-file "$tmp/badpw" --auth "$auth" &&
        has "badpw_$auth" "AU-001"
done

# ---- --auth oauth against a 2010 server, and the 2013 OAuth flow ------------------
# shellcheck disable=SC2086
run oauth2010 1 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT1 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth oauth && has oauth2010 "AU-002"
EXT13=$(external_map 127.0.3.4)
# shellcheck disable=SC2086
run oauth2013 0 --sip-uri alice@contoso.test --vantage external --ca "$CA" $EXT13 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth oauth &&
    has oauth2013 "Take the OAuth link: https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root/oauth/user" \
        "POST https://dirweb.contoso.test/WebTicket/oauthtoken" "OAuth token issued (cwt=)" \
        "Result: SIP sip.contoso.test:443 (SipClientExternalAccess), Mcx https://webext01.contoso.test/Mcx/McxService.svc"

# ---- redirect limit ------------------------------------------------------------
# shellcheck disable=SC2086
run maxredir 1 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT1 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth basic --max-redirects 0 &&
    has maxredir "DS-009"

# ---- TLS: certificate not trusted -> the name is unusable, fix names the SAN ----
# (the http first hop's body Redirect points at the same https name, so it
# fails the same way and is reported as an unreachable link target)
# shellcheck disable=SC2086
run tls_bad 1 --sip-uri alice@contoso.test --vantage external --ca "$tmp/other-ca.pem" $EXT1 &&
    has tls_bad "tls failure" "DS-002" "DS-010" "SAN=lyncdiscover.contoso.test"

# ---- exit 3: no server reached at all ----------------------------------------------
run nothing 3 --sip-uri alice@contoso.test && has nothing "NET-001"
run refused 3 --sip-uri alice@contoso.test --connect-to ::127.0.3.9:1 && has refused "connect failure" "NET-001"

# ---- exit 2: usage ---------------------------------------------------------------
before=$failures
run usage1 2 --sip-uri alice
run usage2 2 --sip-uri alice@contoso.test --auth kerberos
run usage3 2 --sip-uri alice@contoso.test --user alice@contoso.test
run usage4 2 --sip-uri alice@contoso.test --bogus
[ "$failures" -eq "$before" ] && ok "usage errors exit 2"

# ---- byte-identical output ---------------------------------------------------------
for fmt in text json; do
    for n in 1 2; do
        # shellcheck disable=SC2086
        run "same_${fmt}_$n" 0 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT1 \
            --user alice@contoso.test --password-file "$tmp/pw" --auth webticket --format "$fmt"
    done
    if cmp -s "$tmp/same_${fmt}_1.out" "$tmp/same_${fmt}_2.out"; then
        ok "byte-identical $fmt output"
    else
        fail "$fmt output differs between runs"
        diff "$tmp/same_${fmt}_1.out" "$tmp/same_${fmt}_2.out" | head -n 20
    fi
done

# ---- the checks can fail: deliberately broken servers -------------------------
INT5=$(internal_map 127.0.3.5)
# shellcheck disable=SC2086
run break_mcx 1 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT5 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth basic --format json &&
    has break_mcx '"id": "DS-014"'
# With the topology, the document validator names the same fault (AD-036).
# shellcheck disable=SC2086
run break_mcx_topo 1 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $INT5 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth basic \
    --topology "$top/lib/default_topology.xml" && has break_mcx_topo "AD-036"
# Internal vantage, but lyncdiscoverinternal points at the external web site.
# shellcheck disable=SC2086
run wrong_side 1 --sip-uri alice@contoso.test --vantage internal --ca "$CA" $EXT1 \
    --connect-to lyncdiscoverinternal.contoso.test:443:127.0.3.2:18443 \
    --user alice@contoso.test --password-file "$tmp/pw" --auth basic && has wrong_side "DS-016"
# Only port 80 of lyncdiscover is published: the http first hop answers 302.
run break_302 1 --sip-uri alice@contoso.test --vantage external --ca "$CA" \
    --connect-to lyncdiscover.contoso.test:80:127.0.3.8:18080 --format json &&
    has break_302 '"id": "DS-004"' '"id": "DS-002"'
if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all discover_live checks passed"
exit 0
