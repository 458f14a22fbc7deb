// A swap into a context made by emscripten_fiber_init_from_current_context
// that no swap has completed. Emscripten leaves this undefined; the Swift host
// reports it as a typed error naming the fiber.
#include <stdio.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, other;
static char main_astack[1024], other_astack[1024];

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  emscripten_fiber_init_from_current_context(&other, other_astack, sizeof other_astack);
  printf("swapping into an incomplete context\n");
  emscripten_fiber_swap(&main_ctx, &other);
  printf("after the swap\n");
  return 0;
}
