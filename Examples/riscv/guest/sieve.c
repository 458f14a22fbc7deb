/* Sieve of Eratosthenes: the primes below 1000, ten per line, then their
   count. Exits with the count (168). */
#include "rt.h"

#define LIMIT 1000
static u8 composite[LIMIT];

int main(void) {
    for (int i = 2; i * i < LIMIT; i++)
        if (!composite[i])
            for (int j = i * i; j < LIMIT; j += i) composite[j] = 1;
    int count = 0;
    for (int i = 2; i < LIMIT; i++) {
        if (composite[i]) continue;
        put_udec((u64)i);
        count++;
        put_char(count % 10 == 0 ? '\n' : ' ');
    }
    put_str("\nprimes below 1000: ");
    put_udec((u64)count);
    put_char('\n');
    return count;
}
