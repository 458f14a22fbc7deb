#!/bin/sh
# Rebuilds Resources/sum.wasm from sum.wat: wat2wasm (wabt), then Binaryen's
# Asyncify pass. Only env.next_value may suspend, so only it is listed;
# a suspending import missing from the list is the usual Asyncify mistake.
set -eu
cd "$(dirname "$0")"
wat2wasm sum.wat -o /tmp/sum.plain.wasm
wasm-opt /tmp/sum.plain.wasm --asyncify --pass-arg=asyncify-imports@env.next_value -O1 \
    -o Resources/sum.wasm
