// emscripten_sleep in a loop: each sleep unwinds to the host and rewinds.
#include <stdio.h>
#include <stdlib.h>
#include <emscripten.h>

int main(void) {
  int total = 0;
  for (int i = 0; i < 10; i++) {
    total += i * i;
    emscripten_sleep(5);
    printf("tick %d total %d\n", i, total);
  }
  // exit() rather than return: under node an unwound main's return value is lost.
  exit(total % 256);
}
