// Deep recursion before a swap: every frame keeps live locals that must
// survive the unwind/rewind of the whole chain.
#include <stdio.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, deep;
static char cstack[256 * 1024];
static char astack[256 * 1024];
static char main_astack[1024];
static volatile int sink;

__attribute__((noinline)) static long descend(int depth, long salt) {
  long local = salt * 7 + depth;
  if (depth == 0) {
    emscripten_fiber_swap(&deep, &main_ctx);
    return local;
  }
  long below = descend(depth - 1, local % 1009);
  sink = depth;
  return (below + local) % 1000003;
}

static void entry(void *arg) {
  long r = descend(500, 1);
  printf("descend(500) = %ld\n", r);
  emscripten_fiber_swap(&deep, &main_ctx);
}

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  emscripten_fiber_init(&deep, entry, 0, cstack, sizeof cstack, astack, sizeof astack);
  emscripten_fiber_swap(&main_ctx, &deep);
  printf("main: fiber is at the bottom\n");
  emscripten_fiber_swap(&main_ctx, &deep);
  printf("main: done\n");
  return 0;
}
