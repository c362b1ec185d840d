#!/bin/sh
# deployment_live.sh -- `mcxcheck deployment` against a lab on 127.0.10.x:
# mcxdns serves the DNS views (from the test topology, or from a scenario
# of conformance/test/data/deployment/), mcxd instances stand for the
# Director's internal web site (127.0.10.11), the reverse proxy
# (127.0.10.40) and a hoster a cross-domain CNAME leads to (127.0.10.60),
# all on one port per run (--https-port/--http-port map 443/80 to it).
#
# Asserts (each "must" / "must not" also run against a broken variant, to
# prove it can fail):
#   good        exit 0, no error finding; text and json reports byte-identical
#               across two runs and equal to the goldens (ports normalised);
#   cert        the Director presents a certificate without
#               lyncdiscoverinternal.*: CT-001 with a Request-CsCertificate fix;
#   cross       lyncdiscover CNAME to hoster.example whose certificate lacks
#               the name: DNS-007, CT-021 and DP-001 naming the certificate;
#               with a covering certificate DP-002 instead;
#   missing     no lyncdiscover record: DNS-002, DP-006 and no external TLS
#               or HTTP step; the internal vantage still runs;
#   usage       no --topology, a bad --connect-to: exit 2; no DNS answer: 3.
# Env: MCXCHECK, MCXD, MCXDNS (default next to MCXD), MCX_TOP, MCX_BUILD.
# MCX_UPDATE_GOLDEN=1 rewrites the goldens. Exit 0 pass, 77 skip, else fail.
# Does not own: the checks (conformance/deployment.c), the fixtures of
# conformance/pki.
set -u
top=${MCX_TOP:-$(pwd)}
build=${MCX_BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
mcxcheck=${MCXCHECK:-$build/mcxcheck}
mcxd=${MCXD:-$build/mcxd}
mcxdns=${MCXDNS:-$(dirname "$mcxd")/mcxdns}
data=$top/conformance/test/data/deployment
pki=$top/conformance/pki
topo=$data/topology.xml
NOW=2026-06-01T00:00:00Z
# One port per run, so parallel runs (make check, SANITIZE=1) do not collide.
P=${MCX_DEPLOYMENT_PORT:-$((30000 + $$ % 10000))}

for f in "$mcxcheck" "$mcxd" "$mcxdns"; do
	if [ ! -x "$f" ]; then
		echo "skip: $f not built"
		exit 77
	fi
done
for c in jq bash openssl; do
	command -v $c >/dev/null 2>&1 || { echo "skip: $c not installed"; exit 77; }
done

work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	if [ "${MCX_KEEP_WORK:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# wait_port ADDR PORT: until something accepts TCP there (5 s at most).
wait_port() {
	i=0
	until bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
	return 0
}

# start_dns NAME ARGS...: mcxdns in the background, waiting for its TCP side.
start_dns() {
	name=$1
	shift
	"$mcxdns" "$@" --quiet >"$work/$name.log" 2>&1 &
	pids="$pids $!"
}

# start_web NAME CERT ADDR [INTERNAL|EXTERNAL]: mcxd with CERT on ADDR:$P
# (https) and ADDR:$((P+1)) (http), as the internal or external web site.
start_web() {
	name=$1 cert=$2 addr=$3 side=$4
	"$mcxd" --topology "$topo" --cert "$pki/$cert" --key "$pki/leaf.key" --now "$NOW" --quiet \
		--listen "$side-https=$addr:$P" --listen "$side-http=$addr:$((P + 1))" \
		--no-listen "$([ "$side" = internal ] && echo external || echo internal)-https" \
		--no-listen "$([ "$side" = internal ] && echo external || echo internal)-http" \
		>"$work/$name.log" 2>&1 &
	pids="$pids $!"
	wait_port "$addr" "$P" || { echo "mcxd $name did not start: $(cat "$work/$name.log")"; exit 1; }
}

# check NAME ARGS...: run mcxcheck deployment; report in $work/NAME.json
# (and .txt), exit code in $work/NAME.rc.
check() {
	name=$1
	shift
	"$mcxcheck" deployment --topology "$topo" --https-port "$P" --http-port "$((P + 1))" \
		--ca "$pki/root.pem" --now "$NOW" --timeout 5000 "$@" --format json \
		>"$work/$name.json" 2>"$work/$name.err"
	echo $? >"$work/$name.rc"
	"$mcxcheck" deployment --topology "$topo" --https-port "$P" --http-port "$((P + 1))" \
		--ca "$pki/root.pem" --now "$NOW" --timeout 5000 "$@" --format text --color never \
		>"$work/$name.txt" 2>>"$work/$name.err"
}

# has NAME ID [SUBJECT]: 0 when the report holds a finding ID (for SUBJECT).
has() {
	jq -e --arg id "$2" --arg s "${3:-}" \
		'[.findings[] | select(.id == $id and ($s == "" or .subject == $s))] | length > 0' \
		"$work/$1.json" >/dev/null
}
must() { has "$@" || fail "$1: $2${3:+ ($3)} missing"; }
must_not() { ! has "$@" || fail "$1: $2${3:+ ($3)} present"; }
# can_fail NAME ID [SUBJECT]: the broken variant NAME must lack ID.
can_fail() { ! has "$@" || fail "assertion cannot fail: $1 also has $2"; }
errors() { jq '[.findings[] | select(.level == "error")] | length' "$work/$1.json"; }
rc() { cat "$work/$1.rc"; }
normalise() { sed -e "s/:$((P + 1))\\b/:HTTP_PORT/g" -e "s/:$P\\b/:HTTPS_PORT/g" -e "s/:$((P + 2))\\b/:DNS_PORT/g" "$1"; }

# ---- the lab ------------------------------------------------------------
D=$((P + 2))
start_dns topo --topology "$topo" --listen internal=127.0.10.53:$D --listen external=127.0.10.54:$D
start_dns cross --scenario "$data/cross-domain" --listen external=127.0.10.56:$D
start_dns missing --scenario "$data/missing-record" --listen internal=127.0.10.57:$D \
	--listen external=127.0.10.58:$D
start_web director lab.pem 127.0.10.11 internal
start_web rp lab.pem 127.0.10.40 external
start_web director-bad no-lyncdiscoverinternal.pem 127.0.10.13 internal
start_web hoster no-lyncdiscover.pem 127.0.10.60 external
start_web hoster-good lab.pem 127.0.10.61 external
for a in 53 54 56 57 58; do
	wait_port 127.0.10.$a $D || { echo "mcxdns on 127.0.10.$a did not start"; exit 1; }
done
both="--dns-internal 127.0.10.53:$D --dns-external 127.0.10.54:$D"

# ---- good deployment: exit 0, goldens ---------------------------------
# shellcheck disable=SC2086
check good $both
[ "$(rc good)" = 0 ] || fail "good: exit $(rc good), expected 0: $(cat "$work/good.err")"
[ "$(errors good)" = 0 ] || fail "good: $(errors good) error finding(s)"
for id in DP-001 DP-003 DP-004 DP-006 CT-001 CT-002 CT-003 CT-021 DNS-001 DNS-002; do
	must_not good $id
done
cp "$work/good.json" "$work/good1.json"
cp "$work/good.txt" "$work/good1.txt"
# shellcheck disable=SC2086
check good $both
cmp -s "$work/good.json" "$work/good1.json" || fail "good: json differs between two runs"
cmp -s "$work/good.txt" "$work/good1.txt" || fail "good: text differs between two runs"
if [ "${MCX_UPDATE_GOLDEN:-0}" = 1 ]; then
	normalise "$work/good.txt" >"$data/good.txt"
	normalise "$work/good.json" >"$data/good.json"
fi
normalise "$work/good.txt" | cmp -s - "$data/good.txt" || {
	fail "good: text report differs from $data/good.txt"
	normalise "$work/good.txt" | diff "$data/good.txt" - | head -20
}
normalise "$work/good.json" | cmp -s - "$data/good.json" || fail "good: json differs from golden"

# ---- the Director's certificate lacks lyncdiscoverinternal.* ----------
# shellcheck disable=SC2086
check cert $both --connect-to "127.0.10.11:443:127.0.10.13:$P"
[ "$(rc cert)" = 1 ] || fail "cert: exit $(rc cert), expected 1"
must cert CT-001 "contoso.test (internal)"
must cert CT-021 "contoso.test (internal)"
jq -e '[.findings[] | select(.id == "CT-001") | .remediation | test("Request-CsCertificate -New -Type WebServicesInternal")] | any' \
	"$work/cert.json" >/dev/null || fail "cert: CT-001 without a Request-CsCertificate fix"
can_fail good CT-001
normalise "$work/cert.txt" | cmp -s - "$data/good.txt" && fail "cert: golden comparison cannot fail"

# ---- cross-domain CNAME, the hoster's certificate lacks the name ------
check cross --dns-external 127.0.10.56:$D --sip-domain contoso.test
[ "$(rc cross)" = 1 ] || fail "cross: exit $(rc cross), expected 1"
must cross DNS-007 "contoso.test (external)"
must cross CT-021 "contoso.test (external)"
must cross DP-001 "contoso.test (external)"
must cross DP-005 internal
must_not cross DP-002
thumb=$(openssl x509 -in "$pki/no-lyncdiscover.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
jq -e --arg t "$thumb" '[.findings[] | select(.id == "DP-001") | (.message | test("thumbprint " + $t)) and (.message | test("CN=pool01.contoso.test")) and (.message | test("CNAME lyncdiscover.hoster.example")) and (.remediation | test("port 80"))] | any' \
	"$work/cross.json" >/dev/null || fail "cross: DP-001 does not name the CNAME chain, the certificate ($thumb) and port 80"
# The same CNAME to a hoster whose certificate covers the name: DP-002.
check cross-ok --dns-external 127.0.10.56:$D --sip-domain contoso.test \
	--connect-to "127.0.10.60:443:127.0.10.61:$P" --connect-to "127.0.10.60:80:127.0.10.61:$((P + 1))"
must cross-ok DP-002 "contoso.test (external)"
must_not cross-ok CT-021
can_fail cross-ok DP-001
can_fail good DNS-007
can_fail cross DP-002

# ---- a DNS record missing: web checks not run -------------------------
check missing --dns-internal 127.0.10.57:$D --dns-external 127.0.10.58:$D --sip-domain contoso.test
[ "$(rc missing)" = 1 ] || fail "missing: exit $(rc missing), expected 1"
must missing DNS-002 "contoso.test (external)"
must missing DP-006 "contoso.test (external)"
must_not missing DP-006 "contoso.test (internal)"
jq -e '[.steps[] | select(.title | test("^GET https?://lyncdiscover\\.contoso\\.test/|SNI lyncdiscover\\.contoso\\.test\\)"))] | length == 0' \
	"$work/missing.json" >/dev/null || fail "missing: an external TLS or HTTP step ran"
jq -e '[.steps[] | select(.outcome == "skip" and (.title | test("TLS and HTTP checks not run")))] | length == 1' \
	"$work/missing.json" >/dev/null || fail "missing: no 'not run' step"
jq -e '[.steps[] | select(.outcome == "ok" and .title == "GET https://lyncdiscoverinternal.contoso.test/")] | length == 1' \
	"$work/missing.json" >/dev/null || fail "missing: the internal vantage did not run"
can_fail good DNS-002
can_fail good DP-006
jq -e '[.steps[] | select(.outcome == "skip" and (.title | test("TLS and HTTP checks not run")))] | length == 0' \
	"$work/good.json" >/dev/null || fail "good: a 'not run' step"

# ---- usage and environment --------------------------------------------
"$mcxcheck" deployment --dns-internal 127.0.10.53:$D >/dev/null 2>"$work/u1.err"
[ $? = 2 ] || fail "no --topology: expected exit 2"
grep -q -- "--topology is required" "$work/u1.err" || fail "no --topology: message: $(cat "$work/u1.err")"
"$mcxcheck" deployment --topology "$topo" --dns-internal 127.0.10.53:$D --connect-to x:443 \
	>/dev/null 2>"$work/u2.err"
[ $? = 2 ] || fail "bad --connect-to: expected exit 2"
grep -q "HOST:PORT:ADDR:PORT" "$work/u2.err" || fail "bad --connect-to: message: $(cat "$work/u2.err")"
"$mcxcheck" deployment --topology "$topo" --dns-internal 127.0.10.59:$D --timeout 200 --tries 1 \
	>/dev/null 2>&1
[ $? = 3 ] || fail "no DNS server answering: expected exit 3"

if [ $fails -ne 0 ]; then
	echo "deployment_live: $fails failure(s)"
	exit 1
fi
echo "deployment_live: ok"
exit 0
