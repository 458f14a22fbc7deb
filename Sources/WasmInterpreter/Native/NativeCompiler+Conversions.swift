// The float instructions SSE has no single instruction for: min/max (Wasm's
// NaN and signed-zero rules differ from minss/maxss), rounding (SSE4.1
// roundss/roundsd, which the engine's processor check requires), the
// trapping and saturating float-to-int truncations (cvttss2si/cvttsd2si
// plus the range checks their "integer indefinite" result calls for), and
// the unsigned 64-bit integer to float conversions (SSE converts signed
// integers only). Each sequence gives what the interpreter's `Numerics`
// gives, including the trap reasons.

import WasmNative

extension NativeCompiler {
    /// Min/max, rounding, truncations and u64-to-float conversions; false for others.
    mutating func compileFloatSpecial(_ i: Inst) -> Bool {
        switch i.op {
        case .f32Min, .f32Max, .f64Min, .f64Max:
            minMax(i, double: i.op == .f64Min || i.op == .f64Max, isMin: i.op == .f32Min || i.op == .f64Min)
        case .floatRound:
            // The translator's codes: 0...3 ceil, floor, trunc, nearest of an f32, 4...7 of an f64;
            // roundss/roundsd's modes: 0 nearest-even, 1 down, 2 up, 3 toward zero (bit 3: no
            // precision exception, which Wasm does not observe anyway).
            let double = i.x >= 4
            let mode: UInt8 = [2, 1, 3, 0][Int(i.x & 3)] | 8
            a.movs(.xmm1, slot(i.b), double: double)
            a.round(.xmm0, .xmm1, mode: mode, double: double)
            storeFloat(i.a, double: double)
        case .f32ConvertI64U, .f64ConvertI64U:
            convertUnsigned64(i, double: i.op == .f64ConvertI64U)
        default:
            guard let shape = NativeCompiler.truncationShape(i.op) else { return false }
            a.movs(.xmm0, slot(i.b), double: shape.double)
            switch (shape.signed, shape.to64) {
            case (true, _): truncateSigned(shape)
            case (false, false): truncateUnsigned32(shape)
            case (false, true): truncateUnsigned64(shape)
            }
            a.mov(slot(i.a), .rax)
        }
        return true
    }

    /// Wasm min/max: NaN if either operand is NaN (the interpreter's `x + y`,
    /// which SSE's add gives bit for bit), -0 below +0, and minss/maxss for
    /// two ordered, different values (the only case where they agree with Wasm).
    mutating func minMax(_ i: Inst, double: Bool, isMin: Bool) {
        let unordered = a.newLabel()
        let different = a.newLabel()
        let done = a.newLabel()
        a.movs(.xmm0, slot(i.b), double: double)
        a.movs(.xmm1, slot(i.c), double: double)
        a.ucomis(.xmm0, .xmm1, double: double)
        a.j(.p, unordered)
        a.j(.ne, different)
        // Equal: the same bits but for zeros of different signs, where min
        // wants the sign bit set (or) and max clear (and).
        a.bitwise(isMin ? .or : .and, .xmm0, .xmm1)
        a.jmp(done)
        a.bind(different)
        a.sse(isMin ? .min : .max, .xmm0, .xmm1, double: double)
        a.jmp(done)
        a.bind(unordered)
        a.sse(.add, .xmm0, .xmm1, double: double)
        a.bind(done)
        storeFloat(i.a, double: double)
    }

    /// u64 to float: values below 2^63 convert as signed; larger ones are
    /// halved first, keeping the dropped bit as a sticky bit so the one
    /// rounding of the conversion stays correct, and doubled back (exactly).
    mutating func convertUnsigned64(_ i: Inst, double: Bool) {
        let large = a.newLabel()
        let done = a.newLabel()
        a.mov(.rax, slot(i.b))
        a.bitwise(.xor, .xmm0, .xmm0)
        a.test(.rax, .rax)
        a.j(.s, large)
        a.cvtsi2s(.xmm0, .rax, q: true, double: double)
        a.jmp(done)
        a.bind(large)
        a.mov(.rcx, .rax)
        a.shift(.shr, .rcx, imm: 1)
        a.alu(.and, .rax, imm: 1, q: false)
        a.alu(.or, .rcx, .rax)
        a.cvtsi2s(.xmm0, .rcx, q: true, double: double)
        a.sse(.add, .xmm0, .xmm0, double: double)
        a.bind(done)
        storeFloat(i.a, double: double)
    }

    struct TruncationShape {
        var double: Bool
        var signed: Bool
        var to64: Bool
        var saturating: Bool
    }

    static func truncationShape(_ op: Op) -> TruncationShape? {
        switch op {
        case .i32TruncF32S: TruncationShape(double: false, signed: true, to64: false, saturating: false)
        case .i32TruncF32U: TruncationShape(double: false, signed: false, to64: false, saturating: false)
        case .i32TruncSatF32S: TruncationShape(double: false, signed: true, to64: false, saturating: true)
        case .i32TruncSatF32U: TruncationShape(double: false, signed: false, to64: false, saturating: true)
        case .i64TruncF32S: TruncationShape(double: false, signed: true, to64: true, saturating: false)
        case .i64TruncF32U: TruncationShape(double: false, signed: false, to64: true, saturating: false)
        case .i64TruncSatF32S: TruncationShape(double: false, signed: true, to64: true, saturating: true)
        case .i64TruncSatF32U: TruncationShape(double: false, signed: false, to64: true, saturating: true)
        case .i32TruncF64S: TruncationShape(double: true, signed: true, to64: false, saturating: false)
        case .i32TruncF64U: TruncationShape(double: true, signed: false, to64: false, saturating: false)
        case .i32TruncSatF64S: TruncationShape(double: true, signed: true, to64: false, saturating: true)
        case .i32TruncSatF64U: TruncationShape(double: true, signed: false, to64: false, saturating: true)
        case .i64TruncF64S: TruncationShape(double: true, signed: true, to64: true, saturating: false)
        case .i64TruncF64U: TruncationShape(double: true, signed: false, to64: true, saturating: false)
        case .i64TruncSatF64S: TruncationShape(double: true, signed: true, to64: true, saturating: true)
        case .i64TruncSatF64U: TruncationShape(double: true, signed: false, to64: true, saturating: true)
        default: nil
        }
    }

    /// `reg = bits` as an f32/f64 in `x`.
    mutating func loadFloatConstant(_ x: XReg, _ value: Double, double: Bool) {
        a.mov(.rcx, imm: double ? value.bitPattern : UInt64(Float(value).bitPattern))
        a.movq(x, .rcx, q: double)
    }

    /// Signed truncation of xmm0 into rax (i32 results zero-extended).
    /// cvtt gives the "integer indefinite" value (the minimum integer) for a
    /// NaN and for every out-of-range input, so only that result needs a look:
    /// it is the true result for inputs that truncate to the minimum.
    mutating func truncateSigned(_ s: TruncationShape) {
        let done = a.newLabel()
        let q = s.to64
        a.cvtts2si(.rax, .xmm0, q: q, double: s.double)
        // `cmp r, 1` overflows exactly when r is the minimum integer.
        a.alu(.cmp, .rax, imm: 1, q: q)
        a.j(.no, done)
        if s.saturating {
            // NaN: 0; positive: the maximum; negative: the minimum already in rax.
            a.bitwise(.xor, .xmm1, .xmm1)
            a.ucomis(.xmm0, .xmm1, double: s.double)
            a.mov(.rcx, imm: q ? UInt64(Int64.max) : UInt64(Int32.max))
            a.cmov(.a, .rax, .rcx, q: q)
            a.mov(.rcx, imm: 0)
            a.cmov(.p, .rax, .rcx, q: q)
        } else {
            a.ucomis(.xmm0, .xmm0, double: s.double)
            a.j(.p, trap(.invalidConversionToInteger))
            // In range iff x > -2^(n-1) - 1, that is x >= -2^(n-1) where no float lies
            // strictly between (f32 for both widths, f64 for i64): then `x < bound` traps;
            // for f64 to i32 the bound -2^31 - 1 is exact and `x <= bound` traps.
            let bits = q ? 63 : 31
            let exclusive = s.double && !q
            let bound = -Double(sign: .plus, exponent: bits, significand: 1) - (exclusive ? 1 : 0)
            loadFloatConstant(.xmm1, bound, double: s.double)
            a.ucomis(.xmm0, .xmm1, double: s.double)
            a.j(exclusive ? .be : .b, trap(.integerOverflow))
            // The minimum's truncation is negative; a non-negative input here is too large.
            a.bitwise(.xor, .xmm1, .xmm1)
            a.ucomis(.xmm0, .xmm1, double: s.double)
            a.j(.ae, trap(.integerOverflow))
        }
        // (The 32-bit cvtt and cmov forms zero-extend rax, as an i32 slot wants.)
        a.bind(done)
    }

    /// Unsigned truncation to i32: a 64-bit signed truncation is exact for
    /// every input that fits (and for every x with |x| < 2^63); the result is
    /// in range iff its upper 32 bits are zero.
    mutating func truncateUnsigned32(_ s: TruncationShape) {
        let done = a.newLabel()
        a.cvtts2si(.rax, .xmm0, q: true, double: s.double)
        if s.saturating {
            let special = a.newLabel()
            a.test(.rax, .rax)
            a.j(.s, special)
            a.mov(.rcx, imm: UInt64(UInt32.max))
            a.alu(.cmp, .rax, .rcx)
            a.cmov(.a, .rax, .rcx)
            a.jmp(done)
            // A negative result, NaN or x >= 2^63: 0 unless x > 0 (unordered sets ZF and CF).
            a.bind(special)
            a.bitwise(.xor, .xmm1, .xmm1)
            a.ucomis(.xmm0, .xmm1, double: s.double)
            a.mov(.rax, imm: 0)
            a.j(.be, done)
            a.mov(.rax, imm: UInt64(UInt32.max))
        } else {
            a.mov(.rcx, .rax)
            a.shift(.shr, .rcx, imm: 32)
            a.j(.e, done)
            a.ucomis(.xmm0, .xmm0, double: s.double)
            a.j(.p, trap(.invalidConversionToInteger))
            a.jmp(trap(.integerOverflow))
        }
        a.bind(done)
    }

    /// Unsigned truncation to i64: inputs below 2^63 truncate as signed (a
    /// negative result is an input <= -1, or NaN); larger ones have 2^63
    /// subtracted (exactly) first and the top bit set after.
    mutating func truncateUnsigned64(_ s: TruncationShape) {
        let large = a.newLabel()
        let done = a.newLabel()
        if !s.saturating {
            a.ucomis(.xmm0, .xmm0, double: s.double)
            a.j(.p, trap(.invalidConversionToInteger))
        }
        loadFloatConstant(.xmm1, 0x1p63, double: s.double)
        // NaN (only when saturating) is unordered: CF set, so it takes the small path.
        a.ucomis(.xmm0, .xmm1, double: s.double)
        a.j(.ae, large)
        a.cvtts2si(.rax, .xmm0, q: true, double: s.double)
        if s.saturating {
            // Negative results (x <= -1, -inf, NaN) become 0: rax &= ~(rax >> 63).
            a.mov(.rcx, .rax)
            a.shift(.sar, .rcx, imm: 63)
            a.not(.rcx)
            a.alu(.and, .rax, .rcx)
        } else {
            a.test(.rax, .rax)
            a.j(.s, trap(.integerOverflow))
        }
        a.jmp(done)
        a.bind(large)
        a.sse(.sub, .xmm0, .xmm1, double: s.double)
        a.cvtts2si(.rax, .xmm0, q: true, double: s.double)
        // x - 2^63 >= 2^63 gives the minimum integer: then the xor below clears
        // the sign bit instead of setting it, which SF reports.
        a.mov(.rcx, imm: 0x8000_0000_0000_0000)
        a.alu(.xor, .rax, .rcx)
        if s.saturating {
            a.mov(.rcx, imm: UInt64.max)
            a.cmov(.ns, .rax, .rcx)
        } else {
            a.j(.ns, trap(.integerOverflow))
        }
        a.bind(done)
    }
}
