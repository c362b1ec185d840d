#!/bin/sh
# gen-many-domains.sh DIR [N] -- write a DNS scenario with N (default 100,
# at most 999) SIP domains in one zone, for scale runs of `mcxcheck dns`:
#   DIR/internal.zone  zone many.test: lyncdiscoverinternal.dNNN CNAME
#                      pool01.dNNN, pool01.dNNN A 192.0.2.x
#   DIR/scenario.xml   the scenario (internal view only, no topology), for
#                      mcxdns --scenario DIR
#   DIR/domains.txt    the SIP domains d001.many.test ..., one a line
# Used by conformance/test/dns_live.sh (every domain answered) and
# bench/run.sh section dns-many (the timing). Owns only these generated
# files; not itself a scenario (the scenario folders of dnsfixtures/ are
# fixed files, and no reader takes this file for one).
set -eu
dir=${1:?usage: gen-many-domains.sh DIR [N]}
n=${2:-100}
case $n in
'' | *[!0-9]*)
    echo "gen-many-domains.sh: N must be a number from 1 to 999, not '$n'" >&2
    exit 2
    ;;
esac
if [ "$n" -lt 1 ] || [ "$n" -gt 999 ]; then
    echo "gen-many-domains.sh: N must be a number from 1 to 999, not '$n'" >&2
    exit 2
fi
mkdir -p "$dir"
{
    printf '$ORIGIN many.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 604800 3600\n'
    i=1
    while [ "$i" -le "$n" ]; do
        printf 'lyncdiscoverinternal.d%03d IN CNAME pool01.d%03d\npool01.d%03d IN A 192.0.2.%d\n' \
            "$i" "$i" "$i" $((i % 250 + 1))
        i=$((i + 1))
    done
} >"$dir/internal.zone"
i=1
while [ "$i" -le "$n" ]; do
    printf 'd%03d.many.test\n' "$i"
    i=$((i + 1))
done >"$dir/domains.txt"
cat >"$dir/scenario.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<dnsScenario xmlns="urn:mcxlab:dns-scenario:1" name="many">
  <description>Many SIP domains in one zone, for timing.</description>
  <topology ref="none"/>
  <sipDomain>d001.many.test</sipDomain>
  <view name="internal">
    <zone file="internal.zone" origin="many.test"/>
  </view>
</dnsScenario>
EOF
