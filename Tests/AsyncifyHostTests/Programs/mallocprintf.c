// Heavy malloc/free and printf across swaps: the allocator and stdio state
// live in linear memory and must be consistent whichever fiber runs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <emscripten/fiber.h>

static emscripten_fiber_t main_ctx, a, b;
static char sa[16384], sb[16384], aa[4096], ab[4096], am[1024];

static void work(void *arg) {
  int id = (int)(long)arg;
  emscripten_fiber_t *self = id ? &b : &a, *other = id ? &a : &b;
  unsigned long checksum = 0;
  for (int i = 0; i < 200; i++) {
    size_t n = 16 + (size_t)((i * 37 + id * 11) % 500);
    char *p = malloc(n);
    memset(p, 'a' + (i + id) % 26, n);
    p[n - 1] = 0;
    checksum = checksum * 131 + strlen(p) + (unsigned char)p[0];
    if (i % 25 == 0) printf("[%c] i=%d n=%zu %.8s\n", 'A' + id, i, n, p);
    emscripten_fiber_swap(self, other);
    free(p);
  }
  printf("[%c] checksum %lu\n", 'A' + id, checksum % 1000000007UL);
  emscripten_fiber_swap(self, id ? &main_ctx : other);
  emscripten_fiber_swap(self, &main_ctx);
}

int main(void) {
  emscripten_fiber_init_from_current_context(&main_ctx, am, sizeof am);
  emscripten_fiber_init(&a, work, (void *)0, sa, sizeof sa, aa, sizeof aa);
  emscripten_fiber_init(&b, work, (void *)1, sb, sizeof sb, ab, sizeof ab);
  emscripten_fiber_swap(&main_ctx, &a);
  printf("main done\n");
  return 0;
}
