// Integer and float instructions, compares and conditional branches. i32 and
// f32 values live zero-extended in their 64-bit slots (32-bit x86 operations
// clear the upper half of their register, and results are stored as 64 bits).

import WasmNative

extension NativeCompiler {
    static func isI64(_ op: Op) -> Bool {
        switch op {
        case .i64Eqz, .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS, .i64GeU,
            .i64Clz, .i64Ctz, .i64Popcnt, .i64Add, .i64Sub, .i64Mul, .i64DivS, .i64DivU, .i64RemS, .i64RemU,
            .i64And, .i64Or, .i64Xor, .i64Shl, .i64ShrS, .i64ShrU, .i64Rotl, .i64Rotr,
            .i64EqImm, .i64NeImm, .i64LtSImm, .i64LtUImm, .i64GeSImm, .i64GeUImm,
            .i64AddImm, .i64MulImm, .i64DivSImm, .i64DivUImm, .i64RemSImm, .i64RemUImm, .i64AndImm, .i64OrImm,
            .i64XorImm, .i64ShlImm, .i64ShrSImm, .i64ShrUImm, .i64RotlImm,
            .brIfI64LtS, .brIfI64LtU, .brIfI64GeS, .brIfI64GeU, .brIfI64Eq, .brIfI64Ne,
            .brIfI64LtSImm, .brIfI64GeSImm, .brIfI64LtUImm, .brIfI64GeUImm, .brIfI64EqImm, .brIfI64NeImm:
            true
        default: false
        }
    }

    static func condition(_ op: Op) -> Cond? {
        switch op {
        case .i32Eq, .i64Eq, .i32EqImm, .i64EqImm, .brIfI32Eq, .brIfI64Eq, .brIfI32EqImm, .brIfI64EqImm,
            .i32AddImmBrIfEq, .i32AddImmBrIfEqImm:
            .e
        case .i32Ne, .i64Ne, .i32NeImm, .i64NeImm, .brIfI32Ne, .brIfI64Ne, .brIfI32NeImm, .brIfI64NeImm,
            .i32AddImmBrIfNe, .i32AddImmBrIfNeImm:
            .ne
        case .i32LtS, .i64LtS, .i32LtSImm, .i64LtSImm, .brIfI32LtS, .brIfI64LtS, .brIfI32LtSImm,
            .brIfI64LtSImm,
            .i32AddImmBrIfLtS, .i32AddImmBrIfLtSImm:
            .l
        case .i32LtU, .i64LtU, .i32LtUImm, .i64LtUImm, .brIfI32LtU, .brIfI64LtU, .brIfI32LtUImm,
            .brIfI64LtUImm,
            .i32AddImmBrIfLtU, .i32AddImmBrIfLtUImm:
            .b
        case .i32GeS, .i64GeS, .i32GeSImm, .i64GeSImm, .brIfI32GeS, .brIfI64GeS, .brIfI32GeSImm,
            .brIfI64GeSImm,
            .i32AddImmBrIfGeS, .i32AddImmBrIfGeSImm:
            .ge
        case .i32GeU, .i64GeU, .i32GeUImm, .i64GeUImm, .brIfI32GeU, .brIfI64GeU, .brIfI32GeUImm,
            .brIfI64GeUImm,
            .i32AddImmBrIfGeU, .i32AddImmBrIfGeUImm:
            .ae
        case .i32GtS, .i64GtS, .i32AddImmBrIfGtS: .g
        case .i32GtU, .i64GtU, .i32AddImmBrIfGtU: .a
        case .i32LeS, .i64LeS, .i32AddImmBrIfLeS: .le
        case .i32LeU, .i64LeU, .i32AddImmBrIfLeU: .be
        default: nil
        }
    }

    static func alu(_ op: Op) -> ALU? {
        switch op {
        case .i32Add, .i64Add, .i32AddImm, .i64AddImm: .add
        case .i32Sub, .i64Sub: .sub
        case .i32And, .i64And, .i32AndImm, .i64AndImm: .and
        case .i32Or, .i64Or, .i32OrImm, .i64OrImm: .or
        case .i32Xor, .i64Xor, .i32XorImm, .i64XorImm: .xor
        default: nil
        }
    }

    static func shift(_ op: Op) -> Shift? {
        switch op {
        case .i32Shl, .i64Shl, .i32ShlImm, .i64ShlImm: .shl
        case .i32ShrS, .i64ShrS, .i32ShrSImm, .i64ShrSImm: .sar
        case .i32ShrU, .i64ShrU, .i32ShrUImm, .i64ShrUImm: .shr
        case .i32Rotl, .i64Rotl, .i32RotlImm, .i64RotlImm: .rol
        case .i32Rotr, .i64Rotr: .ror
        default: nil
        }
    }

    static func hasImmediate(_ op: Op) -> Bool {
        switch op {
        case .i32EqImm, .i32NeImm, .i32LtSImm, .i32LtUImm, .i32GeSImm, .i32GeUImm,
            .i64EqImm, .i64NeImm, .i64LtSImm, .i64LtUImm, .i64GeSImm, .i64GeUImm,
            .i32AddImm, .i32MulImm, .i32DivSImm, .i32DivUImm, .i32RemSImm, .i32RemUImm, .i32AndImm, .i32OrImm,
            .i32XorImm, .i32ShlImm, .i32ShrSImm, .i32ShrUImm, .i32RotlImm,
            .i64AddImm, .i64MulImm, .i64DivSImm, .i64DivUImm, .i64RemSImm, .i64RemUImm, .i64AndImm, .i64OrImm,
            .i64XorImm, .i64ShlImm, .i64ShrSImm, .i64ShrUImm, .i64RotlImm:
            true
        default: false
        }
    }

    /// `op dst, imm` for a value kept in a 64-bit immediate field (i32 ones zero-extended).
    /// `scratch` holds a constant too wide for an immediate (it must not be live).
    mutating func aluImmediate(_ op: ALU, _ value: UInt64, q: Bool, scratch: Reg = .rcx, dst: Reg = .rax) {
        let s = Int64(bitPattern: value)
        if !q {
            a.alu(op, dst, imm: Int32(truncatingIfNeeded: value), q: false)
        } else if s >= Int64(Int32.min) && s <= Int64(Int32.max) {
            a.alu(op, dst, imm: Int32(s))
        } else {
            a.mov(scratch, imm: value)
            a.alu(op, dst, scratch)
        }
    }

    /// The register holding slot `s` for reading as a source operand: its cache
    /// register, else `scratch` loaded from the frame.
    mutating func source(_ s: UInt32, q: Bool, scratch: Reg = .rax) -> Reg {
        if let p = pinned(s) { return p }
        a.mov(scratch, slot(s), q: q)
        return scratch
    }

    /// `a = b op c` (or `b op imm`), computed in place in the result's cache register
    /// when it has one: `op a, c` when a is b, `op a, b` when a is c and `op` commutes.
    mutating func binary(_ op: ALU, _ i: Inst, q: Bool, immediate: UInt64?) {
        if let d = pinned(i.a) {
            if immediate == nil && i.a == i.c && i.a != i.b {
                if op != .sub {
                    aluSlot(op, d, i.b, q: q)
                    store(i.a, d)
                    return
                }
            } else {
                if i.a != i.b { load(d, i.b, q: q) }
                if let immediate {
                    aluImmediate(op, immediate, q: q, dst: d)
                } else {
                    aluSlot(op, d, i.c, q: q)
                }
                store(i.a, d)
                return
            }
        }
        load(.rax, i.b, q: q)
        if let immediate { aluImmediate(op, immediate, q: q) } else { aluSlot(op, .rax, i.c, q: q) }
        store(i.a, .rax)
    }

    /// Integer numeric instructions and branches on integer compares; false for others.
    mutating func compileNumeric(_ i: Inst, index k: Int) -> Bool {
        let q = NativeCompiler.isI64(i.op)
        let imm = NativeCompiler.hasImmediate(i.op)
        switch i.op {
        case .brIfI32LtS, .brIfI32LtU, .brIfI32GeS, .brIfI32GeU, .brIfI32Eq, .brIfI32Ne,
            .brIfI64LtS, .brIfI64LtU, .brIfI64GeS, .brIfI64GeU, .brIfI64Eq, .brIfI64Ne:
            if let p = pinned(i.b) {
                aluSlot(.cmp, p, i.c, q: q)
            } else {
                a.mov(.rax, slot(i.b), q: q)
                aluSlot(.cmp, .rax, i.c, q: q)
            }
            a.j(NativeCompiler.condition(i.op)!, target(k, i))
        case .brIfI32LtSImm, .brIfI32GeSImm, .brIfI32LtUImm, .brIfI32GeUImm, .brIfI32EqImm, .brIfI32NeImm,
            .brIfI64LtSImm, .brIfI64GeSImm, .brIfI64LtUImm, .brIfI64GeUImm, .brIfI64EqImm, .brIfI64NeImm:
            // The i64 forms hold a sign-extended Int32, as the 64-bit cmp sign-extends its immediate.
            compareSlot(i.b, imm: Int32(bitPattern: i.c), q: q)
            a.j(NativeCompiler.condition(i.op)!, target(k, i))
        case .i32AddImmBrIfEq, .i32AddImmBrIfNe, .i32AddImmBrIfLtS, .i32AddImmBrIfLtU, .i32AddImmBrIfGtS,
            .i32AddImmBrIfGtU, .i32AddImmBrIfLeS, .i32AddImmBrIfLeU, .i32AddImmBrIfGeS, .i32AddImmBrIfGeU:
            // The branch leaves before the generic refresh: the template stores its result itself.
            let d = pinned(i.a) ?? .rax
            if d == .rax || i.a != i.b { load(d, i.b, q: false) }
            a.alu(.add, d, imm: Int32(Int16(bitPattern: i.x)), q: false)
            store(i.a, d)
            aluSlot(.cmp, d, i.c, q: false)
            a.j(NativeCompiler.condition(i.op)!, target(k, i))
        case .i32AddImmBrIfEqImm, .i32AddImmBrIfNeImm, .i32AddImmBrIfLtSImm, .i32AddImmBrIfLtUImm,
            .i32AddImmBrIfGeSImm, .i32AddImmBrIfGeUImm:
            let d = pinned(i.a) ?? .rax
            if d == .rax || i.a != i.b { load(d, i.b, q: false) }
            a.alu(.add, d, imm: Int32(Int16(bitPattern: i.x)), q: false)
            store(i.a, d)
            a.alu(.cmp, d, imm: Int32(bitPattern: i.c), q: false)
            a.j(NativeCompiler.condition(i.op)!, target(k, i))
        case .brIfGlobalI32EqImm, .brIfGlobalI32NeImm:
            a.alu(.cmp, absolute(UInt64(i.b) | UInt64(i.c) << 32), imm: Int32(bitPattern: i.a), q: false)
            a.j(i.op == .brIfGlobalI32EqImm ? .e : .ne, target(k, i))
        case .i32EqImmGlobal, .i32NeImmGlobal:
            a.alu(.xor, .rcx, .rcx, q: false)
            a.alu(.cmp, absolute(i.imm), imm: Int32(bitPattern: i.c), q: false)
            a.set(i.op == .i32EqImmGlobal ? .e : .ne, .rcx)
            store(i.a, .rcx)
        case .selectGlobal:
            // a = global != 0 ? b : c, on an i32 global (the condition of a `select`).
            // When a and b share a register, one conditional move from c's is all.
            let c = pinned(i.c) ?? .rcx
            if c == .rcx { a.mov(.rcx, slot(i.c)) }
            let d = pinned(i.a) != nil && pinned(i.a) == pinned(i.b) ? pinned(i.a)! : .rax
            if d == .rax { load(.rax, i.b) }
            a.alu(.cmp, absolute(i.imm, via: .rdx), imm: 0, q: false)
            a.cmov(.e, d, c)
            store(i.a, d)
        case .i32Eqz, .i64Eqz:
            a.alu(.xor, .rcx, .rcx, q: false)
            compareSlot(i.b, imm: 0, q: i.op == .i64Eqz)
            a.set(.e, .rcx)
            store(i.a, .rcx)
        case .i32Eq, .i32Ne, .i32LtS, .i32LtU, .i32GtS, .i32GtU, .i32LeS, .i32LeU, .i32GeS, .i32GeU,
            .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS, .i64GeU,
            .i32EqImm, .i32NeImm, .i32LtSImm, .i32LtUImm, .i32GeSImm, .i32GeUImm,
            .i64EqImm, .i64NeImm, .i64LtSImm, .i64LtUImm, .i64GeSImm, .i64GeUImm:
            a.alu(.xor, .rcx, .rcx, q: false)
            let x = source(i.b, q: q)
            // rcx already holds the zeroed result register.
            if imm {
                aluImmediate(.cmp, i.imm, q: q, scratch: .rdx, dst: x)
            } else {
                aluSlot(.cmp, x, i.c, q: q)
            }
            a.set(NativeCompiler.condition(i.op)!, .rcx)
            store(i.a, .rcx)
        case .i32Add, .i32Sub, .i32And, .i32Or, .i32Xor, .i64Add, .i64Sub, .i64And, .i64Or, .i64Xor,
            .i32AddImm, .i32AndImm, .i32OrImm, .i32XorImm, .i64AddImm, .i64AndImm, .i64OrImm, .i64XorImm:
            binary(NativeCompiler.alu(i.op)!, i, q: q, immediate: imm ? i.imm : nil)
        case .i32Mul, .i64Mul:
            // In place as for `binary`; multiplication commutes.
            let d = pinned(i.a) ?? .rax
            let other = d != .rax && i.a == i.c ? i.b : i.c
            if d == .rax || (i.a != i.b && i.a != i.c) { load(d, i.b, q: q) }
            a.imul(d, source(other, q: q, scratch: .rcx), q: q)
            store(i.a, d)
        case .i32MulImm, .i64MulImm:
            let factor = q ? i.imm : UInt64(UInt32(truncatingIfNeeded: i.imm))
            let d = pinned(i.a) ?? .rax
            if Int64(bitPattern: factor) >= Int64(Int32.min) && Int64(bitPattern: factor) <= Int64(Int32.max)
                || !q
            {
                // 32-bit: only the low 32 bits of the factor matter.
                a.imul(d, source(i.b, q: q), imm: Int32(truncatingIfNeeded: factor), q: q)
            } else {
                if d == .rax || i.a != i.b { load(d, i.b, q: q) }
                a.mov(.rcx, imm: factor)
                a.imul(d, .rcx, q: q)
            }
            store(i.a, d)
        case .i32DivS, .i32DivU, .i32RemS, .i32RemU, .i64DivS, .i64DivU, .i64RemS, .i64RemU,
            .i32DivSImm, .i32DivUImm, .i32RemSImm, .i32RemUImm, .i64DivSImm, .i64DivUImm, .i64RemSImm,
            .i64RemUImm:
            divide(i, q: q, immediate: imm)
        case .i32Shl, .i32ShrS, .i32ShrU, .i32Rotl, .i32Rotr, .i64Shl, .i64ShrS, .i64ShrU, .i64Rotl, .i64Rotr:
            // The count goes to cl first, so the result register may be the count's.
            load(.rcx, i.c, q: false)
            let d = pinned(i.a) ?? .rax
            if d == .rax || i.a != i.b { load(d, i.b, q: q) }
            a.shift(NativeCompiler.shift(i.op)!, d, q: q)
            store(i.a, d)
        case .i32ShlImm, .i32ShrSImm, .i32ShrUImm, .i32RotlImm, .i64ShlImm, .i64ShrSImm, .i64ShrUImm,
            .i64RotlImm:
            let d = pinned(i.a) ?? .rax
            if d == .rax || i.a != i.b { load(d, i.b, q: q) }
            a.shift(NativeCompiler.shift(i.op)!, d, imm: UInt8(i.imm & (q ? 63 : 31)), q: q)
            store(i.a, d)
        case .i32Clz, .i64Clz, .i32Ctz, .i64Ctz, .i32Popcnt, .i64Popcnt:
            let d = pinned(i.a) ?? .rax
            let x = source(i.b, q: q)
            switch i.op {
            case .i32Clz, .i64Clz: a.lzcnt(d, x, q: q)
            case .i32Ctz, .i64Ctz: a.tzcnt(d, x, q: q)
            default: a.popcnt(d, x, q: q)
            }
            store(i.a, d)
        case .i32Extend8S, .i32Extend16S:
            let d = pinned(i.a) ?? .rax
            a.movsx(d, source(i.b, q: false), bits: i.op == .i32Extend8S ? 8 : 16, q: false)
            store(i.a, d)
        case .i64Extend8S, .i64Extend16S, .i64Extend32S, .i64ExtendI32S:
            let bits = i.op == .i64Extend8S ? 8 : i.op == .i64Extend16S ? 16 : 32
            let d = pinned(i.a) ?? .rax
            a.movsx(d, source(i.b, q: true), bits: bits, q: true)
            store(i.a, d)
        case .i32WrapI64:
            let d = pinned(i.a) ?? .rax
            load(d, i.b, q: false)
            store(i.a, d)
        default:
            return false
        }
        return true
    }
}
