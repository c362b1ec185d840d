#!/bin/sh
# generate.sh [OUTDIR] -- regenerate the fixture PKI of `mcxcheck cert`
# (conformance/pki/*.pem, *.key) with the openssl command line only.
#
# Owns: the fixture certificates -- a root CA, an intermediate CA and one
# server certificate per role of the default deployment
# (lib/default_topology.xml: SIP domains contoso.test and fabrikam.test,
# Director dir01/dirweb, Front End pool01/webext01 and pool02/webext02,
# reverse proxy rp.contoso.test), plus the broken variants listed in
# README.md. Does not own: the expected findings (expected.txt, written by
# hand) nor the checker (lib/cert_check.c).
#
# Every certificate is valid 2025-01-01 .. 2045-01-01 unless the variant is
# about validity, and serials are fixed, so checks at a fixed --at are
# deterministic. Keys are fresh on each run: regenerating changes every
# signature and thumbprint, so it is a deliberate, committed step, never part
# of `make check`:   sh conformance/pki/generate.sh
#
# generate.sh --lab [OUTDIR] only (re)writes lab.pem: one leaf covering every
# name `make demo` and mcxd's HTTPS listeners use, signed by the EXISTING
# intermediate.pem/.key with the existing leaf.key, so the other fixtures and
# their thumbprints (expected.txt) stay as committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=all
if [ "${1:-}" = --lab ]; then
    mode=lab
    shift
fi
out=${1:-$here}
command -v openssl >/dev/null 2>&1 || { echo "generate.sh: openssl not found" >&2; exit 3; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

START=20250101000000Z
END=20450101000000Z
CRL="URI:http://pki.contoso.test/intermediate.crl"

cat >"$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = fixture
[ fixture ]
dir = $tmp
database = $tmp/index.txt
new_certs_dir = $tmp/new
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ any ]
commonName = optional
organizationName = optional
CNF
mkdir -p "$tmp/new"

key_rsa() { # file bits
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null
}

# sign NAME SERIAL SUBJECT SIGNERKEY SIGNERCERT|self KEY EXTLINES [start end md]
# Writes $tmp/NAME.pem. EXTLINES is the extension section, one per line.
sign() {
    name=$1 serial=$2 subj=$3 cakey=$4 cacert=$5 key=$6 ext=$7
    start=${8:-$START} end=${9:-$END} md=${10:-sha256}
    : >"$tmp/index.txt"
    echo "$serial" >"$tmp/serial"
    printf '%s\n' "$ext" >"$tmp/$name.ext"
    openssl req -new -key "$key" -subj "$subj" -out "$tmp/$name.csr" 2>"$tmp/log" \
        || { cat "$tmp/log" >&2; exit 1; }
    if [ "$cacert" = self ]; then
        set -- -selfsign
    else
        set -- -cert "$cacert"
    fi
    openssl ca -batch -notext -config "$tmp/ca.cnf" "$@" -keyfile "$cakey" \
        -in "$tmp/$name.csr" -out "$tmp/$name.pem" -subj "$subj" -md "$md" \
        -startdate "$start" -enddate "$end" -extfile "$tmp/$name.ext" 2>"$tmp/log" \
        || { cat "$tmp/log" >&2; exit 1; }
}

if [ "$mode" = all ]; then
# ---- keys ----------------------------------------------------------------
key_rsa "$out/root.key" 2048
key_rsa "$out/intermediate.key" 2048
key_rsa "$out/leaf.key" 2048
key_rsa "$out/rsa1024.key" 1024
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ecdsa-p256.key" 2>/dev/null
chmod 600 "$out"/*.key

# ---- CAs -----------------------------------------------------------------
sign root 01 "/O=mcxlab fixtures/CN=mcxlab Fixture Root CA" "$out/root.key" self "$out/root.key" \
"basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"
cp "$tmp/root.pem" "$out/root.pem"

sign intermediate 02 "/O=mcxlab fixtures/CN=mcxlab Fixture Issuing CA" "$out/root.key" "$out/root.pem" \
    "$out/intermediate.key" \
"basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=$CRL"
cp "$tmp/intermediate.pem" "$out/intermediate.pem"
fi

# ---- leaves --------------------------------------------------------------
# leaf FILE SERIAL CN SANS [EKU] [CRL] [KEY] [START END MD] [SIGNER=int|self]
# SANS is a comma list of DNS names ("" = no subjectAltName extension).
# Output: $out/FILE = leaf then intermediate (what a server sends), except
# for SIGNER=self (the leaf alone).
leaf() {
    file=$1 serial=$2 cn=$3 sans=$4
    eku=${5:-serverAuth} crl=${6:-yes} key=${7:-$out/leaf.key}
    lstart=${8:-$START} lend=${9:-$END} lmd=${10:-sha256} signer=${11:-int}
    ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$eku
subjectKeyIdentifier=hash"
    if [ "$signer" = int ]; then
        ext="$ext
authorityKeyIdentifier=keyid"
    fi
    if [ "$crl" = yes ]; then
        ext="$ext
crlDistributionPoints=$CRL"
    fi
    if [ -n "$sans" ]; then
        list=""
        for n in $(echo "$sans" | tr ',' ' '); do list="${list:+$list,}DNS:$n"; done
        ext="$ext
subjectAltName=$list"
    fi
    base=${file%.pem}
    if [ "$signer" = self ]; then
        sign "$base" "$serial" "/O=mcxlab fixtures/CN=$cn" "$key" self "$key" "$ext" \
            "$lstart" "$lend" "$lmd"
        cp "$tmp/$base.pem" "$out/$file"
    else
        sign "$base" "$serial" "/O=mcxlab fixtures/CN=$cn" "$out/intermediate.key" \
            "$out/intermediate.pem" "$key" "$ext" "$lstart" "$lend" "$lmd"
        cat "$tmp/$base.pem" "$out/intermediate.pem" >"$out/$file"
    fi
}

AD_C="lyncdiscoverinternal.contoso.test,lyncdiscover.contoso.test"
AD_F="lyncdiscoverinternal.fabrikam.test,lyncdiscover.fabrikam.test"
DIR="dir01.contoso.test,dirweb.contoso.test"
FE1="pool01.contoso.test,webext01.contoso.test"
RP="rp.contoso.test,lyncdiscover.contoso.test,lyncdiscover.fabrikam.test,dirweb.contoso.test,webext01.contoso.test,webext02.contoso.test"

# The lab certificate: every name of the default deployment (mcxd, make demo).
leaf lab.pem 1060 lyncdiscover.contoso.test \
    "$AD_C,$AD_F,$DIR,$FE1,pool02.contoso.test,webext02.contoso.test,rp.contoso.test,sip.contoso.test,webdir.online.lync.test"
if [ "$mode" = lab ]; then
    echo "generate.sh: wrote $out/lab.pem"
    exit 0
fi

# Good certificates, one per role.
leaf director.pem 1001 dir01.contoso.test "$DIR,$AD_C,$AD_F"
leaf frontend.pem 1002 pool01.contoso.test "$FE1,$AD_C,$AD_F"
leaf reverse-proxy.pem 1003 rp.contoso.test "$RP"
# Autodiscover SANs missing.
leaf no-lyncdiscover.pem 1010 pool01.contoso.test \
    "$FE1,lyncdiscoverinternal.contoso.test,lyncdiscoverinternal.fabrikam.test"
leaf no-lyncdiscoverinternal.pem 1011 pool01.contoso.test \
    "$FE1,lyncdiscover.contoso.test,lyncdiscover.fabrikam.test"
leaf missing-sip-domain.pem 1012 pool01.contoso.test "$FE1,$AD_C"
leaf no-webext.pem 1013 pool01.contoso.test "pool01.contoso.test,$AD_C,$AD_F"
# Wildcards: *.<sipdomain> is accepted; the others must not match.
leaf wildcard.pem 1020 pool01.contoso.test "*.contoso.test,*.fabrikam.test"
leaf wildcard-sub.pem 1021 pool01.contoso.test "$FE1,*.sub.contoso.test,*.sub.fabrikam.test"
leaf wildcard-tld.pem 1022 pool01.contoso.test "$FE1,*.test"
leaf wildcard-partial.pem 1023 pool01.contoso.test "$FE1,lync*.contoso.test,lync*.fabrikam.test"
# Names only in the subject CN.
leaf cn-only.pem 1030 lyncdiscover.contoso.test ""
# Spelling of names.
leaf upper-case.pem 1031 POOL01.CONTOSO.TEST \
    "POOL01.CONTOSO.TEST,WEBEXT01.CONTOSO.TEST,LYNCDISCOVERINTERNAL.CONTOSO.TEST,LYNCDISCOVER.CONTOSO.TEST,LyncDiscoverInternal.Fabrikam.Test,LyncDiscover.Fabrikam.Test"
leaf trailing-dot.pem 1032 pool01.contoso.test \
    "pool01.contoso.test.,webext01.contoso.test.,lyncdiscoverinternal.contoso.test.,lyncdiscover.contoso.test.,lyncdiscoverinternal.fabrikam.test.,lyncdiscover.fabrikam.test."
# Validity, purpose, algorithms.
leaf expired.pem 1040 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "" \
    "$START" 20260101000000Z
leaf not-yet-valid.pem 1041 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "" \
    20300101000000Z "$END"
leaf no-serverauth.pem 1042 pool01.contoso.test "$FE1,$AD_C,$AD_F" clientAuth
leaf sha1.pem 1043 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "" "" "" sha1
leaf rsa1024.pem 1044 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "$out/rsa1024.key"
leaf ecdsa-p256.pem 1045 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "$out/ecdsa-p256.key"
leaf no-crldp.pem 1046 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth no
# Chain problems.
leaf self-signed.pem 1050 pool01.contoso.test "$FE1,$AD_C,$AD_F" serverAuth yes "" "" "" "" self
openssl x509 -in "$out/frontend.pem" -out "$out/leaf-only.pem"
# DER form of the good Front End leaf (the loader takes PEM or DER).
openssl x509 -in "$out/frontend.pem" -outform DER -out "$out/frontend.der"
echo "generate.sh: wrote fixtures to $out"
