#!/usr/bin/env bash
# Rebuilds yield64.wasm from its hand-instrumented text (needs wabt's wat2wasm).
set -euo pipefail
cd "$(dirname "$0")"
wat2wasm --enable-memory64 yield64.wat -o yield64.wasm
