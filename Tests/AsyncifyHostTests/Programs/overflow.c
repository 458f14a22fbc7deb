// A fiber with a tiny Asyncify stack: unwinding its frames does not fit.
#include <stdio.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, f;
static char cstack[65536], astack[32], main_astack[1024];

__attribute__((noinline)) static int deep(int n) {
  int keep = n * 3;
  if (n == 0) {
    emscripten_fiber_swap(&f, &main_ctx);
    return keep;
  }
  return deep(n - 1) + keep;
}

static void entry(void *arg) {
  printf("result %d\n", deep(40));
  emscripten_fiber_swap(&f, &main_ctx);
}

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  emscripten_fiber_init(&f, entry, 0, cstack, sizeof cstack, astack, sizeof astack);
  printf("start\n");
  emscripten_fiber_swap(&main_ctx, &f);
  printf("back in main\n");
  return 0;
}
