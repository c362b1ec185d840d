#!/bin/sh
# cert_fixtures.sh -- every fixture of conformance/pki through
# `$MCXCHECK cert --file` at --at 2026-06-01T00:00:00Z.
#
# Owns: checking the exit code and the exact must / must-not finding IDs of
# each row of conformance/pki/expected.txt, comparing the row's report in
# all five formats (text, json, jsonl, junit, tap; --color never) byte for
# byte with its golden conformance/pki/golden/<name>.<txt|json|jsonl|xml|tap>,
# that a rerun gives byte-identical output (text and json), that an altered
# golden is detected, and that bad inputs (garbage PEM, truncated DER,
# empty file, missing file, a key where a certificate belongs) exit 2 with a
# message naming the file. Does not own: the fixtures (generate.sh) nor the
# rules (lib/cert_check.c). Needs no network: no listener is started.
#
# Golden names: <FILE without .pem>-<ROLE>, then for a row with ARGS "+" and
# each argument without "--", @PKI@/, @TOP@/lib/ nor .pem/.key/.xml, "="
# as "-" (e.g. frontend-frontend+key-rsa1024.json). mcxcheck runs from the
# repository root with relative paths, so a golden holds no temp, build or
# absolute path. After a deliberate change of a rule, a renderer or the
# fixtures (generate.sh makes new keys, so new thumbprints), regenerate
# them (each format is run twice and must give the same bytes) and review
# the diff before committing:
#   MCX_UPDATE_GOLDEN=1 MCXCHECK=build/mcxcheck sh conformance/test/cert_fixtures.sh
# Env: MCXCHECK (the binary), MCX_TOP (repository root), MCX_UPDATE_GOLDEN
# (1 = rewrite the goldens).
set -u
top=$(cd "${MCX_TOP:-.}" && pwd)
mcxcheck=${MCXCHECK:-$top/build/mcxcheck}
case $mcxcheck in /*) ;; *) mcxcheck=$(pwd)/$mcxcheck ;; esac
update=${MCX_UPDATE_GOLDEN:-0}
# Relative to the repository root: the reports (and goldens) name these paths.
cd "$top" || exit 1
pki=conformance/pki
golden=$pki/golden
at=2026-06-01T00:00:00Z
[ -x "$mcxcheck" ] || { echo "cert_fixtures: $mcxcheck not built"; exit 77; }
[ -f "$pki/expected.txt" ] || { echo "cert_fixtures: $pki/expected.txt missing"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0 rows=0 ngolden=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ "$update" = 1 ] && mkdir -p "$golden"
: >"$tmp/names"

# The CT- IDs of a json report, one per line, unique, sorted.
ids_of() { grep -o '"id": *"CT-[0-9]*"' "$1" | grep -o 'CT-[0-9]*' | sort -u; }

# golden_name FILE ROLE ARGS: the golden file name of a row, without extension.
golden_name() {
    if [ "$3" = "-" ]; then
        printf '%s-%s\n' "${1%.pem}" "$2"
    else
        printf '%s-%s+%s\n' "${1%.pem}" "$2" "$(printf '%s' "$3" |
            sed 's|@TOP@/lib/||g; s|@PKI@/||g; s|@TOP@/||g; s|^--||; s|,--|+|g; s|=|-|g;
                 s|\.pem||g; s|\.key||g; s|\.xml||g; s|[^A-Za-z0-9._+-]|_|g; s|\.*$||')"
    fi
}

# check_golden OUT GOLDEN LABEL (conformance/test/lib_golden.sh)
. "$top/conformance/test/lib_golden.sh"

# ---- expected.txt rows ------------------------------------------------------
while read -r file role args exit_want must mustnot rest; do
    case $file in '' | '#'*) continue ;; esac
    rows=$((rows + 1))
    label="$file $role $args"
    name=$(golden_name "$file" "$role" "$args")
    if grep -qxF "$name" "$tmp/names"; then
        fail "$label: golden name $name is already used by another row"
    fi
    echo "$name" >>"$tmp/names"
    set -- cert --role "$role" --file "$pki/$file" --ca "$pki/root.pem" --at "$at"
    if [ "$args" != "-" ]; then
        case ",$args" in
        *,--sip-domain*) ;;
        *) set -- "$@" --sip-domain contoso.test --sip-domain fabrikam.test ;;
        esac
        old_ifs=$IFS
        IFS=,
        for a in $args; do
            IFS=$old_ifs
            a=$(printf '%s' "$a" | sed "s|@PKI@|$pki|g; s|@TOP@/||g")
            set -- "$@" "$a"
        done
        IFS=$old_ifs
    else
        set -- "$@" --sip-domain contoso.test --sip-domain fabrikam.test
    fi
    "$mcxcheck" "$@" --format json >"$tmp/a.json" 2>"$tmp/a.err"
    rc=$?
    [ "$rc" = "$exit_want" ] || { fail "$label: exit $rc, want $exit_want"; cat "$tmp/a.err"; }
    ids_of "$tmp/a.json" >"$tmp/ids"
    if [ "$must" != "-" ]; then
        for id in $(echo "$must" | tr ',' ' '); do
            grep -qx "$id" "$tmp/ids" || fail "$label: $id missing (got: $(tr '\n' ' ' <"$tmp/ids"))"
        done
    fi
    if [ "$mustnot" = "others" ]; then
        for id in $(cat "$tmp/ids"); do
            case ",$must," in *",$id,"*) ;; *) fail "$label: unexpected $id" ;; esac
        done
    elif [ "$mustnot" != "-" ]; then
        for id in $(echo "$mustnot" | tr ',' ' '); do
            grep -qx "$id" "$tmp/ids" && fail "$label: $id must not appear"
        done
    fi
    # Byte-identical reruns, json and text.
    "$mcxcheck" "$@" --format json >"$tmp/b.json" 2>/dev/null
    cmp -s "$tmp/a.json" "$tmp/b.json" || fail "$label: json output differs between runs"
    "$mcxcheck" "$@" --format text --color never >"$tmp/a.txt" 2>/dev/null
    "$mcxcheck" "$@" --format text --color never >"$tmp/b.txt" 2>/dev/null
    cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "$label: text output differs between runs"
    # Goldens, every format (json and text were just run twice).
    "$mcxcheck" "$@" --format jsonl >"$tmp/a.jsonl" 2>/dev/null
    "$mcxcheck" "$@" --format junit >"$tmp/a.xml" 2>/dev/null
    "$mcxcheck" "$@" --format tap >"$tmp/a.tap" 2>/dev/null
    for ext in txt json jsonl xml tap; do
        ngolden=$((ngolden + 1))
        if [ "$update" != 1 ]; then
            check_golden "$tmp/a.$ext" "$golden/$name.$ext" "$label ($ext)"
            continue
        fi
        case $ext in
        txt | json) cp "$tmp/a.$ext" "$golden/$name.$ext" ;;
        *)
            fmt=$ext
            [ "$ext" = xml ] && fmt=junit
            "$mcxcheck" "$@" --format "$fmt" >"$tmp/b.$ext" 2>/dev/null
            if cmp -s "$tmp/a.$ext" "$tmp/b.$ext"; then
                cp "$tmp/a.$ext" "$golden/$name.$ext"
            else
                fail "$label: $fmt output differs between runs; golden not written"
            fi
            ;;
        esac
    done
done <"$pki/expected.txt"
[ "$rows" -ge 30 ] || fail "only $rows rows read from expected.txt"
# No golden is left over from a removed row.
if [ -d "$golden" ]; then
    for g in "$golden"/*; do
        [ -f "$g" ] || continue
        base=${g##*/}
        grep -qxF "${base%.*}" "$tmp/names" || fail "$g belongs to no row of expected.txt"
    done
fi

# ---- the golden comparison can fail: one altered byte is caught -------------
g=$golden/director-director+topology-default_topology.txt
if [ "$update" != 1 ] && [ -f "$g" ]; then
    sed '1s/^mcxcheck cert/mcxcheck CERT/' "$g" >"$tmp/altered.txt"
    "$mcxcheck" cert --role director --file "$pki/director.pem" --ca "$pki/root.pem" --at "$at" \
        --sip-domain contoso.test --sip-domain fabrikam.test \
        --topology lib/default_topology.xml --format text --color never >"$tmp/fresh.txt" 2>/dev/null
    out=$(check_golden "$tmp/fresh.txt" "$tmp/altered.txt" "altered golden")
    case $out in
    *"FAIL: altered golden"*"-mcxcheck CERT"*"+mcxcheck cert"*) echo "cert_fixtures: an altered golden is detected" ;;
    *) fail "an altered golden was not detected: $out" ;;
    esac
fi

# ---- bad inputs: exit 2, the message names the file -------------------------
bad_input() { # label file [grep pattern for stderr]
    "$mcxcheck" cert --role frontend --sip-domain contoso.test --file "$2" --at "$at" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] || fail "$1: exit $rc, want 2"
    grep -qF "$2" "$tmp/err" || fail "$1: stderr does not name $2: $(cat "$tmp/err")"
    if [ -n "${3:-}" ]; then
        grep -q "$3" "$tmp/err" || fail "$1: stderr lacks '$3': $(cat "$tmp/err")"
    fi
    [ -s "$tmp/out" ] && fail "$1: wrote a report to stdout"
}
printf -- '-----BEGIN CERTIFICATE-----\nnot*base64*at*all!!\n-----END CERTIFICATE-----\n' \
    >"$tmp/garbage.pem"
bad_input "garbage PEM" "$tmp/garbage.pem" 'byte 0'
head -c 700 "$pki/frontend.der" >"$tmp/truncated.der"
bad_input "truncated DER" "$tmp/truncated.der" 'truncated DER'
: >"$tmp/empty.pem"
bad_input "empty file" "$tmp/empty.pem" 'empty'
bad_input "missing file" "$tmp/does-not-exist.pem" 'cannot open'
bad_input "key as certificate" "$pki/leaf.key" 'PRIVATE KEY'
printf 'hello, not a certificate\n' >"$tmp/text.pem"
bad_input "plain text" "$tmp/text.pem" 'neither PEM'
# A good certificate followed by a broken block: the error names its line.
{ cat "$pki/director.pem"; printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n'; } >"$tmp/tail.pem"
bad_input "broken second block" "$tmp/tail.pem" ':[0-9][0-9]*:'
# Bad --ca and --key files are input errors too.
"$mcxcheck" cert --role frontend --sip-domain contoso.test --file "$pki/frontend.pem" \
    --ca "$tmp/empty.pem" --at "$at" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && grep -qF "$tmp/empty.pem" "$tmp/err" || fail "bad --ca: exit $rc"
"$mcxcheck" cert --role frontend --sip-domain contoso.test --file "$pki/frontend.pem" \
    --key "$pki/frontend.pem" --at "$at" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && grep -qF "frontend.pem" "$tmp/err" || fail "bad --key: exit $rc"
# Usage errors.
"$mcxcheck" cert --role gateway --sip-domain contoso.test --file "$pki/frontend.pem" \
    >/dev/null 2>&1
[ $? = 2 ] || fail "unknown --role accepted"
"$mcxcheck" cert --role frontend --file "$pki/frontend.pem" --at "$at" >/dev/null 2>&1
[ $? = 2 ] || fail "no --sip-domain and no --topology accepted"
"$mcxcheck" cert --role frontend --sip-domain contoso.test --file "$pki/frontend.pem" \
    --at yesterday >/dev/null 2>&1
[ $? = 2 ] || fail "bad --at accepted"
"$mcxcheck" cert --role frontend --file "$pki/frontend.pem" --at "$at" \
    --topology "$top/lib/default_topology.xml" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q -- '--pool' "$tmp/err" || fail "two Front End pools without --pool accepted"

if [ "$fails" -ne 0 ]; then
    echo "cert_fixtures: $fails failure(s) over $rows rows"
    exit 1
fi
if [ "$update" = 1 ]; then
    echo "cert_fixtures: wrote $ngolden goldens for $rows rows"
fi
echo "cert_fixtures: $rows rows, $ngolden goldens and bad inputs ok"
exit 0
