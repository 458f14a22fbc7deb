/* Every RV64IM instruction over a grid of edge-case operands. Each line is
   an instruction name and an FNV-style hash of its results over all operand
   pairs, so a wrong result anywhere shows up as a changed line next to the
   instruction that produced it. qemu-riscv64 gives the reference output. */
#include "rt.h"

static const u64 values[] = {
    0, 1, 2, 31, 32, 63, 64, 0x7f, 0x80, 0xff,
    0x7fffffff, 0x80000000ul, 0xffffffffu, 0x100000000ul,
    0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
    0x123456789abcdef0, 0xfedcba9876543210, 0xffffffff80000000, 0x00000000fffff800,
};
#define NV (sizeof values / sizeof values[0])

static u64 mix(u64 h, u64 r) { return (h ^ r) * 0x100000001b3ul + (r >> 29); }

static void line(const char *name, u64 h) {
    put_str(name);
    put_str(" ");
    put_hex(h, 16);
    put_char('\n');
}

#define RR(op)                                                                  \
    static void test_##op(void) {                                               \
        u64 h = 0xcbf29ce484222325ul;                                           \
        for (u64 i = 0; i < NV; i++)                                            \
            for (u64 j = 0; j < NV; j++) {                                      \
                u64 r;                                                          \
                __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(values[i]), "r"(values[j])); \
                h = mix(h, r);                                                  \
            }                                                                   \
        line(#op, h);                                                           \
    }

#define RI(op, imm, tag)                                                             \
    static void test_##op##_##tag(void) {                                       \
        u64 h = 0xcbf29ce484222325ul;                                           \
        for (u64 i = 0; i < NV; i++) {                                          \
            u64 r;                                                              \
            __asm__ volatile(#op " %0, %1, " #imm : "=r"(r) : "r"(values[i]));  \
            h = mix(h, r);                                                      \
        }                                                                       \
        line(#op " " #imm, h);                                                  \
    }

RR(add) RR(sub) RR(sll) RR(slt) RR(sltu) RR(xor) RR(srl) RR(sra) RR(or) RR(and)
RR(addw) RR(subw) RR(sllw) RR(srlw) RR(sraw)
RR(mul) RR(mulh) RR(mulhsu) RR(mulhu) RR(div) RR(divu) RR(rem) RR(remu)
RR(mulw) RR(divw) RR(divuw) RR(remw) RR(remuw)

RI(addi, 0, 0) RI(addi, 1, 1) RI(addi, -1, m1) RI(addi, 2047, 2047) RI(addi, -2048, m2048)
RI(slti, 0, 0) RI(slti, -1, m1) RI(slti, 2047, 2047) RI(sltiu, 1, 1) RI(sltiu, -1, m1)
RI(xori, -1, m1) RI(xori, 1365, 1365) RI(ori, -2048, m2048) RI(ori, 15, 15) RI(andi, -16, m16) RI(andi, 255, 255)
RI(slli, 0, 0) RI(slli, 1, 1) RI(slli, 31, 31) RI(slli, 32, 32) RI(slli, 63, 63)
RI(srli, 0, 0) RI(srli, 1, 1) RI(srli, 31, 31) RI(srli, 32, 32) RI(srli, 63, 63)
RI(srai, 0, 0) RI(srai, 1, 1) RI(srai, 31, 31) RI(srai, 32, 32) RI(srai, 63, 63)
RI(addiw, 0, 0) RI(addiw, 1, 1) RI(addiw, -1, m1) RI(addiw, 2047, 2047) RI(addiw, -2048, m2048)
RI(slliw, 0, 0) RI(slliw, 1, 1) RI(slliw, 31, 31) RI(srliw, 0, 0) RI(srliw, 1, 1) RI(srliw, 31, 31)
RI(sraiw, 0, 0) RI(sraiw, 1, 1) RI(sraiw, 31, 31)

/* Branches: a taken branch records 1, a fall-through 0. */
#define BR(op)                                                                  \
    static void test_##op(void) {                                               \
        u64 h = 0xcbf29ce484222325ul;                                           \
        for (u64 i = 0; i < NV; i++)                                            \
            for (u64 j = 0; j < NV; j++) {                                      \
                u64 r;                                                          \
                __asm__ volatile("li %0, 1\n\t" #op " %1, %2, 1f\n\tli %0, 0\n1:" \
                                 : "=&r"(r) : "r"(values[i]), "r"(values[j]));  \
                h = mix(h, r);                                                  \
            }                                                                   \
        line(#op, h);                                                           \
    }
BR(beq) BR(bne) BR(blt) BR(bge) BR(bltu) BR(bgeu)

static u8 scratch[64] __attribute__((aligned(16)));

/* Loads of every width and signedness at every offset of a pattern. */
#define LD(op, size)                                                            \
    static void test_##op(void) {                                               \
        u64 h = 0xcbf29ce484222325ul;                                           \
        for (int i = 0; i + size <= 32; i += size) {                            \
            u64 r;                                                              \
            __asm__ volatile(#op " %0, 0(%1)" : "=r"(r) : "r"(scratch + i) : "memory"); \
            h = mix(h, r);                                                      \
            __asm__ volatile(#op " %0, -" #size "(%1)" : "=r"(r) : "r"(scratch + i + size) : "memory"); \
            h = mix(h, r);                                                      \
        }                                                                       \
        line(#op, h);                                                           \
    }
LD(lb, 1) LD(lbu, 1) LD(lh, 2) LD(lhu, 2) LD(lw, 4) LD(lwu, 4) LD(ld, 8)

/* Stores: write each value at each slot, then hash the whole scratch area. */
#define ST(op, size)                                                            \
    static void test_##op(void) {                                               \
        u64 h = 0xcbf29ce484222325ul;                                           \
        for (u64 k = 0; k < NV; k++) {                                          \
            for (int i = 0; i < 64; i++) scratch[i] = (u8)(0xa5 ^ i);           \
            for (int i = 0; i + size <= 64; i += 2 * size)                      \
                __asm__ volatile(#op " %0, 0(%1)" : : "r"(values[k] + i), "r"(scratch + i) : "memory"); \
            for (int i = 0; i < 64; i += 8) h = mix(h, *(volatile u64 *)(scratch + i)); \
        }                                                                       \
        line(#op, h);                                                           \
    }
ST(sb, 1) ST(sh, 2) ST(sw, 4) ST(sd, 8)

static void test_upper(void) {
    u64 a, b, c, d;
    __asm__ volatile("lui %0, 0x80000" : "=r"(a));
    __asm__ volatile("lui %0, 0x7ffff" : "=r"(b));
    __asm__ volatile("lui %0, 0xfffff" : "=r"(c));
    __asm__ volatile("lui %0, 1" : "=r"(d));
    line("lui 0x80000", a);
    line("lui 0x7ffff", b);
    line("lui 0xfffff", c);
    line("lui 1", d);
    /* auipc: the distance between two auipcs 8 bytes apart, so the output
       does not depend on where the code was linked. */
    u64 p, q;
    __asm__ volatile("auipc %0, 0x12345\n\tauipc %1, 0x12345" : "=&r"(p), "=&r"(q));
    line("auipc delta", q - p);
    __asm__ volatile("auipc %0, 0\n\tauipc %1, 0x80000" : "=&r"(p), "=&r"(q));
    line("auipc 0x80000 delta", q - p);
}

static void test_jumps(void) {
    u64 link, target, delta;
    /* jal writes pc+4; the difference from a label proves the link value. */
    __asm__ volatile("jal %0, 1f\n1:\tauipc %1, 0\n\tsub %2, %1, %0"
                     : "=&r"(link), "=&r"(target), "=&r"(delta));
    line("jal link", delta);
    /* jalr: jumps to (rs1 + imm) & ~1 with an odd base. */
    u64 r;
    __asm__ volatile("la t0, 1f\n\taddi t0, t0, -3\n\tli %0, 7\n\tjalr t1, 4(t0)\n\tli %0, 9\n"
                     ".balign 4\n1:\tsub t1, t1, t0\n\tadd %0, %0, t1"
                     : "=&r"(r) : : "t0", "t1");
    line("jalr odd target", r);
    /* x0 as a destination stays zero. */
    u64 z;
    __asm__ volatile("addi x0, x0, 5\n\tmv %0, x0" : "=r"(z));
    line("x0", z);
    __asm__ volatile("fence\n\tfence.i" ::: "memory");
    line("fence", 1);
}

int main(void) {
    test_add(); test_sub(); test_sll(); test_slt(); test_sltu(); test_xor();
    test_srl(); test_sra(); test_or(); test_and();
    test_addw(); test_subw(); test_sllw(); test_srlw(); test_sraw();
    test_mul(); test_mulh(); test_mulhsu(); test_mulhu();
    test_div(); test_divu(); test_rem(); test_remu();
    test_mulw(); test_divw(); test_divuw(); test_remw(); test_remuw();
    test_addi_0(); test_addi_1(); test_addi_m1(); test_addi_2047(); test_addi_m2048(); test_slti_0();
    test_slti_m1(); test_slti_2047(); test_sltiu_1(); test_sltiu_m1(); test_xori_m1(); test_xori_1365();
    test_ori_m2048(); test_ori_15(); test_andi_m16(); test_andi_255(); test_slli_0(); test_slli_1();
    test_slli_31(); test_slli_32(); test_slli_63(); test_srli_0(); test_srli_1(); test_srli_31();
    test_srli_32(); test_srli_63(); test_srai_0(); test_srai_1(); test_srai_31(); test_srai_32();
    test_srai_63(); test_addiw_0(); test_addiw_1(); test_addiw_m1(); test_addiw_2047(); test_addiw_m2048();
    test_slliw_0(); test_slliw_1(); test_slliw_31(); test_srliw_0(); test_srliw_1(); test_srliw_31();
    test_sraiw_0(); test_sraiw_1(); test_sraiw_31();
    test_beq(); test_bne(); test_blt(); test_bge(); test_bltu(); test_bgeu();
    for (int i = 0; i < 64; i++) scratch[i] = (u8)(i * 37 + 0x81);
    test_lb(); test_lbu(); test_lh(); test_lhu(); test_lw(); test_lwu(); test_ld();
    test_sb(); test_sh(); test_sw(); test_sd();
    test_upper();
    test_jumps();
    return 42;
}
