// Float instructions with a direct SSE form: arithmetic, square root,
// compares, sign operations (as integer bit operations), promotion, demotion
// and signed conversions. NaN results are whatever SSE produces: a quieted
// input NaN or the default NaN, both of which the spec allows. Min/max,
// rounding, unsigned 64-bit conversions and float-to-int truncations are in
// NativeCompiler+Conversions.swift.

import WasmNative

extension NativeCompiler {
    static func sseOp(_ op: Op) -> (SSEOp, Bool)? {
        switch op {
        case .f32Add: (.add, false)
        case .f32Sub: (.sub, false)
        case .f32Mul: (.mul, false)
        case .f32Div: (.div, false)
        case .f64Add: (.add, true)
        case .f64Sub: (.sub, true)
        case .f64Mul: (.mul, true)
        case .f64Div: (.div, true)
        default: nil
        }
    }

    /// Stores xmm0 as an f32 (zero-extended) or f64 slot.
    mutating func storeFloat(_ index: UInt32, double: Bool) {
        if double {
            a.movs(slot(index), .xmm0, double: true)
        } else {
            a.movq(.rax, .xmm0, q: false)
            a.mov(slot(index), .rax)
        }
    }

    mutating func compileFloat(_ i: Inst, index k: Int) -> Bool {
        if let (op, double) = NativeCompiler.sseOp(i.op) {
            a.movs(.xmm0, slot(i.b), double: double)
            a.sse(op, .xmm0, slot(i.c), double: double)
            storeFloat(i.a, double: double)
            return true
        }
        switch i.op {
        case .f32Sqrt, .f64Sqrt:
            let double = i.op == .f64Sqrt
            a.sse(.sqrt, .xmm0, slot(i.b), double: double)
            storeFloat(i.a, double: double)
        case .f32Eq, .f32Ne, .f32Lt, .f32Gt, .f32Le, .f32Ge, .f64Eq, .f64Ne, .f64Lt, .f64Gt, .f64Le, .f64Ge:
            compareFloat(i)
        case .f32Abs:
            a.mov(.rax, slot(i.b), q: false)
            a.alu(.and, .rax, imm: 0x7FFF_FFFF, q: false)
            a.mov(slot(i.a), .rax)
        case .f32Neg:
            a.mov(.rax, slot(i.b), q: false)
            a.alu(.xor, .rax, imm: Int32.min, q: false)
            a.mov(slot(i.a), .rax)
        case .f64Abs, .f64Neg:
            a.mov(.rax, slot(i.b))
            a.mov(.rcx, imm: i.op == .f64Abs ? 0x7FFF_FFFF_FFFF_FFFF : 0x8000_0000_0000_0000)
            a.alu(i.op == .f64Abs ? .and : .xor, .rax, .rcx)
            a.mov(slot(i.a), .rax)
        case .f32Copysign:
            a.mov(.rax, slot(i.b), q: false)
            a.alu(.and, .rax, imm: 0x7FFF_FFFF, q: false)
            a.mov(.rcx, slot(i.c), q: false)
            a.alu(.and, .rcx, imm: Int32.min, q: false)
            a.alu(.or, .rax, .rcx, q: false)
            a.mov(slot(i.a), .rax)
        case .f64Copysign:
            a.mov(.rdx, imm: 0x8000_0000_0000_0000)
            a.mov(.rcx, slot(i.c))
            a.alu(.and, .rcx, .rdx)
            a.not(.rdx)
            a.mov(.rax, slot(i.b))
            a.alu(.and, .rax, .rdx)
            a.alu(.or, .rax, .rcx)
            a.mov(slot(i.a), .rax)
        case .f64PromoteF32, .f32DemoteF64:
            let toDouble = i.op == .f64PromoteF32
            a.movs(.xmm1, slot(i.b), double: !toDouble)
            a.cvtFloat(.xmm0, .xmm1, toDouble: toDouble)
            storeFloat(i.a, double: toDouble)
        case .f32ConvertI32S, .f64ConvertI32S, .f32ConvertI64S, .f64ConvertI64S, .f32ConvertI32U,
            .f64ConvertI32U:
            let double = [.f64ConvertI32S, .f64ConvertI64S, .f64ConvertI32U].contains(i.op)
            // An unsigned i32 is exact as a signed i64 (its slot is zero-extended).
            let q = [.f32ConvertI64S, .f64ConvertI64S, .f32ConvertI32U, .f64ConvertI32U].contains(i.op)
            a.mov(.rax, slot(i.b), q: q)
            // cvtsi2s writes only the low lane: clear xmm0 first so no stale bits depend on it.
            a.bitwise(.xor, .xmm0, .xmm0)
            a.cvtsi2s(.xmm0, .rax, q: q, double: double)
            storeFloat(i.a, double: double)
        default:
            return compileFloatSpecial(i)
        }
        return true
    }

    /// Float compares: `ucomis` sets CF/ZF, and PF when either operand is NaN
    /// (then every compare but `ne` is false). `x < y` is computed as `y > x`,
    /// so the unordered case (CF set) reads as false.
    mutating func compareFloat(_ i: Inst) {
        let double = [.f64Eq, .f64Ne, .f64Lt, .f64Gt, .f64Le, .f64Ge].contains(i.op)
        a.movs(.xmm0, slot(i.b), double: double)
        a.movs(.xmm1, slot(i.c), double: double)
        a.alu(.xor, .rcx, .rcx, q: false)
        switch i.op {
        case .f32Eq, .f64Eq, .f32Ne, .f64Ne:
            let equal = i.op == .f32Eq || i.op == .f64Eq
            a.alu(.xor, .rdx, .rdx, q: false)
            a.ucomis(.xmm0, .xmm1, double: double)
            a.set(equal ? .e : .ne, .rcx)
            a.set(equal ? .np : .p, .rdx)
            a.alu(equal ? .and : .or, .rcx, .rdx, q: false)
        case .f32Gt, .f64Gt:
            a.ucomis(.xmm0, .xmm1, double: double)
            a.set(.a, .rcx)
        case .f32Ge, .f64Ge:
            a.ucomis(.xmm0, .xmm1, double: double)
            a.set(.ae, .rcx)
        case .f32Lt, .f64Lt:
            a.ucomis(.xmm1, .xmm0, double: double)
            a.set(.a, .rcx)
        default:
            a.ucomis(.xmm1, .xmm0, double: double)
            a.set(.ae, .rcx)
        }
        a.mov(slot(i.a), .rcx)
    }
}
