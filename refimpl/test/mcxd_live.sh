#!/bin/sh
# mcxd_live.sh -- integration test of a running mcxd over loopback
# (127.0.2.21 internal side, 127.0.2.22 external side, high ports): Root,
# Domain and User over HTTP and HTTPS with curl --connect-to (so Host and SNI
# are the real names), keep-alive, an oversized header (431, then the server
# still serves), HEAD, the no-content-length deviation, SIGHUP with a bad then
# a good topology, and SIGTERM stopping within 2 s.
# Env: MCXD (binary), MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
# Owns nothing but this test.
set -u
top=${MCX_TOP:-$(pwd)}
mcxd=${MCXD:-$top/build/mcxd}
for tool in curl openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done
[ -x "$mcxd" ] || { echo "skip: mcxd not built ($mcxd)"; exit 77; }

IN=127.0.2.21
EX=127.0.2.22
HP=28080
SP=28443
work=$(mktemp -d)
pid=""
pid2=""
cleanup() {
	for p in $pid $pid2; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	[ -f "$work/mcxd.err" ] && sed 's/^/  mcxd| /' "$work/mcxd.err" | tail -n 30
	exit 1
}

sh "$top/ci/mkcert.sh" "$work/pki" || fail "mkcert.sh failed"
cp "$top/lib/default_topology.xml" "$work/topo.xml" || fail "no lib/default_topology.xml"

start_mcxd() { # extra args...
	"$mcxd" --topology "$work/topo.xml" \
		--listen "internal-http=$IN:$HP" --listen "internal-https=$IN:$SP" \
		--listen "external-http=$EX:$HP" --listen "external-https=$EX:$SP" \
		--cert "$work/pki/server.pem" --key "$work/pki/server.key" \
		--now 2026-01-01T00:00:00Z --seed 7 "$@" >>"$work/mcxd.out" 2>>"$work/mcxd.err" &
	started=$!
}

wait_ready() { # url-args...
	i=0
	while [ $i -lt 50 ]; do
		curl -s -o /dev/null --max-time 1 "http://$EX:$HP/" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

XML='Accept: application/vnd.microsoft.rtc.autodiscover+xml;v=1'
CT_XML='application/vnd.microsoft.rtc.autodiscover+xml; v=1'
ALICE='alice@contoso.test:secret'
# c NAME PORT ADDR URL [curl args...]: fetch with Host/SNI = NAME, save headers+body.
c() {
	name=$1 port=$2 addr=$3 url=$4
	shift 4
	curl -sS --max-time 5 --cacert "$work/pki/ca.pem" --connect-to "$name:$port:$addr:$(
		[ "$port" = 443 ] && echo $SP || echo $HP)" -D "$work/h" -o "$work/b" \
		-w '%{http_code}' "$@" "$url"
}
hdr() { tr -d '\r' <"$work/h" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }

start_mcxd --pidfile "$work/mcxd.pid"
pid=$started
wait_ready || fail "mcxd did not start"
[ "$(cat "$work/mcxd.pid")" = "$pid" ] || fail "pidfile does not hold the server's pid"

# --- Root over HTTPS, external and internal side --------------------------
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/?sipuri=alice@contoso.test' -H "$XML")
[ "$code" = 200 ] || fail "external https Root: $code"
[ "$(hdr Content-Type)" = "$CT_XML" ] || fail "Root content type: $(hdr Content-Type)"
[ "$(hdr Content-Length)" = "$(wc -c <"$work/b" | tr -d ' ')" ] || fail "Root Content-Length"
grep -q 'AccessLocation="External"' "$work/b" || fail "Root not External"
grep -q 'token="User" href="https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root/user"' "$work/b" \
	|| fail "Root User link: $(cat "$work/b")"
cp "$work/b" "$work/root1"

code=$(c lyncdiscoverinternal.contoso.test 443 $IN 'https://lyncdiscoverinternal.contoso.test/?sipuri=alice@contoso.test' -H "$XML")
[ "$code" = 200 ] || fail "internal https Root: $code"
grep -q 'AccessLocation="Internal"' "$work/b" || fail "Root not Internal"
grep -q 'href="https://dir01.contoso.test/Autodiscover/AutodiscoverService.svc/root/domain"' "$work/b" \
	|| fail "internal Root Domain link"

# Byte-identical responses (deterministic mode).
c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/?sipuri=alice@contoso.test' -H "$XML" >/dev/null
cmp -s "$work/b" "$work/root1" || fail "two identical requests gave different bodies"

# --- Root over plain HTTP: a single Redirect to https -----------------------
code=$(c lyncdiscover.contoso.test 80 $EX 'http://lyncdiscover.contoso.test/?sipuri=alice@contoso.test' -H "$XML")
[ "$code" = 200 ] || fail "http Root: $code"
[ "$(grep -c '<Link ' "$work/b")" = 1 ] || fail "http Root must hold exactly one link"
grep -q 'token="Redirect" href="https://lyncdiscover.contoso.test/Autodiscover/AutodiscoverService.svc/root?sipuri=alice@contoso.test"' "$work/b" \
	|| fail "http Root Redirect: $(cat "$work/b")"

# --- Domain -------------------------------------------------------------
code=$(c dirweb.contoso.test 443 $EX 'https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root/domain' -H "$XML")
[ "$code" = 200 ] || fail "Domain: $code"
grep -q 'token="External/Autodiscover"' "$work/b" || fail "Domain links"

# --- User: 401, then Basic on the Director (redirect) and on pool01 ---------
code=$(c dirweb.contoso.test 443 $EX 'https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root/user' -H "$XML")
[ "$code" = 401 ] || fail "User without credentials: $code"
hdr X-MS-WebTicketURL | grep -q '^https://' || fail "401 without X-MS-WebTicketURL"
code=$(c dirweb.contoso.test 443 $EX 'https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root/user' -H "$XML" -u "$ALICE")
[ "$code" = 200 ] || fail "User on the Director: $code"
[ "$(grep -c '<Link ' "$work/b")" = 1 ] || fail "User on the Director must be one Redirect"
grep -q 'token="Redirect" href="https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root"' "$work/b" \
	|| fail "User redirect: $(cat "$work/b")"
code=$(c webext01.contoso.test 443 $EX 'https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root/user' -H "$XML" -u "$ALICE")
[ "$code" = 200 ] || fail "User on pool01: $code"
grep -q 'token="Internal/Mcx" href="https://webext01.contoso.test/Mcx/McxService.svc"' "$work/b" || fail "Internal/Mcx"
grep -q 'SipClientExternalAccess' "$work/b" || fail "User SipAccess"
code=$(c webext01.contoso.test 443 $EX 'https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root/user' -H "$XML" -u 'erin@contoso.test:secret')
[ "$code" = 404 ] || fail "disabled user: $code"
[ ! -s "$work/b" ] || fail "404 for unknown user must have an empty body"
code=$(c webext01.contoso.test 80 $EX 'http://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root/user' -H "$XML")
[ "$code" = 200 ] || fail "User over http: $code"
grep -q 'token="Redirect" href="https://webext01.contoso.test/Autodiscover/AutodiscoverService.svc/root"' "$work/b" \
	|| fail "User over http redirect"

# --- TLS: 1.2 and 1.3 accepted, 1.1 refused -------------------------------
for v in 1.2 1.3; do
	curl -sS --max-time 5 -o /dev/null --cacert "$work/pki/ca.pem" --tlsv$v --tls-max $v \
		--connect-to "lyncdiscover.contoso.test:443:$EX:$SP" https://lyncdiscover.contoso.test/ \
		|| fail "TLS $v refused"
done
if curl -s --max-time 5 -o /dev/null --cacert "$work/pki/ca.pem" --tlsv1.1 --tls-max 1.1 \
	--connect-to "lyncdiscover.contoso.test:443:$EX:$SP" https://lyncdiscover.contoso.test/ 2>/dev/null; then
	fail "TLS 1.1 accepted"
fi

# --- keep-alive: two requests on one connection, both answered -------------
curl -sS -v --max-time 5 --cacert "$work/pki/ca.pem" -H "$XML" \
	--connect-to "lyncdiscover.contoso.test:443:$EX:$SP" \
	-o "$work/ka1" https://lyncdiscover.contoso.test/ -o "$work/ka2" \
	https://lyncdiscover.contoso.test/Autodiscover/AutodiscoverService.svc/root/domain 2>"$work/ka.err" \
	|| fail "keep-alive requests failed"
grep -qi 'Re-using existing connection' "$work/ka.err" || fail "connection was not kept alive"
grep -q '<Root>' "$work/ka1" && grep -q '<Domain>' "$work/ka2" || fail "keep-alive bodies"

# --- pipelining: two requests written at once, two answers in order -------
printf 'GET /?sipuri=alice@contoso.test HTTP/1.1\r\nHost: lyncdiscover.contoso.test\r\nAccept: application/vnd.microsoft.rtc.autodiscover+xml;v=1\r\n\r\nGET /autodiscover/autodiscoverservice.svc/root/domain HTTP/1.1\r\nHost: lyncdiscover.contoso.test\r\nAccept: application/vnd.microsoft.rtc.autodiscover+xml;v=1\r\nConnection: close\r\n\r\n' \
	| curl -s --max-time 3 telnet://$EX:$HP >"$work/pipe" 2>/dev/null
[ "$(grep -c '^HTTP/1.1 200 OK' "$work/pipe")" = 2 ] || fail "pipelined requests: $(head -c 300 "$work/pipe")"
grep -q '<Root>' "$work/pipe" && grep -q '<Domain>' "$work/pipe" || fail "pipelined bodies"

# --- HTTP/1.0 without Host: served by the autodiscover pool ---------------
printf 'GET / HTTP/1.0\r\nAccept: application/vnd.microsoft.rtc.autodiscover+xml;v=1\r\n\r\n' \
	| curl -s --max-time 3 telnet://$EX:$HP >"$work/h10" 2>/dev/null
grep -q '^HTTP/1.0 200 OK' "$work/h10" || fail "HTTP/1.0: $(head -c 200 "$work/h10")"
grep -q 'Content-Length: ' "$work/h10" || fail "HTTP/1.0 response without Content-Length"
grep -q 'href="https://dirweb.contoso.test/Autodiscover/AutodiscoverService.svc/root"' "$work/h10" \
	|| fail "HTTP/1.0 Redirect without Host"

# --- HEAD: headers of GET, no body ----------------------------------------
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "$XML" -I)
[ "$code" = 200 ] || fail "HEAD: $code"
[ "$(hdr Content-Length)" = "$(wc -c <"$work/root1" | tr -d ' ')" ] || fail "HEAD Content-Length"

# --- oversized header: 431, and the server keeps serving -----------------
big=$(head -c 12000 /dev/zero | tr '\0' a)
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "X-Big: $big")
[ "$code" = 431 ] || fail "oversized header: $code"
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "$XML")
[ "$code" = 200 ] || fail "server did not survive the oversized header: $code"
# A malformed request on one connection does not disturb another.
printf 'GARBAGE\r\n\r\n' | curl -s --max-time 2 telnet://$IN:$HP >/dev/null 2>&1
code=$(c lyncdiscover.contoso.test 80 $EX 'http://lyncdiscover.contoso.test/' -H "$XML")
[ "$code" = 200 ] || fail "server did not survive a malformed request: $code"

# --- access log: CR/LF escaped -----------------------------------------------
curl -s -o /dev/null --max-time 5 "http://$IN:$HP/?sipuri=a%0d%0aFORGED@contoso.test"
sleep 0.2
grep -q 'FORGED' "$work/mcxd.err" || fail "request not logged"
grep -q '^FORGED' "$work/mcxd.err" && fail "access log line was split"

# --- SIGHUP: bad topology is refused, a good one is taken -----------------
printf '<topology xmlns="urn:mcxlab:topology:1" profile="2010cu4">\n<broken\n' >"$work/topo.xml"
kill -HUP "$pid"
sleep 0.5
kill -0 "$pid" 2>/dev/null || fail "mcxd died on a bad reload"
grep -q 'reload failed' "$work/mcxd.err" || fail "bad reload not reported"
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "$XML")
[ "$code" = 200 ] || fail "old topology not served after a bad reload: $code"
grep -q 'token="OAuth"' "$work/b" && fail "OAuth link before the 2013 reload"
sed 's/profile="2010cu4"/profile="2013"/' "$top/lib/default_topology.xml" >"$work/topo.xml"
kill -HUP "$pid"
sleep 0.5
grep -q 'reloaded topology' "$work/mcxd.err" || fail "good reload not reported"
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "$XML")
[ "$code" = 200 ] || fail "Root after reload: $code"
grep -q 'token="OAuth"' "$work/b" || fail "reloaded (2013) topology not served"

# --- startup errors: port in use -> 3, bad cert -> 2 -----------------------
start_mcxd
pid2=$started
wait "$pid2"
rc=$?
pid2=""
[ "$rc" = 3 ] || fail "second mcxd on the same ports exited $rc, want 3"
"$mcxd" --cert "$work/topo.xml" --key "$work/topo.xml" --listen "internal-https=$IN:28444" \
	--no-listen internal-http --no-listen external-http --no-listen external-https 2>/dev/null
rc=$?
[ "$rc" = 2 ] || fail "bad certificate exited $rc, want 2"

# --- SIGTERM stops within 2 s --------------------------------------------
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && fail "mcxd still running 2 s after SIGTERM"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 0 ] || fail "mcxd exit status after SIGTERM: $rc"
[ ! -e "$work/mcxd.pid" ] || fail "pidfile not removed"

# --- --break no-content-length: close-delimited body --------------------
start_mcxd --break no-content-length
pid=$started
wait_ready || fail "mcxd (break) did not start"
code=$(c lyncdiscover.contoso.test 443 $EX 'https://lyncdiscover.contoso.test/' -H "$XML")
[ "$code" = 200 ] || fail "break no-content-length: $code"
[ -z "$(hdr Content-Length)" ] || fail "break no-content-length still sends Content-Length"
grep -q '<Root>' "$work/b" || fail "break no-content-length body"
kill -TERM "$pid"
wait "$pid"
pid=""
echo "mcxd_live: all checks passed"
exit 0
