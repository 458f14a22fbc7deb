// Division and remainder. The general form is x86's div/idiv with the Wasm
// traps checked first; an unsigned division by a constant becomes a multiply
// by its reciprocal (Granlund and Montgomery's round-up method with the
// "add" fix-up, exact for every 64-bit dividend), as optimizing compilers
// emit: a 64-bit div costs 10-40 cycles and does not pipeline, the multiply
// sequence about ten cycles and does.

import WasmNative

extension NativeCompiler {
    /// Division and remainder with the Wasm traps: divide by zero, and
    /// `INT_MIN / -1` overflow (whose remainder is 0, which x86 would fault on).
    mutating func divide(_ i: Inst, q: Bool, immediate: Bool) {
        let signed = [
            .i32DivS, .i32RemS, .i64DivS, .i64RemS, .i32DivSImm, .i32RemSImm, .i64DivSImm, .i64RemSImm,
        ]
        .contains(i.op)
        let remainder = [
            .i32RemS, .i32RemU, .i64RemS, .i64RemU, .i32RemSImm, .i32RemUImm, .i64RemSImm, .i64RemUImm,
        ]
        .contains(i.op)
        let divisor = q ? i.imm : UInt64(UInt32(truncatingIfNeeded: i.imm))
        if immediate && !signed && divisor != 0 {
            divideUnsigned(i, by: divisor, q: q, remainder: remainder)
            return
        }
        load(.rax, i.b, q: q)
        if immediate {
            a.mov(.rcx, imm: q ? i.imm : UInt64(UInt32(truncatingIfNeeded: i.imm)))
        } else {
            load(.rcx, i.c, q: q)
        }
        a.test(.rcx, .rcx, q: q)
        a.j(.e, trap(.integerDivideByZero))
        let done = a.newLabel()
        if signed {
            let divide = a.newLabel()
            a.alu(.cmp, .rcx, imm: -1, q: q)
            a.j(.ne, divide)
            if remainder {
                a.mov(.rdx, imm: 0)
                a.jmp(done)
            } else {
                if q {
                    a.mov(.rdx, imm: 0x8000_0000_0000_0000)
                    a.alu(.cmp, .rax, .rdx)
                } else {
                    a.alu(.cmp, .rax, imm: Int32.min, q: false)
                }
                a.j(.e, trap(.integerOverflow))
            }
            a.bind(divide)
            a.signExtendAccumulator(q: q)
            a.idiv(.rcx, q: q)
        } else {
            a.mov(.rdx, imm: 0)
            a.div(.rcx, q: q)
        }
        a.bind(done)
        store(i.a, remainder ? .rdx : .rax)
    }

    /// `x / d` or `x % d` for a constant unsigned `d` that is not zero, x in rax.
    mutating func divideUnsigned(_ i: Inst, by d: UInt64, q: Bool, remainder: Bool) {
        load(.rax, i.b, q: q)
        if d & (d &- 1) == 0 {
            if remainder {
                if d - 1 <= UInt64(Int32.max) || !q {
                    a.alu(.and, .rax, imm: Int32(truncatingIfNeeded: d - 1), q: q)
                } else {
                    a.mov(.rcx, imm: d - 1)
                    a.alu(.and, .rax, .rcx)
                }
            } else if d > 1 {
                a.shift(.shr, .rax, imm: UInt8(d.trailingZeroBitCount), q: q)
            }
            store(i.a, .rax)
            return
        }
        // l = ceil(log2 d) >= 2; m = floor(2^64 (2^l - d) / d) + 1 fits in 64 bits as 2^l < 2d.
        let l = 64 - (d - 1).leadingZeroBitCount
        let high = l == 64 ? 0 &- d : (UInt64(1) << l) - d
        let m = d.dividingFullWidth((high: high, low: 0)).quotient &+ 1
        // t = mulhi(m, x); quotient = (t + (x - t) / 2) >> (l - 1). i32 operands are zero-extended,
        // so the 64-bit sequence serves both widths.
        a.mov(.rcx, .rax)
        a.mov(.rdx, imm: m)
        a.mul(.rdx)
        a.mov(.rax, .rcx)
        a.alu(.sub, .rax, .rdx)
        a.shift(.shr, .rax, imm: 1)
        a.alu(.add, .rax, .rdx)
        a.shift(.shr, .rax, imm: UInt8(l - 1))
        if remainder {
            if d <= UInt64(Int32.max) {
                a.imul(.rax, .rax, imm: Int32(d))
            } else {
                a.mov(.rdx, imm: d)
                a.imul(.rax, .rdx)
            }
            a.alu(.sub, .rcx, .rax)
            store(i.a, .rcx)
        } else {
            store(i.a, .rax)
        }
    }
}
