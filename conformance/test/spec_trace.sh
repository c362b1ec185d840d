#!/bin/sh
# spec_trace.sh -- the conformance spec is complete, two-way traceable and
# committed up to date.
#
# Owns: regenerating conformance/SPEC.md with `mcxcheck list --spec --format
# md` over vectors/ and failing when the committed file differs, when a
# statement of vectors/statements.xml has no vector, when a vector enforces
# no statement (or not with its own strength), or when a ref is unknown
# (a load error naming file:line); checking the JSON form's cross-references
# both ways (and its schema when python3-jsonschema is installed); and
# proving each of those failures is detected, on temporary copies of
# vectors/ (dangling ref, untraced vector, unenforced statement, strength
# mismatch, duplicate statement, DOCTYPE, stale SPEC.md).
# Does not own: the statements or vectors themselves, nor running vectors
# against a server (conform_live.sh). Starts no server.
# Env: MCXCHECK (binary), MCX_TOP (repo root). Exit 0 pass, else fail.
set -u
top=${MCX_TOP:-$(pwd)}
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
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

# spec_check DIR SPEC: 0 when `list --spec` over DIR traces cleanly and its
# output equals the file SPEC; otherwise prints why and returns 1. The
# problems printed by mcxcheck are left in $work/spec.err.
spec_check() {
    "$mcxcheck" list --spec --format md --vectors "$1" >"$work/spec.md" 2>"$work/spec.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "list --spec over $1 exited $rc:"
        sed 's/^/    /' "$work/spec.err" | head -n 20
        return 1
    fi
    if ! cmp -s "$work/spec.md" "$2"; then
        echo "$2 is stale; regenerate it with:"
        echo "    mcxcheck list --spec --format md --vectors vectors >conformance/SPEC.md"
        diff -u "$2" "$work/spec.md" | head -n 20 | sed 's/^/    /'
        return 1
    fi
    return 0
}

# expect_problem DESCRIPTION PATTERN: spec_check of $work/v against the
# committed spec must fail and stderr must match PATTERN (file:line + rule).
expect_problem() {
    if spec_check "$work/v" "$top/conformance/SPEC.md" >"$work/check.out"; then
        fail "$1 was not detected"
    elif ! grep -Eq "$2" "$work/spec.err"; then
        fail "$1: no message matching '$2' in: $(head -c 400 "$work/spec.err")"
    fi
}

fresh_copy() {
    rm -rf "$work/v"
    mkdir "$work/v"
    cp "$top"/vectors/*.xml "$work/v/"
}

# 1. The committed spec is complete and current.
spec_check "$top/vectors" "$top/conformance/SPEC.md" || fail "conformance/SPEC.md"
[ -s "$work/spec.err" ] && fail "list --spec printed problems: $(head -c 400 "$work/spec.err")"

# 2. Both directions of the trace in the JSON form, and every vector file
# of the directory appears.
"$mcxcheck" list --spec --format json --vectors "$top/vectors" >"$work/spec.json" 2>/dev/null ||
    fail "list --spec --format json failed"
nfiles=0
for f in "$top"/vectors/*.xml; do
    [ "$(basename "$f")" = statements.xml ] || nfiles=$((nfiles + 1))
done
python3 - "$work/spec.json" "$nfiles" <<'EOF' || fail "spec JSON cross-references"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
st = {s["id"]: s for s in doc["statements"]}
vec = {v["id"]: v for v in doc["vectors"]}
bad = []
if len(vec) != int(sys.argv[2]):
    bad.append(f"{len(vec)} vectors in the spec, {sys.argv[2]} vector files")
for s in st.values():
    if not s["vectors"]:
        bad.append(f"{s['id']} has no vector")
    for v in s["vectors"]:
        if s["id"] not in vec.get(v, {}).get("statements", []):
            bad.append(f"{s['id']} lists {v}, which does not list it back")
for v in vec.values():
    if not v["statements"]:
        bad.append(f"{v['id']} enforces no statement")
    for s in v["statements"]:
        if v["id"] not in st.get(s, {}).get("vectors", []):
            bad.append(f"{v['id']} enforces {s}, which does not list it back")
for b in bad:
    print("   ", b)
print(f"spec: {len(st)} statements, {len(vec)} vectors, {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
EOF
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$top/conformance/report.schema.json" "$work/spec.json" <<'EOF' || fail "spec JSON does not match report.schema.json"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1], encoding="utf-8"))
errors = list(Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2], encoding="utf-8"))))
for e in errors[:5]:
    print("   ", "/".join(map(str, e.absolute_path)), e.message[:200])
sys.exit(1 if errors else 0)
EOF
else
    echo "note: python3-jsonschema not installed; spec JSON schema not validated"
fi
"$mcxcheck" list --spec --format json --vectors "$top/vectors" 2>/dev/null |
    cmp -s - "$work/spec.json" || fail "list --spec --format json differs between runs"

# 3. The test can fail: each broken copy is detected, naming file:line.
fresh_copy
spec_check "$work/v" "$top/conformance/SPEC.md" >/dev/null ||
    fail "an unmodified copy of vectors/ does not give the committed spec"

sed -i 's|<enforces ref="ST-HTTP-HEAD"/>|<enforces ref="ST-HTTP-HEAD-DANGLING"/>|' "$work/v/HT-METHOD-003.xml"
expect_problem "a dangling ref" 'HT-METHOD-003\.xml:[0-9]+: unknown-statement: .*ST-HTTP-HEAD-DANGLING'
grep -Eq 'statements\.xml:[0-9]+: unenforced-statement: .*ST-HTTP-HEAD$' "$work/spec.err" ||
    fail "the statement left without a vector is not reported"

fresh_copy
sed -i '/<enforces ref=/d' "$work/v/HT-HDR-002.xml"
expect_problem "a vector without statements" 'HT-HDR-002\.xml: untraced-vector'

fresh_copy
sed -i '0,/^  <\/section>$/s|^  </section>$|    <statement id="ST-UNUSED-TEST" strength="may"><text>t</text><source>s</source></statement>\n  </section>|' \
    "$work/v/statements.xml"
expect_problem "a statement without vectors" 'statements\.xml:[0-9]+: unenforced-statement: .*ST-UNUSED-TEST'

fresh_copy
sed -i 's|result="valid" strength="should"|result="valid" strength="must"|' "$work/v/HT-METHOD-003.xml"
expect_problem "a strength mismatch" 'HT-METHOD-003\.xml: strength-mismatch'

fresh_copy
sed -i '0,/<statement id="ST-ROOT-FULL-PATH"/s//<statement id="ST-ROOT-AT-HOST-ROOT"/' "$work/v/statements.xml"
expect_problem "a duplicate statement ID" 'statements\.xml:[0-9]+: duplicate-statement'

fresh_copy
sed -i 's|^<statements>|<!DOCTYPE statements [<!ENTITY x "y">]>\n<statements>|' "$work/v/statements.xml"
expect_problem "a DOCTYPE in statements.xml" 'statements\.xml:[0-9]+: no-dtd'

fresh_copy
sed -i 's|An Accept header naming no Autodiscover representation gets 406.|Changed.|' \
    "$work/v/statements.xml"
if spec_check "$work/v" "$top/conformance/SPEC.md" >"$work/check.out"; then
    fail "a stale SPEC.md was not detected"
elif ! grep -q 'is stale' "$work/check.out"; then
    fail "a stale SPEC.md is not reported as stale: $(head -c 300 "$work/check.out")"
fi

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "spec trace: SPEC.md current, every statement enforced, every vector traced"
exit 0
