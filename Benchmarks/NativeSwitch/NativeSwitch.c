// Native context-switch BASELINES for switch-bench (never used by the product).
//
// 1. A hand-written assembly switch in the style of Boost fcontext: push the
//    callee-saved registers, store the stack pointer, load the other stack
//    pointer, pop, return. Nothing else (no signal mask, no FP control word),
//    which is the cheapest a correct cooperative switch can be.
// 2. ucontext `swapcontext`, which also saves and restores the signal mask
//    (a system call per switch).
//
// Both ping-pong between the calling context and a worker context. Each side
// first recurses `depth` frames with a non-inlined function and switches at
// the bottom, so the figures show that a native switch does not depend on how
// deep the stack is (unlike Asyncify, which unwinds and rewinds every frame).

#define _GNU_SOURCE
#if defined(__APPLE__)
  // macOS keeps the (deprecated) ucontext routines behind _XOPEN_SOURCE.
  #define _XOPEN_SOURCE 600
  #pragma clang diagnostic ignored "-Wdeprecated-declarations"
#endif
#include "NativeSwitch.h"

#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "ns_switch_asm.h"

#define WORKER_STACK_BYTES (256 * 1024)
#define MAX_DEPTH 4096

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// Defeats tail-call and loop conversion of the recursions below.
static volatile int recursion_sink;

// Never cleared: lets the workers' switch loops look finite to the compiler.
static volatile int workers_keep_switching = 1;

// How many times the last worker switched back: proves the ping-pong happened.
// This and the contexts below are per thread, so callers on different threads
// do not share them.
static _Thread_local int64_t worker_switches;

int64_t native_last_worker_switches(void) { return worker_switches; }

#if NS_HAVE_ASM

static _Thread_local void *asm_main_sp;
static _Thread_local void *asm_worker_sp;

__attribute__((noinline)) static void asm_worker_down(int depth) {
  if (depth > 1) {
    asm_worker_down(depth - 1);
    recursion_sink = depth;
    return;
  }
  while (workers_keep_switching) {
    worker_switches++;
    ns_switch(&asm_worker_sp, asm_main_sp);
  }
}

static void asm_worker_entry(void *arg) {
  asm_worker_down((int)(intptr_t)arg);
  abort();  // never returns
}

__attribute__((noinline)) static int64_t asm_main_down(int depth, int64_t round_trips) {
  if (depth > 1) {
    int64_t r = asm_main_down(depth - 1, round_trips);
    recursion_sink = depth;
    return r;
  }
  ns_switch(&asm_main_sp, asm_worker_sp);  // warm-up: the worker recurses
  int64_t start = now_ns();
  for (int64_t i = 0; i < round_trips; i++) ns_switch(&asm_main_sp, asm_worker_sp);
  return now_ns() - start;
}
#endif

int native_asm_switch_available(void) { return NS_HAVE_ASM; }

// ---------------------------------------------------------------------------
// Idle contexts, for memory per idle fiber.

typedef struct {
  int32_t count;
  char **stacks;
} idle_contexts;

#if NS_HAVE_ASM
static _Thread_local void *idle_creator_sp;
static _Thread_local void *idle_parked_sp;

static void idle_entry(void *arg) {
  (void)arg;
  // Park at once; the context is never resumed.
  while (workers_keep_switching) ns_switch(&idle_parked_sp, idle_creator_sp);
}
#endif

void *native_asm_idle_contexts_create(int32_t count, int64_t stack_bytes) {
#if NS_HAVE_ASM
  if (count < 0 || stack_bytes < 4096 || stack_bytes > (64 << 20)) return NULL;
  idle_contexts *all = malloc(sizeof(idle_contexts));
  if (!all) return NULL;
  all->count = 0;
  all->stacks = malloc(sizeof(char *) * (size_t)(count > 0 ? count : 1));
  if (!all->stacks) {
    free(all);
    return NULL;
  }
  for (int32_t i = 0; i < count; i++) {
    char *stack = malloc((size_t)stack_bytes);
    if (!stack) {
      native_asm_idle_contexts_destroy(all);
      return NULL;
    }
    all->stacks[all->count++] = stack;
    void *sp = ns_make(stack, (size_t)stack_bytes, idle_entry, NULL);
    ns_switch(&idle_creator_sp, sp);
  }
  return all;
#else
  (void)count;
  (void)stack_bytes;
  return NULL;
#endif
}

void native_asm_idle_contexts_destroy(void *handle) {
  idle_contexts *all = handle;
  if (!all) return;
  for (int32_t i = 0; i < all->count; i++) free(all->stacks[i]);
  free(all->stacks);
  free(all);
}

int64_t native_asm_switch_ns(int32_t depth, int64_t round_trips) {
#if NS_HAVE_ASM
  if (depth < 1 || depth > MAX_DEPTH || round_trips < 0) return -1;
  char *stack = malloc(WORKER_STACK_BYTES);
  if (!stack) return -1;
  asm_worker_sp = ns_make(stack, WORKER_STACK_BYTES, asm_worker_entry, (void *)(intptr_t)depth);
  worker_switches = 0;
  int64_t ns = asm_main_down(depth, round_trips);
  // The worker is parked at the bottom of its loop; its stack is simply dropped.
  free(stack);
  return ns;
#else
  (void)depth;
  (void)round_trips;
  return -1;
#endif
}

// ---------------------------------------------------------------------------
// ucontext swapcontext.

static _Thread_local ucontext_t uc_main;
static _Thread_local ucontext_t uc_worker;

__attribute__((noinline)) static void uc_worker_down(int depth) {
  if (depth > 1) {
    uc_worker_down(depth - 1);
    recursion_sink = depth;
    return;
  }
  while (workers_keep_switching) {
    worker_switches++;
    swapcontext(&uc_worker, &uc_main);
  }
}

static void uc_worker_entry(int depth) {
  uc_worker_down(depth);
  abort();  // never returns
}

__attribute__((noinline)) static int64_t uc_main_down(int depth, int64_t round_trips) {
  if (depth > 1) {
    int64_t r = uc_main_down(depth - 1, round_trips);
    recursion_sink = depth;
    return r;
  }
  if (swapcontext(&uc_main, &uc_worker) != 0) return -1;  // warm-up
  int64_t start = now_ns();
  for (int64_t i = 0; i < round_trips; i++) swapcontext(&uc_main, &uc_worker);
  return now_ns() - start;
}

int64_t native_ucontext_switch_ns(int32_t depth, int64_t round_trips) {
  if (depth < 1 || depth > MAX_DEPTH || round_trips < 0) return -1;
  char *stack = malloc(WORKER_STACK_BYTES);
  if (!stack) return -1;
  if (getcontext(&uc_worker) != 0) {
    free(stack);
    return -1;
  }
  uc_worker.uc_stack.ss_sp = stack;
  uc_worker.uc_stack.ss_size = WORKER_STACK_BYTES;
  uc_worker.uc_link = NULL;
  makecontext(&uc_worker, (void (*)(void))uc_worker_entry, 1, (int)depth);
  worker_switches = 0;
  int64_t ns = uc_main_down(depth, round_trips);
  free(stack);
  return ns;
}
