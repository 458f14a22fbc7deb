// Emscripten fibers under node: the real Asyncify, measured for switch-bench.
//
// BASELINE ONLY: switch-bench builds this with `emcc -O2 -sASYNCIFY` at bench
// time and runs it with node; the swift-asyncify product never uses it.
//
// Two fibers ping-pong. Before measuring, each fiber recurses to the requested
// call depth d with a non-inlined function and then swaps in a loop at the
// bottom, so every swap unwinds and rewinds d frames (plus main's own frame).
//
// Usage: node fiber_bench.js RUNS MIN_MS [warmup=MS] DEPTH[:ROUND_TRIPS]...
// Before the first depth, the loop runs for 300 ms (or warmup=MS) so that V8
// has tiered the Wasm and the JS glue up to optimised code. switch-bench also
// runs the same program, built with -sSTANDALONE_WASM, on its own interpreter
// and Asyncify host (with warmup=0: an interpreter has nothing to tier up). A depth given as D:N runs N round
// trips per run; a bare D calibrates N so that one run lasts MIN_MS.
// (switch-bench calibrates once, then runs one round per invocation, so that
// node's runs interleave with the in-process ones.)
// Output, one line per run (switch-bench parses it):
//   depth D run R swaps N ns_per_swap X asyncify_bytes B
// where B is how many bytes of Asyncify data the unwound main fiber occupies
// at depth D (the bytes-per-frame figure is the slope of B against D).

#include <emscripten.h>
#include <emscripten/fiber.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASYNCIFY_BYTES 65536
#define C_STACK_BYTES 65536

static emscripten_fiber_t main_fiber;
static emscripten_fiber_t worker_fiber;
static char main_asyncify[ASYNCIFY_BYTES] __attribute__((aligned(16)));
static char worker_asyncify[ASYNCIFY_BYTES] __attribute__((aligned(16)));
static char worker_c_stack[C_STACK_BYTES] __attribute__((aligned(16)));

static int worker_depth;
static long main_unwound_bytes;

// Keeps the compiler from turning the recursion into a loop or a tail call.
static volatile int sink;

// Never cleared: lets the worker's swap loop look finite to the compiler.
static volatile int keep_swapping = 1;

// Reached by the worker only: recurse to `depth`, then swap back forever.
__attribute__((noinline)) static int worker_down(int depth) {
  if (depth > 1) {
    int r = worker_down(depth - 1);
    sink = r;
    return r + 1;
  }
  // The main fiber has just unwound into its Asyncify area: record its size.
  main_unwound_bytes = (long)((char *)main_fiber.asyncify_data.stack_ptr - main_asyncify);
  while (keep_swapping) {
    emscripten_fiber_swap(&worker_fiber, &main_fiber);
  }
  return 0;
}

static void worker_entry(void *arg) {
  (void)arg;
  worker_down(worker_depth);
  abort();  // worker_down never returns
}

// Recurse to `depth`, then do `round_trips` ping-pongs (2 swaps each).
// Returns elapsed nanoseconds for the loop (warm-up excluded).
__attribute__((noinline)) static double main_down(int depth, long round_trips) {
  if (depth > 1) {
    double r = main_down(depth - 1, round_trips);
    sink = depth;
    return r;
  }
  emscripten_fiber_swap(&main_fiber, &worker_fiber);  // warm-up round trip
  double start = emscripten_get_now();
  for (long i = 0; i < round_trips; i++) {
    emscripten_fiber_swap(&main_fiber, &worker_fiber);
  }
  return (emscripten_get_now() - start) * 1e6;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: fiber_bench RUNS MIN_MS DEPTH...\n");
    return 2;
  }
  int runs = atoi(argv[1]);
  double min_ns = atof(argv[2]) * 1e6;
  emscripten_fiber_init_from_current_context(&main_fiber, main_asyncify, ASYNCIFY_BYTES);
  // Warm-up: let V8 optimise the Wasm and the JS fiber glue before measuring.
  worker_depth = 4;
  emscripten_fiber_init(&worker_fiber, worker_entry, NULL, worker_c_stack, C_STACK_BYTES,
                        worker_asyncify, ASYNCIFY_BYTES);
  int first_depth = 3;
  double warm_ms = 300.0;
  if (strncmp(argv[3], "warmup=", 7) == 0) {
    warm_ms = atof(argv[3] + 7);
    first_depth = 4;
  }
  double warm_until = emscripten_get_now() + warm_ms;
  while (emscripten_get_now() < warm_until) main_down(4, 1024);
  for (int a = first_depth; a < argc; a++) {
    char *rest = NULL;
    long depth = strtol(argv[a], &rest, 10);
    long given_round_trips = (rest && *rest == ':') ? strtol(rest + 1, NULL, 10) : 0;
    if (depth < 1 || depth > 1024) {
      fprintf(stderr, "fiber_bench: depth must be 1...1024, not '%s'\n", argv[a]);
      return 2;
    }
    // A fresh worker for each depth; the old one is abandoned mid-loop.
    worker_depth = (int)depth;
    emscripten_fiber_init(&worker_fiber, worker_entry, NULL, worker_c_stack, C_STACK_BYTES,
                          worker_asyncify, ASYNCIFY_BYTES);
    // Calibrate unless told: double the round trips until a run lasts min_ns.
    long round_trips = given_round_trips > 0 ? given_round_trips : 64;
    double ns = main_down((int)depth, round_trips);
    while (given_round_trips <= 0 && ns < min_ns && round_trips < (1L << 30)) {
      round_trips *= 2;
      ns = main_down((int)depth, round_trips);
    }
    for (int r = 0; r < runs; r++) {
      ns = main_down((int)depth, round_trips);
      printf("depth %ld run %d swaps %ld ns_per_swap %.3f asyncify_bytes %ld\n", depth, r,
             2 * round_trips, ns / (double)(2 * round_trips), main_unwound_bytes);
      fflush(stdout);
    }
  }
  return 0;
}
