// What the interpreter needs to know about the native (host) stack, which
// Swift cannot ask directly: where the current frame is and where the current
// thread's stack ends. Wasm -> host -> Wasm re-entry recurses on the native
// stack, and its frames are far larger in unoptimised or sanitised builds than
// in release builds, so a fixed re-entry count alone cannot keep it from
// overflowing; the interpreter also checks the bytes left.
#ifndef CNATIVESTACK_H
#define CNATIVESTACK_H

#include <stdint.h>

/// The current frame's address: a stand-in for the stack pointer. (An address
/// of a Swift local is not: sanitisers may move locals to a heap "fake stack".)
static inline uintptr_t cns_frame_address(void) {
    return (uintptr_t)__builtin_frame_address(0);
}

/// Bytes left below the calling frame on the current thread's stack (stacks
/// grow down on every platform we run on), or UINTPTR_MAX when the thread's
/// stack bounds cannot be found. The bounds are looked up once per thread.
uintptr_t cns_stack_bytes_left(void);

#endif
