#!/bin/sh
# bench/run.sh BUILD -- benchmarks against named peers in the same run, never
# timed tests. Writes bench/out/RESULTS.md (copy it over bench/RESULTS.md to
# publish) and prints it.
#  1. wrk, 64 keep-alive connections: mcxd vs nginx serving the same Root
#     document bytes, over HTTP and over TLS (same certificate).
#  2. mcxcheck conform over every vector against a local mcxd (target < 2 s).
#  3. mcxcheck discover end to end on loopback, p50 over 50 runs (target < 5 ms
#     for the discovery itself; the process start is included and reported).
#  4. Full TLS handshakes per second (no session reuse), mcxd vs nginx with the
#     same fixture certificate (conformance/pki/lab.pem): `openssl s_time
#     -new`, BENCH_TLS_CLIENTS parallel clients against each, same tool and
#     settings for both, in the same run (TLS section: engineer "tls-live").
# Loopback 127.0.5.x only; every process started here is stopped by PID.
# Usage: bench/run.sh BUILD [SECTION...]; no SECTION runs them all. Sections:
# http (1), conform (2), discover (3), tls-handshake (4), pcap (5), dns (6).
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
sections="$*"
# want NAME: true when section NAME was asked for (or none was named).
want() {
    [ -z "$sections" ] && return 0
    case " $sections " in *" $1 "*) return 0 ;; esac
    return 1
}
top=$(pwd)
mcxd="$top/$build/mcxd"
mcxcheck="$top/$build/mcxcheck"
dur=${BENCH_SECONDS:-5}
conns=64
out="$top/bench/out"
mkdir -p "$out"
work=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing (make deps)" >&2; exit 3; }
done
sh "$top/ci/mkcert.sh" "$work/pki" >/dev/null
A=127.0.5.1 N=127.0.5.2
"$mcxd" --quiet --now 2026-01-01T00:00:00Z --seed 1 \
    --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
    --listen internal-http=$A:18080 --listen internal-https=$A:18443 \
    --listen external-http=$A:28080 --listen external-https=$A:28443 &
pids="$pids $!"
i=0
until curl -s -o /dev/null "http://$A:18080/" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: mcxd did not start" >&2; exit 3; }; sleep 0.1
done
accept='application/vnd.microsoft.rtc.autodiscover+xml;v=1'
path='/autodiscover/autodiscoverservice.svc/root?sipuri=alice@contoso.test'
curl -s --cacert "$work/pki/ca.pem" -H "Accept: $accept" \
    --connect-to "lyncdiscoverinternal.contoso.test:443:$A:18443" \
    -o "$work/root.xml" -D "$work/root.hdr" "https://lyncdiscoverinternal.contoso.test$path"
ctype=$(grep -i '^content-type:' "$work/root.hdr" | cut -d' ' -f2- | tr -d '\r')
mkdir -p "$work/www/autodiscover/autodiscoverservice.svc"
cp "$work/root.xml" "$work/www/autodiscover/autodiscoverservice.svc/root"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    types { }
    server {
        listen $N:18080;
        listen $N:18443 ssl;
        ssl_certificate $work/pki/server.pem;
        ssl_certificate_key $work/pki/server.key;
        root $work/www;
        location / {
            default_type "$ctype";
            add_header Cache-Control no-cache;
            add_header X-Content-Type-Options nosniff;
        }
    }
}
NGINX
nginx -c "$work/nginx.conf" &
pids="$pids $!"
i=0
until curl -s -o /dev/null "http://$N:18080/" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: nginx did not start" >&2; exit 3; }; sleep 0.1
done
cmp -s "$work/root.xml" "$work/www/autodiscover/autodiscoverservice.svc/root"
rps() { # url host -> requests/sec
    wrk -t2 -c$conns -d"${dur}s" -H "Host: $2" -H "Accept: $accept" "$1" 2>&1 \
        | awk '/Requests\/sec/ { print $2 }'
}
m_http=$(rps "http://$A:18080$path" lyncdiscoverinternal.contoso.test)
n_http=$(rps "http://$N:18080$path" lyncdiscoverinternal.contoso.test)
m_tls=$(rps "https://$A:18443$path" lyncdiscoverinternal.contoso.test)
n_tls=$(rps "https://$N:18443$path" lyncdiscoverinternal.contoso.test)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# Note: over plain HTTP mcxd answers Root with the single-Redirect document (as
# the protocol requires) and nginx serves the HTTPS Root bytes; both are one
# small Autodiscover document from memory/page cache.
now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1000000 }'; }
t0=$(now_ms)
"$mcxcheck" conform --ca "$work/pki/ca.pem" \
    --target-internal "https://$A:18443" --target-internal "http://$A:18080" \
    --target-external "https://$A:28443" --target-external "http://$A:28080" \
    --format json >"$work/conform.json" 2>/dev/null || true
t1=$(now_ms)
conform_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
nvec=$(ls "$top"/vectors/*.xml 2>/dev/null | grep -vc "/statements.xml$")
: >"$work/lat"
: >"$work/disc"
j=0
while [ $j -lt 50 ]; do
    s=$(now_ms)
    "$mcxcheck" discover --sip-uri alice@contoso.test --vantage internal --resolve-only \
        --ca "$work/pki/ca.pem" --format json --timings \
        --connect-to "lyncdiscoverinternal.contoso.test:443:$A:18443" \
        --connect-to "lyncdiscoverinternal.contoso.test:80:$A:18080" \
        --connect-to "dir01.contoso.test:443:$A:18443" >"$work/disc.json" 2>/dev/null || true
    e=$(now_ms)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }' >>"$work/lat"
    # The discovery itself: the sum of the timed HTTP request steps.
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("%.3f" % sum(x.get("elapsed_ms", 0) for x in d["steps"]
                   if x["title"].startswith(("GET ", "POST "))))' "$work/disc.json" >>"$work/disc"
    j=$((j + 1))
done
disc_p50=$(sort -n "$work/disc" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
p50=$(sort -n "$work/lat" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

# ---- 4. full TLS handshakes per second: mcxd vs nginx, same certificate ----
TA=127.0.5.3 TN=127.0.5.4
tls_clients=${BENCH_TLS_CLIENTS:-4}
pki="$top/conformance/pki"
"$mcxd" --quiet --now 2026-01-01T00:00:00Z --cert "$pki/lab.pem" --key "$pki/leaf.key" \
    --listen internal-https=$TA:18443 --no-listen internal-http --no-listen external-http \
    --no-listen external-https &
pids="$pids $!"
cat >"$work/nginx-tls.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx-tls.pid;
error_log $work/nginx-tls.err;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen $TN:18443 ssl;
        ssl_certificate $pki/lab.pem;
        ssl_certificate_key $pki/leaf.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        ssl_session_cache off;
        location / { return 200; }
    }
}
NGINX
nginx -c "$work/nginx-tls.conf" &
pids="$pids $!"
for hp in $TA:18443 $TN:18443; do
    i=0
    until curl -sk -o /dev/null "https://$hp/" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: $hp did not start" >&2; exit 3; }; sleep 0.1
    done
done
hs_per_sec() { # host:port -> full handshakes per second, $tls_clients parallel s_time
    : >"$work/stime"
    s=$(now_ms)
    c=0
    while [ $c -lt "$tls_clients" ]; do
        openssl s_time -connect "$1" -new -time "$dur" >>"$work/stime" 2>/dev/null &
        c=$((c + 1))
    done
    wait # the s_time clients: the only children of this $(...) subshell
    e=$(now_ms)
    awk -v a="$s" -v b="$e" '/connections in .*s;/ { n += $1 } END { if (b > a) printf "%.0f", n / ((b - a) / 1000); else print 0 }' "$work/stime"
}
m_hs=$(hs_per_sec $TA:18443)
n_hs=$(hs_per_sec $TN:18443)
tls_version=$(echo | openssl s_client -connect $TA:18443 2>/dev/null | awk -F'[ ,]+' '/^New, / { print $2 ", " $5; exit }')
{
    echo "# Benchmark results"
    echo
    echo "Machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%d). Produced by \`make bench\` (bench/run.sh)."
    echo
    echo "## mcxd vs nginx, same Root document bytes, wrk -t2 -c$conns -d${dur}s keep-alive"
    echo
    echo "| transport | mcxd req/s | nginx req/s | ratio mcxd/nginx | target |"
    echo "|---|---|---|---|---|"
    echo "| HTTP | $m_http | $n_http | $(ratio "$m_http" "$n_http") | >= 1.0 |"
    echo "| TLS (keep-alive) | $m_tls | $n_tls | $(ratio "$m_tls" "$n_tls") | >= 1.0 |"
    echo
    echo "Commands: \`wrk -t2 -c$conns -d${dur}s -H 'Host: lyncdiscoverinternal.contoso.test' -H 'Accept: $accept' URL\`"
    echo "with URL \`http(s)://$A:18080|18443$path\` (mcxd) and \`http(s)://$N:18080|18443$path\` (nginx 1 worker)."
    echo
    echo "## Full TLS handshakes per second, mcxd vs nginx, same certificate"
    echo
    echo "| server | handshakes/s | ratio mcxd/nginx | target |"
    echo "|---|---|---|---|"
    echo "| mcxd | $m_hs | $(ratio "$m_hs" "$n_hs") | >= 1.0 |"
    echo "| nginx (1 worker, no session cache/tickets) | $n_hs | | |"
    echo
    echo "Tool: \`openssl s_time -connect HOST:18443 -new -time $dur\` x $tls_clients parallel clients"
    echo "(a new full handshake per connection, no HTTP request), against mcxd ($TA) then"
    echo "nginx ($TN), both serving conformance/pki/lab.pem (RSA 2048) with key leaf.key;"
    echo "negotiated ${tls_version:-?}. Rate = connections of all clients / wall time."
    echo
    echo "## mcxcheck"
    echo
    echo "| measure | value | target |"
    echo "|---|---|---|"
    echo "| conform over $nvec vectors against local mcxd (wall) | ${conform_ms} ms | < 2000 ms |"
    echo "| discover, internal vantage, discovery (sum of its 2 HTTPS requests), p50 of 50 | ${disc_p50} ms | < 5 ms |"
    echo "| discover, internal vantage, whole process (exec, TLS setup, report), p50 of 50 | ${p50} ms | |"
} >"$out/RESULTS.md"
cat "$out/RESULTS.md"

# 5. mcxcheck pcap verify vs tshark field extraction on the same generated
#    capture (section: engineer "pcap"). The capture is written by
#    `mcxcheck pcap record --bulk-mb` (golden Ethernet scenarios repeated,
#    BENCH_PCAP_MB, default 200); both tools read the whole file in the same
#    run. Skipped cleanly when tshark is absent or the disk is short.
pcap_mb=${BENCH_PCAP_MB:-200}
avail_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
need_mb=$((pcap_mb + 200))
{
    echo
    echo "## mcxcheck pcap verify vs tshark, same ${pcap_mb} MB capture"
    echo
    if ! command -v tshark >/dev/null 2>&1; then
        echo "skipped: tshark not installed"
    elif [ "$avail_mb" -lt "$need_mb" ]; then
        echo "skipped: needs $need_mb MB free in $work, have $avail_mb MB"
    else
        "$mcxcheck" pcap record --out "$work" --bulk-mb "$pcap_mb"
        bytes=$(stat -c %s "$work/bulk.pcap")
        t0=$(date +%s%N)
        /usr/bin/time -f %M -o "$work/ours.rss" "$mcxcheck" pcap verify "$work/bulk.pcap" \
            --format jsonl >"$work/ours.out" || true
        t1=$(date +%s%N)
        /usr/bin/time -f %M -o "$work/peer.rss" tshark -r "$work/bulk.pcap" -d tcp.port==8080,http \
            -Y http -T fields -e http.request.uri -e http.response.code >"$work/peer.out" 2>/dev/null || true
        t2=$(date +%s%N)
        ours_ms=$(( (t1 - t0) / 1000000 ))
        peer_ms=$(( (t2 - t1) / 1000000 ))
        ex=$(grep -c '"title": *"HTTP \|"title":"HTTP ' "$work/ours.out" || true)
        px=$(awk -F '\t' '$2 != ""' "$work/peer.out" | wc -l)
        echo "| tool | wall ms | MB/s | max RSS KiB | HTTP exchanges / responses seen |"
        echo "|---|---|---|---|---|"
        echo "| mcxcheck pcap verify (--format jsonl) | $ours_ms | $(awk -v b="$bytes" -v m="$ours_ms" 'BEGIN { printf "%.0f", m ? b / 1e6 / (m / 1000) : 0 }') | $(cat "$work/ours.rss" 2>/dev/null || echo ?) | $ex |"
        echo "| tshark -r -Y http -T fields | $peer_ms | $(awk -v b="$bytes" -v m="$peer_ms" 'BEGIN { printf "%.0f", m ? b / 1e6 / (m / 1000) : 0 }') | $(cat "$work/peer.rss" 2>/dev/null || echo ?) | $px |"
        echo
        echo "Speed-up mcxcheck/tshark: $(awk -v a="$ours_ms" -v b="$peer_ms" 'BEGIN { printf "%.1fx", a ? b / a : 0 }') (targets: >= 20x and >= 500 MB/s; file: $bytes bytes)."
        rm -f "$work/bulk.pcap" "$work/ours.out" "$work/peer.out"
    fi
} >"$out/RESULTS-pcap.md"
cat "$out/RESULTS-pcap.md"
cat "$out/RESULTS-pcap.md" >>"$out/RESULTS.md"

# 6. DNS: queries per second of mcxdns vs BIND9 (named) serving the same
#    zone (dnsfixtures/cname-right, internal view), with dnsperf from Debian,
#    same query mix and settings, in the same run (section: engineer
#    "dns-live"). named only listens on configured addresses, so both servers
#    run in a private network namespace (unshare -n) on 127.0.8.61/.62.
#    Skipped cleanly when dnsperf, named or unshare is unavailable.
mcxdns="$top/$build/mcxdns"
dns_secs=${BENCH_DNS_SECONDS:-$dur}
{
    echo
    echo "## DNS: mcxdns vs BIND9 (named), same zone, dnsperf ${dns_secs}s"
    echo
    if ! command -v dnsperf >/dev/null 2>&1; then
        echo "skipped: dnsperf not installed (apt-get install dnsperf)"
    elif [ ! -x /usr/sbin/named ] || [ ! -x "$mcxdns" ]; then
        echo "skipped: /usr/sbin/named or $mcxdns missing"
    elif ! unshare -n true 2>/dev/null; then
        echo "skipped: cannot create a network namespace (unshare -n)"
    else
        zd="$top/dnsfixtures/cname-right"
        printf '%s\n' 'lyncdiscoverinternal.contoso.test A' 'pool01web.contoso.test A' \
            'nothere.contoso.test A' 'webext01.contoso.test AAAA' >"$work/dns.queries"
        cat >"$work/named.conf" <<NAMEDCONF
options { directory "$work"; pid-file "$work/named.pid"; session-keyfile "$work/session.key";
  managed-keys-directory "$work"; listen-on port 25353 { 127.0.8.62; }; listen-on-v6 { none; };
  recursion no; dnssec-validation no; notify no; minimal-responses yes; };
controls { };
zone "contoso.test" { type primary; file "$zd/internal.zone"; };
NAMEDCONF
        cat >"$work/dnsbench.sh" <<DNSBENCH
ip link set lo up
ip addr add 127.0.8.61/32 dev lo
ip addr add 127.0.8.62/32 dev lo
"$mcxdns" --quiet --scenario "$zd" --listen internal=127.0.8.61:25353 &
m=\$!
/usr/sbin/named -g -u root -c "$work/named.conf" >"$work/named.log" 2>&1 &
n=\$!
i=0
until grep -q ' running\$' "$work/named.log" || [ \$i -gt 100 ]; do sleep 0.1; i=\$((i + 1)); done
for s in 127.0.8.61 127.0.8.62; do
    dnsperf -s \$s -p 25353 -d "$work/dns.queries" -l $dns_secs -c 8 -T 2 -q 200 >"$work/dnsperf.\$s" 2>&1
done
kill \$m \$n
wait
DNSBENCH
        unshare -n sh "$work/dnsbench.sh" || true
        qm=$(awk '/Queries per second/ { print $4 }' "$work/dnsperf.127.0.8.61" 2>/dev/null)
        qb=$(awk '/Queries per second/ { print $4 }' "$work/dnsperf.127.0.8.62" 2>/dev/null)
        lm=$(awk '/Queries lost/ { print $3 }' "$work/dnsperf.127.0.8.61" 2>/dev/null)
        lb=$(awk '/Queries lost/ { print $3 }' "$work/dnsperf.127.0.8.62" 2>/dev/null)
        echo "| server | queries/s | lost |"
        echo "|---|---|---|"
        echo "| mcxdns (one thread, libevent) | ${qm:-?} | ${lm:-?} |"
        echo "| BIND9 $(/usr/sbin/named -v 2>/dev/null | awk '{ print $2 }') (default threads) | ${qb:-?} | ${lb:-?} |"
        echo
        echo "Ratio mcxdns/BIND9: $(awk -v a="${qm:-0}" -v b="${qb:-0}" 'BEGIN { printf "%.2fx", b ? a / b : 0 }') (target >= 1.0x)."
    fi
} >"$out/RESULTS-dns.md"
cat "$out/RESULTS-dns.md"
cat "$out/RESULTS-dns.md" >>"$out/RESULTS.md"
