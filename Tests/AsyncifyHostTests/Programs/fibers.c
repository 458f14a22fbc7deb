#include <stdio.h>
#include <stdlib.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, f1, f2;
static char s1[4096], s2[4096];
static char a0[1024], a1[1024], a2[1024];

static void fib(void *arg) {
  int a = 0, b = 1;
  for (int i = 0; i < 10; i++) {
    printf("%d-", a); int t = a + b; a = b; b = t;
    emscripten_fiber_swap(&f1, &f2);
  }
  emscripten_fiber_swap(&f1, &main_ctx);
}
static void count(void *arg) {
  for (int i = 100; i < 110; i++) {
    printf("%d-", i);
    emscripten_fiber_swap(&f2, &f1);
  }
  emscripten_fiber_swap(&f2, &main_ctx);
}
int main(void) {
  printf("*");
  emscripten_fiber_init_from_current_context(&main_ctx, a0, sizeof a0);
  emscripten_fiber_init(&f1, fib, NULL, s1, sizeof s1, a1, sizeof a1);
  emscripten_fiber_init(&f2, count, NULL, s2, sizeof s2, a2, sizeof a2);
  emscripten_fiber_swap(&main_ctx, &f1);
  printf("*\n");
  return 0;
}
