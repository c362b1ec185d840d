#!/bin/sh
# lib_golden.sh -- sourced by test scripts that compare outputs with golden
# files (tcpdump style: input + golden output).
#
# Owns: check_golden. Does not own: producing the outputs, the golden files,
# nor `fail` (the sourcing script defines it: print and count a failure).

# check_golden OUT GOLDEN LABEL: OUT must equal GOLDEN byte for byte.
check_golden() {
    if [ ! -f "$2" ]; then
        fail "$3: no golden $2 (MCX_UPDATE_GOLDEN=1 writes it)"
    elif ! cmp -s "$2" "$1"; then
        fail "$3: differs from $2 (MCX_UPDATE_GOLDEN=1 rewrites it after a deliberate change)"
        diff -u "$2" "$1" | head -40
    fi
}
