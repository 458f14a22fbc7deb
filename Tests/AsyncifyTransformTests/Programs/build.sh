#!/usr/bin/env bash
# Rebuilds the inputs of the transform's differential tests from the C
# programs of Tests/AsyncifyHostTests/Programs: for each program, the module
# emcc produces *before* its Binaryen Asyncify pass (<name>.pre.wasm, which
# EMCC_DEBUG keeps as emcc-2-post_finalize.wasm), and the import list emcc
# passes to that pass (<name>.imports). The Binaryen-instrumented reference is
# the <name>.wasm next to the C source.
# Needs Debian's emscripten (3.1.6).
set -euo pipefail
cd "$(dirname "$0")"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
src=../../AsyncifyHostTests/Programs
for c in "$src"/*.c; do
    name=$(basename "${c%.c}")
    tmp=$(mktemp -d)
    EMCC_DEBUG=1 EMCC_TEMP_DIR="$tmp" emcc -O2 -sASYNCIFY -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 \
        "$c" -o "$tmp/$name.wasm" > "$tmp/log" 2>&1
    cp "$tmp/emscripten_temp/emcc-2-post_finalize.wasm" "$name.pre.wasm"
    grep -o 'asyncify-imports@[^ ]*' "$tmp/log" | head -1 | sed 's/^asyncify-imports@//' > "$name.imports"
    rm -rf "$tmp"
    echo "$name: $(wc -c < "$name.pre.wasm") bytes"
done
