#!/usr/bin/env bash
# Builds a throwaway package that depends on this clone the way the README's
# "Use it from your package" section says: its Package.swift is the README's
# snippet, verbatim, and this clone is reached as ../swift-asyncify (a path
# dependency is known by its folder's name). Its code is Examples/TBScheduler
# followed by Examples/HostResume (reading sum.wasm from a path instead of its
# bundle), so every product the snippet names is imported and used from
# outside. Prints "package use: ok" or what went wrong; exit status 1 then.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ln -s "$repo" "$work/swift-asyncify"
consumer="$work/MyEmulator"
mkdir -p "$consumer/Sources/MyEmulator"

# The swift block after the <!-- package-snippet --> marker.
awk '/<!-- package-snippet -->/ { marked = 1; next }
     marked && /^```swift/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' "$repo/README.md" > "$consumer/Package.swift"
if ! grep -q 'swift-asyncify' "$consumer/Package.swift"; then
    echo "package use: no Package.swift snippet after <!-- package-snippet --> in README.md" >&2
    exit 1
fi

{
    cat "$repo/Examples/TBScheduler/main.swift"
    sed -e 's|^guard let url = Bundle.module.url(forResource: "sum", withExtension: "wasm") else {|guard let url = Optional(URL(fileURLWithPath: CommandLine.arguments[1])) else {|' \
        "$repo/Examples/HostResume/main.swift"
} > "$consumer/Sources/MyEmulator/main.swift"

cd "$consumer"
if ! swift build > "$work/build.log" 2>&1; then
    echo "package use: the package made from the README's snippet does not build:" >&2
    grep -E 'error:' "$work/build.log" | head -n 20 >&2 || tail -n 30 "$work/build.log" >&2
    exit 1
fi
.build/debug/MyEmulator "$repo/Examples/HostResume/Resources/sum.wasm" > "$work/out.txt"
# The two examples' own outputs, as ExamplesTests checks them.
"$repo/.build/debug/TBScheduler" > "$work/expected.txt" 2>/dev/null || swift run --package-path "$repo" TBScheduler > "$work/expected.txt"
"$repo/.build/debug/HostResume" >> "$work/expected.txt" 2>/dev/null || swift run --package-path "$repo" HostResume >> "$work/expected.txt"
if ! diff -u "$work/expected.txt" "$work/out.txt"; then
    echo "package use: the package's output differs from the examples'" >&2
    exit 1
fi
echo "package use: ok"
