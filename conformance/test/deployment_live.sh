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
#   issuing-ca  --issuing-ca fills -Ca of the fixes (no "<ca>" left);
#   arec        a Director certificate without lyncdiscover.contoso.test and
#               an external A record: no CT-002 (also in the internal
#               vantage); with the external CNAME: CT-002;
#   tls10       a TLS 1.0-only nginx: modern CT-022; --tls-profile compat
#               reports what each profile saw, checks the chain, and the
#               HTTPS GET (DP-003 on any TLS failure of the GET, too);
#   stall/plain a server that stalls the handshake: CT-023 within
#               --timeout; plain HTTP on the TLS port: CT-024;
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
# start_staller (conformance/test/lib_tls.sh)
. "$top/conformance/test/lib_tls.sh"
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
start_web director-nold no-lyncdiscover.pem 127.0.10.14 internal
start_dns arec --scenario "$data/a-record" --listen internal=127.0.10.62:$D --listen external=127.0.10.63:$D
for a in 53 54 56 57 58 62 63; do
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
# The other three formats of the same deployment, twice each as well.
for fmt in jsonl junit tap; do
	ext=$fmt
	[ "$fmt" = junit ] && ext=xml
	for n in 1 2; do
		# shellcheck disable=SC2086
		"$mcxcheck" deployment --topology "$topo" --https-port "$P" --http-port "$((P + 1))" \
			--ca "$pki/root.pem" --now "$NOW" --timeout 5000 $both --format "$fmt" \
			>"$work/good$n.$ext" 2>/dev/null
	done
	cmp -s "$work/good1.$ext" "$work/good2.$ext" || fail "good: $fmt differs between two runs"
	cp "$work/good1.$ext" "$work/good.$ext"
done
for ext in txt json jsonl xml tap; do
	[ "${MCX_UPDATE_GOLDEN:-0}" = 1 ] && normalise "$work/good.$ext" >"$data/good.$ext"
	normalise "$work/good.$ext" | cmp -s - "$data/good.$ext" || {
		fail "good: $ext report differs from $data/good.$ext"
		normalise "$work/good.$ext" | diff "$data/good.$ext" - | head -20
	}
done

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

# The HTTPS GET that follows does not fail silently: the client refuses
# the certificate, DP-003 says so.
jq -e '[.findings[] | select(.id == "DP-003" and .subject == "contoso.test (internal)") | .message | test("tls failure")] | any' \
	"$work/cert.json" >/dev/null || fail "cert: the HTTPS GET's TLS failure is not a DP-003 finding"
can_fail good DP-003

# ---- --issuing-ca: the fixes name the CA, no placeholder ----------------
# shellcheck disable=SC2086
check cert-ca $both --connect-to "127.0.10.11:443:127.0.10.13:$P" --issuing-ca 'dc01.contoso.test\contoso-CA'
jq -e '[.findings[] | select(.id == "CT-001") | .remediation | test("-Ca dc01\\.contoso\\.test\\\\contoso-CA -DomainName")] | any' \
	"$work/cert-ca.json" >/dev/null || fail "cert-ca: the fix does not carry --issuing-ca"
jq -e '[.findings[] | .remediation // "" | test("<ca>")] | any | not' "$work/cert-ca.json" >/dev/null \
	|| fail "cert-ca: a fix still says <ca>"
jq -e '[.findings[] | .remediation // "" | test("<ca>")] | any' "$work/cert.json" >/dev/null \
	|| fail "assertion cannot fail: without --issuing-ca the fix has no <ca> either"

# ---- the Director's A-record exception (seed: Certificate Requirements) --
# A Director certificate without lyncdiscover.contoso.test: no CT-002 when
# the external view answers an A record, CT-002 when it answers a CNAME --
# in the internal vantage too, which takes the record from the external view.
check arec --dns-internal 127.0.10.62:$D --dns-external 127.0.10.63:$D --sip-domain contoso.test \
	--connect-to "127.0.10.11:443:127.0.10.14:$P"
must_not arec CT-002
must arec CT-004 "contoso.test (internal)"
jq -e '[.steps[] | select(.title | test("checked as director.*external lyncdiscover record: contoso.test A\\)"))] | length == 1' \
	"$work/arec.json" >/dev/null || fail "arec: the certificate step does not say the external record is A"
check arec-cname $both --sip-domain contoso.test --connect-to "127.0.10.11:443:127.0.10.14:$P"
must arec-cname CT-002 "contoso.test (internal)"
can_fail arec CT-002

# ---- --tls-profile against a TLS 1.0-only nginx ----------------------
# modern: CT-022, no compat step, no HTTPS GET. compat: what each profile
# saw (modern: protocol-version; compat: TLSv1 and the chain), CT-022, the
# certificate checked as the Director's, and the HTTPS GET made with compat.
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
	mkdir -p "$work/nginx/logs"
	cat >"$work/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $work/nginx/nginx.pid; error_log $work/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.10.72:$P ssl; ssl_certificate $pki/lab.pem; ssl_certificate_key $pki/leaf.key;
    ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0; location / { return 200 "legacy\n"; } }
}
EOF
	"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" \
		>"$work/nginx/out" 2>&1 &
	pids="$pids $!"
	wait_port 127.0.10.72 "$P" || fail "nginx (TLS 1.0 only) did not start: $(cat "$work/nginx/out")"
	tls10="--dns-internal 127.0.10.53:$D --sip-domain contoso.test --connect-to 127.0.10.11:443:127.0.10.72:$P"
	# shellcheck disable=SC2086
	check tls10 $tls10
	# shellcheck disable=SC2086
	check tls10c $tls10 --tls-profile compat
	step() { jq -e --arg re "$2" '[.steps[] | select(.title | test($re))] | length > 0' "$work/$1.json" >/dev/null; }
	must tls10 CT-022 "contoso.test (internal)"
	step tls10 ' modern \(SNI lyncdiscoverinternal.contoso.test\): protocol-version' \
		|| fail "tls10: no modern protocol-version step"
	! step tls10 ' compat ' || fail "tls10: a compat step without --tls-profile compat"
	! step tls10 '^GET https://' || fail "tls10: an HTTPS GET although no TLS version was in common"
	must tls10c CT-022 "contoso.test (internal)"
	step tls10c ' modern \(SNI lyncdiscoverinternal.contoso.test\): protocol-version' \
		|| fail "tls10c: the report does not say what modern saw"
	step tls10c ' compat \(SNI lyncdiscoverinternal.contoso.test\): TLSv1, cipher .*, 2 certificate' \
		|| fail "tls10c: the report does not say compat negotiated TLSv1 and the chain"
	step tls10c '^certificate [0-9A-F]{40} checked as director' \
		|| fail "tls10c: the presented certificate was not checked"
	jq -e '[.findings[] | select(.id == "DP-003") | .message | test("Content-Type text/plain")] | any' \
		"$work/tls10c.json" >/dev/null || fail "tls10c: the HTTPS GET did not reach nginx with compat"
	can_fail good CT-022
else
	fail "nginx not installed: the --tls-profile case cannot run"
fi

# ---- a stalled TLS server, plain HTTP on the TLS port -----------------
# (the findings cert --connect gives: CT-023, CT-024)
if command -v python3 >/dev/null 2>&1; then
	start_staller 127.0.10.71 "$P"
	wait_port 127.0.10.71 "$P" || fail "staller did not start"
	t0=$(date +%s)
	"$mcxcheck" deployment --topology "$topo" --https-port "$P" --http-port "$((P + 1))" \
		--ca "$pki/root.pem" --now "$NOW" --timeout 1500 --dns-internal 127.0.10.53:$D \
		--sip-domain contoso.test --connect-to "127.0.10.11:443:127.0.10.71:$P" --format json \
		>"$work/stall.json" 2>"$work/stall.err"
	echo $? >"$work/stall.rc"
	t1=$(date +%s)
	must stall CT-023 "contoso.test (internal)"
	[ "$(rc stall)" = 1 ] || fail "stall: exit $(rc stall), expected 1"
	[ $((t1 - t0)) -le 8 ] || fail "stall: took $((t1 - t0)) s with --timeout 1500"
	can_fail good CT-023
else
	fail "python3 not installed: the stalled-server case cannot run"
fi
# shellcheck disable=SC2086
check plain --dns-internal 127.0.10.53:$D --sip-domain contoso.test \
	--connect-to "127.0.10.11:443:127.0.10.11:$((P + 1))"
must plain CT-024 "contoso.test (internal)"
[ "$(rc plain)" = 1 ] || fail "plain: exit $(rc plain), expected 1"
can_fail good CT-024

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
