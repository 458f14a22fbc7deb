#define _GNU_SOURCE
#include "CNativeStack.h"
#include <pthread.h>

// 0: not looked up yet on this thread; 1: unknown.
static _Thread_local uintptr_t cns_low = 0;

static uintptr_t cns_lookup_low(void) {
#if defined(__APPLE__)
    pthread_t self = pthread_self();
    uintptr_t high = (uintptr_t)pthread_get_stackaddr_np(self);
    return high - (uintptr_t)pthread_get_stacksize_np(self);
#else
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return 1;
    void *address = 0;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &address, &size);
    pthread_attr_destroy(&attr);
    return rc == 0 && address ? (uintptr_t)address : 1;
#endif
}

uintptr_t cns_stack_bytes_left(void) {
    if (cns_low == 0) cns_low = cns_lookup_low();
    if (cns_low == 1) return UINTPTR_MAX;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    return here > cns_low ? here - cns_low : 0;
}
