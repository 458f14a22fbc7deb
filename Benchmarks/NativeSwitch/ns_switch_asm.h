// The hand-written assembly context switch of the NativeSwitch BASELINES
// (never used by the product). Freestanding (no libc), so that
// Tests/native-switch-aarch64.sh can also run it under qemu-aarch64.
#ifndef NS_SWITCH_ASM_H
#define NS_SWITCH_ASM_H

#include <stddef.h>
#include <stdint.h>

// ---------------------------------------------------------------------------
// Hand-written assembly switch.
//
// void ns_switch(void **save_sp, void *load_sp): saves the callee-saved
// registers on the current stack, stores the stack pointer into *save_sp,
// switches to load_sp, restores that context's registers and returns into it.
// A new context starts in ns_start, which calls fn(arg) taken from two
// callee-saved registers prepared by ns_make.

#if defined(__APPLE__)
  #define NS_SYM(name) "_" #name
#else
  #define NS_SYM(name) #name
#endif

#if defined(__x86_64__) && !defined(_WIN32)
  #define NS_HAVE_ASM 1
__asm__(
    ".text\n"
    ".p2align 4\n"
    NS_SYM(ns_switch) ":\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    ".p2align 4\n"
    NS_SYM(ns_start) ":\n"
    "  movq %r12, %rdi\n"
    "  callq *%r13\n"
    "  ud2\n");
#elif defined(__aarch64__)
  #define NS_HAVE_ASM 1
__asm__(
    ".text\n"
    ".p2align 4\n"
    NS_SYM(ns_switch) ":\n"
    "  sub sp, sp, #160\n"
    "  stp x19, x20, [sp, #0]\n"
    "  stp x21, x22, [sp, #16]\n"
    "  stp x23, x24, [sp, #32]\n"
    "  stp x25, x26, [sp, #48]\n"
    "  stp x27, x28, [sp, #64]\n"
    "  stp x29, x30, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n"
    "  stp d10, d11, [sp, #112]\n"
    "  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n"
    "  mov x9, sp\n"
    "  str x9, [x0]\n"
    "  mov sp, x1\n"
    "  ldp x19, x20, [sp, #0]\n"
    "  ldp x21, x22, [sp, #16]\n"
    "  ldp x23, x24, [sp, #32]\n"
    "  ldp x25, x26, [sp, #48]\n"
    "  ldp x27, x28, [sp, #64]\n"
    "  ldp x29, x30, [sp, #80]\n"
    "  ldp d8, d9, [sp, #96]\n"
    "  ldp d10, d11, [sp, #112]\n"
    "  ldp d12, d13, [sp, #128]\n"
    "  ldp d14, d15, [sp, #144]\n"
    "  add sp, sp, #160\n"
    "  ret\n"
    ".p2align 4\n"
    NS_SYM(ns_start) ":\n"
    "  mov x0, x19\n"
    "  blr x20\n"
    "  brk #0\n");
#else
  #define NS_HAVE_ASM 0
#endif

#if NS_HAVE_ASM
void ns_switch(void **save_sp, void *load_sp);
void ns_start(void);

// Lays out a fresh stack so that the first ns_switch into it "returns" into
// ns_start with fn and arg in callee-saved registers and an ABI-aligned stack.
static void *ns_make(char *stack, size_t size, void (*fn)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)(stack + size)) & ~(uintptr_t)15;
  #if defined(__x86_64__)
  // Popped in order: r15 r14 r13 r12 rbx rbp, then ret -> ns_start. After the
  // ret, rsp = top - 16, 16-byte aligned as `call` requires.
  uintptr_t *sp = (uintptr_t *)(top - 72);
  sp[0] = 0;                     // r15
  sp[1] = 0;                     // r14
  sp[2] = (uintptr_t)fn;         // r13
  sp[3] = (uintptr_t)arg;        // r12
  sp[4] = 0;                     // rbx
  sp[5] = 0;                     // rbp
  sp[6] = (uintptr_t)&ns_start;  // return address
  sp[7] = 0;
  return sp;
  #else
  // Register save area of 160 bytes: x19..x30 then d8..d15. x30 = ns_start.
  uintptr_t *sp = (uintptr_t *)(top - 160);
  for (int i = 0; i < 20; i++) sp[i] = 0;
  sp[0] = (uintptr_t)arg;        // x19
  sp[1] = (uintptr_t)fn;         // x20
  sp[11] = (uintptr_t)&ns_start; // x30
  return sp;
  #endif
}
#endif  // NS_HAVE_ASM

#endif  // NS_SWITCH_ASM_H
