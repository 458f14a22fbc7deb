#!/usr/bin/env bash
# Rebuilds swapbench.wasm (standalone, run by the Swift host in switch-bench).
# switch-bench builds the JS version for node itself when emcc is installed.
# Needs Debian's emscripten (3.1.6).
set -euo pipefail
cd "$(dirname "$0")"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
emcc -O2 -sASYNCIFY -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 swapbench.c -o swapbench.wasm
