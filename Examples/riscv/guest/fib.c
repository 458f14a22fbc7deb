/* Naive recursive Fibonacci: fib(0..20), the last one by about 22 000 calls.
   Exits with fib(20) mod 256 (6765 mod 256 = 109). */
#include "rt.h"

__attribute__((noinline)) static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
    u64 last = 0;
    for (u64 n = 0; n <= 20; n++) {
        last = fib(n);
        put_str("fib(");
        put_udec(n);
        put_str(") = ");
        put_udec(last);
        put_char('\n');
    }
    return (int)(last & 0xFF);
}
