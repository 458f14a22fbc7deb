#!/usr/bin/env bash
# Formats the Swift sources with swift-format and the repository's .swift-format.
#
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   lint only (--strict: every finding is an error); CI runs this
#
# Covers Sources, Tests, Benchmarks, Examples and Fuzz. Package.swift is left
# out: its target list reads better in the layout it has.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Benchmarks Examples Fuzz)
if swift format --version >/dev/null 2>&1; then
    format=(swift format)
elif command -v swift-format >/dev/null 2>&1; then
    format=(swift-format)
else
    echo "format: swift-format not found (it ships with Swift 6 toolchains)" >&2
    exit 1
fi
case "${1:-}" in
--check)
    if ! "${format[@]}" lint --strict --recursive --parallel "${paths[@]}"; then
        echo "format: swift-format found the problems above; run scripts/format.sh to fix them" >&2
        exit 1
    fi
    ;;
"") "${format[@]}" format --in-place --recursive --parallel "${paths[@]}" ;;
*) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac
