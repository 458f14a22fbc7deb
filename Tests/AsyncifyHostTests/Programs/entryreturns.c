// A fiber whose entry function returns. Emscripten leaves this undefined;
// the Swift host reports it as a typed error naming the fiber.
#include <stdio.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, f;
static char cstack[8192], astack[1024], main_astack[1024];

static void entry(void *arg) {
  printf("entry runs once\n");
}

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  emscripten_fiber_init(&f, entry, 0, cstack, sizeof cstack, astack, sizeof astack);
  printf("before swap\n");
  emscripten_fiber_swap(&main_ctx, &f);
  printf("never printed\n");
  return 0;
}
