#!/usr/bin/env bash
# The built extension still asks the CPU for memory ahead of use.  GCC 12
# drops every call to a function that does nothing but prefetch (it judges it
# free of effects), and the scan and the build lost most of their prefetches
# that way, unnoticed: a 1M-row scan ran at 0.55 of its speed.  So count the
# prefetch instructions in the functions that issue them.  Run from the
# repository root after make: test/build/001_prefetch.sh [openface.so]
set -uo pipefail
so=${1:-openface.so}
n=0

# Prefetch instructions in function $1 of $so.
prefetches() {
    objdump -d --no-show-raw-insn "$so" |
        awk -v f="<$1>:" '$2 == f { on = 1; next } on && /^$/ { exit } on' |
        grep -cE '[[:space:]]prefetch(t0|t1|t2|nta|w)[[:space:]]'
}

# check "FUNCTION..." LEAST WHAT: the functions (one, and any it may be
# inlined into) hold at least LEAST prefetch instructions together
check() {
    local fn=$1 least=$2 what=$3 got=0 f
    n=$((n + 1))
    if [ "$(uname -m)" != x86_64 ]; then
        echo "ok $n - $fn: $what # skip x86-64 only"
        return
    fi
    for f in $fn; do got=$((got + $(prefetches "$f"))); done
    if [ "$got" -ge "$least" ]; then
        echo "ok $n - $fn: $what ($got prefetch instructions)"
    else
        echo "not ok $n - $fn: $what (found $got prefetch instructions, want at least $least)"
    fi
}

echo "1..4"
# Buffer header, page header, line pointer, then the element's lines.
check fg_prefetch_elements 4 "index scans prefetch the elements they read next"
# The next candidate's list and the vectors ahead of the distance computed.
check expand_node 2 "the in-memory build prefetches lists and vectors"
check fill_step 1 "the build's fill prefetches the vectors it compares"
# Keys and values of each link's slot in the map of elements seen.
check "follow scan_expand" 2 "index scans prefetch their seen-map slots"
