#!/usr/bin/env bash
# Builds the guest programs into static RV64IM ELFs (bin/*.elf) with the Swift
# toolchain's clang and ld.lld, and, when qemu-riscv64 is installed, records
# what qemu prints for each one (expected/NAME.stdout and NAME.exitcode) - the
# independent reference the emulator's tests compare against.
#
#   ./build.sh            build the ELFs and record qemu's outputs
#   ./build.sh --no-qemu  build the ELFs only
set -euo pipefail
cd "$(dirname "$0")"

CLANG=${CLANG:-/opt/swift/usr/bin/clang}
[ -x "$CLANG" ] || CLANG=$(command -v clang)
CFLAGS=(--target=riscv64-unknown-elf -march=rv64im -mabi=lp64 -mno-relax
        -nostdlib -static -ffreestanding -fno-builtin -O2 -Wall -Werror)
PROGRAMS=(hello sieve crc32 fib harts isa bench)

mkdir -p bin expected
for p in "${PROGRAMS[@]}"; do
    "$CLANG" "${CFLAGS[@]}" -fuse-ld=lld -Wl,--build-id=none \
        start.S rt.c "$p.c" -o "bin/$p.elf"
done

if [ "${1:-}" = "--no-qemu" ]; then exit 0; fi
if ! command -v qemu-riscv64 >/dev/null 2>&1; then
    echo "qemu-riscv64 not installed: expected outputs not refreshed" >&2
    exit 0
fi
for p in "${PROGRAMS[@]}"; do
    set +e
    qemu-riscv64 "bin/$p.elf" >"expected/$p.stdout"
    code=$?
    set -e
    echo "$code" >"expected/$p.exitcode"
    echo "$p: exit $code, $(wc -c <"expected/$p.stdout") bytes"
done
