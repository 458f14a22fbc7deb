#!/usr/bin/env bash
# Rebuilds the test programs: <name>.wasm (standalone, run by the Swift host)
# and <name>.node.out / <name>.node.exit (what node prints for the JS build,
# the independent reference the tests compare against).
# The JS build uses -sEXIT_RUNTIME=1 so that main's return value becomes
# node's exit code even when main was unwound.
# Needs Debian's emscripten (3.1.6) and node.
set -euo pipefail
cd "$(dirname "$0")"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.c; do
    name=${src%.c}
    emcc -O2 -sASYNCIFY -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 "$src" -o "$name.wasm"
    emcc -O2 -sASYNCIFY -sEXIT_RUNTIME=1 "$src" -o "$tmp/$name.js"
    set +e
    node --no-experimental-fetch "$tmp/$name.js" > "$name.node.out" 2> "$tmp/$name.err"
    echo $? > "$name.node.exit"
    set -e
    echo "$name: exit $(cat "$name.node.exit")"
done
