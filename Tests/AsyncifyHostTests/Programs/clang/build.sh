#!/usr/bin/env bash
# Builds generator.wasm with the Swift toolchain's clang and wasm-ld, then
# instruments it with Binaryen's Asyncify pass (Debian's binaryen).
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-$(command -v clang)}
"$CLANG" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-dynamic \
    -Wl,--allow-undefined -o generator.raw.wasm generator.c
wasm-opt -O2 --asyncify --pass-arg=asyncify-imports@env.yield_value \
    generator.raw.wasm -o generator.wasm
rm -f generator.raw.wasm
