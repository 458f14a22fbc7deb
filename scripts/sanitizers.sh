#!/usr/bin/env bash
# Runs the test suites under AddressSanitizer and ThreadSanitizer.
#
#   scripts/sanitizers.sh [address|thread|both] [filter]
#
# Default: both sanitizers, filter 'AsyncifyTests|WasmBinaryTests|WasmInterpreterTests|WasmNativeTests|TBCodegenTests'
# (the fiber core, the binary layer, the interpreter, the native tier and the TB code generator;
# pass '.' for everything - slow on 2 cores). Without a filter the resource
# suites (NativeResourceTests, SoakTests) run after the rest in a process of
# their own, one test at a time; a filter runs as one process. Each sanitizer builds into its own
# scratch directory so the normal debug build stays intact. ThreadSanitizer uses
# scripts/tsan-suppressions.txt (one benign standard-library race, explained there).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
custom_filter=${2:+yes}
filter=${2:-'AsyncifyTests|WasmBinaryTests|WasmInterpreterTests|WasmNativeTests|TBCodegenTests'}
# The logs go into .build, which a fresh clone does not have yet when tee opens them.
mkdir -p .build
run() {
    # SoakTests compares the process's resident memory before and after 100,000
    # swaps. Under ThreadSanitizer that figure also counts the sanitizer's own
    # shadow and history memory, which grows with every access the suites running
    # beside it make (seen: +38 MB against the 32 MB slack, where the plain and
    # AddressSanitizer runs stay flat), so the thread run allows more; the plain
    # `swift test` keeps the 32 MB bound.
    # AddressSanitizer keeps freed memory in a quarantine (256 MB by default) to
    # catch use after free; the resource tests' warm-up does not fill that much,
    # so their resident-memory figure grew while the quarantine filled (seen:
    # +842 MB over NativeResourceTests' 10,000 compile cycles, flat with a 64 MB
    # quarantine when run alone, the live code-block count flat either way). 64 MB
    # still holds thousands of freed stores' worth of memory for use-after-free
    # checks. The suites running beside a resource test fill the quarantine too
    # (seen: +68 MB with them), so the address run allows the quarantine on top
    # of the plain 32 MB, rounded up to the thread run's 128 MB.
    local slack=${ASYNCIFY_SOAK_RSS_SLACK_MB:-32}
    case $1 in thread | address) slack=${ASYNCIFY_SOAK_RSS_SLACK_MB:-128} ;; esac
    # NativeResourceTests' 10,000 compile cycles took 520 s under ASan on a
    # loaded machine; 2,000 still show a code block leaked per cycle.
    # The suites that measure resident memory run in a process of their own,
    # one test at a time, after the others: under AddressSanitizer the freed
    # memory of suites running beside them stays resident in the sanitizer's
    # allocator, and one CI run saw NativeResourceTests grow +633 MB that way
    # (its live code-block count flat) where the same test alone stays flat.
    local resource='NativeResourceTests|SoakTests'
    local log=".build/sanitize-$1.log"
    : >"$log"
    # A filter given on the command line runs as one process, as asked.
    local parts=(rest resource)
    [ -n "$custom_filter" ] && parts=(all)
    local part args
    for part in "${parts[@]}"; do
        if [ $part = all ]; then
            args=(--filter "$filter")
        elif [ $part = rest ]; then
            args=(--filter "$filter" --skip "$resource")
        else
            args=(--filter "$resource" --no-parallel)
        fi
        echo "sanitizers: swift test --sanitize=$1 ${args[*]}"
        ASYNCIFY_NATIVE_RESOURCE_CYCLES=${ASYNCIFY_NATIVE_RESOURCE_CYCLES:-2000} ASYNCIFY_SOAK_RSS_SLACK_MB=$slack ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:quarantine_size_mb=64} TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 suppressions=$PWD/scripts/tsan-suppressions.txt} \
            swift test --sanitize="$1" --scratch-path ".build/sanitize-$1" "${args[@]}" 2>&1 \
            | tee ".build/sanitize-$1-$part.log" | grep -E 'passed|failed|ERROR: .*Sanitizer|WARNING: ThreadSanitizer|SUMMARY' || true
        cat ".build/sanitize-$1-$part.log" >>"$log"
        # Each part must end in a passing test run of its own.
        grep -qE 'Test run with [0-9]+ tests? .*passed' ".build/sanitize-$1-$part.log" || return 1
    done
    ! grep -qE 'ERROR: .*Sanitizer|WARNING: ThreadSanitizer' "$log"
}
status=0
case $which in
address | thread) run "$which" || status=1 ;;
both) run address || status=1; run thread || status=1 ;;
*) echo "usage: scripts/sanitizers.sh [address|thread|both] [filter]" >&2; exit 2 ;;
esac
exit $status
