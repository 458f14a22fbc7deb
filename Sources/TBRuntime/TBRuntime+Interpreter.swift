import Asyncify
import TBCodegen

extension TBRuntime {
    /// Runs (or resumes) a TB on the IR interpreter.
    ///
    /// TBCodegen's `TBInterpreter` always starts at the first op, so the runtime
    /// has its own loop with the same semantics (tested against it) that can
    /// start at any op: the TB's suspension point is the index of the op whose
    /// helper call unwound (a `call`, or a guest access whose slow path did),
    /// saved with the registers in the fiber's frame. Resuming at a guest
    /// access goes straight to its slow path, as the Wasm code's block n + 1
    /// does.
    func callInterpretedTB(
        _ cx: FiberContext, cpu: TBCPU, entry: TBCacheEntry, rewinding: Bool, state: inout SuspendedTBState
    ) throws -> UInt64 {
        var regs: RegisterTuple
        let start: Int
        if rewinding {
            regs = state.registers
            start = Int(state.resumePoint)
        } else {
            regs = loadRegisters(cpu)
            start = -1
        }
        let call = TBHelperCall(fibers: cx, cpu: cpu, pc: entry.tb.pc, memory: tbMemory)
        let outcome = try withUnsafeMutableBytes(of: &regs) { raw in
            try interpret(
                entry, call: call, regs: raw.baseAddress!.assumingMemoryBound(to: UInt64.self), resumeAt: start)
        }
        if let suspendedAt = outcome.suspendedAt {
            state.engine = 0
            state.resumePoint = UInt64(suspendedAt)
            state.registers = regs
            return 0
        }
        storeRegisters(regs, cpu)
        return outcome.result
    }

    private func mem<T>(_ pc: UInt64, _ op: Int, _ body: () throws(TBTrap) -> T) throws(TBRuntimeError) -> T {
        do { return try body() } catch {
            throw TBRuntimeError(.interpreter(pc: pc, TBInterpreterError(.trap(error), opIndex: op)))
        }
    }

    /// The interpreter loop. `resumeAt` < 0: a normal entry (clears do_init);
    /// otherwise the op index to resume at, whose helper is called at once.
    private func interpret(
        _ entry: TBCacheEntry, call: TBHelperCall, regs: UnsafeMutablePointer<UInt64>, resumeAt: Int
    ) throws -> (result: UInt64, suspendedAt: Int?) {
        let memory = tbMemory
        let tb = entry.tb
        let pc = tb.pc
        let ctx = call.cpu.context
        let fibers = call.fibers
        let env = try mem(pc, -1) { () throws(TBTrap) in try memory.load(.u64, at: ctx, offset: TBContextLayout.envOffset) }
        let tlb = try mem(pc, -1) { () throws(TBTrap) in try memory.load(.u64, at: ctx, offset: TBContextLayout.tlbOffset) }
        if resumeAt < 0 {
            try mem(pc, -1) { () throws(TBTrap) in
                try memory.store(.u32, 0, at: ctx, offset: TBContextLayout.doInitOffset)
            }
        }
        let helpers = entry.helpers
        let loadSlow = tb.helpers.firstIndex(of: .guestLoadSlowPath) ?? 0
        let storeSlow = tb.helpers.firstIndex(of: .guestStoreSlowPath) ?? 0
        let limit = configuration.interpreterStepLimit
        var fuel = limit
        var resuming = resumeAt >= 0
        var i = max(resumeAt, 0)
        var nextTB: UInt64 = 0
        var result: UInt64 = 0
        return try tb.ops.withUnsafeBufferPointer { ops in
            try entry.labels.withUnsafeBufferPointer { labels in
                @inline(__always) func burn(_ op: Int) throws(TBRuntimeError) {
                    fuel -= 1
                    if fuel < 0 {
                        throw TBRuntimeError(
                            .interpreter(pc: pc, TBInterpreterError(.stepLimitExceeded(limit), opIndex: op)))
                    }
                }
                run: while i < ops.count {
                    switch ops[i] {
                    case .mov(let d, let s): regs[d.index] = regs[s.index]
                    case .movi(let d, let v): regs[d.index] = v
                    case .binary(let op, let w, let d, let a, let b):
                        regs[d.index] = TBSemantics.binary(op, w, regs[a.index], regs[b.index])
                    case .unary(let op, let w, let d, let s):
                        regs[d.index] = TBSemantics.unary(op, w, regs[s.index])
                    case .extend(let op, let d, let s): regs[d.index] = TBSemantics.extend(op, regs[s.index])
                    case .extract(let signed, let d, let s, let p, let len):
                        regs[d.index] = TBSemantics.extract(signed: signed, regs[s.index], pos: p, len: len)
                    case .setcond(let c, let w, let d, let a, let b):
                        regs[d.index] = TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? 1 : 0
                    case .negsetcond(let c, let w, let d, let a, let b):
                        regs[d.index] =
                            TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? TBSemantics.allOnes(w) : 0
                    case .movcond(let c, let w, let d, let a, let b, let t, let f):
                        let v = TBSemantics.condition(c, w, regs[a.index], regs[b.index]) ? regs[t.index] : regs[f.index]
                        regs[d.index] = TBSemantics.select(w, v)
                    case .loadEnv(let acc, let d, let off):
                        let (base, o) = Self.envAddress(env, off)
                        regs[d.index] = try mem(pc, i) { () throws(TBTrap) in try memory.load(acc, at: base, offset: o) }
                    case .storeEnv(let acc, let s, let off):
                        let (base, o) = Self.envAddress(env, off)
                        let v = regs[s.index]
                        try mem(pc, i) { () throws(TBTrap) in try memory.store(acc, v, at: base, offset: o) }
                    case .guestLoad(let acc, let d, let a, let off):
                        let addr = regs[a.index] &+ UInt64(bitPattern: Int64(off))
                        let e = tlb &+ TBSoftTLB.entryOffset(for: addr)
                        var hit = false
                        if !resuming {
                            let tag = try mem(pc, i) { () throws(TBTrap) in
                                try memory.load(.u64, at: e, offset: TBSoftTLB.addrReadOffset)
                            }
                            hit = TBSoftTLB.comparator(for: addr, byteCount: acc.byteCount) == tag
                        }
                        resuming = false
                        if hit {
                            regs[d.index] = try mem(pc, i) { () throws(TBTrap) in
                                let addend = try memory.load(.u64, at: e, offset: TBSoftTLB.addendOffset)
                                return try memory.load(acc, at: addr &+ addend)
                            }
                        } else {
                            var args = TBHelperArguments([])
                            args.count = 3
                            args.values = (ctx, addr, acc.memop, 0, 0, 0)
                            let r = try helpers[loadSlow](call, args)
                            if fibers.isUnwinding { return (0, i) }
                            regs[d.index] = r
                        }
                    case .guestStore(let acc, let s, let a, let off):
                        let addr = regs[a.index] &+ UInt64(bitPattern: Int64(off))
                        let v = regs[s.index]
                        let e = tlb &+ TBSoftTLB.entryOffset(for: addr)
                        var hit = false
                        if !resuming {
                            let tag = try mem(pc, i) { () throws(TBTrap) in
                                try memory.load(.u64, at: e, offset: TBSoftTLB.addrWriteOffset)
                            }
                            hit = TBSoftTLB.comparator(for: addr, byteCount: acc.byteCount) == tag
                        }
                        resuming = false
                        if hit {
                            try mem(pc, i) { () throws(TBTrap) in
                                let addend = try memory.load(.u64, at: e, offset: TBSoftTLB.addendOffset)
                                try memory.store(acc, v, at: addr &+ addend)
                            }
                        } else {
                            var args = TBHelperArguments([])
                            args.count = 4
                            args.values = (ctx, addr, v, acc.memop, 0, 0)
                            _ = try helpers[storeSlow](call, args)
                            if fibers.isUnwinding { return (0, i) }
                        }
                    case .setLabel: break
                    case .br(let l):
                        try burn(i)
                        i = labels[Int(l.id)]
                        continue run
                    case .brcond(let c, let w, let a, let b, let l):
                        if TBSemantics.condition(c, w, regs[a.index], regs[b.index]) {
                            try burn(i)
                            i = labels[Int(l.id)]
                            continue run
                        }
                    case .call(let h, let argRegs, let res):
                        resuming = false
                        var args = TBHelperArguments([])
                        args.count = argRegs.count
                        for k in 0..<argRegs.count { args[k] = regs[argRegs[k].index] }
                        let r = try helpers[Int(h.rawValue)](call, args)
                        if fibers.isUnwinding { return (0, i) }
                        if let res { regs[res.index] = r }
                    case .gotoTB(let target):
                        if target == pc {
                            try burn(i)
                            i = 0
                            continue run
                        }
                        nextTB = target
                        result = 0
                        break run
                    case .gotoPtr(let r):
                        let target = regs[r.index]
                        if target == pc {
                            try burn(i)
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
                let final = nextTB
                try mem(pc, i) { () throws(TBTrap) in
                    try memory.store(.u64, final, at: ctx, offset: TBContextLayout.nextTBOffset)
                }
                return (result, nil)
            }
        }
    }

    @inline(__always)
    static func envAddress(_ env: UInt64, _ offset: Int32) -> (UInt64, UInt64) {
        offset >= 0 ? (env, UInt64(offset)) : (env &+ UInt64(bitPattern: Int64(offset)), 0)
    }
}
