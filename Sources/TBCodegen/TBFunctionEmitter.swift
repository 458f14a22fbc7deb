import WasmBinary

/// Emits the body of one TB function: block bookkeeping in one place, one
/// method per op family, shared before-call/after-call sequences.
struct TBFunctionEmitter {
    let tb: TranslationBlock
    let wraps: Bool
    private var code: [Instruction] = []
    private var block = 0
    /// Constructs opened inside the current block's `if` (0 at block level).
    private var nesting = 0
    private var labelBlocks: [Int]

    static let ctx: UInt32 = 0
    static let env: UInt32 = 1
    static let tlb: UInt32 = 2
    static let addr: UInt32 = 3
    static let entry: UInt32 = 4
    static let blockIdx = TBEmitter.blockIndexGlobal

    init(tb: TranslationBlock, wraps: Bool) {
        self.tb = tb
        self.wraps = wraps
        // Pass 1: the block number each label starts, with the same numbering rules as pass 2.
        var blocks = [Int](repeating: 0, count: tb.labelCount)
        var n = 0
        for op in tb.ops {
            switch op {
            case .setLabel(let l):
                n += 1
                blocks[Int(l.id)] = n
            case .call: n += 1
            case .guestLoad, .guestStore: n += 2
            default: break
            }
        }
        labelBlocks = blocks
    }

    mutating func emitFunction() -> FunctionBody {
        // About 8 instructions per op on average: one allocation instead of a series of regrowths.
        code.reserveCapacity(32 + tb.ops.count * 10)
        prologue()
        code.append(.loop(.empty))
        openBlock()
        for op in tb.ops { emit(op) }
        code.append(.end)  // last block's if
        code.append(.end)  // loop
        storeNextTB { $0.code.append(.i64Const(0)) }
        code.append(.i64Const(0))
        code.append(.end)
        return FunctionBody(locals: [LocalGroup(count: 4, type: .i64)], body: code)
    }

    // MARK: Small emitters

    private mutating func n(_ op: NumericOp) { code.append(.numeric(op)) }
    private mutating func reg(_ r: TBReg) { code.append(.globalGet(UInt32(r.rawValue))) }
    private mutating func set(_ r: TBReg) { code.append(.globalSet(UInt32(r.rawValue))) }
    private mutating func i64(_ v: UInt64) { code.append(.i64Const(Int64(bitPattern: v))) }
    private mutating func local(_ i: UInt32) { code.append(.localGet(i)) }
    private mutating func wrap() { if wraps { n(.i32WrapI64) } }

    private mutating func load(_ op: LoadOp, offset: UInt64) {
        wrap()
        code.append(.load(op, MemArg(align: UInt32(op.byteWidth.trailingZeroBitCount), offset: offset)))
    }
    private mutating func store(_ op: StoreOp, offset: UInt64) {
        code.append(.store(op, MemArg(align: UInt32(op.byteWidth.trailingZeroBitCount), offset: offset)))
    }

    /// `ctx->next_tb = <value pushed by body>`.
    private mutating func storeNextTB(_ value: (inout TBFunctionEmitter) -> Void) {
        local(Self.ctx)
        wrap()
        value(&self)
        store(.i64Store, offset: TBContextLayout.nextTBOffset)
    }

    private mutating func prologue() {
        local(Self.ctx)
        load(.i64Load, offset: TBContextLayout.envOffset)
        code.append(.localSet(Self.env))
        local(Self.ctx)
        load(.i64Load, offset: TBContextLayout.tlbOffset)
        code.append(.localSet(Self.tlb))
        local(Self.ctx)
        load(.i32Load, offset: TBContextLayout.doInitOffset)
        code.append(.i32Const(0))
        n(.i32Ne)
        code.append(.if(.empty))
        i64(0)
        code.append(.globalSet(Self.blockIdx))
        local(Self.ctx)
        wrap()
        code.append(.i32Const(0))
        store(.i32Store, offset: TBContextLayout.doInitOffset)
        code.append(.end)
    }

    // MARK: Blocks

    private mutating func openBlock() {
        code.append(.globalGet(Self.blockIdx))
        if block == 0 {
            n(.i64Eqz)
        } else {
            i64(UInt64(block))
            n(.i64LeU)
        }
        code.append(.if(.empty))
    }

    /// Ends the current block and opens the next, optionally recording `BLOCK_IDX = next` first.
    private mutating func nextBlock(storingIndex: Bool) {
        if storingIndex {
            i64(UInt64(block + 1))
            code.append(.globalSet(Self.blockIdx))
        }
        code.append(.end)
        block += 1
        openBlock()
    }

    /// `BLOCK_IDX = target block; br` to the loop (backward) or out of the block (forward).
    private mutating func jump(toBlock target: Int) {
        i64(UInt64(target))
        code.append(.globalSet(Self.blockIdx))
        code.append(.br(depth: UInt32(nesting + (target <= block ? 1 : 0))))
    }

    private mutating func unwindCheck() {
        code.append(.call(functionIndex: 0))
        n(.i32Eqz)
        code.append(.if(.empty))
        i64(0)
        code.append(.return)
        code.append(.end)
    }

    private func helperFunction(_ sig: TBHelperSignature) -> UInt32 {
        UInt32(1 + (tb.helpers.firstIndex(of: sig) ?? 0))
    }

    // MARK: Ops

    private mutating func emit(_ op: TBOp) {
        switch op {
        case .mov(let d, let s):
            reg(s)
            set(d)
        case .movi(let d, let v):
            i64(v)
            set(d)
        case .binary(let o, let w, let d, let a, let b):
            binary(o, w, a, b)
            set(d)
        case .unary(let o, let w, let d, let s):
            unary(o, w, s)
            set(d)
        case .extend(let o, let d, let s):
            reg(s)
            switch o {
            case .ext8s: n(.i64Extend8S)
            case .ext16s: n(.i64Extend16S)
            case .ext32s: n(.i64Extend32S)
            case .ext8u, .ext16u, .ext32u:
                i64((1 << UInt64(o.bits)) - 1)
                n(.i64And)
            }
            set(d)
        case .extract(let signed, let d, let s, let pos, let len):
            reg(s)
            i64(UInt64(64 - Int(pos) - Int(len)))
            n(.i64Shl)
            i64(UInt64(64 - Int(len)))
            n(signed ? .i64ShrS : .i64ShrU)
            set(d)
        case .setcond(let c, let w, let d, let a, let b):
            condition(c, w, a, b)
            n(.i64ExtendI32U)
            set(d)
        case .negsetcond(let c, let w, let d, let a, let b):
            i64(TBSemantics.allOnes(w))
            i64(0)
            condition(c, w, a, b)
            code.append(.select)
            set(d)
        case .movcond(let c, let w, let d, let a, let b, let t, let f):
            reg(t)
            reg(f)
            condition(c, w, a, b)
            code.append(.select)
            if w == .w32 {
                i64(0xFFFF_FFFF)
                n(.i64And)
            }
            set(d)
        case .loadEnv(let acc, let d, let off):
            let o = envAddress(off)
            load(Self.loadOp(acc), offset: o)
            set(d)
        case .storeEnv(let acc, let s, let off):
            let o = envAddress(off)
            wrap()
            reg(s)
            store(Self.storeOp(acc), offset: o)
        case .guestLoad(let acc, let d, let a, let off):
            guestAccess(acc, a, off, isStore: false, data: d)
        case .guestStore(let acc, let s, let a, let off):
            guestAccess(acc, a, off, isStore: true, data: s)
        case .setLabel:
            nextBlock(storingIndex: false)
        case .br(let l):
            jump(toBlock: labelBlocks[Int(l.id)])
        case .brcond(let c, let w, let a, let b, let l):
            condition(c, w, a, b)
            code.append(.if(.empty))
            nesting += 1
            jump(toBlock: labelBlocks[Int(l.id)])
            nesting -= 1
            code.append(.end)
        case .call(let h, let args, let result):
            nextBlock(storingIndex: true)
            for r in args { reg(r) }
            code.append(.call(functionIndex: UInt32(1 + Int(h.rawValue))))
            // The result stays on the stack across the check: an unwinding helper's
            // dummy result must not clobber a register the rewound call reads again.
            unwindCheck()
            if let result { set(result) }
        case .gotoTB(let target):
            if target == tb.pc {
                jump(toBlock: 0)
            } else {
                storeNextTB { $0.i64(target) }
                i64(0)
                code.append(.return)
            }
        case .gotoPtr(let r):
            reg(r)
            i64(tb.pc)
            n(.i64Eq)
            code.append(.if(.empty))
            nesting += 1
            jump(toBlock: 0)
            nesting -= 1
            code.append(.end)
            storeNextTB { $0.reg(r) }
            i64(0)
            code.append(.return)
        case .exitTB(let v):
            storeNextTB { $0.i64(0) }
            i64(v)
            code.append(.return)
        case .mb:
            code.append(.atomicFence)
        }
    }

    /// Pushes the env base (wrapped if needed later by `load`/`store`) and returns the static offset.
    private mutating func envAddress(_ off: Int32) -> UInt64 {
        local(Self.env)
        if off >= 0 { return UInt64(off) }
        i64(UInt64(bitPattern: Int64(off)))
        n(.i64Add)
        return 0
    }

    private mutating func guestAddress(_ a: TBReg, _ off: Int32) {
        reg(a)
        if off != 0 {
            i64(UInt64(bitPattern: Int64(off)))
            n(.i64Add)
        }
    }

    private mutating func guestAccess(
        _ acc: TBMemAccess, _ a: TBReg, _ off: Int32, isStore: Bool, data: TBReg
    ) {
        // Fast path in the current block.
        guestAddress(a, off)
        code.append(.localSet(Self.addr))
        local(Self.tlb)
        local(Self.addr)
        i64(TBSoftTLB.pageBits)
        n(.i64ShrU)
        i64(TBSoftTLB.entryCount - 1)
        n(.i64And)
        i64(UInt64(TBSoftTLB.entrySize.trailingZeroBitCount))
        n(.i64Shl)
        n(.i64Add)
        code.append(.localSet(Self.entry))
        local(Self.addr)
        i64(TBSoftTLB.pageMask | UInt64(acc.byteCount - 1))
        n(.i64And)
        local(Self.entry)
        load(.i64Load, offset: isStore ? TBSoftTLB.addrWriteOffset : TBSoftTLB.addrReadOffset)
        n(.i64Eq)
        code.append(.if(.empty))
        local(Self.addr)
        local(Self.entry)
        load(.i64Load, offset: TBSoftTLB.addendOffset)
        n(.i64Add)
        if isStore {
            wrap()
            reg(data)
            store(Self.storeOp(acc), offset: 0)
        } else {
            load(Self.loadOp(acc), offset: 0)
            set(data)
        }
        i64(UInt64(block + 2))
        code.append(.globalSet(Self.blockIdx))
        code.append(.else)
        i64(UInt64(block + 1))
        code.append(.globalSet(Self.blockIdx))
        code.append(.end)
        // Slow path: the first thing in block n+1; operands re-read so a rewind can redo the call.
        nextBlock(storingIndex: false)
        local(Self.ctx)
        guestAddress(a, off)
        if isStore {
            reg(data)
            i64(acc.memop)
            code.append(.call(functionIndex: helperFunction(.guestStoreSlowPath)))
        } else {
            i64(acc.memop)
            code.append(.call(functionIndex: helperFunction(.guestLoadSlowPath)))
        }
        unwindCheck()
        if !isStore { set(data) }
        nextBlock(storingIndex: false)
    }

    // MARK: Values

    private mutating func binary(_ o: TBBinaryOp, _ w: TBWidth, _ a: TBReg, _ b: TBReg) {
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

    private mutating func unary(_ o: TBUnaryOp, _ w: TBWidth, _ s: TBReg) {
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
    private mutating func condition(_ c: TBCond, _ w: TBWidth, _ a: TBReg, _ b: TBReg) {
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
