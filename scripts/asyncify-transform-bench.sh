#!/usr/bin/env bash
# Our Asyncify pass (`asyncify instrument`) against Binaryen's (`wasm-opt
# --asyncify`, the version installed), measured side by side in one run:
#   1. output size on the emcc fiber programs' pre-Asyncify modules
#      (Tests/AsyncifyTransformTests/Programs/*.pre.wasm), against
#      `wasm-opt -O2 --asyncify` (what emcc runs);
#   2. pass time, whole process, on a small module (fibers, 17 KB) and on a
#      large generated emcc build (LARGE_FUNCTIONS C functions, default 20000:
#      about 3 MB of Wasm; LARGE_PRE=path.wasm with LARGE_IMPORTS=path reuse
#      a build, since emcc takes minutes on it);
#   3. swap time: a two-fiber ping-pong (SWAPS swaps, default 200000) built by
#      emcc, instrumented by each pass, under node with emcc's JS glue and on
#      our host (`asyncify run`).
# Needs: a release build of `asyncify` (built here), wasm-opt, emcc, node;
# Usage: scripts/asyncify-transform-bench.sh [workdir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
LARGE_FUNCTIONS=${LARGE_FUNCTIONS:-20000}
SWAPS=${SWAPS:-200000}
for tool in wasm-opt emcc node; do
    command -v $tool >/dev/null || { echo "skipped: $tool not installed"; exit 0; }
done
# ASYNCIFY=path uses an existing release build instead of building one.
if [ -z "${ASYNCIFY:-}" ]; then
    (cd "$root" && swift build -c release --product asyncify 2>&1 | grep -E 'error|warning' || true)
fi
asyncify=${ASYNCIFY:-$root/.build/release/asyncify}
programs="$root/Tests/AsyncifyTransformTests/Programs"
echo "# asyncify-transform-bench $(date -u +%FT%TZ)  load: $(uptime | sed 's/.*load average: //')"
echo "# $(wasm-opt --version)"

# Best-of-N wall time of a command, in milliseconds.
best_ms() {
    local n=$1; shift
    local best=
    for _ in $(seq "$n"); do
        local t0 t1
        t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
        local ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

# Best-of-N CPU time (user + system) of a command, in milliseconds; "-" without GNU time.
# Wall time on a loaded machine mostly measures waiting for a core; CPU time does not.
best_cpu_ms() {
    local n=$1; shift
    [ -x /usr/bin/time ] || { echo "-"; return; }
    local best=
    for _ in $(seq "$n"); do
        /usr/bin/time -o "$work/cpu.txt" -f "%U %S" "$@" >/dev/null 2>&1
        local ms
        ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/cpu.txt")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

echo
echo "## 1. Output size (bytes)"
echo "| program | input | wasm-opt -O2 --asyncify | ours | ours / Binaryen | ours after wasm-opt -O2 | ratio |"
echo "|---|---|---|---|---|---|---|"
for pre in "$programs"/*.pre.wasm; do
    name=$(basename "$pre" .pre.wasm)
    imports=$(cat "$programs/$name.imports")
    wasm-opt -O2 --asyncify "--pass-arg=asyncify-imports@$imports" "$pre" -o "$work/$name.binaryen.wasm"
    "$asyncify" instrument "$pre" --imports "$imports" -o "$work/$name.ours.wasm"
    wasm-opt -O2 "$pre" -o "$work/$name.O2.wasm"
    "$asyncify" instrument "$work/$name.O2.wasm" --imports "$imports" -o "$work/$name.O2.ours.wasm"
    b=$(wc -c < "$work/$name.binaryen.wasm"); o=$(wc -c < "$work/$name.ours.wasm"); o2=$(wc -c < "$work/$name.O2.ours.wasm")
    echo "| $name | $(wc -c < "$pre") | $b | $o | $(echo "scale=3; $o / $b" | bc) | $o2 | $(echo "scale=3; $o2 / $b" | bc) |"
done

echo
echo "## 2. Pass time (whole process, best of 3; CPU = user + system)"
if [ -n "${LARGE_PRE:-}" ]; then
    cp "$LARGE_PRE" "$work/large.pre.wasm"; cp "$LARGE_IMPORTS" "$work/large.imports"
else
    # A large emcc build: many functions with loops, switches and calls, some of which sleep.
    python3 - "$work/large.c" "$LARGE_FUNCTIONS" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
out = ["#include <emscripten.h>", "#include <stdio.h>", "volatile int sink;"]
for i in range(n):
    out.append(f"int f{i}(int a, int b);")
for i in range(n):
    body = [f"int f{i}(int a, int b) {{", "  int s = a ^ b, t = a * 3;"]
    for k in range(r.randint(3, 8)):
        c = r.random()
        if c < 0.3 and i > 0:
            j = r.randrange(max(0, i - 200), i)
            body.append(f"  s += f{j}(s & 7, t) * {r.randint(1, 9)};")
        elif c < 0.35:
            body.append("  emscripten_sleep(0);")
        elif c < 0.6:
            body.append(f"  for (int k = 0; k < (a & 3); k++) {{ t = t * 31 + k + s; s ^= t >> {r.randint(1, 9)}; }}")
        elif c < 0.8:
            body.append(f"  switch ((s + t) & 3) {{ case 0: s += {r.randint(1,99)}; break; case 1: t ^= s; break; case 2: s = s * t; break; default: sink = s; }}")
        else:
            body.append(f"  if (s > t) s -= t; else t -= s;")
    body.append("  return s + t;")
    body.append("}")
    out += body
out.append('int main(void) { printf("%d\\n", f' + str(n - 1) + '(1, 2)); return 0; }')
open(path, "w").write("\n".join(out) + "\n")
PY
    large_dir="$work/large-build"; rm -rf "$large_dir"; mkdir -p "$large_dir"
    EMCC_DEBUG=1 EMCC_TEMP_DIR="$large_dir" emcc -O1 -sASYNCIFY -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 \
    "$work/large.c" -o "$large_dir/large.wasm" > "$large_dir/log" 2>&1
    cp "$large_dir/emscripten_temp/emcc-2-post_finalize.wasm" "$work/large.pre.wasm"
    grep -o 'asyncify-imports@[^ ]*' "$large_dir/log" | head -1 | sed 's/^asyncify-imports@//' > "$work/large.imports"
fi
echo "| module | size | wasm-opt --asyncify ms | asyncify instrument ms | speed-up | CPU ms, wasm-opt / ours | CPU speed-up | wasm-opt -O2 --asyncify ms | output ours / Binaryen -O2 |"
echo "|---|---|---|---|---|---|---|---|---|"
for pair in "fibers:$programs/fibers.pre.wasm:$programs/fibers.imports" "large:$work/large.pre.wasm:$work/large.imports"; do
    IFS=: read -r name pre list <<< "$pair"
    imports=$(cat "$list")
    tb=$(best_ms 3 wasm-opt --asyncify "--pass-arg=asyncify-imports@$imports" "$pre" -o "$work/t.b.wasm")
    to=$(best_ms 3 "$asyncify" instrument "$pre" --imports "$imports" -o "$work/t.o.wasm")
    cb=$(best_cpu_ms 3 wasm-opt --asyncify "--pass-arg=asyncify-imports@$imports" "$pre" -o "$work/t.b.wasm")
    co=$(best_cpu_ms 3 "$asyncify" instrument "$pre" --imports "$imports" -o "$work/t.o.wasm")
    cpu_ratio=-
    # GNU time counts CPU in 10 ms steps: below that a ratio would be noise
    # (0 ms gave "100x" on the 17 KB module), so it is left out.
    if [ "$cb" != - ] && [ "$co" -ge 10 ]; then cpu_ratio=$(echo "scale=1; $cb / $co" | bc); fi
    tb2=$(best_ms 1 wasm-opt -O2 --asyncify "--pass-arg=asyncify-imports@$imports" "$pre" -o "$work/t.b2.wasm")
    sizes=$(echo "scale=3; $(wc -c < "$work/t.o.wasm") / $(wc -c < "$work/t.b2.wasm")" | bc)
    echo "| $name | $(wc -c < "$pre") | $tb | $to | $(echo "scale=1; $tb / ($to + 0.5)" | bc) | $cb / $co | $cpu_ratio | $tb2 | $sizes |"
done

echo
echo "## 3. Swap time (ns per swap, $SWAPS swaps)"
cat > "$work/swapbench.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <emscripten/fiber.h>
static emscripten_fiber_t main_ctx, worker;
static char cstack[65536], astack[4096], main_astack[4096];
static volatile long counter;
static long swaps;
static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static void entry(void *arg) { for (;;) { counter++; emscripten_fiber_swap(&worker, &main_ctx); } }
int main(void) {
  swaps = SWAPS;
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  emscripten_fiber_init(&worker, entry, 0, cstack, sizeof cstack, astack, sizeof astack);
  double t0 = now_ns();
  for (long i = 0; i < swaps / 2; i++) emscripten_fiber_swap(&main_ctx, &worker);
  double t1 = now_ns();
  printf("%.1f\n", (t1 - t0) / swaps);
  return counter == swaps / 2 ? 0 : 1;
}
C
for flavour in standalone js; do
    d="$work/swap-$flavour"; rm -rf "$d"; mkdir -p "$d/ours"
    if [ $flavour = standalone ]; then
        EMCC_DEBUG=1 EMCC_TEMP_DIR="$d" emcc -O2 -DSWAPS=$SWAPS -sASYNCIFY -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 \
            "$work/swapbench.c" -o "$d/b.wasm" > "$d/log" 2>&1
    else
        EMCC_DEBUG=1 EMCC_TEMP_DIR="$d" emcc -O2 -DSWAPS=$SWAPS -sASYNCIFY -sEXIT_RUNTIME=1 \
            "$work/swapbench.c" -o "$d/b.js" > "$d/log" 2>&1
        cp "$d/emscripten_temp/emcc-3-original.js" "$d/ours/b.js"
    fi
    imports=$(grep -o 'asyncify-imports@[^ ]*' "$d/log" | head -1 | sed 's/^asyncify-imports@//')
    "$asyncify" instrument "$d/emscripten_temp/emcc-2-post_finalize.wasm" --imports "$imports" -o "$d/ours/b.wasm"
done
run_best() { local best=; for _ in 1 2 3; do v=$("$@"); if [ -z "$best" ] || [ "$(echo "$v < $best" | bc)" = 1 ]; then best=$v; fi; done; echo "$best"; }
nb=$(run_best node --no-experimental-fetch "$work/swap-js/b.js")
no=$(run_best node --no-experimental-fetch "$work/swap-js/ours/b.js")
# The host's clock is virtual (it advances only on sleeps), so time whole runs there.
hb=$(echo "scale=1; $(best_ms 3 "$asyncify" run "$work/swap-standalone/b.wasm") * 1000000 / $SWAPS" | bc)
ho=$(echo "scale=1; $(best_ms 3 "$asyncify" run "$work/swap-standalone/ours/b.wasm") * 1000000 / $SWAPS" | bc)
echo "| engine | Binaryen-instrumented | ours | ours / Binaryen |"
echo "|---|---|---|---|"
echo "| node (emcc JS glue) | $nb | $no | $(echo "scale=3; $no / $nb" | bc) |"
echo "| our host (asyncify run, whole process) | $hb | $ho | $(echo "scale=3; $ho / $hb" | bc) |"
echo "| size of the swapbench module (bytes) | $(wc -c < "$work/swap-standalone/b.wasm") | $(wc -c < "$work/swap-standalone/ours/b.wasm") | |"
