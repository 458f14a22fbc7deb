// The register cache: each function keeps its most used frame slots (by a
// static count, loop bodies weighted up) in registers for its whole body.
// The register is the slot's value; the frame copy is written back only when
// something else reads the frame (write-back, not write-through):
// - before a call, a host call or a helper: the dirty registers of the
//   slots the callee can read (a direct call's arguments and the slots below
//   them; everything for a helper), and everything is reloaded after it;
// - before a template that is not cache-aware (it reads slots in memory):
//   every dirty register (see `cacheAware`).
// A slot's register is dirty after a template writes it (`store`); which
// registers are dirty is tracked along the straight-line code, and at a
// branch target every register of a slot written anywhere in the function
// counts as dirty. Traps and exits abandon the frame, so they write nothing
// back; `ret` reads its results through the cache. Spilling a clean
// register is always correct (the register holds the slot's value), so
// any over-approximation costs speed, never correctness.
//
// The registers are the ones templates never use as scratch: rsi, rdi, rbp
// and r8-r11 (rax, rcx, rdx are scratch; rbx, r12-r15 hold the frame, the
// memory, the context and the call depth).

import WasmNative

extension NativeCompiler {
    static let cacheRegisters: [Reg] = [.rsi, .rdi, .r8, .r9, .r10, .r11, .rbp]

    /// The register holding `slot`, if it is cached.
    func pinned(_ slot: UInt32) -> Reg? {
        Int(slot) < pinnedBySlot.count ? pinnedBySlot[Int(slot)] : nil
    }

    /// `r = slot` (32-bit: zero-extended, as the slot holds i32 values).
    mutating func load(_ r: Reg, _ s: UInt32, q: Bool = true) {
        if let p = pinned(s) {
            a.mov(r, p, q: q)
        } else {
            a.mov(r, slot(s), q: q)
        }
    }

    /// `r op= slot`.
    mutating func aluSlot(_ op: ALU, _ r: Reg, _ s: UInt32, q: Bool = true) {
        if let p = pinned(s) {
            a.alu(op, r, p, q: q)
        } else {
            a.alu(op, r, slot(s), q: q)
        }
    }

    /// `cmp slot, imm`.
    mutating func compareSlot(_ s: UInt32, imm: Int32, q: Bool) {
        if let p = pinned(s) {
            a.alu(.cmp, p, imm: imm, q: q)
        } else {
            a.alu(.cmp, slot(s), imm: imm, q: q)
        }
    }

    /// The bit of a cache register in `dirty` and `writtenRegisters`.
    static func bit(_ r: Reg) -> UInt16 { 1 << UInt16(r.rawValue) }

    /// `slot = r` (all 64 bits): into its register if cached (then dirty), else into the frame.
    mutating func store(_ s: UInt32, _ r: Reg) {
        if let p = pinned(s) {
            if p != r { a.mov(p, r) }
            if writtenRegisters & NativeCompiler.bit(p) != 0 {
                dirty |= NativeCompiler.bit(p)
            } else {
                // A slot the pre-pass did not see written is written through, so
                // branch targets need not count it as dirty.
                a.mov(slot(s), p)
            }
        } else {
            a.mov(slot(s), r)
        }
        if s == currentResult { resultWritten = true }
    }

    /// Writes the dirty registers of the slots below `limit` back to the frame.
    mutating func spill(below limit: UInt32 = .max) {
        guard dirty != 0 else { return }
        for (s, r) in cachedSlots where s < limit {
            guard dirty & NativeCompiler.bit(r) != 0 else { continue }
            a.mov(slot(s), r)
            dirty &= ~NativeCompiler.bit(r)
        }
    }

    /// Whether the local `slot` is cached in a register that some instruction writes:
    /// at entry the register is zeroed and dirty, and the prologue does not zero the slot.
    func startsDirty(_ slot: UInt32) -> Bool {
        guard let r = pinned(slot) else { return false }
        return writtenRegisters & NativeCompiler.bit(r) != 0
    }

    /// At entry: loads the cached parameters and zeroes the registers of the cached
    /// locals (the dirty ones, see `startsDirty`, are written back before anything reads
    /// the frame; the others are zero in the frame too). Cached temporaries are written
    /// before they are read.
    mutating func loadCacheAtEntry(parameters: Int, locals: Int) {
        dirty = 0
        for (s, r) in cachedSlots where Int(s) < parameters + locals {
            if Int(s) < parameters {
                a.mov(r, slot(s))
            } else {
                a.alu(.xor, r, r, q: false)
                if startsDirty(s) { dirty |= NativeCompiler.bit(r) }
            }
        }
    }

    /// Reloads the cached registers of the slots below `limit` (but the one of `kept`) from
    /// the frame, after something that may have written it and clobbered the registers. The
    /// slots at or above `limit` are dead (above a call's results): their registers are left.
    mutating func reloadCache(below limit: UInt32 = .max, except kept: UInt32 = .max) {
        for (s, r) in cachedSlots where s != kept && s < limit {
            a.mov(r, slot(s))
            dirty &= ~NativeCompiler.bit(r)
        }
    }

    /// Instructions that never write the slot named by their `a` field
    /// (which may hold something else): no reload after them.
    static func leavesSlotA(_ op: Op) -> Bool {
        switch op {
        case .unreachable, .fuel, .br, .brIf, .brIfNot, .brTable, .ret, .ret1, .globalSet, .call,
            .callIndirect,
            .brIfI32LtS, .brIfI32LtU, .brIfI32GeS, .brIfI32GeU, .brIfI32Eq, .brIfI32Ne,
            .brIfI64LtS, .brIfI64LtU, .brIfI64GeS, .brIfI64GeU, .brIfI64Eq, .brIfI64Ne,
            .brIfI32LtSImm, .brIfI32GeSImm, .brIfI32LtUImm, .brIfI32GeUImm, .brIfI32EqImm, .brIfI32NeImm,
            .brIfI64LtSImm, .brIfI64GeSImm, .brIfI64LtUImm, .brIfI64GeUImm, .brIfI64EqImm, .brIfI64NeImm,
            .brIfGlobalI32EqImm, .brIfGlobalI32NeImm, .i32AddImmAtGlobal, .i32StoreIndirect32,
            .i32Store, .i64Store, .f32Store, .f64Store, .i32Store8, .i32Store16, .i64Store8, .i64Store16,
            .i64Store32:
            true
        default: false
        }
    }

    /// The branch target of `inst` at `index`, for the ops that branch.
    static func branchTarget(_ inst: Inst, _ index: Int) -> Int? {
        switch inst.op {
        case .br, .brIf, .brIfNot,
            .brIfI32LtS, .brIfI32LtU, .brIfI32GeS, .brIfI32GeU, .brIfI32Eq, .brIfI32Ne,
            .brIfI64LtS, .brIfI64LtU, .brIfI64GeS, .brIfI64GeU, .brIfI64Eq, .brIfI64Ne,
            .brIfI32LtSImm, .brIfI32GeSImm, .brIfI32LtUImm, .brIfI32GeUImm, .brIfI32EqImm, .brIfI32NeImm,
            .brIfI64LtSImm, .brIfI64GeSImm, .brIfI64LtUImm, .brIfI64GeUImm, .brIfI64EqImm, .brIfI64NeImm,
            .brIfGlobalI32EqImm, .brIfGlobalI32NeImm,
            .i32AddImmBrIfEq, .i32AddImmBrIfNe, .i32AddImmBrIfLtS, .i32AddImmBrIfLtU, .i32AddImmBrIfGtS,
            .i32AddImmBrIfGtU, .i32AddImmBrIfLeS, .i32AddImmBrIfLeU, .i32AddImmBrIfGeS, .i32AddImmBrIfGeU,
            .i32AddImmBrIfEqImm, .i32AddImmBrIfNeImm, .i32AddImmBrIfLtSImm, .i32AddImmBrIfLtUImm,
            .i32AddImmBrIfGeSImm, .i32AddImmBrIfGeUImm:
            index + Int(Int64(bitPattern: inst.imm))
        default: nil
        }
    }

    /// Chooses the cached slots of a function: the most used ones, a use
    /// inside a loop (a backward branch's range) counting 8 times per level.
    /// Only the fields that are slots for the ops the templates read through
    /// the cache are counted; a miscount costs speed, never correctness.
    mutating func chooseCachedSlots(_ code: UnsafeMutablePointer<Inst>, count: Int, frameSize: Int) {
        pinnedBySlot = []
        cachedSlots = []
        writtenRegisters = 0
        guard frameSize > 0 else { return }
        var depth = [Int](repeating: 0, count: count + 1)
        for k in 0..<count {
            if let t = NativeCompiler.branchTarget(code[k], k), t >= 0, t <= k {
                depth[t] += 1
                depth[k + 1] -= 1
            }
        }
        var weights = [Int](repeating: 0, count: frameSize)
        weights.withUnsafeMutableBufferPointer { weights in
            var level = 0
            for k in 0..<count {
                level += depth[k]
                let w = level == 0 ? 1 : level == 1 ? 8 : 64
                let i = code[k]
                let fields = NativeCompiler.slotFieldTable[Int(i.op.rawValue)]
                if fields & 1 != 0, Int(i.a) < frameSize { weights[Int(i.a)] += w }
                if fields & 2 != 0, Int(i.b) < frameSize { weights[Int(i.b)] += w }
                if fields & 4 != 0, Int(i.c) < frameSize { weights[Int(i.c)] += w }
            }
        }
        let chosen = (0..<frameSize).filter { weights[$0] >= 2 }.sorted { weights[$0] > weights[$1] }
            .prefix(NativeCompiler.cacheRegisters.count)
        guard !chosen.isEmpty else { return }
        pinnedBySlot = [Reg?](repeating: nil, count: frameSize)
        for (n, s) in chosen.enumerated() { pinnedBySlot[s] = NativeCompiler.cacheRegisters[n] }
        cachedSlots = chosen.enumerated().map { (UInt32($1), NativeCompiler.cacheRegisters[$0]) }.sorted {
            $0.0 < $1.0
        }
        for k in 0..<count where !NativeCompiler.leavesSlotA(code[k].op) {
            if let r = pinned(code[k].a) { writtenRegisters |= NativeCompiler.bit(r) }
        }
    }

    /// Marks the instructions that are jumped to (where the dirty registers are not known).
    mutating func findBranchTargets(_ code: UnsafeMutablePointer<Inst>, count: Int) {
        isBranchTarget = [Bool](repeating: false, count: count + 1)
        for k in 0..<count {
            if let t = NativeCompiler.branchTarget(code[k], k), t >= 0, t <= count {
                isBranchTarget[t] = true
            }
            // A br_table jumps into its entries (an entry that is not a `br` returns in place).
            if code[k].op == .brTable {
                for e in (k + 1)...min(k + 1 + Int(code[k].c), count) { isBranchTarget[e] = true }
            }
        }
    }

    /// ``slotFields(_:)`` of every op by raw value, as bits (1: a, 2: b, 4: c), computed once:
    /// the weights pass looks up every instruction.
    static let slotFieldTable: [UInt8] = {
        var table: [UInt8] = []
        var raw: UInt16 = 0
        while let op = Op(rawValue: raw) {
            let (a, b, c) = slotFields(op)
            table.append((a ? 1 : 0) | (b ? 2 : 0) | (c ? 4 : 0))
            raw += 1
        }
        return table
    }()

    /// Which of a, b, c are slots that the converted templates access (for the weights).
    static func slotFields(_ op: Op) -> (Bool, Bool, Bool) {
        if hasImmediate(op) { return (true, true, false) }
        if loadShape(op) != nil { return (true, true, false) }
        if storeSize(op) != nil { return (false, true, true) }
        if alu(op) != nil || shift(op) != nil || condition(op) != nil {
            switch op {
            case .brIfI32LtSImm, .brIfI32GeSImm, .brIfI32LtUImm, .brIfI32GeUImm, .brIfI32EqImm, .brIfI32NeImm,
                .brIfI64LtSImm, .brIfI64GeSImm, .brIfI64LtUImm, .brIfI64GeUImm, .brIfI64EqImm, .brIfI64NeImm:
                return (false, true, false)
            case .brIfI32LtS, .brIfI32LtU, .brIfI32GeS, .brIfI32GeU, .brIfI32Eq, .brIfI32Ne,
                .brIfI64LtS, .brIfI64LtU, .brIfI64GeS, .brIfI64GeU, .brIfI64Eq, .brIfI64Ne:
                return (false, true, true)
            case .i32AddImmBrIfEqImm, .i32AddImmBrIfNeImm, .i32AddImmBrIfLtSImm, .i32AddImmBrIfLtUImm,
                .i32AddImmBrIfGeSImm, .i32AddImmBrIfGeUImm:
                return (true, true, false)
            default: return (true, true, true)
            }
        }
        switch op {
        case .copy, .i32Eqz, .i64Eqz, .i32WrapI64, .i64ExtendI32S, .i32Extend8S, .i32Extend16S, .i64Extend8S,
            .i64Extend16S, .i64Extend32S, .i32Clz, .i64Clz, .i32Ctz, .i64Ctz, .i32Popcnt, .i64Popcnt:
            return (true, true, false)
        case .i32LoadGlobal, .i32LoadIndirect32, .i32EqImmGlobal, .i32NeImmGlobal: return (true, false, false)
        case .i32StoreIndirect32: return (false, false, true)
        case .i32Mul, .i64Mul, .select, .selectGlobal, .i32DivS, .i32DivU, .i32RemS, .i32RemU, .i64DivS,
            .i64DivU, .i64RemS,
            .i64RemU:
            return (true, true, true)
        case .brIf, .brIfNot, .ret1, .call, .callIndirect: return (false, true, false)
        case .const, .globalGet: return (true, false, false)
        default: return (false, false, false)
        }
    }
}
