#!/usr/bin/env bash
# Gets the converted WebAssembly spec test suite the tests and `asyncify spec`
# read (docs/SpecSuite.md describes it).
#
#   scripts/get-wasm-spec.sh [--from DIR|ARCHIVE | --download] [DEST]
#
# DEST defaults to where the tests look: $WASM_SPEC_DIR, else
# ../shared/wasm-spec relative to the package root. DEST must not exist yet
# (nothing is ever overwritten); the suite is built in a temporary folder
# beside it and moved into place when complete.
#
# Sources, in this order:
#   --from DIR      a converted suite (<suite>/<name>/<name>.json): copied;
#                   a checkout of github.com/WebAssembly/testsuite, or a folder
#                   with wast/<suite>/*.wast (as this script writes): converted
#   --from ARCHIVE  a .tar.gz/.tgz/.tar/.zip of any of those: unpacked, then as DIR
#   (nothing)       the vendored sources in third_party/wasm-testsuite/wast/
#                   (the pinned commit's selection), converted offline
#   --download      git clone of https://github.com/WebAssembly/testsuite at the
#                   pinned commit (or its GitHub archive through curl), converted
#
# Converting needs wabt's wast2json (1.0.32 was used; a different version is
# used with a warning). The selection: every top-level .wast of the testsuite
# but simd_*.wast (core/), proposals/memory64/*.wast (memory64/,
# --enable-memory64) and proposals/threads/atomic.wast (threads/,
# --enable-threads): 104 scripts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Keep in step with SpecSuiteLocation.pinnedCommit (Sources/WasmSpec).
repository=https://github.com/WebAssembly/testsuite
commit=3a04b2cf93bd8fce277458d419eea8d9c326345c
expected_scripts=104

usage() {
    echo "usage: scripts/get-wasm-spec.sh [--from DIR|ARCHIVE | --download] [DEST]" >&2
    exit 2
}

from=""
dest=""
download=0
vendored=$root/third_party/wasm-testsuite
while [ $# -gt 0 ]; do
    case "$1" in
    --from)
        [ $# -ge 2 ] || usage
        from=$2
        shift 2
        ;;
    --download)
        download=1
        shift
        ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage ;;
    *)
        [ -z "$dest" ] || usage
        dest=$1
        shift
        ;;
    esac
done
if [ -z "$dest" ]; then
    if [ -n "${WASM_SPEC_DIR:-}" ]; then dest=$WASM_SPEC_DIR; else dest=$root/../shared/wasm-spec; fi
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
    echo "get-wasm-spec: $dest already exists and is not empty; remove it or name another DEST" >&2
    exit 1
fi
mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
work=$(mktemp -d "$(dirname "$dest")/.get-wasm-spec.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Whether $1 holds converted scripts.
is_converted() { compgen -G "$1/core/*/*.json" >/dev/null; }

# Unpacks archive $1 into $2 and prints the folder that holds its content.
unpack() {
    mkdir -p "$2"
    case "$1" in
    *.zip) unzip -q "$1" -d "$2" ;;
    *.tar.gz | *.tgz) tar -xzf "$1" -C "$2" ;;
    *.tar.xz) tar -xJf "$1" -C "$2" ;;
    *.tar) tar -xf "$1" -C "$2" ;;
    *) echo "get-wasm-spec: $1: not a .tar.gz, .tgz, .tar.xz, .tar or .zip" >&2; exit 1 ;;
    esac
    local entries=("$2"/*)
    if [ ${#entries[@]} -eq 1 ] && [ -d "${entries[0]}" ]; then echo "${entries[0]}"; else echo "$2"; fi
}

# Fetches the pinned testsuite commit into $1 (git, else the GitHub archive).
download() {
    if command -v git >/dev/null 2>&1; then
        echo "get-wasm-spec: fetching $repository at $commit"
        if git init -q "$1" && git -C "$1" fetch -q --depth 1 "$repository" "$commit" 2>/dev/null \
            && git -C "$1" checkout -q FETCH_HEAD; then
            return 0
        fi
        rm -rf "$1"
    fi
    if command -v curl >/dev/null 2>&1; then
        echo "get-wasm-spec: downloading $repository/archive/$commit.tar.gz"
        if curl -fsSL "$repository/archive/$commit.tar.gz" -o "$work/testsuite.tar.gz"; then
            local top
            top=$(unpack "$work/testsuite.tar.gz" "$work/archive")
            mv "$top" "$1"
            return 0
        fi
    fi
    echo "get-wasm-spec: cannot reach $repository (no network?)." >&2
    echo "  Bring a checkout or an archive of it at commit $commit (or a converted" >&2
    echo "  suite) onto this machine and run scripts/get-wasm-spec.sh --from <it> [DEST];" >&2
    echo "  .ci/run does that itself when WASM_SPEC_DIR names it." >&2
    exit 1
}

# Lays out the .wast sources of checkout $1 as $work/out/wast/<suite>/.
select_sources() {
    local out=$work/out/wast
    mkdir -p "$out/core" "$out/memory64" "$out/threads"
    if [ -d "$1/wast/core" ]; then # a folder this script wrote
        cp "$1"/wast/core/*.wast "$out/core/"
        cp "$1"/wast/memory64/*.wast "$out/memory64/"
        cp "$1"/wast/threads/atomic.wast "$out/threads/"
        return
    fi
    if ! compgen -G "$1/*.wast" >/dev/null; then
        echo "get-wasm-spec: $1 holds neither converted scripts nor .wast files" >&2
        exit 1
    fi
    for f in "$1"/*.wast; do
        case "$(basename "$f")" in simd_*) ;; *) cp "$f" "$out/core/" ;; esac
    done
    cp "$1"/proposals/memory64/*.wast "$out/memory64/"
    cp "$1"/proposals/threads/atomic.wast "$out/threads/"
    if [ -f "$1/LICENSE" ]; then cp "$1/LICENSE" "$work/out/"; fi
}

# Converts $work/out/wast/<suite>/*.wast into $work/out/<suite>/<name>/<name>.json.
convert() {
    if ! command -v wast2json >/dev/null 2>&1; then
        echo "get-wasm-spec: wast2json not installed (it is part of wabt: apt-get install wabt)" >&2
        exit 1
    fi
    local version
    version=$(wast2json --version 2>/dev/null || echo unknown)
    [ "$version" = "1.0.32" ] || echo "get-wasm-spec: warning: wast2json $version; the suite was made with 1.0.32" >&2
    local failed=0 suite flags src name
    for suite in core memory64 threads; do
        case $suite in
        core) flags=() ;;
        memory64) flags=(--enable-memory64) ;;
        threads) flags=(--enable-threads) ;;
        esac
        for src in "$work/out/wast/$suite"/*.wast; do
            name=$(basename "$src" .wast)
            mkdir -p "$work/out/$suite/$name"
            # Run from the .wast's folder so each JSON names the bare source file.
            if ! (cd "$work/out/wast/$suite" && wast2json ${flags[@]+"${flags[@]}"} "$name.wast" \
                -o "$work/out/$suite/$name/$name.json"); then
                echo "get-wasm-spec: FAILED $suite/$name" >&2
                failed=1
            fi
        done
    done
    [ $failed -eq 0 ] || exit 1
    {
        echo '{'
        echo " \"source\": {\"repository\": \"$repository\", \"commit\": \"$commit\"},"
        echo " \"converter\": \"wast2json $version\""
        echo '}'
    } >"$work/out/manifest.json"
    cat >"$work/out/README.md" <<EOF
# WebAssembly spec test suite, converted

Made by scripts/get-wasm-spec.sh from $repository at commit $commit
with wast2json $version: wast/<suite>/*.wast are the sources,
<suite>/<name>/<name>.json with its .wasm/.wat modules the converted scripts.
EOF
}

if [ -n "$from" ]; then
    if [ -f "$from" ]; then from=$(unpack "$from" "$work/from"); fi
    if [ ! -d "$from" ]; then
        echo "get-wasm-spec: $from: no such folder or archive" >&2
        exit 1
    fi
    if is_converted "$from"; then
        echo "get-wasm-spec: copying the converted suite from $from"
        cp -R "$from/." "$work/out"
    else
        select_sources "$from"
        convert
    fi
elif [ $download -eq 1 ] || [ ! -d "$vendored/wast/core" ]; then
    download "$work/testsuite"
    select_sources "$work/testsuite"
    convert
else
    echo "get-wasm-spec: converting the vendored sources in $vendored"
    select_sources "$vendored"
    cp "$vendored/LICENSE" "$work/out/"
    convert
fi

count=$(find "$work/out" -mindepth 3 -maxdepth 3 -name '*.json' | wc -l)
if [ "$count" -ne "$expected_scripts" ]; then
    echo "get-wasm-spec: warning: $count scripts, the pinned suite has $expected_scripts" >&2
fi
mv "$work/out" "$dest"
echo "get-wasm-spec: $count scripts in $dest"
if [ "$dest" != "$(cd "$root/.." && pwd)/shared/wasm-spec" ]; then
    echo "get-wasm-spec: not the default location; export WASM_SPEC_DIR=$dest"
fi
