#!/bin/sh
# mkcert.sh OUTDIR -- make a throw-away test CA and one server certificate
# whose subjectAltName covers every name of the embedded default deployment
# (lib/default_topology.xml): lyncdiscover.<d> and lyncdiscoverinternal.<d>
# for both SIP domains, every pool's internal and external web FQDN, the
# reverse proxy and sip.contoso.test, and webdir.online.lync.test.
# Writes OUTDIR/ca.pem, OUTDIR/server.pem (leaf then CA), OUTDIR/server.key.
# Owns: test certificates only (used by refimpl tests and `make demo`); never
# for production. Does not own: the names (the topology engineer's file).
set -eu
out=${1:?usage: mkcert.sh OUTDIR}
command -v openssl >/dev/null 2>&1 || { echo "mkcert: openssl not found" >&2; exit 3; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

names="lyncdiscover.contoso.test lyncdiscoverinternal.contoso.test
lyncdiscover.fabrikam.test lyncdiscoverinternal.fabrikam.test
dir01.contoso.test dirweb.contoso.test
pool01.contoso.test webext01.contoso.test
pool02.contoso.test webext02.contoso.test
rp.contoso.test sip.contoso.test webdir.online.lync.test"
san=""
for n in $names; do san="${san:+$san,}DNS:$n"; done

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
	-keyout "$tmp/ca.key" -out "$tmp/ca.pem" -subj "/CN=mcxlab Test Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/log" \
	|| { cat "$tmp/log" >&2; exit 3; }
openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$tmp/server.key" -out "$tmp/server.csr" \
	-subj "/CN=lyncdiscover.contoso.test" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 3; }
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
	"$san" >"$tmp/leaf.ext"
openssl x509 -req -sha256 -days 30 -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
	-CAcreateserial -out "$tmp/leaf.pem" -extfile "$tmp/leaf.ext" 2>"$tmp/log" \
	|| { cat "$tmp/log" >&2; exit 3; }
cp "$tmp/ca.pem" "$out/ca.pem"
cat "$tmp/leaf.pem" "$tmp/ca.pem" >"$out/server.pem"
cp "$tmp/server.key" "$out/server.key"
chmod 600 "$out/server.key"
