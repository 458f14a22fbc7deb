/* Naive recursive Fibonacci: fib(0..25), the last one by about 250 000 calls.
   Exits with fib(25) mod 256 (75025 mod 256 = 17). */
#include "rt.h"

__attribute__((noinline)) static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
    u64 last = 0;
    for (u64 n = 0; n <= 25; n++) {
        last = fib(n);
        put_str("fib(");
        put_udec(n);
        put_str(") = ");
        put_udec(last);
        put_char('\n');
    }
    return (int)(last & 0xFF);
}
