// Scalar SSE2 (and SSE4.1 rounding) instructions for f32/f64 code.

/// A scalar SSE arithmetic operation (its opcode byte after `0F`).
package enum SSEOp: UInt8, Sendable {
    case sqrt = 0x51
    case add = 0x58
    case mul = 0x59
    case sub = 0x5C
    case min = 0x5D
    case div = 0x5E
    case max = 0x5F
}

/// A packed bitwise SSE operation (used on scalars for abs, neg and copysign).
package enum SSEBitOp: UInt8, Sendable {
    case and = 0x54
    case andn = 0x55
    case or = 0x56
    case xor = 0x57
}

extension X86Assembler {
    private func scalarPrefix(_ double: Bool) -> UInt8 { double ? 0xF2 : 0xF3 }

    /// `movss/movsd dst, [m]`.
    package mutating func movs(_ dst: XReg, _ m: Mem, double: Bool) {
        emit(scalarPrefix(double), w: false, Opcode(0x0F, 0x10), reg: dst.rawValue, .mem(m))
    }

    /// `movss/movsd [m], src`.
    package mutating func movs(_ m: Mem, _ src: XReg, double: Bool) {
        emit(scalarPrefix(double), w: false, Opcode(0x0F, 0x11), reg: src.rawValue, .mem(m))
    }

    /// `movaps dst, src` (a full register copy).
    package mutating func movaps(_ dst: XReg, _ src: XReg) {
        emit(w: false, Opcode(0x0F, 0x28), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `movd/movq dst, src`: general register bits to an SSE register.
    package mutating func movq(_ dst: XReg, _ src: Reg, q: Bool = true) {
        emit(0x66, w: q, Opcode(0x0F, 0x6E), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `movd/movq dst, src`: SSE register bits to a general register.
    package mutating func movq(_ dst: Reg, _ src: XReg, q: Bool = true) {
        emit(0x66, w: q, Opcode(0x0F, 0x7E), reg: src.rawValue, .reg(dst.rawValue))
    }

    /// `addss/addsd ...`: `dst = dst op src`.
    package mutating func sse(_ op: SSEOp, _ dst: XReg, _ src: XReg, double: Bool) {
        emit(scalarPrefix(double), w: false, Opcode(0x0F, op.rawValue), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `addss/addsd dst, [m]`.
    package mutating func sse(_ op: SSEOp, _ dst: XReg, _ m: Mem, double: Bool) {
        emit(scalarPrefix(double), w: false, Opcode(0x0F, op.rawValue), reg: dst.rawValue, .mem(m))
    }

    /// `andps/andnps/orps/xorps dst, src`.
    package mutating func bitwise(_ op: SSEBitOp, _ dst: XReg, _ src: XReg) {
        emit(w: false, Opcode(0x0F, op.rawValue), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `ucomiss/ucomisd a, b`: sets ZF/PF/CF (PF on an unordered pair).
    package mutating func ucomis(_ a: XReg, _ b: XReg, double: Bool) {
        emit(double ? 0x66 : nil, w: false, Opcode(0x0F, 0x2E), reg: a.rawValue, .reg(b.rawValue))
    }

    /// `cvtsi2ss/cvtsi2sd dst, src` from a 32- or 64-bit signed integer.
    package mutating func cvtsi2s(_ dst: XReg, _ src: Reg, q: Bool, double: Bool) {
        emit(scalarPrefix(double), w: q, Opcode(0x0F, 0x2A), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `cvttss2si/cvttsd2si dst, src` (truncating; 0x80..0 on overflow or NaN).
    package mutating func cvtts2si(_ dst: Reg, _ src: XReg, q: Bool, double: Bool) {
        emit(scalarPrefix(double), w: q, Opcode(0x0F, 0x2C), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `cvtss2sd` (`toDouble`) or `cvtsd2ss`.
    package mutating func cvtFloat(_ dst: XReg, _ src: XReg, toDouble: Bool) {
        emit(scalarPrefix(!toDouble), w: false, Opcode(0x0F, 0x5A), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `roundss/roundsd dst, src, mode` (SSE4.1; mode 0 nearest-even, 1 floor, 2 ceil, 3 trunc).
    package mutating func round(_ dst: XReg, _ src: XReg, mode: UInt8, double: Bool) {
        emit(0x66, w: false, Opcode(0x0F, 0x3A, double ? 0x0B : 0x0A), reg: dst.rawValue, .reg(src.rawValue))
        byte(mode)
    }
}
