// Operands of the x86-64 assembler: general and SSE registers, condition
// codes and memory addresses, numbered as the hardware encodes them.

/// A 64-bit general-purpose register (its low 32/16/8 bits by the instruction's width).
package enum Reg: UInt8, CaseIterable, Sendable {
    case rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15

    var low: UInt8 { rawValue & 7 }
    var high: UInt8 { rawValue >> 3 }
}

/// An SSE register (scalar f32/f64 work only).
package enum XReg: UInt8, CaseIterable, Sendable {
    case xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7
    case xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15
}

/// A condition code, as `jcc`/`setcc`/`cmovcc` encode it in their low nibble.
package enum Cond: UInt8, Sendable {
    case o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

    /// The condition that holds exactly when this one does not.
    package var inverted: Cond { Cond(rawValue: rawValue ^ 1)! }
}

/// A memory operand `[base + index * scale + displacement]`.
package struct Mem: Sendable {
    package var base: Reg
    package var index: Reg?
    package var scale: UInt8
    package var displacement: Int32

    /// `[base + displacement]`.
    package init(_ base: Reg, _ displacement: Int32 = 0) {
        self.base = base
        self.index = nil
        self.scale = 1
        self.displacement = displacement
    }

    /// `[base + index * scale + displacement]`; `index` must not be `rsp`.
    package init(_ base: Reg, index: Reg, scale: UInt8 = 1, _ displacement: Int32 = 0) {
        precondition(index != .rsp, "rsp cannot be an index register")
        precondition(scale == 1 || scale == 2 || scale == 4 || scale == 8, "scale must be 1, 2, 4 or 8")
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
    }
}

/// The r/m operand of an instruction: a register (by number) or memory.
enum RM {
    case reg(UInt8)
    case mem(Mem)
}
