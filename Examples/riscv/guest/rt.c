#include "rt.h"

static u64 str_len(const char *s) {
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

void put_str(const char *s) { sys_write(1, s, str_len(s)); }

void put_char(char c) { sys_write(1, &c, 1); }

void put_udec(u64 v) {
    char buf[24];
    int i = 24;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sys_write(1, buf + i, (u64)(24 - i));
}

void put_dec(i64 v) {
    if (v < 0) {
        put_char('-');
        put_udec((u64)0 - (u64)v);
    } else {
        put_udec((u64)v);
    }
}

void put_hex(u64 v, int digits) {
    char buf[16];
    for (int i = digits - 1; i >= 0; i--) {
        buf[i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    }
    sys_write(1, buf, (u64)digits);
}

/* clang may lower loops and aggregate initialisers to these. */
void *memset(void *d, int c, u64 n) {
    volatile u8 *p = d;
    while (n--) *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, u64 n) {
    volatile u8 *p = d;
    const u8 *q = s;
    while (n--) *p++ = *q++;
    return d;
}
