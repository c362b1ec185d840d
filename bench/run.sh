#!/bin/sh
# bench/run.sh BUILD -- benchmarks against named peers in the same run, never
# timed tests. Writes bench/out/RESULTS.md (copy it over bench/RESULTS.md to
# publish) and prints it.
#  1. wrk, 64 keep-alive connections: mcxd vs nginx serving the same Root
#     document bytes, over HTTP and over TLS (same certificate).
#  2. mcxcheck conform over every vector against a local mcxd (target < 2 s).
#  3. mcxcheck discover end to end on loopback, p50 over 50 runs (target < 5 ms
#     for the discovery itself; the process start is included and reported).
# Loopback 127.0.5.x only; every process started here is stopped by PID.
set -eu
build=${1:-build}
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
trap cleanup EXIT INT TERM
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
nvec=$(ls "$top"/vectors/*.xml 2>/dev/null | wc -l)
: >"$work/lat"
j=0
while [ $j -lt 50 ]; do
    s=$(now_ms)
    "$mcxcheck" discover --sip-uri alice@contoso.test --vantage internal --resolve-only \
        --ca "$work/pki/ca.pem" \
        --connect-to "lyncdiscoverinternal.contoso.test:443:$A:18443" \
        --connect-to "lyncdiscoverinternal.contoso.test:80:$A:18080" \
        --connect-to "dir01.contoso.test:443:$A:18443" >/dev/null 2>&1 || true
    e=$(now_ms)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }' >>"$work/lat"
    j=$((j + 1))
done
p50=$(sort -n "$work/lat" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
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
    echo "## mcxcheck"
    echo
    echo "| measure | value | target |"
    echo "|---|---|---|"
    echo "| conform over $nvec vectors against local mcxd (wall) | ${conform_ms} ms | < 2000 ms |"
    echo "| discover, internal vantage, whole process, p50 of 50 | ${p50} ms | < 5 ms (discovery) |"
} >"$out/RESULTS.md"
cat "$out/RESULTS.md"
