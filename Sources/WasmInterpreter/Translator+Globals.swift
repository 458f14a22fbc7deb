// Global-operand fusion, for the code Binaryen's Asyncify pass wraps around
// every call that may unwind: each instrumented frame tests
// `__asyncify_state` (`global.get; i32.const; i32.eq; if`, `select` on it)
// and moves its locals through `__asyncify_data` (`global.get; i32.load`,
// and the bump `global.get; global.get; i32.load; i32.const k; i32.add;
// i32.store`). A global's cell pointer is known at translation time, so a
// `global.get` whose value only feeds the next instruction folds into it.
//
// A `global.get` folds only when its result slot is a dead temporary (the
// home of a stack position that the consumer popped) and no branch targets
// the position after it: a fused instruction takes the `global.get`'s
// place, so a branch to the `global.get` still runs both halves.

import WasmBinary

extension Translator {
    /// Whether `slot` holds a value no later instruction reads: the home of
    /// a stack position at or above the current height (after the consumer's pops).
    func isDeadTemporary(_ slot: UInt32) -> Bool { slot >= home(stack.count) }

    /// The `global.get` emitted just now into the dead temporary `slot`
    /// (with no branch target after it), if any: its cell pointer and whether
    /// the global is an i32.
    func lastGlobalGet(into slot: UInt32) -> (cell: UInt64, isI32: Bool)? {
        guard code.count > boundLabel, let last = code.last, last.op == .globalGet, last.a == slot,
            isDeadTemporary(slot)
        else { return nil }
        return (last.imm, i32GlobalCells.contains(last.imm))
    }

    /// Removes the `global.get` that produced `slot` just now (see
    /// ``lastGlobalGet(into:)``) and returns its cell pointer.
    mutating func takeGlobal(_ slot: UInt32) -> UInt64? {
        guard let (cell, _) = lastGlobalGet(into: slot) else { return nil }
        code.removeLast()
        lastResult = -1
        return cell
    }

    /// Fuses a conditional branch on an i32 global just read with that read:
    /// `global.get g; br_if` and the comparisons with a constant that
    /// Asyncify emits (`i32.eqz`, `i32.eq`, `i32.ne`).
    func fuseGlobalBranch(into inst: Inst) -> Inst? {
        let op: Op
        let constant: UInt32
        switch inst.op {
        case .brIf: (op, constant) = (.brIfGlobalI32NeImm, 0)
        case .brIfNot: (op, constant) = (.brIfGlobalI32EqImm, 0)
        case .brIfI32EqImm: (op, constant) = (.brIfGlobalI32EqImm, inst.c)
        case .brIfI32NeImm: (op, constant) = (.brIfGlobalI32NeImm, inst.c)
        default: return nil
        }
        // brIf/brIfNot also test i64 values (after i64.eqz): only i32 globals fold.
        // The branch offset stays in imm (as in every branch), so the cell
        // pointer is split over b (low half) and c (high half).
        guard let (cell, isI32) = lastGlobalGet(into: inst.b), isI32 else { return nil }
        return Inst(
            op: op, a: constant, b: UInt32(truncatingIfNeeded: cell),
            c: UInt32(truncatingIfNeeded: cell >> 32),
            imm: inst.imm)
    }

    /// Emits `x == k` or `x != k` as an ``Op/i32EqImmGlobal``-style
    /// instruction when `x` is an i32 global read just now (Asyncify's
    /// `x | state == 2`); returns whether it did.
    mutating func emitGlobalComparison(_ op: Op, x: UInt32, k: UInt64) -> Bool {
        let fused: Op
        switch op {
        case .i32EqImm: fused = .i32EqImmGlobal
        case .i32NeImm: fused = .i32NeImmGlobal
        default: return false
        }
        guard let (cell, isI32) = lastGlobalGet(into: x), isI32 else { return false }
        code.removeLast()
        emitResult(Inst(op: fused, a: push(), c: UInt32(truncatingIfNeeded: k), imm: cell))
        return true
    }

    /// Splits an ``Op/i32EqImmGlobal``-style instruction that produced `slot`
    /// just now back into its `global.get` and the comparison, which it
    /// returns: a branch on it then fuses as ``Op/brIfGlobalI32EqImm``-style.
    mutating func unfuseGlobalComparison(_ slot: UInt32) -> Inst? {
        guard lastResult == code.count - 1, let last = code.last, last.a == slot, slot == home(stack.count)
        else { return nil }
        let op: Op
        switch last.op {
        case .i32EqImmGlobal: op = .i32EqImm
        case .i32NeImmGlobal: op = .i32NeImm
        default: return nil
        }
        code[code.count - 1] = Inst(op: .globalGet, a: slot, imm: last.imm)
        lastResult = -1
        return Inst(op: op, a: slot, b: slot, imm: UInt64(last.c))
    }

    /// Emits a load from `address`, folding a `global.get` of the address.
    mutating func emitLoad(_ op: Op, address: UInt32, end: UInt64) {
        let fused: Op? =
            switch op {
            case .i32Load: .i32LoadGlobal
            default: nil
            }
        if let fused, end <= UInt64(UInt32.max), let cell = takeGlobal(address) {
            emitResult(Inst(op: fused, a: push(), c: UInt32(end), imm: cell))
        } else if op == .i32Load, end <= UInt64(UInt32.max),
            let (indirect, pointer) = lastPointerLoad(into: address)
        {
            code.removeLast()
            emitResult(Inst(op: indirect.load, a: push(), b: pointer.c, c: UInt32(end), imm: pointer.imm))
        } else {
            emitResult(Inst(op: op, a: push(), b: address, imm: end))
        }
    }

    /// Emits a store, folding Asyncify's data-pointer bump `mem[g] += k`
    /// (`global.get g; global.get g; load; const k; add; store`, load and
    /// store at the same offset) into one instruction.
    mutating func emitStore(_ op: Op, address: UInt32, value: UInt32, end: UInt64) {
        if op == .i32Store, end <= UInt64(UInt32.max), value != address,
            let (indirect, pointer) = lastPointerLoad(into: address)
        {
            code[code.count - 1] = Inst(
                op: indirect.store, a: pointer.c, b: UInt32(end), c: value, imm: pointer.imm)
            lastResult = -1
        } else if let fused = fuseBump(op, address: address, value: value, end: end) {
            code.removeLast(3)
            lastResult = -1
            emit(fused)
        } else {
            emit(Inst(op: op, b: address, c: value, imm: end))
        }
    }

    /// The load of a pointer through a global (``Op/i32LoadGlobal``)
    /// emitted just now into the dead temporary `slot` (with no branch
    /// target after it), and the i32 load and store forms through that pointer.
    /// (No memory64 forms: the opcode must fit in one byte.)
    func lastPointerLoad(into slot: UInt32) -> ((load: Op, store: Op), Inst)? {
        guard code.count > boundLabel, let last = code.last, last.op == .i32LoadGlobal, last.a == slot,
            isDeadTemporary(slot)
        else { return nil }
        return ((.i32LoadIndirect32, .i32StoreIndirect32), last)
    }

    /// The fused bump for a store, if the three instructions before it are
    /// `global.get g` (the address), `load from g` and `add k` (the value).
    func fuseBump(_ op: Op, address: UInt32, value: UInt32, end: UInt64) -> Inst? {
        guard op == .i32Store else { return nil }
        let n = code.count
        guard n >= 3, n - 3 >= boundLabel else { return nil }
        let get = code[n - 3]
        let load = code[n - 2]
        let add = code[n - 1]
        guard get.op == .globalGet, get.a == address, isDeadTemporary(address),
            load.op == .i32LoadGlobal, load.imm == get.imm, UInt64(load.c) == end, isDeadTemporary(load.a),
            add.op == .i32AddImm, add.b == load.a, add.a == value, isDeadTemporary(value)
        else { return nil }
        return Inst(op: .i32AddImmAtGlobal, b: UInt32(truncatingIfNeeded: add.imm), c: load.c, imm: get.imm)
    }
}
