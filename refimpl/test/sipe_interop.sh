#!/bin/sh
# sipe_interop.sh -- interop of mcxd with a real Lync autodiscover client,
# pidgin-sipe, through the shared harness (shared/interop/sipe/sipe-demo.sh):
# sipe runs headless in a private network namespace where
# lyncdiscoverinternal/lyncdiscover/pool/sip.contoso.test resolve to
# 127.0.0.1; mcxd serves there on 127.0.0.1:80 (internal-http) and :443
# (internal-https) with the harness's certificate.
# Passes only if sipe completed autodiscover -- including authentication to
# the User resource (200 on .../root/user) -- and picked a SIP server.
# Skips (77) when not root, without `ip netns`, or without pidgin-sipe and
# the harness's build tools.
# Env: MCXD, MCX_TOP. Owns nothing but this test.
#
# The harness's DNS and certificate know only the four names above, so the
# test serves a one-pool topology whose internal web FQDN is
# pool.contoso.test and external web FQDN sip.contoso.test (written below).
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
demo=${SIPE_DEMO:-$top/../shared/interop/sipe/sipe-demo.sh}

[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespace)"; exit 77; }
command -v ip >/dev/null 2>&1 && ip netns list >/dev/null 2>&1 \
	|| { echo "skip: 'ip netns' not available"; exit 77; }
[ -f "$demo" ] || { echo "skip: sipe harness not found at $demo"; exit 77; }
[ -x "$mcxd" ] || { echo "skip: mcxd not built ($mcxd)"; exit 77; }
dpkg-query -W -f='${Status}' pidgin-sipe 2>/dev/null | grep -q 'install ok installed' \
	|| { echo "skip: pidgin-sipe not installed (apt-get install pidgin-sipe)"; exit 77; }
for tool in dnsmasq openssl gcc pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed (sipe harness)"; exit 77; }
done
pkg-config --exists purple glib-2.0 2>/dev/null \
	|| { echo "skip: libpurple-dev/libglib2.0-dev missing (sipe harness)"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cat >"$work/topology.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<topology xmlns="urn:mcxlab:topology:1" profile="2010cu4">
  <sipDomain>contoso.test</sipDomain>
  <pool id="pool.contoso.test" role="frontend">
    <internalWeb fqdn="pool.contoso.test" ip="127.0.0.1" httpPort="80" httpsPort="443"/>
    <externalWeb fqdn="sip.contoso.test" ip="127.0.0.1" httpPort="8080" httpsPort="4443"/>
    <mcx sipPrimaryListeningPort="5086" sipExternalListeningPort="5087"/>
    <sipAccess serverInternal="pool.contoso.test:5061" clientInternal="pool.contoso.test:5061"
               serverExternal="sip.contoso.test:443" clientExternal="sip.contoso.test:443"/>
  </pool>
  <user sipUri="alice@contoso.test" password="secret" homePool="pool.contoso.test"
        enabled="true" enterpriseVoice="true"/>
  <mcxConfiguration exposedWebUrl="External" sessionExpirationInterval="259200"
                    sessionShortExpirationInterval="3600"/>
  <authentication basic="true" webTicketLifetime="28800" oauthLifetime="28800"
                  serverFqdnHeader="false"/>
</topology>
EOF
"$mcxd" --topology "$work/topology.xml" --check-config >/dev/null 2>"$work/check.err" \
	|| { cat "$work/check.err"; echo "FAIL: interop topology rejected"; exit 1; }

# TARGET runs inside the namespace (sh -c "exec $TARGET"); $CERT and $KEY
# are set by the harness there, so they stay unexpanded here.
target="'$mcxd' --topology '$work/topology.xml' --listen internal-http=127.0.0.1:80 \
--listen internal-https=127.0.0.1:443 --no-listen external-http --no-listen external-https \
--cert \"\$CERT\" --key \"\$KEY\" --seed 1"
TARGET=$target timeout 120 sh "$demo" >"$work/out" 2>&1
rc=$?
cat "$work/out"
[ "$rc" = 0 ] || { echo "FAIL: sipe-demo.sh exited $rc"; exit 1; }
grep -q '^PROBE: autodiscover result: sip server' "$work/out" \
	|| { echo "FAIL: sipe did not pick a SIP server"; exit 1; }
grep -Eq 'internal-https GET /[Aa]utodiscover/[Aa]utodiscover[Ss]ervice\.svc/root/user 200 ' "$work/out" \
	|| { echo "FAIL: sipe never got a 200 from the User resource (authentication)"; exit 1; }
echo "sipe_interop: sipe completed autodiscover with authentication against mcxd"
exit 0
