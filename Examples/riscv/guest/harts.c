/* Several harts share a work queue and a counter.

   Every hart starts at _start with a0 = its hart id (our emulator starts K
   harts; qemu-riscv64 starts one, with a0 = 0). The harts claim work items
   from a shared `next_item`, record the result, bump the shared `counter`
   and yield (sched_yield) after each item, so under a round-robin scheduler
   they interleave. Hart 0 then waits for the others and prints the results
   in item order: the output is the same whatever the number of harts, which
   is what lets a single-hart qemu run be the reference for our K-hart run.

   RV64IM has no atomics. The read-modify-write sequences are safe because
   harts are scheduled cooperatively: a hart only loses the CPU inside an
   ecall, and none sits between a load and its store. Under qemu there is a
   single thread. */
#include "rt.h"

#define ITEMS 24
#define MAX_HARTS 64

static volatile i64 next_item;
static volatile i64 active;
static volatile i64 counter;
static volatile u64 results[ITEMS];
/* Who did what: not printed (it depends on the hart count) but readable by
   the emulator's tests from guest memory. */
volatile u8 claimed_by[ITEMS];
volatile u64 items_per_hart[MAX_HARTS];

/* Collatz steps of a number: a little work with a data-dependent loop. */
static u64 collatz_steps(u64 n) {
    u64 steps = 0;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

int main(i64 hartid) {
    if (hartid < 0 || hartid >= MAX_HARTS) return 100;
    active = active + 1;
    for (;;) {
        i64 i = next_item;
        if (i >= ITEMS) break;
        next_item = i + 1;
        results[i] = collatz_steps((u64)(27 + 1000 * i));
        claimed_by[i] = (u8)hartid;
        items_per_hart[hartid] = items_per_hart[hartid] + 1;
        counter = counter + 1;
        sys_yield();
    }
    active = active - 1;
    if (hartid != 0) sys_exit(0);
    /* Every other hart has started by now: hart 0 yielded at least once. */
    while (active != 0) sys_yield();

    u64 sum = 0;
    for (int i = 0; i < ITEMS; i++) {
        put_str("collatz(");
        put_udec((u64)(27 + 1000 * i));
        put_str(") = ");
        put_udec(results[i]);
        put_char('\n');
        sum += results[i];
    }
    put_str("counter = ");
    put_dec(counter);
    put_str(", sum = ");
    put_udec(sum);
    put_char('\n');
    return counter == ITEMS ? 0 : 1;
}
