#ifndef NATIVE_SWITCH_H
#define NATIVE_SWITCH_H

// Native context-switch BASELINES for switch-bench. The swift-asyncify product
// never uses anything in this target: it exists only so the benchmark can show
// what a switch costs natively, measured in the same run as our fibers.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this build has the hand-written assembly switch (x86_64 System V
/// or AArch64 AAPCS64). When 0, `native_asm_switch_ns` returns -1.
int native_asm_switch_available(void);

/// Ping-pongs between two contexts with the hand-written assembly switch.
///
/// Both contexts first recurse `depth` frames deep with a non-inlined C
/// function, then switch `round_trips` times at the bottom (two one-way
/// switches per round trip). Returns the elapsed CLOCK_MONOTONIC nanoseconds
/// of the switching loop only, or -1 when unsupported or `depth` is out of
/// range (1...4096).
int64_t native_asm_switch_ns(int32_t depth, int64_t round_trips);

/// The same ping-pong with ucontext `swapcontext` (which also saves and
/// restores the signal mask with a system call). Returns -1 on failure.
int64_t native_ucontext_switch_ns(int32_t depth, int64_t round_trips);

/// How many times the worker of the last `native_asm_switch_ns` or
/// `native_ucontext_switch_ns` call switched back to the caller: one for the
/// warm-up plus one per round trip when the ping-pong really happened.
int64_t native_last_worker_switches(void);

/// Creates `count` parked contexts for the memory-per-idle-fiber baseline:
/// each gets a `stack_bytes` malloc'd stack, is switched into once and
/// switches straight back, so it holds a real suspended frame. Returns an
/// opaque handle for `native_asm_idle_contexts_destroy`, or NULL on failure
/// (no assembly switch, bad arguments or out of memory).
void *native_asm_idle_contexts_create(int32_t count, int64_t stack_bytes);

/// Frees what `native_asm_idle_contexts_create` made (NULL is ignored).
void native_asm_idle_contexts_destroy(void *handle);

#ifdef __cplusplus
}
#endif

#endif
