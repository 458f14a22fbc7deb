// Freestanding check of the NativeSwitch BASELINE assembly switch (no libc):
// a ping-pong in which the worker overwrites every callee-saved register
// before switching back, so the caller's values survive only if ns_switch
// saves and restores them (checked register by register in assembly). Built and run by SwitchBenchTests, natively on
// x86_64 and under qemu-aarch64 for AArch64:
//   clang --target=aarch64-linux-gnu -O2 -ffreestanding -nostdlib -static \
//     -fuse-ld=lld -I Benchmarks/NativeSwitch switch_check.c -o check
// Exit status 0 and "ok" on stdout when the switch is correct.

#include "ns_switch_asm.h"

#if !NS_HAVE_ASM
  #error "no assembly switch for this architecture"
#endif

static void *main_sp;
static void *worker_sp;
static long worker_rounds;
static char worker_stack[64 * 1024] __attribute__((aligned(16)));

static long sys_call3(long number, long a, long b, long c) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
#endif
}

#if defined(__x86_64__)
  #define SYS_WRITE 1
  #define SYS_EXIT 60
#else
  #define SYS_WRITE 64
  #define SYS_EXIT 93
#endif

static void finish(int ok) {
  if (ok) sys_call3(SYS_WRITE, 1, (long)"ok\n", 3);
  sys_call3(SYS_EXIT, ok ? 0 : 1, 0, 0);
  for (;;) {
  }
}

// Overwrites every callee-saved register with junk.
static void clobber_callee_saved(void) {
#if defined(__x86_64__)
  __asm__ volatile(
      "movq $-1, %%rbx\n movq $-1, %%r12\n movq $-1, %%r13\n movq $-1, %%r14\n movq $-1, %%r15\n"
      :
      :
      : "rbx", "r12", "r13", "r14", "r15");
#else
  __asm__ volatile(
      "mov x19, #-1\n mov x20, #-1\n mov x21, #-1\n mov x22, #-1\n mov x23, #-1\n"
      "mov x24, #-1\n mov x25, #-1\n mov x26, #-1\n mov x27, #-1\n mov x28, #-1\n"
      "fmov d8, #-1.0\n fmov d9, #-1.0\n fmov d10, #-1.0\n fmov d11, #-1.0\n"
      "fmov d12, #-1.0\n fmov d13, #-1.0\n fmov d14, #-1.0\n fmov d15, #-1.0\n"
      :
      :
      : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "d8", "d9", "d10",
        "d11", "d12", "d13", "d14", "d15");
#endif
}

// long check_registers(void **save_sp, void *load_sp): a function in assembly
// that puts known values in every callee-saved register, switches with
// ns_switch (the worker clobbers them all, then switches back) and returns how
// many of those registers no longer hold their value. Written in assembly so
// the compiler cannot keep the values anywhere else.
#if defined(__x86_64__)
__asm__(
    ".text\n"
    "check_registers:\n"
    "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  subq $8, %rsp\n"
    "  movq $0x1111, %rbx\n  movq $0x2222, %rbp\n  movq $0x3333, %r12\n"
    "  movq $0x4444, %r13\n  movq $0x5555, %r14\n  movq $0x6666, %r15\n"
    "  callq ns_switch\n"
    "  xorl %eax, %eax\n"
    "  cmpq $0x1111, %rbx\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  cmpq $0x2222, %rbp\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  cmpq $0x3333, %r12\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  cmpq $0x4444, %r13\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  cmpq $0x5555, %r14\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  cmpq $0x6666, %r15\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
    "  addq $8, %rsp\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n"
    "  ret\n");
#else
  #define CHECK_X(n) "  cmp x" #n ", #" #n "\n  cinc x0, x0, ne\n"
  #define CHECK_D(n) "  fmov d0, #" #n ".0\n  fcmp d" #n ", d0\n  cinc x0, x0, ne\n"
__asm__(
    ".text\n"
    "check_registers:\n"
    "  sub sp, sp, #160\n"
    "  stp x19, x20, [sp, #0]\n  stp x21, x22, [sp, #16]\n  stp x23, x24, [sp, #32]\n"
    "  stp x25, x26, [sp, #48]\n  stp x27, x28, [sp, #64]\n  stp x29, x30, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n  stp d10, d11, [sp, #112]\n  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n"
    "  mov x19, #19\n  mov x20, #20\n  mov x21, #21\n  mov x22, #22\n  mov x23, #23\n"
    "  mov x24, #24\n  mov x25, #25\n  mov x26, #26\n  mov x27, #27\n  mov x28, #28\n"
    "  fmov d8, #8.0\n  fmov d9, #9.0\n  fmov d10, #10.0\n  fmov d11, #11.0\n"
    "  fmov d12, #12.0\n  fmov d13, #13.0\n  fmov d14, #14.0\n  fmov d15, #15.0\n"
    "  bl ns_switch\n"
    "  mov x0, #0\n"
    CHECK_X(19) CHECK_X(20) CHECK_X(21) CHECK_X(22) CHECK_X(23)
    CHECK_X(24) CHECK_X(25) CHECK_X(26) CHECK_X(27) CHECK_X(28)
    CHECK_D(8) CHECK_D(9) CHECK_D(10) CHECK_D(11) CHECK_D(12) CHECK_D(13) CHECK_D(14) CHECK_D(15)
    "  ldp x19, x20, [sp, #0]\n  ldp x21, x22, [sp, #16]\n  ldp x23, x24, [sp, #32]\n"
    "  ldp x25, x26, [sp, #48]\n  ldp x27, x28, [sp, #64]\n  ldp x29, x30, [sp, #80]\n"
    "  ldp d8, d9, [sp, #96]\n  ldp d10, d11, [sp, #112]\n  ldp d12, d13, [sp, #128]\n"
    "  ldp d14, d15, [sp, #144]\n"
    "  add sp, sp, #160\n"
    "  ret\n");
#endif
long check_registers(void **save_sp, void *load_sp);

static void worker(void *arg) {
  long *rounds = arg;
  for (;;) {
    *rounds += 1;
    clobber_callee_saved();
    ns_switch(&worker_sp, main_sp);
  }
}

// Keeps many values live across each switch, so the compiler holds them in
// callee-saved registers (integer and floating point).
__attribute__((noinline)) static int ping_pong(long n) {
  long a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7;
  double x = 0.5, y = 1.5, z = 2.5, w = 3.5;
  for (long i = 0; i < n; i++) {
    ns_switch(&main_sp, worker_sp);
    a += 1; b += 2; c += 3; d += 4; e += 5; f += 6; g += 7;
    x += 1.0; y += 2.0; z += 3.0; w += 4.0;
  }
  return a == 1 + n && b == 2 + 2 * n && c == 3 + 3 * n && d == 4 + 4 * n && e == 5 + 5 * n &&
         f == 6 + 6 * n && g == 7 + 7 * n && x == 0.5 + n && y == 1.5 + 2.0 * n &&
         z == 2.5 + 3.0 * n && w == 3.5 + 4.0 * n;
}

// The process entry point: align the stack as for a call, then run the check.
#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n  xorl %ebp, %ebp\n  andq $-16, %rsp\n  callq check_main\n  ud2\n");
#else
__asm__(".globl _start\n_start:\n  mov x29, #0\n  bl check_main\n  brk #0\n");
#endif

__attribute__((used)) void check_main(void) {
  worker_sp = ns_make(worker_stack, sizeof worker_stack, worker, &worker_rounds);
  int ok = ping_pong(1000);
  for (int i = 0; i < 10; i++) ok = ok && check_registers(&main_sp, worker_sp) == 0;
  finish(ok && worker_rounds == 1010);
}
