/// Executes the TB IR directly, with the same semantics as the emitted Wasm
/// (the role QEMU's TCI plays): the reference the emitter is tested against.
///
/// The interpreter reads and writes the same context record, CPU state and
/// software TLB as the Wasm code (see ``TBContextLayout``), performs the
/// same inline TLB lookup, and calls the slow-path helpers `qemu_ld` /
/// `qemu_st` exactly when the Wasm code would, so both engines produce the
/// same helper call sequence.
///
/// A run can also stop after a helper call and resume there later (the
/// TB runtime does this when a helper swaps fibers): see
/// ``Program/run(memory:context:registers:resumingAt:stepLimit:suspendsAfterHelper:)``.
/// The resumption point is an op index, the IR's counterpart of the Wasm
/// code's `BLOCK_IDX`: resuming at a guest access goes straight to its slow
/// path, as block n + 1 of the emitted code does.
public enum TBInterpreter {
    /// Runs a TB once.
    ///
    /// Like the emitted function's prologue it clears the context's `do_init`
    /// flag. On leaving it writes `next_tb`: 0 after `exit_tb` (or running off
    /// the end), the target pc after a `goto_tb`/`goto_ptr` to another TB.
    ///
    /// - Parameters:
    ///   - tb: the translation block.
    ///   - memory: the linear memory holding the context, CPU state, TLB and guest RAM.
    ///   - ctx: the address of the context record.
    ///   - registers: the 16 registers, updated in place (also when an error is thrown).
    ///   - helpers: implementations by name, for every name in `tb.helpers`
    ///     (including `qemu_ld`/`qemu_st` if the TB accesses guest memory;
    ///     ``TBSoftMMU`` provides them).
    ///   - stepLimit: the most loop iterations (taken branches plus `goto_tb` to this TB) allowed.
    /// - Returns: what the Wasm function returns: the `exit_tb` value, or 0 after a goto to another TB.
    /// - Throws: ``TBInterpreterError``, or whatever a helper throws.
    public static func run(
        _ tb: TranslationBlock, memory: TBMemory, context ctx: UInt64, registers: inout TBRegisters,
        helpers: [String: TBHelperFunction], stepLimit: Int = Int.max
    ) throws -> UInt64 {
        try Program(tb, helpers: helpers).run(
            memory: memory, context: ctx, registers: &registers, stepLimit: stepLimit)
    }

    /// A TB prepared for repeated runs: helpers resolved and label positions computed once.
    public struct Program {
        /// The translation block.
        public let tb: TranslationBlock
        private let helpers: [TBHelperFunction]
        private let labels: [Int]
        private let slowPaths: (load: Int, store: Int)

        /// Prepares a TB.
        /// - Parameters:
        ///   - tb: the translation block.
        ///   - helpers: implementations by name for every name in `tb.helpers`.
        /// - Throws: ``TBInterpreterError`` (`missingHelper`) if one is missing.
        public init(_ tb: TranslationBlock, helpers: [String: TBHelperFunction]) throws(TBInterpreterError) {
            var resolved: [TBHelperFunction] = []
            resolved.reserveCapacity(tb.helpers.count)
            for h in tb.helpers {
                guard let f = helpers[h.name] else {
                    throw TBInterpreterError(.missingHelper(h.name), opIndex: -1)
                }
                resolved.append(f)
            }
            try self.init(tb, resolvedHelpers: resolved)
        }

        /// Prepares a TB whose helpers are already resolved: `helpers[i]`
        /// implements `tb.helpers[i]`.
        /// - Throws: ``TBInterpreterError`` (`missingHelper`) if there are fewer helpers than `tb.helpers`.
        public init(_ tb: TranslationBlock, resolvedHelpers helpers: [TBHelperFunction])
            throws(TBInterpreterError)
        {
            guard helpers.count >= tb.helpers.count else {
                throw TBInterpreterError(.missingHelper(tb.helpers[helpers.count].name), opIndex: -1)
            }
            self.tb = tb
            self.helpers = helpers
            self.labels = tb.labelPositions
            self.slowPaths = (
                tb.helpers.firstIndex(of: .guestLoadSlowPath) ?? 0,
                tb.helpers.firstIndex(of: .guestStoreSlowPath) ?? 0
            )
        }

        /// Runs the TB once; see ``TBInterpreter/run(_:memory:context:registers:helpers:stepLimit:)``.
        public func run(
            memory: TBMemory, context ctx: UInt64, registers: inout TBRegisters, stepLimit: Int = Int.max
        ) throws -> UInt64 {
            let stop = try run(
                memory: memory, context: ctx, registers: &registers, resumingAt: nil, stepLimit: stepLimit,
                suspendsAfterHelper: { false })
            guard case .finished(let result) = stop else { return 0 }
            return result
        }

        /// Runs the TB, or resumes a run that stopped after a helper call.
        ///
        /// After every helper call (a `call`, or the slow path of a guest
        /// load or store) `suspendsAfterHelper` is asked whether to stop: if it
        /// says yes the run returns ``TBInterpreter/Stop/suspended(atOp:)`` at
        /// once, before the helper's result is written (the helper is expected
        /// to be called again on resumption, as an Asyncify rewind does).
        ///
        /// - Parameters:
        ///   - memory: the linear memory holding the context, CPU state, TLB and guest RAM.
        ///   - ctx: the address of the context record.
        ///   - registers: the 16 registers, updated in place (also when stopping or throwing).
        ///   - resumingAt: nil for a normal entry (which clears `do_init`), or
        ///     the op index a previous run was suspended at: that op's helper
        ///     is called again at once (for a guest access, its slow path
        ///     without a TLB lookup) and `do_init` is left alone.
        ///   - stepLimit: the most loop iterations (taken branches plus `goto_tb` to this TB) in this call.
        ///   - suspendsAfterHelper: whether to stop after the helper call just made.
        /// - Returns: how the run ended.
        /// - Throws: ``TBInterpreterError`` (also `badResumePoint` when
        ///   `resumingAt` is not a helper call or guest access), or whatever a helper throws.
        public func run(
            memory: TBMemory, context ctx: UInt64, registers: inout TBRegisters, resumingAt: Int?,
            stepLimit: Int = Int.max, suspendsAfterHelper: () -> Bool
        ) throws -> Stop {
            let resumeAt = resumingAt ?? -1
            if let point = resumingAt {
                guard point >= 0, point < tb.ops.count, tb.ops[point].isResumable else {
                    throw TBInterpreterError(.badResumePoint(point), opIndex: point)
                }
            }
            return try withUnsafeMutableBytes(of: &registers.storage) { regBytes in
                let regs = regBytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
                return try tb.ops.withUnsafeBufferPointer { ops in
                    try labels.withUnsafeBufferPointer { labels in
                        try TBInterpreter.execute(
                            ops: ops, labels: labels, helpers: helpers, slowPaths: slowPaths, pc: tb.pc,
                            memory: memory, ctx: ctx, regs: regs, stepLimit: stepLimit, resumeAt: resumeAt,
                            suspendsAfterHelper: suspendsAfterHelper)
                    }
                }
            }
        }
    }

    /// How a resumable run ended.
    public enum Stop: Sendable, Hashable {
        /// The TB left: what the Wasm function returns (the `exit_tb` value, or
        /// 0 after a goto to another TB; `next_tb` is written).
        case finished(UInt64)
        /// A helper call asked to suspend; resume at this op index.
        case suspended(atOp: Int)
    }

    @inline(__always)
    private static func mem<T>(_ opIndex: Int, _ body: () throws(TBTrap) -> T) throws(TBInterpreterError) -> T
    {
        do { return try body() } catch { throw TBInterpreterError(.trap(error), opIndex: opIndex) }
    }

    fileprivate static func execute(
        ops: UnsafeBufferPointer<TBOp>, labels: UnsafeBufferPointer<Int>, helpers: [TBHelperFunction],
        slowPaths: (load: Int, store: Int),
        pc tbPC: UInt64, memory: TBMemory, ctx: UInt64, regs: UnsafeMutablePointer<UInt64>, stepLimit: Int,
        resumeAt: Int, suspendsAfterHelper: () -> Bool
    ) throws -> Stop {
        // Prologue, in the emitted function's order: env and TLB pointers, then do_init
        // (a resumption, like a rewind, leaves do_init alone).
        let env = try mem(-1) { () throws(TBTrap) in
            try memory.load(.u64, at: ctx, offset: TBContextLayout.envOffset)
        }
        let tlb = try mem(-1) { () throws(TBTrap) in
            try memory.load(.u64, at: ctx, offset: TBContextLayout.tlbOffset)
        }
        if resumeAt < 0 {
            try mem(-1) { () throws(TBTrap) in
                if try memory.load(.u32, at: ctx, offset: TBContextLayout.doInitOffset) != 0 {
                    try memory.store(.u32, 0, at: ctx, offset: TBContextLayout.doInitOffset)
                }
            }
        }
        let (loadSlowPath, storeSlowPath) = slowPaths
        var fuel = stepLimit
        // Resuming at a guest access: skip its TLB lookup once and take the slow path.
        var resuming = resumeAt >= 0
        var i = max(resumeAt, 0)
        var nextTB: UInt64 = 0
        var result: UInt64 = 0
        run: while i < ops.count {
            switch ops[i] {
            case .mov(let d, let s): regs[d.index] = regs[s.index]
            case .movi(let d, let v): regs[d.index] = v
            case .binary(let op, let w, let d, let a, let b):
                regs[d.index] = TBSemantics.binary(op, w, regs[a.index], regs[b.index])
            case .unary(let op, let w, let d, let s):
                regs[d.index] = TBSemantics.unary(op, w, regs[s.index])
            case .extend(let op, let d, let s): regs[d.index] = TBSemantics.extend(op, regs[s.index])
            case .extract(let signed, let d, let s, let pos, let len):
                regs[d.index] = TBSemantics.extract(signed: signed, regs[s.index], pos: pos, len: len)
            case .setcond(let c, let w, let d, let a, let b):
                regs[d.index] = TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? 1 : 0
            case .negsetcond(let c, let w, let d, let a, let b):
                regs[d.index] =
                    TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? TBSemantics.allOnes(w) : 0
            case .movcond(let c, let w, let d, let a, let b, let t, let f):
                let v =
                    TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? regs[t.index] : regs[f.index]
                regs[d.index] = TBSemantics.select(w, v)
            case .loadEnv(let acc, let d, let off):
                let (base, o) = envAddress(env, off)
                regs[d.index] = try mem(i) { () throws(TBTrap) in try memory.load(acc, at: base, offset: o) }
            case .storeEnv(let acc, let s, let off):
                let (base, o) = envAddress(env, off)
                let v = regs[s.index]
                try mem(i) { () throws(TBTrap) in try memory.store(acc, v, at: base, offset: o) }
            case .guestLoad(let acc, let d, let a, let off):
                let addr = regs[a.index] &+ UInt64(bitPattern: Int64(off))
                let addend =
                    resuming
                    ? nil
                    : try tlbAddend(memory, tlb, addr, acc.byteCount, TBSoftTLB.addrReadOffset, opIndex: i)
                resuming = false
                if let addend {
                    regs[d.index] = try mem(i) { () throws(TBTrap) in try memory.load(acc, at: addr &+ addend)
                    }
                } else {
                    var args = TBHelperArguments()
                    args.count = 3
                    args.values = (ctx, addr, acc.memop, 0, 0, 0)
                    let r = try helpers[loadSlowPath](args)
                    if suspendsAfterHelper() { return .suspended(atOp: i) }
                    regs[d.index] = r
                }
            case .guestStore(let acc, let s, let a, let off):
                let addr = regs[a.index] &+ UInt64(bitPattern: Int64(off))
                let v = regs[s.index]
                let addend =
                    resuming
                    ? nil
                    : try tlbAddend(memory, tlb, addr, acc.byteCount, TBSoftTLB.addrWriteOffset, opIndex: i)
                resuming = false
                if let addend {
                    try mem(i) { () throws(TBTrap) in try memory.store(acc, v, at: addr &+ addend) }
                } else {
                    var args = TBHelperArguments()
                    args.count = 4
                    args.values = (ctx, addr, v, acc.memop, 0, 0)
                    _ = try helpers[storeSlowPath](args)
                    if suspendsAfterHelper() { return .suspended(atOp: i) }
                }
            case .setLabel: break
            case .br(let l):
                fuel -= 1
                if fuel < 0 { throw TBInterpreterError(.stepLimitExceeded(stepLimit), opIndex: i) }
                i = labels[Int(l.id)]
                continue run
            case .brcond(let c, let w, let a, let b, let l):
                if TBSemantics.condition(c, w, regs[a.index], regs[b.index]) {
                    fuel -= 1
                    if fuel < 0 { throw TBInterpreterError(.stepLimitExceeded(stepLimit), opIndex: i) }
                    i = labels[Int(l.id)]
                    continue run
                }
            case .call(let h, let argRegs, let res):
                resuming = false
                var args = TBHelperArguments()
                args.count = argRegs.count
                for k in 0..<argRegs.count { args[k] = regs[argRegs[k].index] }
                let r = try helpers[Int(h.rawValue)](args)
                if suspendsAfterHelper() { return .suspended(atOp: i) }
                if let res { regs[res.index] = r }
            case .gotoTB(let target):
                if target == tbPC {
                    fuel -= 1
                    if fuel < 0 { throw TBInterpreterError(.stepLimitExceeded(stepLimit), opIndex: i) }
                    i = 0
                    continue run
                }
                nextTB = target
                result = 0
                break run
            case .gotoPtr(let r):
                let target = regs[r.index]
                if target == tbPC {
                    fuel -= 1
                    if fuel < 0 { throw TBInterpreterError(.stepLimitExceeded(stepLimit), opIndex: i) }
                    i = 0
                    continue run
                }
                nextTB = target
                result = 0
                break run
            case .exitTB(let v):
                nextTB = 0
                result = v
                break run
            case .mb: break
            }
            i += 1
        }
        let finalNext = nextTB
        try mem(i) { () throws(TBTrap) in
            try memory.store(.u64, finalNext, at: ctx, offset: TBContextLayout.nextTBOffset)
        }
        return .finished(result)
    }

    /// The inline TLB lookup of the emitted code: the entry's addend when its
    /// tag (at `tagOffset`: read or write) matches an access of `byteCount`
    /// bytes at `addr`, nil for the slow path.
    @inline(__always)
    private static func tlbAddend(
        _ memory: TBMemory, _ tlb: UInt64, _ addr: UInt64, _ byteCount: Int, _ tagOffset: UInt64, opIndex: Int
    ) throws(TBInterpreterError) -> UInt64? {
        let entry = tlb &+ TBSoftTLB.entryOffset(for: addr)
        return try mem(opIndex) { () throws(TBTrap) -> UInt64? in
            let tag = try memory.load(.u64, at: entry, offset: tagOffset)
            guard TBSoftTLB.comparator(for: addr, byteCount: byteCount) == tag else { return nil }
            return try memory.load(.u64, at: entry, offset: TBSoftTLB.addendOffset)
        }
    }

    @inline(__always)
    static func envAddress(_ env: UInt64, _ offset: Int32) -> (UInt64, UInt64) {
        offset >= 0 ? (env, UInt64(offset)) : (env &+ UInt64(bitPattern: Int64(offset)), 0)
    }
}

extension TBOp {
    /// Whether a run can be suspended at this op: it calls a helper (a
    /// `call`, or a guest access whose slow path is one).
    var isResumable: Bool {
        switch self {
        case .call, .guestLoad, .guestStore: return true
        default: return false
        }
    }
}
