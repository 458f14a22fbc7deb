/* A longer workload for `riscv-demo bench` (about 30 million instructions, so
   that translation and compilation are a small share of the run): CRC-32 of a
   64 KiB LCG buffer in 16 rounds (each round's CRC seeds the next buffer byte),
   the primes below 300 000 by a sieve, and recursive fib(27). Exits with the
   low 7 bits of the last CRC. Not part of the test programs (too slow for the
   debug-mode test suite); build.sh records qemu's output for it all the same. */
#include "rt.h"

#define SIZE 65536
#define LIMIT 300000
static u32 table[256];
static u8 buffer[SIZE];
static u8 composite[LIMIT];

static u32 crc32(const u8 *p, u64 len) {
    u32 c = 0xFFFFFFFFu;
    for (u64 i = 0; i < len; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

__attribute__((noinline)) static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
    for (u32 n = 0; n < 256; n++) {
        u32 c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    u64 x = 0x243F6A8885A308D3ul;
    for (u64 i = 0; i < SIZE; i++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        buffer[i] = (u8)(x >> 56);
    }
    u32 crc = 0;
    for (int round = 0; round < 16; round++) {
        buffer[round] ^= (u8)crc;
        crc = crc32(buffer, SIZE);
    }
    put_str("crc32 rounds: ");
    put_hex(crc, 8);
    put_char('\n');

    u64 primes = 0;
    for (u64 i = 2; i < LIMIT; i++) {
        if (composite[i]) continue;
        primes++;
        for (u64 j = i * i; j < LIMIT; j += i) composite[j] = 1;
    }
    put_str("primes below 300000: ");
    put_udec(primes);
    put_char('\n');

    put_str("fib(27) = ");
    put_udec(fib(27));
    put_char('\n');
    return (int)(crc & 0x7F);
}
