import WasmBinary

// The value computations of TBFunctionEmitter: arithmetic, comparisons and the
// access-size tables, apart from the block and state bookkeeping.

extension TBFunctionEmitter {
    // MARK: Values

    mutating func binary(_ o: TBBinaryOp, _ w: TBWidth, _ a: TBReg, _ b: TBReg) {
        let w32 = w == .w32
        func get(_ r: TBReg, _ e: inout TBFunctionEmitter) {
            e.reg(r)
            if w32 { e.n(.i32WrapI64) }
        }
        func simple(_ op64: NumericOp, _ op32: NumericOp) {
            get(a, &self)
            get(b, &self)
            n(w32 ? op32 : op64)
        }
        switch o {
        case .add: simple(.i64Add, .i32Add)
        case .sub: simple(.i64Sub, .i32Sub)
        case .mul: simple(.i64Mul, .i32Mul)
        case .and: simple(.i64And, .i32And)
        case .or: simple(.i64Or, .i32Or)
        case .xor: simple(.i64Xor, .i32Xor)
        case .shl: simple(.i64Shl, .i32Shl)
        case .shr: simple(.i64ShrU, .i32ShrU)
        case .sar: simple(.i64ShrS, .i32ShrS)
        case .rotl: simple(.i64Rotl, .i32Rotl)
        case .rotr: simple(.i64Rotr, .i32Rotr)
        case .div, .divu, .rem, .remu:
            // Wasm traps on a zero divisor (and on signed overflow for div); TB ops do not.
            let type: ValueType = w32 ? .i32 : .i64
            get(b, &self)
            n(w32 ? .i32Eqz : .i64Eqz)
            code.append(.if(.value(type)))
            if o == .div || o == .divu {
                if w32 { code.append(.i32Const(-1)) } else { i64(UInt64.max) }
            } else {
                get(a, &self)
            }
            code.append(.else)
            switch o {
            case .div:
                // b == -1: negate (MIN / -1 = MIN, no trap); otherwise a real division.
                get(b, &self)
                if w32 { code.append(.i32Const(-1)) } else { i64(UInt64.max) }
                n(w32 ? .i32Eq : .i64Eq)
                code.append(.if(.value(type)))
                if w32 { code.append(.i32Const(0)) } else { i64(0) }
                get(a, &self)
                n(w32 ? .i32Sub : .i64Sub)
                code.append(.else)
                simple(.i64DivS, .i32DivS)
                code.append(.end)
            case .divu: simple(.i64DivU, .i32DivU)
            case .rem: simple(.i64RemS, .i32RemS)  // Wasm's rem_s gives 0 for MIN % -1.
            default: simple(.i64RemU, .i32RemU)
            }
            code.append(.end)
        }
        if w32 { n(.i64ExtendI32U) }
    }

    mutating func unary(_ o: TBUnaryOp, _ w: TBWidth, _ s: TBReg) {
        let w32 = w == .w32
        switch o {
        case .not:
            reg(s)
            if w32 {
                n(.i32WrapI64)
                code.append(.i32Const(-1))
                n(.i32Xor)
            } else {
                i64(UInt64.max)
                n(.i64Xor)
            }
        case .neg:
            if w32 {
                code.append(.i32Const(0))
                reg(s)
                n(.i32WrapI64)
                n(.i32Sub)
            } else {
                i64(0)
                reg(s)
                n(.i64Sub)
            }
        case .clz, .ctz, .ctpop:
            reg(s)
            if w32 { n(.i32WrapI64) }
            switch o {
            case .clz: n(w32 ? .i32Clz : .i64Clz)
            case .ctz: n(w32 ? .i32Ctz : .i64Ctz)
            default: n(w32 ? .i32Popcnt : .i64Popcnt)
            }
        }
        if w32 { n(.i64ExtendI32U) }
    }

    /// Pushes `cond(a, b)` as an i32 0/1.
    mutating func condition(_ c: TBCond, _ w: TBWidth, _ a: TBReg, _ b: TBReg) {
        let w32 = w == .w32
        switch c {
        case .always:
            code.append(.i32Const(1))
            return
        case .never:
            code.append(.i32Const(0))
            return
        default: break
        }
        reg(a)
        if w32 { n(.i32WrapI64) }
        reg(b)
        if w32 { n(.i32WrapI64) }
        switch c {
        case .eq: n(w32 ? .i32Eq : .i64Eq)
        case .ne: n(w32 ? .i32Ne : .i64Ne)
        case .lt: n(w32 ? .i32LtS : .i64LtS)
        case .ge: n(w32 ? .i32GeS : .i64GeS)
        case .le: n(w32 ? .i32LeS : .i64LeS)
        case .gt: n(w32 ? .i32GtS : .i64GtS)
        case .ltu: n(w32 ? .i32LtU : .i64LtU)
        case .geu: n(w32 ? .i32GeU : .i64GeU)
        case .leu: n(w32 ? .i32LeU : .i64LeU)
        case .gtu: n(w32 ? .i32GtU : .i64GtU)
        case .tsteq:
            n(w32 ? .i32And : .i64And)
            n(w32 ? .i32Eqz : .i64Eqz)
        case .tstne:
            n(w32 ? .i32And : .i64And)
            if w32 {
                code.append(.i32Const(0))
                n(.i32Ne)
            } else {
                i64(0)
                n(.i64Ne)
            }
        case .always, .never: break
        }
    }

    static func loadOp(_ acc: TBMemAccess) -> LoadOp {
        switch acc {
        case .u8: .i64Load8U
        case .s8: .i64Load8S
        case .u16: .i64Load16U
        case .s16: .i64Load16S
        case .u32: .i64Load32U
        case .s32: .i64Load32S
        case .u64: .i64Load
        }
    }

    static func storeOp(_ acc: TBMemAccess) -> StoreOp {
        switch acc.byteCount {
        case 1: .i64Store8
        case 2: .i64Store16
        case 4: .i64Store32
        default: .i64Store
        }
    }
}
