#!/bin/sh
# embed.sh IN OUT SYMBOL -- turn a data file (XSD, default topology) into a C
# file defining `const char SYMBOL[]` (NUL-terminated) and `SYMBOL_len`, so the
# shipped file is the one copy and the binaries need no file at run time.
set -eu
in=$1 out=$2 sym=$3
{
    echo "/* generated from $in by ci/embed.sh -- do not edit */"
    echo "#include <stddef.h>"
    echo "const char $sym[] = {"
    od -An -v -tu1 "$in" | awk '{ for (i = 1; i <= NF; i++) printf "%s,", $i; printf "\n" }'
    echo "0 };"
    echo "const size_t ${sym}_len = sizeof($sym) - 1;"
} >"$out.tmp"
mv "$out.tmp" "$out"
