#!/bin/sh
# mcxdns_live.sh -- integration test of a running mcxdns over loopback
# (127.0.8.1 internal view, 127.0.8.2 external view, high ports), with dig:
# CNAME chasing and AA, NXDOMAIN vs NODATA (SOA in authority), REFUSED
# outside the zones, TC over UDP without EDNS then the full answer over TCP,
# NOTIMP for ANY, FORMERR and the echoed ID for raw bytes (python3), the
# faults (noanswer, servfail, delay), the topology-generated views
# (split-brain), byte-identical answers, and SIGTERM stopping within 2 s.
# Env: MCXDNS (binary; default $MCX_BUILD/mcxdns), MCX_TOP (repo root).
# Exit 0 pass, 77 skip, else fail. Owns nothing but this test (the scratch
# folder and its cleanup come from conformance/test/lib_mcxdns.sh).
set -u
top=${MCX_TOP:-$(pwd)}
build=${MCX_BUILD:-$top/build}
mcxdns=${MCXDNS:-$build/mcxdns}
command -v dig >/dev/null 2>&1 || { echo "skip: dig not installed (apt-get install bind9-dnsutils)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
[ -x "$mcxdns" ] || { echo "skip: mcxdns not built ($mcxdns)"; exit 77; }

IN=127.0.8.1
EX=127.0.8.2
P=$((30000 + $$ % 10000)) # per run: parallel runs do not collide
. "$top/conformance/test/lib_mcxdns.sh"
mcxdns_init

# Stop at the first failure (replaces lib_mcxdns.sh's counting fail); start
# and stop below assert mcxdns's own start-up and SIGTERM behaviour, so they
# are stricter than lib_mcxdns.sh's start_mcxdns/stop_mcxdns.
fail() {
	echo "FAIL: $*"
	[ -f "$work/mcxdns.err" ] && sed 's/^/  mcxdns| /' "$work/mcxdns.err" | tail -n 20
	exit 1
}

start() { # args...
	"$mcxdns" --pidfile "$work/pid" "$@" >>"$work/mcxdns.out" 2>>"$work/mcxdns.err" &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		[ -s "$work/pid" ] && return 0
		kill -0 "$pid" 2>/dev/null || fail "mcxdns exited at start: $*"
		sleep 0.1
		i=$((i + 1))
	done
	fail "mcxdns did not start within 5 s"
}

stop() {
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 20 ] && fail "mcxdns did not stop within 2 s of SIGTERM"
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" -eq 0 ] || fail "mcxdns exited $rc after SIGTERM"
	[ -e "$work/pid" ] && fail "pidfile left behind"
	pid=""
}

q() { # server name type [dig options...]
	s=$1 n=$2 t=$3
	shift 3
	dig +norec +nocookie +time=2 +tries=1 -p "$P" "@$s" "$n" "$t" "$@" 2>&1
}
status_of() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n 1; }

# 1. A scenario: split-brain-present.
start --scenario "$top/dnsfixtures/split-brain-present" --listen "internal=$IN:$P" \
	--listen "external=$EX:$P" --fault lyncdiscover.contoso.test=delay:400 \
	--fault webext01.contoso.test=servfail --fault pool01web.contoso.test=noanswer

out=$(q $IN lyncdiscoverinternal.contoso.test A)
echo "$out" | grep -q 'flags: qr aa;' || fail "internal answer not authoritative: $out"
echo "$out" | grep -Eq '^lyncdiscoverinternal\.contoso\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+pool01web\.contoso\.test\.' ||
	fail "no CNAME in: $out"
echo "$out" | grep -Eq '^pool01web\.contoso\.test\.[[:space:]].*A[[:space:]]+192\.0\.2\.21' ||
	fail "CNAME not chased to pool01web's A: $out"

out=$(q $IN nothere.contoso.test A)
[ "$(echo "$out" | status_of)" = NXDOMAIN ] || fail "nothere: expected NXDOMAIN: $out"
echo "$out" | grep -q 'AUTHORITY: 1' || fail "NXDOMAIN without SOA: $out"
echo "$out" | grep -Eq '^contoso\.test\..*SOA' || fail "NXDOMAIN without SOA: $out"
out=$(q $IN ns1.contoso.test AAAA)
[ "$(echo "$out" | status_of)" = NOERROR ] || fail "NODATA: expected NOERROR: $out"
echo "$out" | grep -q 'ANSWER: 0, AUTHORITY: 1' || fail "NODATA: expected 0 answers + SOA: $out"
out=$(q $EX lyncdiscoverinternal.contoso.test A)
[ "$(echo "$out" | status_of)" = NXDOMAIN ] || fail "external lyncdiscoverinternal: expected NXDOMAIN: $out"
out=$(q $IN www.example.org A)
[ "$(echo "$out" | status_of)" = REFUSED ] || fail "outside the zones: expected REFUSED: $out"
echo "$out" | grep -q 'flags: qr;' || fail "REFUSED must not set AA: $out"
out=$(q $IN contoso.test ANY)
[ "$(echo "$out" | status_of)" = NOTIMP ] || fail "ANY: expected NOTIMP: $out"

# Faults: servfail, noanswer, delay (the CNAME is still chased for names
# whose own queries are not faulted).
out=$(q $EX webext01.contoso.test A)
[ "$(echo "$out" | status_of)" = SERVFAIL ] || fail "fault servfail: $out"
out=$(q $IN pool01web.contoso.test A +time=1)
echo "$out" | grep -q 'timed out' || fail "fault noanswer: expected a timeout: $out"
t0=$(date +%s%N)
out=$(q $EX lyncdiscover.contoso.test A)
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$(echo "$out" | status_of)" = NOERROR ] || fail "fault delay: $out"
[ "$ms" -ge 380 ] || fail "fault delay:400 answered after ${ms} ms"
out=$(q $EX lyncdiscover.contoso.test A +tcp)
[ "$(echo "$out" | status_of)" = NOERROR ] || fail "fault delay over TCP: $out"

# Raw datagrams, in one python3 run (it starts slowly): the same query
# twice gives the same bytes with the ID echoed; garbage after a header
# gets FORMERR with its ID; a 2-byte datagram and a response (QR set) get
# nothing; opcode STATUS gets NOTIMP.
cat >"$work/raw.py" <<'EOF2'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
def ask(hexq, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(bytes.fromhex(hexq), (host, port))
    try:
        return s.recv(65535).hex()
    except socket.timeout:
        return "timeout"
    finally:
        s.close()
def rcode(h):
    return "timeout" if h == "timeout" else str(int(h[6:8], 16) & 15)
q = "123401000001000000000000146c796e63646973636f766572696e7465726e616c07636f6e746f736f04746573740000010001"
a1, a2 = ask(q), ask(q)
print("same", "yes" if a1 == a2 else "no")
print("id", a1[:4])
g = ask("beef0000000100000000000003ffff")
print("garbage", g[:4], rcode(g))
print("short", ask("0102", 0.5))
print("qr", ask("1234810000010000000000000000010001", 0.5))
print("status", rcode(ask("4321100000010000000000000000010001")))
EOF2
python3 "$work/raw.py" $IN $P >"$work/raw.txt" 2>&1 || fail "raw.py: $(cat "$work/raw.txt")"
grep -qx 'same yes' "$work/raw.txt" || fail "two identical queries gave different answers"
grep -qx 'id 1234' "$work/raw.txt" || fail "the ID was not echoed: $(cat "$work/raw.txt")"
grep -qx 'garbage beef 1' "$work/raw.txt" || fail "garbage: expected FORMERR with ID beef: $(cat "$work/raw.txt")"
grep -qx 'short timeout' "$work/raw.txt" || fail "a 2-byte datagram was answered"
grep -qx 'qr timeout' "$work/raw.txt" || fail "a response (QR set) was answered"
grep -qx 'status 4' "$work/raw.txt" || fail "opcode STATUS: expected NOTIMP: $(cat "$work/raw.txt")"
# The server survives all of that.
q $IN lyncdiscoverinternal.contoso.test A | grep -q 'status: NOERROR' || fail "server stopped answering"
stop

# 2. Truncation: 40 A records do not fit 512 bytes.
mkdir -p "$work/big"
{
	printf '$ORIGIN big.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n'
	i=1
	while [ $i -le 40 ]; do printf 'many IN A 198.51.100.%d\n' $i; i=$((i + 1)); done
} >"$work/big/internal.zone"
cat >"$work/big/scenario.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<dnsScenario xmlns="urn:mcxlab:dns-scenario:1" name="big">
  <description>A large RRset, for truncation.</description>
  <topology ref="none"/>
  <sipDomain>big.test</sipDomain>
  <view name="internal">
    <zone file="internal.zone" origin="big.test"/>
  </view>
</dnsScenario>
EOF
start --scenario "$work/big" --listen "internal=$IN:$P" --quiet
out=$(q $IN many.big.test A +noedns +ignore)
echo "$out" | grep -q 'flags: qr aa tc;' || fail "no TC over UDP without EDNS: $out"
echo "$out" | grep -q 'ANSWER: 0' || fail "a truncated answer should be empty: $out"
out=$(q $IN many.big.test A +noedns)
[ "$(echo "$out" | grep -c '^many\.big\.test\..*IN[[:space:]]*A')" -eq 40 ] ||
	fail "dig's TCP retry did not get the 40 records: $out"
out=$(q $IN many.big.test A +bufsize=1232 +ignore)
echo "$out" | grep -q 'flags: qr aa;' || fail "with EDNS 1232 the answer should fit: $out"
out=$(q $IN many.big.test A +tcp)
[ "$(echo "$out" | grep -c '^many\.big\.test\..*IN[[:space:]]*A')" -eq 40 ] || fail "TCP: $out"
stop

# 3. Views generated from the embedded topology (no zone file).
start --topology default --listen "internal=$IN:$P" --listen "external=$EX:$P"
out=$(q $IN lyncdiscoverinternal.contoso.test A)
echo "$out" | grep -Eq 'CNAME[[:space:]]+dir01\.contoso\.test\.' || fail "topology internal CNAME: $out"
echo "$out" | grep -Eq '^dir01\.contoso\.test\..*A[[:space:]]+127\.0\.1\.11' || fail "topology internal A: $out"
out=$(q $IN webext01.contoso.test A)
echo "$out" | grep -Eq 'A[[:space:]]+127\.0\.1\.40' || fail "topology split-brain A (reverse proxy IP): $out"
out=$(q $EX lyncdiscover.contoso.test A)
echo "$out" | grep -Eq 'CNAME[[:space:]]+dirweb\.contoso\.test\.' || fail "topology external CNAME: $out"
echo "$out" | grep -Eq '^dirweb\.contoso\.test\..*A[[:space:]]+127\.0\.1\.40' || fail "topology external A: $out"
# fabrikam.test: a CNAME into contoso.test could not work over HTTPS (seed:
# DNS Requirements), so the generated record is the reverse proxy's A record.
out=$(q $EX lyncdiscover.fabrikam.test A)
echo "$out" | grep -Eq '^lyncdiscover\.fabrikam\.test\..*IN[[:space:]]+A[[:space:]]+127\.0\.1\.40' ||
    fail "topology external A for the second SIP domain: $out"
echo "$out" | grep -q CNAME && fail "topology external: no cross-domain CNAME expected: $out"
out=$(q $EX dir01.contoso.test A)
[ "$(echo "$out" | status_of)" = NXDOMAIN ] || fail "internal web FQDN must not exist outside: $out"
stop

# 4. Bad input: clear errors, exit 2.
"$mcxdns" --scenario "$work/nowhere" --listen "internal=$IN:$P" 2>"$work/e" && fail "missing scenario accepted"
grep -q 'nowhere/scenario.xml' "$work/e" || fail "missing scenario: no file named: $(cat "$work/e")"
"$mcxdns" --topology default --listen "inside=$IN:$P" 2>"$work/e"
[ $? -eq 2 ] || fail "--listen inside=: expected exit 2"
"$mcxdns" --topology default --listen "internal=$IN:$P" --fault x.test=explode 2>"$work/e"
[ $? -eq 2 ] || fail "--fault explode: expected exit 2"
grep -q 'unknown fault' "$work/e" || fail "--fault explode: $(cat "$work/e")"
echo "mcxdns_live: all passed"
exit 0
