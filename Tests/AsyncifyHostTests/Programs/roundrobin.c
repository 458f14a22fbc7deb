// Many fibers run round-robin: each prints its id and a running counter,
// then swaps to the next; the last swaps back to main when all are done.
#include <stdio.h>
#include <stdlib.h>
#include <emscripten/fiber.h>

#define N 16
#define ROUNDS 5
static emscripten_fiber_t main_ctx, fibers[N];
static char cstacks[N][8192];
static char astacks[N][2048];
static char main_astack[1024];
static int finished;

static void worker(void *arg) {
  int id = (int)(long)arg;
  long acc = id;
  for (int r = 0; r < ROUNDS; r++) {
    acc = acc * 31 + r;
    printf("f%d:r%d:%ld\n", id, r, acc % 1000);
    emscripten_fiber_swap(&fibers[id], &fibers[(id + 1) % N]);
  }
  finished++;
  if (finished == N) emscripten_fiber_swap(&fibers[id], &main_ctx);
  emscripten_fiber_swap(&fibers[id], &fibers[(id + 1) % N]);
}

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, main_astack, sizeof main_astack);
  for (int i = 0; i < N; i++)
    emscripten_fiber_init(&fibers[i], worker, (void *)(long)i, cstacks[i], sizeof cstacks[i],
                          astacks[i], sizeof astacks[i]);
  emscripten_fiber_swap(&main_ctx, &fibers[0]);
  printf("done %d\n", finished);
  exit(3); // exit(), not return: under node an unwound main's return value is lost
}
