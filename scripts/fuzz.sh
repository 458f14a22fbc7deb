#!/usr/bin/env bash
# Fuzzes the decoder+validator, the TB text parser, the interpreter and the
# native tier against the interpreter with libFuzzer for a time budget each.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
#
# Targets: decode (Fuzz/DecodeValidate.swift), tb (Fuzz/TBText.swift),
# interp (Fuzz/Interpret.swift), native (Fuzz/NativeDifferential.swift: random
# modules from the input, run on both engines, which must agree); default all
# four, 60 s each.
# The library modules are compiled straight with swiftc (-sanitize=fuzzer,address
# needs a libFuzzer main, which SwiftPM executables cannot take) into
# .build/fuzz/. Corpora live in .build/fuzz/corpus/<target>, seeded from the
# spec suite's .wasm files ($WASM_SPEC_DIR, else ../shared/wasm-spec), from random
# TBs, and (native) from random bytes: any input makes a module. A crash leaves its input in .build/fuzz/crash-<target>-*; turn it into a
# regression test under Tests/ (see Tests/*/Fuzz*RegressionTests.swift).
# Exit status: 0 if every target ran its budget without a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(decode tb interp native)
out=.build/fuzz
mkdir -p "$out"
spec=${WASM_SPEC_DIR:-../shared/wasm-spec}
flags=(-swift-version 6 -package-name swift_asyncify -O -wmo -parse-as-library -sanitize=fuzzer,address -I "$out" -L "$out")

# Compiles Sources/<module> (TestSupport: Tests/Support) into a static library
# + module in $out, if stale.
library() {
    local module=$1; shift
    local dir="Sources/$module"
    [ "$module" = TestSupport ] && dir=Tests/Support
    local lib="$out/lib$module.a"
    if [ -f "$lib" ] && [ -z "$(find "$dir" -newer "$lib" -name '*.swift' | head -1)" ]; then return; fi
    echo "fuzz: compiling $module"
    swiftc "${flags[@]}" -emit-library -static -module-name "$module" -emit-module \
        -emit-module-path "$out/$module.swiftmodule" "$@" $(find "$dir" -name '*.swift' | sort) -o "$lib"
}

# Links one fuzz target.
target() {
    local name=$1 source=$2; shift 2
    if [ -x "$out/fuzz-$name" ] && [ "$out/fuzz-$name" -nt "$source" ] \
        && [ -z "$(find "$out" -maxdepth 1 -name '*.a' -newer "$out/fuzz-$name" | head -1)" ]; then return; fi
    echo "fuzz: linking $name"
    # gold warns about every ASan register helper it cannot export: keep the noise in a log.
    if ! swiftc "${flags[@]}" "$source" "$@" -o "$out/fuzz-$name" >"$out/link-$name.log" 2>&1; then
        grep -v 'Cannot export local symbol' "$out/link-$name.log" >&2
        exit 1
    fi
}

# The interpreter's one C dependency (its native-stack check).
cnative() {
    local lib="$out/libCNativeStack.a"
    if [ -f "$lib" ] && [ -z "$(find Sources/CNativeStack -newer "$lib" -type f | head -1)" ]; then return; fi
    echo "fuzz: compiling CNativeStack"
    clang -O2 -fsanitize=address -ISources/CNativeStack/include -c Sources/CNativeStack/CNativeStack.c \
        -o "$out/CNativeStack.o"
    rm -f "$lib"
    ar rcs "$lib" "$out/CNativeStack.o"
}

# The interpreter (with the native tier) and the test support code (its
# random TB and module generators, which use the interpreter).
interpreter() {
    cnative
    library WasmNative
    library WasmInterpreter -ISources/CNativeStack/include -lWasmBinary -lWasmNative
}
support() {
    interpreter
    library TBCodegen -lWasmBinary
    library TestSupport -ISources/CNativeStack/include -lTBCodegen -lWasmBinary -lWasmInterpreter
}
engine=(-ISources/CNativeStack/include -lWasmInterpreter -lWasmNative -lWasmBinary -lCNativeStack)

library WasmBinary
for t in "${targets[@]}"; do
    case $t in
    decode) target decode Fuzz/DecodeValidate.swift -lWasmBinary ;;
    tb)
        support
        target tb Fuzz/TBText.swift -lTestSupport -lTBCodegen "${engine[@]}" ;;
    interp)
        interpreter
        target interp Fuzz/Interpret.swift "${engine[@]}" ;;
    native)
        support
        target native Fuzz/NativeDifferential.swift -lTestSupport -lTBCodegen "${engine[@]}" ;;
    *) echo "fuzz: unknown target $t (decode, tb, interp, native)" >&2; exit 2 ;;
    esac
done

status=0
for t in "${targets[@]}"; do
    corpus="$out/corpus/$t"
    if [ ! -d "$corpus" ]; then
        mkdir -p "$corpus"
        case $t in
        decode | interp)
            if [ -d "$spec" ]; then
                # Same names in different directories get numbered copies.
                find "$spec" -name '*.wasm' -size -16k -exec cp --backup=numbered -t "$corpus" {} +
            else
                echo "fuzz: note: no spec suite at $spec; starting $t from an empty corpus"
            fi ;;
        tb) ;;
        native)
            # Random inputs of 64 to 4,096 bytes (each makes a different module).
            for k in $(seq 1 32); do head -c $((64 << (k % 7))) /dev/urandom >"$corpus/random-$k"; done ;;
        esac
    fi
    # Regression inputs always join the corpus.
    [ -d "Tests/FuzzRegressions/$t" ] && cp Tests/FuzzRegressions/"$t"/* "$corpus"/ 2>/dev/null || true
    seeds="$(ls "$corpus" | wc -l) seeds"
    [ "$t" = tb ] && seeds="$seeds + 64 random TBs the target writes at start"
    echo "fuzz: $t for ${budget}s ($seeds)"
    if ! TB_FUZZ_SEED_DIR=$([ "$t" = tb ] && echo "$corpus" || true) \
        ASAN_OPTIONS=detect_leaks=0 "$out/fuzz-$t" "$corpus" -max_total_time="$budget" -timeout=10 \
        -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$out/crash-$t-" -print_final_stats=1 \
        >"$out/$t.log" 2>&1; then
        echo "fuzz: $t FOUND A PROBLEM; see $out/$t.log and $out/crash-$t-*" >&2
        grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$out/$t.log" | head -5 >&2 || true
        status=1
    else
        echo "fuzz: $t ok: $(grep -E 'stat::number_of_executed_units' "$out/$t.log" | awk '{print $2}') runs"
    fi
done
exit $status
