# Entry point shared by every guest program.
#
# Register contract at entry (what our loader sets, and what qemu-riscv64's
# Linux user-mode start gives a static executable):
#   sp = top of this hart's stack (16-byte aligned)
#   a0 = hart id (qemu-user leaves a0 = 0: the single hart is hart 0)
#   a1 = hart count (qemu-user leaves a1 = 0, which the programs read as 1)
# Everything else may hold anything. main(hartid, harts) returns the exit code.
    .section .text.start, "ax"
    .globl _start
_start:
    andi  sp, sp, -16
    call  main
    li    a7, 93            # exit(a0)
    ecall
1:  j     1b
