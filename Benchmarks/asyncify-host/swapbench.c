// Fiber swap benchmark for switch-bench: two fibers ping-pong, each swap made
// `depth` C frames below the fiber's entry, so every swap unwinds and rewinds
// `depth` instrumented frames. Usage: swapbench DEPTH SWAPS.
// Prints "swaps N ns T" where T is the loop's time by the program's own clock
// (real under node; simulated, so 0, under the Swift host, which times the
// run from outside instead).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, fa, fb;
static char cstack_a[65536], cstack_b[65536];
static char astack_a[16384], astack_b[16384], astack_main[1024];
static long swaps_left, swaps_done;
static volatile int sink;

__attribute__((noinline)) static void level(int d, emscripten_fiber_t *self, emscripten_fiber_t *other) {
  if (d > 1) {
    level(d - 1, self, other);
    sink++;  // keeps the recursive call from becoming a tail call
    return;
  }
  while (swaps_left > 0) {
    swaps_left--;
    swaps_done++;
    emscripten_fiber_swap(self, other);
  }
  emscripten_fiber_swap(self, &main_ctx);
}

static int depth;
static void entry_a(void *arg) { level(depth, &fa, &fb); }
static void entry_b(void *arg) { level(depth, &fb, &fa); }

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  depth = argc > 1 ? atoi(argv[1]) : 1;
  swaps_left = argc > 2 ? atol(argv[2]) : 1000;
  if (depth < 1) depth = 1;
  emscripten_fiber_init_from_current_context(&main_ctx, astack_main, sizeof astack_main);
  emscripten_fiber_init(&fa, entry_a, 0, cstack_a, sizeof cstack_a, astack_a, sizeof astack_a);
  emscripten_fiber_init(&fb, entry_b, 0, cstack_b, sizeof cstack_b, astack_b, sizeof astack_b);
  long long start = now_ns();
  emscripten_fiber_swap(&main_ctx, &fa);
  long long elapsed = now_ns() - start;
  printf("swaps %ld ns %lld\n", swaps_done, elapsed);
  exit(0);
}
