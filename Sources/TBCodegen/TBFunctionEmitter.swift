import WasmBinary

/// Emits the body of one TB function: block bookkeeping in one place, one
/// method per op family, shared before-call/after-call sequences.
///
/// In the locals layout every register the TB mentions, and the block index,
/// live in locals; the globals are read once in the prologue and written once,
/// in the shared epilogue that every exit and every unwind leaves through
/// (see the header of `TBEmitter.swift`).
struct TBFunctionEmitter {
    let tb: TranslationBlock
    let wraps: Bool
    let layout: TBEmitter.StateLayout
    var code: [Instruction] = []
    private var block = 0
    /// Constructs opened inside the current block's `if` (0 at block level).
    var nesting = 0
    private var labelBlocks: [Int]
    /// Locals layout: the local of each register the TB mentions (nil: unused).
    private var registerLocals = [UInt32?](repeating: nil, count: 16)
    private var registerLocalCount: UInt32 = 0
    /// Locals layout: env words (u64 at a small offset) whose value a register
    /// holds, known since the current block began (see `forwardEnvLoad`).
    var envHolders: [(offset: Int32, register: TBReg)] = []

    static let ctx: UInt32 = 0
    static let env: UInt32 = 1
    static let tlb: UInt32 = 2
    static let addr: UInt32 = 3
    static let entry: UInt32 = 4
    /// Locals layout: the block index (the globals layout keeps it in `BLOCK_IDX` only).
    static let blockIdxLocal: UInt32 = 5
    static let firstRegisterLocal: UInt32 = 6
    static let blockIdx = TBEmitter.blockIndexGlobal

    init(tb: TranslationBlock, wraps: Bool, layout: TBEmitter.StateLayout) {
        self.tb = tb
        self.wraps = wraps
        self.layout = layout
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
        if layout == .locals {
            var locals = [UInt32?](repeating: nil, count: 16)
            var next = Self.firstRegisterLocal
            for op in tb.ops {
                op.forEachRegister { r in
                    if locals[r.index] == nil {
                        locals[r.index] = next
                        next += 1
                    }
                }
            }
            registerLocals = locals
            registerLocalCount = next - Self.firstRegisterLocal
        }
    }

    mutating func emitFunction() -> FunctionBody {
        // About 8 instructions per op on average: one allocation instead of a series of regrowths.
        code.reserveCapacity(48 + tb.ops.count * 10 + Int(registerLocalCount) * 4)
        prologue()
        if layout == .locals {
            // $unwound (depth nesting + 3 from inside a block) and $exit (nesting + 2, result i64).
            code.append(.block(.empty))
            code.append(.block(.value(.i64)))
        }
        code.append(.loop(.empty))
        openBlock()
        for op in tb.ops { emit(op) }
        code.append(.end)  // last block's if
        code.append(.end)  // loop
        storeNextTB { $0.code.append(.i64Const(0)) }
        code.append(.i64Const(0))
        if layout == .locals {
            code.append(.end)  // $exit: the result is on the stack
            writeBackRegisters()
            code.append(.return)
            code.append(.end)  // $unwound: BLOCK_IDX names the block of the interrupted call
            writeBackRegisters()
            local(Self.blockIdxLocal)
            code.append(.globalSet(Self.blockIdx))
            code.append(.i64Const(0))
        }
        code.append(.end)
        let locals = layout == .locals ? 5 + registerLocalCount : 4
        return FunctionBody(locals: [LocalGroup(count: locals, type: .i64)], body: code)
    }

    /// Locals layout: every register local into its global.
    private mutating func writeBackRegisters() {
        for (r, l) in registerLocals.enumerated() {
            guard let l else { continue }
            code.append(.localGet(l))
            code.append(.globalSet(UInt32(r)))
        }
    }

    /// Leaves the TB with the value pushed by `value` as its result (`next_tb`
    /// already stored): `return` in the globals layout, a branch to the shared
    /// epilogue in the locals layout.
    private mutating func leave(_ value: UInt64) {
        i64(value)
        if layout == .locals {
            code.append(.br(depth: UInt32(nesting + 2)))
        } else {
            code.append(.return)
        }
    }

    // MARK: Small emitters

    mutating func n(_ op: NumericOp) { code.append(.numeric(op)) }
    mutating func reg(_ r: TBReg) {
        if let l = registerLocals[r.index] {
            code.append(.localGet(l))
        } else {
            code.append(.globalGet(UInt32(r.rawValue)))
        }
    }
    mutating func set(_ r: TBReg) {
        if let l = registerLocals[r.index] {
            code.append(.localSet(l))
        } else {
            code.append(.globalSet(UInt32(r.rawValue)))
        }
    }
    /// `BLOCK_IDX` = the value on the stack (its local in the locals layout).
    private mutating func setBlockIndex() {
        code.append(layout == .locals ? .localSet(Self.blockIdxLocal) : .globalSet(Self.blockIdx))
    }
    mutating func i64(_ v: UInt64) { code.append(.i64Const(Int64(bitPattern: v))) }
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
        setBlockIndex()
        local(Self.ctx)
        wrap()
        code.append(.i32Const(0))
        store(.i32Store, offset: TBContextLayout.doInitOffset)
        if layout == .locals {
            code.append(.else)
            code.append(.globalGet(Self.blockIdx))
            setBlockIndex()
        }
        code.append(.end)
        for (r, l) in registerLocals.enumerated() {
            guard let l else { continue }
            code.append(.globalGet(UInt32(r)))
            code.append(.localSet(l))
        }
    }

    // MARK: Blocks

    private mutating func openBlock() {
        // A block may be entered from elsewhere (a branch, after a helper call, a rewind).
        if !envHolders.isEmpty { envHolders.removeAll(keepingCapacity: true) }
        code.append(layout == .locals ? .localGet(Self.blockIdxLocal) : .globalGet(Self.blockIdx))
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
            setBlockIndex()
        }
        code.append(.end)
        block += 1
        openBlock()
    }

    /// `BLOCK_IDX = target block; br` to the loop (backward) or out of the block (forward).
    private mutating func jump(toBlock target: Int) {
        i64(UInt64(target))
        setBlockIndex()
        code.append(.br(depth: UInt32(nesting + (target <= block ? 1 : 0))))
    }

    /// `if (helper.u() == 0) return 0`; in the locals layout the branch goes to
    /// the epilogue that writes the registers and the block index (already
    /// naming this block, the one that begins with the call) into the globals.
    private mutating func unwindCheck() {
        code.append(.call(functionIndex: 0))
        n(.i32Eqz)
        if layout == .locals {
            code.append(.brIf(depth: UInt32(nesting + 3)))
            return
        }
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
        if layout == .locals {
            if case .loadEnv(let acc, let d, let off) = op, forwardEnvLoad(acc, d, off) { return }
            trackEnv(op)
        }
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
                leave(0)
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
            leave(0)
        case .exitTB(let v):
            storeNextTB { $0.i64(0) }
            leave(v)
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
        // The entry's byte offset in one shift and one mask: ((addr >> pageBits) & (count - 1)) * size.
        let sizeBits = UInt64(TBSoftTLB.entrySize.trailingZeroBitCount)
        local(Self.tlb)
        local(Self.addr)
        i64(TBSoftTLB.pageBits - sizeBits)
        n(.i64ShrU)
        i64((TBSoftTLB.entryCount - 1) << sizeBits)
        n(.i64And)
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
        setBlockIndex()
        code.append(.else)
        i64(UInt64(block + 1))
        setBlockIndex()
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
}
