#!/bin/sh
# report_schema.sh -- every JSON output of mcxcheck validates against
# conformance/report.schema.json (python3 jsonschema, draft 2020-12).
#
# Owns: validating `list --format json`, `explain ID --format json`, and,
# when `discover` supports the offline --resolve-only mode, a real discover
# report in --format json and jsonl (no network: --resolve-only with no
# --resolve entries never queries DNS); checking that outputs are
# byte-identical across runs, that `list --format man|md` generate docs,
# and the usage exit codes of the CLI skeleton (2 for usage errors).
# Does not own: the report renderers' unit tests (lib/test/test_report.c).
# Env: MCXCHECK (binary), MCX_TOP (repo root). Exit 0 pass, 77 skip, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
schema=$top/conformance/report.schema.json

if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "skip: python3 jsonschema not installed (apt-get install python3-jsonschema)"
    exit 77
fi
if [ ! -x "$mcxcheck" ]; then
    echo "FAIL: $mcxcheck is not built"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# validate MODE FILE: MODE json (one document) or jsonl (one per line).
# Picks the schema branch by shape so errors name the exact field.
cat >"$work/validate.py" <<'EOF'
import json, sys
from jsonschema import Draft202012Validator
schema_path, mode, path = sys.argv[1:4]
schema = json.load(open(schema_path, encoding="utf-8"))
Draft202012Validator.check_schema(schema)
whole = Draft202012Validator(schema)
def branch(doc):
    if isinstance(doc, dict) and "type" in doc:
        return "line"
    if isinstance(doc, dict) and "checks" in doc:
        return "catalogue"
    return "report"
text = open(path, encoding="utf-8").read()
if mode == "json":
    docs = [(1, json.loads(text))]
else:
    lines = text.split("\n")
    if lines[-1] != "":
        print(f"{path}: last line not terminated by a newline"); sys.exit(1)
    docs = [(i, json.loads(l)) for i, l in enumerate(lines[:-1], 1)]
    if not docs or docs[-1][1].get("type") != "summary":
        print(f"{path}: the last line is not the summary line"); sys.exit(1)
bad = 0
for line, doc in docs:
    part = dict(schema)
    del part["oneOf"]
    part["$ref"] = "#/$defs/" + branch(doc)
    for e in Draft202012Validator(part).iter_errors(doc):
        where = "/".join(str(p) for p in e.absolute_path)
        print(f"{path}:{line}: /{where}: {e.message[:200]}")
        bad += 1
    if not bad and not whole.is_valid(doc):
        print(f"{path}:{line}: matches its branch but not exactly one branch of the schema")
        bad += 1
print(f"{path}: {len(docs)} document(s) checked, {bad} error(s)")
sys.exit(1 if bad else 0)
EOF
validate() { # mode file
    python3 "$work/validate.py" "$schema" "$1" "$2" || fail "$2 does not match $schema"
}

# expect_rc WANT CMD...: run CMD, stdout to $work/out, stderr to $work/err.
expect_rc() {
    want=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want ($(head -c 300 "$work/err"))"
}

# 1. The catalogue as JSON.
expect_rc 0 "$mcxcheck" list --format json
cp "$work/out" "$work/list.json"
validate json "$work/list.json"
"$mcxcheck" list --format json >"$work/list2.json" 2>/dev/null
cmp -s "$work/list.json" "$work/list2.json" || fail "list --format json differs between runs"
expect_rc 0 "$mcxcheck" explain AD-000 --format json
cp "$work/out" "$work/explain.json"
validate json "$work/explain.json"

# 2. Documentation generated from the catalogue: every ID appears.
ids=$(python3 -c 'import json,sys; print("\n".join(c["id"] for c in json.load(open(sys.argv[1]))["checks"]))' "$work/list.json")
expect_rc 0 "$mcxcheck" list --format md
cp "$work/out" "$work/checks.md"
expect_rc 0 "$mcxcheck" list --format man
cp "$work/out" "$work/checks.7"
expect_rc 0 "$mcxcheck" list
cp "$work/out" "$work/checks.txt"
for id in $ids; do
    grep -q "^## $id\$" "$work/checks.md" || fail "list --format md lacks a section for $id"
    grep -q "^$id " "$work/checks.txt" || fail "list lacks $id"
    roff_id=$(printf '%s' "$id" | sed 's/-/\\\\-/')
    grep -q "^\.B $roff_id\$" "$work/checks.7" || fail "list --format man lacks $id"
done
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$work/checks.7" 2>"$work/groff.err"
    [ -s "$work/groff.err" ] && fail "groff warns about list --format man: $(head -n 3 "$work/groff.err")"
fi

# 3. Usage errors exit 2 with a message on stderr and nothing on stdout.
for args in "" "bogus" "explain" "explain ZZ-999" "explain AD-000 extra" \
    "list --format xml" "list --bogus" "help bogus"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$mcxcheck" $args
    [ -s "$work/out" ] && fail "'mcxcheck $args' wrote to stdout on a usage error"
    [ -s "$work/err" ] || fail "'mcxcheck $args' gave no message on stderr"
done
expect_rc 0 "$mcxcheck" --version
grep -q '^mcxcheck ' "$work/out" || fail "--version prints no version line"
expect_rc 0 "$mcxcheck" help
grep -q 'discover' "$work/out" || fail "help does not list discover"

# 4. A real report from discover, offline. --resolve-only with no --resolve
# or --connect-to entries fails every URL without a DNS query.
disc="discover --sip-uri alice@contoso.test --resolve-only --timeout 2000 --now 2026-01-01T00:00:00Z --seed 1"
# shellcheck disable=SC2086
"$mcxcheck" $disc --format json >"$work/discover.json" 2>"$work/discover.err"
rc=$?
case $rc in
0 | 1 | 3)
    validate json "$work/discover.json"
    for fmt in jsonl; do
        # shellcheck disable=SC2086
        "$mcxcheck" $disc --format $fmt >"$work/discover.$fmt" 2>/dev/null
        validate jsonl "$work/discover.$fmt"
    done
    # shellcheck disable=SC2086
    "$mcxcheck" $disc --format json >"$work/discover2.json" 2>/dev/null
    cmp -s "$work/discover.json" "$work/discover2.json" ||
        fail "discover --format json differs between two runs"
    # --output writes the same bytes atomically.
    # shellcheck disable=SC2086
    "$mcxcheck" $disc --format json --output "$work/discover3.json" >"$work/out" 2>/dev/null
    cmp -s "$work/discover.json" "$work/discover3.json" || fail "--output differs from stdout"
    [ -s "$work/out" ] && fail "--output also wrote to stdout"
    # shellcheck disable=SC2086
    expect_rc 2 "$mcxcheck" $disc --format json --output "$work/no/such/dir/x.json"
    grep -q "no/such/dir/x.json" "$work/err" || fail "--output failure does not name the file"
    ;;
*)
    echo "note: discover --resolve-only not usable yet (exit $rc): $(head -c 200 "$work/discover.err")"
    ;;
esac
# Bad common option values exit 2 naming the option and the value.
# shellcheck disable=SC2086
expect_rc 2 "$mcxcheck" discover --sip-uri alice@contoso.test --resolve-only --now yesterday
grep -q -- "--now.*yesterday" "$work/err" || fail "bad --now not named in: $(cat "$work/err")"

# --output to something that is not a regular file (here a FIFO; /dev/null
# in practice) is written in place: the atomic rename would replace it.
zone=$top/dnsfixtures/cname-right/internal.zone
if [ -f "$zone" ] && mkfifo "$work/fifo" 2>/dev/null; then
    timeout 10 cat "$work/fifo" >"$work/fifo.out" &
    reader=$!
    "$mcxcheck" zone "$zone" --view internal --sip-domain contoso.test --format json \
        --output "$work/fifo" 2>"$work/err"
    rc=$?
    wait "$reader"
    [ -p "$work/fifo" ] || fail "--output FIFO: the FIFO was replaced by a file"
    "$mcxcheck" zone "$zone" --view internal --sip-domain contoso.test --format json >"$work/zone.json"
    [ $rc -eq 0 ] && cmp -s "$work/zone.json" "$work/fifo.out" ||
        fail "--output FIFO: exit $rc or different bytes: $(cat "$work/err")"
fi

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "report schema: all JSON outputs valid"
exit 0
