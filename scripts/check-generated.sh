#!/usr/bin/env bash
# Fails if a generated source differs from what its generator writes today:
# regenerates into a temporary directory and compares it with the checked-in
# files (the diff is printed). Run from anywhere; CI runs it before the build.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
python3 scripts/gen-interpreter-ops.py --out "$tmp/WasmInterpreter"
for f in "$tmp"/WasmInterpreter/*; do
    name=$(basename "$f")
    if ! diff -u "Sources/WasmInterpreter/$name" "$f"; then
        echo "check-generated: Sources/WasmInterpreter/$name differs from the output of" \
            "scripts/gen-interpreter-ops.py; edit its source (the script's tables or" \
            "scripts/templates/Interpreter+Run.swift.in) and run the script again" >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "check-generated: generated sources are up to date"
exit $status
