#!/bin/sh
# fuzz-smoke.sh TARGET... -- run each libFuzzer target briefly over its seed
# corpus (fuzz/corpus/<name>/), bounded by -max_total_time.
set -eu
for t in "$@"; do
    name=$(basename "$t")
    seeds="fuzz/corpus/${name#fuzz_}"
    work=$(mktemp -d)
    [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
    echo "fuzz-smoke: $name" >&2
    "$t" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 -print_final_stats=0 "$work" 2>"$work.log" \
        || { tail -n 40 "$work.log"; rm -rf "$work" "$work.log"; exit 1; }
    tail -n 1 "$work.log"
    rm -rf "$work" "$work.log"
done
echo "fuzz-smoke: $# targets passed"
