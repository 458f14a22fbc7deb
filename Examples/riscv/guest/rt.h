/* A freestanding runtime for the guest programs: Linux RISC-V system calls
   through ecall and printf-free number formatting. No libc. */
#ifndef RT_H
#define RT_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;

#define SYS_write 64
#define SYS_exit 93
#define SYS_sched_yield 124

static inline i64 syscall3(i64 n, i64 a, i64 b, i64 c) {
    register i64 a0 __asm__("a0") = a;
    register i64 a1 __asm__("a1") = b;
    register i64 a2 __asm__("a2") = c;
    register i64 a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static inline i64 sys_write(int fd, const void *buf, u64 len) {
    return syscall3(SYS_write, fd, (i64)buf, (i64)len);
}
/* Linux exit(93): ends the calling thread (hart); the last one ends the process. */
__attribute__((noreturn)) static inline void sys_exit(int code) {
    syscall3(SYS_exit, code, 0, 0);
    for (;;) {}
}
static inline void sys_yield(void) { syscall3(SYS_sched_yield, 0, 0, 0); }

void put_str(const char *s);
void put_char(char c);
void put_udec(u64 v);
void put_dec(i64 v);
void put_hex(u64 v, int digits);
void *memset(void *d, int c, u64 n);
void *memcpy(void *d, const void *s, u64 n);

#endif
