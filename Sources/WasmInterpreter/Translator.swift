// Translates a validated function body into the interpreter's internal code.
//
// Every value has a home slot: local i lives in frame slot i, and operand
// stack position p (whose height the validator guarantees is static) in slot
// localCount + p. Instructions name their operand and result slots directly,
// so `local.get` emits nothing (the stack entry just refers to the local's
// slot), constants and small compare-and-branch sequences fuse into their
// consumers, and a `local.set` of a fresh result retargets the instruction
// that produced it. Branches are resolved to relative code offsets, with
// explicit copies where a label's values are not already in place.

import WasmBinary

/// The module could not be translated (it was not valid).
struct TranslationError: Error, CustomStringConvertible {
    var description: String
}

struct Translator {
    enum Kind { case function, block, loop, ifElse }

    struct Control {
        var kind: Kind
        var height: Int
        var parameters: Int
        var results: Int
        var loopStart = 0
        var fixups: [Int] = []
        var elseFixup = -1
        var labelArity: Int { kind == .loop ? parameters : results }
    }

    let storage: InstanceStorage
    let module: Module
    let localCount: Int
    var code: [Inst] = []
    var stack: [UInt32] = []
    var controls: [Control] = []
    var maxHeight = 0
    var lastResult = -1
    var dead = false
    var deadDepth = 0
    var failure: String?
    /// The most recent code position that a branch targets (or may target):
    /// an instruction emitted there must stay there, so it is not fused
    /// into its predecessor.
    var boundLabel = 0
    /// Whether to emit ``Op/fuel`` checks (the store meters fuel).
    let metered: Bool
    /// The cells of the i32 globals read so far (see Translator+Globals.swift).
    var i32GlobalCells: Set<UInt64> = []

    init(storage: InstanceStorage, localCount: Int) {
        self.storage = storage
        self.module = storage.module
        self.localCount = localCount
        self.metered = storage.store.configuration.fuelMetering
    }

    // MARK: Stack bookkeeping

    func home(_ position: Int) -> UInt32 { UInt32(localCount + position) }

    @discardableResult
    mutating func push() -> UInt32 {
        let slot = home(stack.count)
        stack.append(slot)
        if stack.count > maxHeight { maxHeight = stack.count }
        return slot
    }

    mutating func pop() -> UInt32 {
        guard let slot = stack.popLast() else {
            failure = failure ?? "operand stack underflow"
            return home(0)
        }
        return slot
    }

    @discardableResult
    mutating func emit(_ inst: Inst) -> Int {
        if let fused = fuseIncrement(into: inst) ?? fuseGlobalBranch(into: inst) {
            code[code.count - 1] = fused
        } else {
            code.append(inst)
        }
        lastResult = -1
        return code.count - 1
    }

    /// Marks the current position as a branch target.
    mutating func bindLabel() { boundLabel = code.count }

    /// Emits an instruction whose `a` is the fresh top-of-stack result slot.
    mutating func emitResult(_ inst: Inst) {
        code.append(inst)
        lastResult = code.count - 1
    }

    mutating func materialize(_ position: Int) {
        let h = home(position)
        if stack[position] != h {
            emit(Inst(op: .copy, a: h, b: stack[position]))
            stack[position] = h
        }
    }

    mutating func materializeAll() {
        for p in stack.indices { materialize(p) }
    }

    mutating func materializeTop(_ n: Int) {
        guard n <= stack.count else {
            failure = failure ?? "operand stack underflow"
            return
        }
        for p in (stack.count - n)..<stack.count { materialize(p) }
    }

    /// The value of a `const` that produced `slot` just now, if it did.
    func peekConstant(_ slot: UInt32) -> UInt64? {
        guard lastResult == code.count - 1, let last = code.last, last.op == .const, last.a == slot,
            slot == home(stack.count)
        else { return nil }
        return last.imm
    }

    /// Removes a `const` that produced `slot` just now and returns its value.
    mutating func takeConstant(_ slot: UInt32) -> UInt64? {
        guard let value = peekConstant(slot) else { return nil }
        code.removeLast()
        lastResult = -1
        return value
    }

    /// Removes a comparison that produced `slot` just now and returns it.
    mutating func takeComparison(_ slot: UInt32) -> Inst? {
        if let comparison = unfuseGlobalComparison(slot) { return comparison }
        guard lastResult == code.count - 1, let last = code.last, last.a == slot, slot == home(stack.count),
            Translator.branchForm(of: last, negated: false) != nil
        else { return nil }
        code.removeLast()
        lastResult = -1
        return last
    }

    func offset(from index: Int, to target: Int) -> UInt64 { UInt64(bitPattern: Int64(target - index)) }

    mutating func patch(_ index: Int) {
        code[index].imm = offset(from: index, to: code.count)
        bindLabel()
    }

    // MARK: Blocks

    func blockArity(_ type: BlockType) -> (Int, Int) {
        switch type {
        case .empty: (0, 0)
        case .value: (0, 1)
        case .typeIndex(let i):
            Int(i) < module.types.count
                ? (module.types[Int(i)].parameters.count, module.types[Int(i)].results.count) : (0, 0)
        }
    }

    mutating func enterBlock(_ kind: Kind, _ type: BlockType) {
        let (p, r) = blockArity(type)
        materializeAll()
        controls.append(Control(kind: kind, height: max(stack.count - p, 0), parameters: p, results: r))
    }

    /// Copies for a branch to `control`: its label values are the top of the stack.
    func moves(to control: Control) -> [(UInt32, UInt32)] {
        let n = control.labelArity
        guard n <= stack.count else { return [] }
        var result: [(UInt32, UInt32)] = []
        for k in 0..<n {
            let src = stack[stack.count - n + k]
            let dst = home(control.height + k)
            if src != dst { result.append((dst, src)) }
        }
        return result
    }

    /// Emits a return of the top `resultCount` values (without touching the translator's stack).
    mutating func emitReturn() {
        let r = controls.first?.results ?? 0
        guard r <= stack.count else {
            failure = failure ?? "operand stack underflow"
            return
        }
        if r == 1 {
            emit(Inst(op: .ret1, b: stack[stack.count - 1]))
            return
        }
        for p in (stack.count - r)..<stack.count where stack[p] != home(p) {
            emit(Inst(op: .copy, a: home(p), b: stack[p]))
        }
        emit(Inst(op: .ret, b: home(stack.count - r), c: UInt32(r)))
    }

    /// Emits an unconditional branch (with its copies) to the label `depth` levels out.
    mutating func emitJump(depth: Int) {
        guard depth < controls.count else {
            failure = failure ?? "branch depth out of range"
            return
        }
        let index = controls.count - 1 - depth
        let target = controls[index]
        if target.kind == .function {
            emitReturn()
            return
        }
        let moves = moves(to: target)
        if target.kind == .loop && moves.isEmpty && rotateLoop(target.loopStart) { return }
        for (dst, src) in moves { emit(Inst(op: .copy, a: dst, b: src)) }
        emitBranch(Inst(op: .br), to: index)
    }

    /// Loop rotation: a back edge to a loop whose header is a few
    /// straight-line instructions H followed by a conditional branch
    /// `if C goto T` becomes `H; if !C goto (after the header); goto T`, so
    /// each iteration dispatches one branch instead of two. The copy of H is
    /// the same computation the jump to the header would run; nothing after
    /// the header changes.
    mutating func rotateLoop(_ start: Int) -> Bool {
        var k = start
        while k < code.count, k - start < Translator.maximumRotatedHeader, code[k].op.isStraightLine {
            k += 1
        }
        guard k < code.count, let inverted = Translator.inverted(code[k].op),
            !controls.contains(where: { $0.elseFixup == k })
        else { return false }
        for j in start..<k { emit(code[j]) }
        var inst = code[k]
        inst.op = inverted
        let b = emit(inst)
        code[b].imm = offset(from: b, to: k + 1)
        if let ci = controls.indices.first(where: { controls[$0].fixups.contains(k) }) {
            emitBranch(Inst(op: .br), to: ci)
        } else {
            let target = k + Int(Int64(bitPattern: code[k].imm))
            let j = emit(Inst(op: .br))
            code[j].imm = offset(from: j, to: target)
        }
        return true
    }

    /// The most straight-line instructions ``rotateLoop(_:)`` copies.
    static let maximumRotatedHeader = 4

    /// Fuses `r = x + k` (the last instruction) with a conditional branch on
    /// `r` that follows it, when no branch targets the branch itself: the
    /// back edge of a counted loop in one dispatch.
    func fuseIncrement(into inst: Inst) -> Inst? {
        guard code.count > boundLabel, let add = code.last, add.op == .i32AddImm else { return nil }
        // An i32 constant is stored zero-extended; the add only sees its low 32 bits.
        let k = Int64(Int32(truncatingIfNeeded: add.imm))
        guard k >= Int64(Int16.min), k <= Int64(Int16.max) else { return nil }
        let (op, other): (Op, UInt32)
        if inst.b == add.a, let fused = Translator.incrementBranch(inst.op) {
            (op, other) = (fused, inst.c)
        } else if inst.c == add.a, let fused = Translator.incrementBranchSwapped(inst.op) {
            (op, other) = (fused, inst.b)
        } else {
            return nil
        }
        return Inst(op: op, x: UInt16(truncatingIfNeeded: k), a: add.a, b: add.b, c: other, imm: inst.imm)
    }

    /// The increment-and-branch form of a conditional branch on its `b`
    /// operand (`brIf`/`brIfNot` compare with their `c`, which is 0).
    static func incrementBranch(_ op: Op) -> Op? {
        switch op {
        case .brIf: .i32AddImmBrIfNeImm
        case .brIfNot: .i32AddImmBrIfEqImm
        case .brIfI32Eq: .i32AddImmBrIfEq
        case .brIfI32Ne: .i32AddImmBrIfNe
        case .brIfI32LtS: .i32AddImmBrIfLtS
        case .brIfI32LtU: .i32AddImmBrIfLtU
        case .brIfI32GeS: .i32AddImmBrIfGeS
        case .brIfI32GeU: .i32AddImmBrIfGeU
        case .brIfI32EqImm: .i32AddImmBrIfEqImm
        case .brIfI32NeImm: .i32AddImmBrIfNeImm
        case .brIfI32LtSImm: .i32AddImmBrIfLtSImm
        case .brIfI32LtUImm: .i32AddImmBrIfLtUImm
        case .brIfI32GeSImm: .i32AddImmBrIfGeSImm
        case .brIfI32GeUImm: .i32AddImmBrIfGeUImm
        default: nil
        }
    }

    /// The increment-and-branch form of a conditional branch on its `c`
    /// operand (`x < r` is `r > x`).
    static func incrementBranchSwapped(_ op: Op) -> Op? {
        switch op {
        case .brIfI32Eq: .i32AddImmBrIfEq
        case .brIfI32Ne: .i32AddImmBrIfNe
        case .brIfI32LtS: .i32AddImmBrIfGtS
        case .brIfI32LtU: .i32AddImmBrIfGtU
        case .brIfI32GeS: .i32AddImmBrIfLeS
        case .brIfI32GeU: .i32AddImmBrIfLeU
        default: nil
        }
    }

    /// The conditional branch taken exactly when `op` is not.
    static func inverted(_ op: Op) -> Op? {
        let pairs: [(Op, Op)] = [
            (.brIf, .brIfNot), (.brIfI32LtS, .brIfI32GeS), (.brIfI32LtU, .brIfI32GeU),
            (.brIfI32Eq, .brIfI32Ne),
            (.brIfI64LtS, .brIfI64GeS), (.brIfI64LtU, .brIfI64GeU), (.brIfI64Eq, .brIfI64Ne),
            (.brIfI32LtSImm, .brIfI32GeSImm), (.brIfI32LtUImm, .brIfI32GeUImm),
            (.brIfI32EqImm, .brIfI32NeImm),
            (.brIfI64LtSImm, .brIfI64GeSImm), (.brIfI64LtUImm, .brIfI64GeUImm),
            (.brIfI64EqImm, .brIfI64NeImm), (.brIfGlobalI32EqImm, .brIfGlobalI32NeImm),
        ]
        for (x, y) in pairs {
            if op == x { return y }
            if op == y { return x }
        }
        return nil
    }

    /// Emits a branch instruction whose `imm` targets the label of `controls[index]`.
    mutating func emitBranch(_ inst: Inst, to index: Int) {
        let k = emit(inst)
        if controls[index].kind == .loop {
            code[k].imm = offset(from: k, to: controls[index].loopStart)
        } else {
            controls[index].fixups.append(k)
        }
    }

    /// Emits a conditional branch on `cond` (fusing a just-computed comparison);
    /// returns the instruction index, whose `imm` the caller fills in.
    mutating func emitConditional(_ cond: UInt32, comparison: Inst?, negated: Bool) -> Int {
        if let comparison, let fused = Translator.branchForm(of: comparison, negated: negated) {
            return emit(fused)
        }
        return emit(Inst(op: negated ? .brIfNot : .brIf, b: cond))
    }

    mutating func branchIf(depth: Int) {
        let cond = pop()
        let comparison = takeComparison(cond)
        guard depth < controls.count else {
            failure = failure ?? "branch depth out of range"
            return
        }
        let index = controls.count - 1 - depth
        let target = controls[index]
        if target.kind != .function && moves(to: target).isEmpty {
            let k = emitConditional(cond, comparison: comparison, negated: false)
            if target.kind == .loop {
                code[k].imm = offset(from: k, to: target.loopStart)
            } else {
                controls[index].fixups.append(k)
            }
        } else {
            let skip = emitConditional(cond, comparison: comparison, negated: true)
            emitJump(depth: depth)
            patch(skip)
        }
        lastResult = -1
    }

    mutating func branchTable(_ targets: [UInt32], _ defaultTarget: UInt32) {
        let index = pop()
        let all = targets + [defaultTarget]
        emit(Inst(op: .brTable, b: index, c: UInt32(targets.count)))
        let first = code.count
        for _ in all { emit(Inst(op: .br)) }
        var stubs: [(Int, Int)] = []
        for (k, depth) in all.enumerated() {
            let d = Int(depth)
            guard d < controls.count else {
                failure = failure ?? "branch depth out of range"
                return
            }
            let ci = controls.count - 1 - d
            let target = controls[ci]
            if target.kind != .function && moves(to: target).isEmpty {
                if target.kind == .loop {
                    code[first + k].imm = offset(from: first + k, to: target.loopStart)
                } else {
                    controls[ci].fixups.append(first + k)
                }
            } else {
                stubs.append((first + k, d))
            }
        }
        for (entry, depth) in stubs {
            patch(entry)
            emitJump(depth: depth)
        }
        dead = true
    }

    // MARK: Fusion tables

    /// The branch form of a comparison: taken when the comparison is true (or false if `negated`).
    static func branchForm(of inst: Inst, negated: Bool) -> Inst? {
        func reg(_ op: Op, swap: Bool) -> Inst {
            swap ? Inst(op: op, b: inst.c, c: inst.b) : Inst(op: op, b: inst.b, c: inst.c)
        }
        // The i64 branch forms hold their constant as a sign-extended Int32.
        func fits(_ v: UInt64) -> Bool {
            let s = Int64(bitPattern: v)
            return s >= Int64(Int32.min) && s <= Int64(Int32.max)
        }
        func imm(_ op: Op) -> Inst? {
            let isI64 = [.i64LtSImm, .i64LtUImm, .i64EqImm, .i64NeImm, .i64GeSImm, .i64GeUImm].contains(
                inst.op)
            if isI64 && !fits(inst.imm) { return nil }
            return Inst(op: op, b: inst.b, c: UInt32(truncatingIfNeeded: inst.imm))
        }
        switch inst.op {
        case .i32Eqz, .i64Eqz: return Inst(op: negated ? .brIf : .brIfNot, b: inst.b)
        case .i32LtS: return reg(negated ? .brIfI32GeS : .brIfI32LtS, swap: false)
        case .i32GeS: return reg(negated ? .brIfI32LtS : .brIfI32GeS, swap: false)
        case .i32GtS: return reg(negated ? .brIfI32GeS : .brIfI32LtS, swap: true)
        case .i32LeS: return reg(negated ? .brIfI32LtS : .brIfI32GeS, swap: true)
        case .i32LtU: return reg(negated ? .brIfI32GeU : .brIfI32LtU, swap: false)
        case .i32GeU: return reg(negated ? .brIfI32LtU : .brIfI32GeU, swap: false)
        case .i32GtU: return reg(negated ? .brIfI32GeU : .brIfI32LtU, swap: true)
        case .i32LeU: return reg(negated ? .brIfI32LtU : .brIfI32GeU, swap: true)
        case .i32Eq: return reg(negated ? .brIfI32Ne : .brIfI32Eq, swap: false)
        case .i32Ne: return reg(negated ? .brIfI32Eq : .brIfI32Ne, swap: false)
        case .i64LtS: return reg(negated ? .brIfI64GeS : .brIfI64LtS, swap: false)
        case .i64GeS: return reg(negated ? .brIfI64LtS : .brIfI64GeS, swap: false)
        case .i64GtS: return reg(negated ? .brIfI64GeS : .brIfI64LtS, swap: true)
        case .i64LeS: return reg(negated ? .brIfI64LtS : .brIfI64GeS, swap: true)
        case .i64LtU: return reg(negated ? .brIfI64GeU : .brIfI64LtU, swap: false)
        case .i64GeU: return reg(negated ? .brIfI64LtU : .brIfI64GeU, swap: false)
        case .i64GtU: return reg(negated ? .brIfI64GeU : .brIfI64LtU, swap: true)
        case .i64LeU: return reg(negated ? .brIfI64LtU : .brIfI64GeU, swap: true)
        case .i64Eq: return reg(negated ? .brIfI64Ne : .brIfI64Eq, swap: false)
        case .i64Ne: return reg(negated ? .brIfI64Eq : .brIfI64Ne, swap: false)
        case .i32LtSImm: return imm(negated ? .brIfI32GeSImm : .brIfI32LtSImm)
        case .i32LtUImm: return imm(negated ? .brIfI32GeUImm : .brIfI32LtUImm)
        case .i32EqImm: return imm(negated ? .brIfI32NeImm : .brIfI32EqImm)
        case .i32NeImm: return imm(negated ? .brIfI32EqImm : .brIfI32NeImm)
        case .i64LtSImm: return imm(negated ? .brIfI64GeSImm : .brIfI64LtSImm)
        case .i64LtUImm: return imm(negated ? .brIfI64GeUImm : .brIfI64LtUImm)
        case .i64EqImm: return imm(negated ? .brIfI64NeImm : .brIfI64EqImm)
        case .i64NeImm: return imm(negated ? .brIfI64EqImm : .brIfI64NeImm)
        case .i32GeSImm: return imm(negated ? .brIfI32LtSImm : .brIfI32GeSImm)
        case .i32GeUImm: return imm(negated ? .brIfI32LtUImm : .brIfI32GeUImm)
        case .i64GeSImm: return imm(negated ? .brIfI64LtSImm : .brIfI64GeSImm)
        case .i64GeUImm: return imm(negated ? .brIfI64LtUImm : .brIfI64GeUImm)
        default: return nil
        }
    }

    /// The immediate-operand form of `x op k` and the constant it takes: a
    /// direct form, or a rewrite (`x - k` is `x + (-k)`, also for the
    /// increment-and-branch fusion; `rotr k` is `rotl -k`; `x > k` is
    /// `x >= k + 1` and `x <= k` is `x < k + 1` unless k is the largest
    /// value). i32 constants are kept zero-extended.
    static func immediateForm(of op: NumericOp, _ k: UInt64) -> (Op, UInt64)? {
        let k32 = UInt32(truncatingIfNeeded: k)
        let s32 = Int32(bitPattern: k32)
        switch op {
        case .i32Sub: return (.i32AddImm, UInt64(0 &- k32))
        case .i64Sub: return (.i64AddImm, 0 &- k)
        case .i32Rotr: return (.i32RotlImm, UInt64(0 &- k32))
        case .i64Rotr: return (.i64RotlImm, 0 &- k)
        case .i32GtS: return s32 == .max ? nil : (.i32GeSImm, UInt64(UInt32(bitPattern: s32 + 1)))
        case .i32GtU: return k32 == .max ? nil : (.i32GeUImm, UInt64(k32 + 1))
        case .i32LeS: return s32 == .max ? nil : (.i32LtSImm, UInt64(UInt32(bitPattern: s32 + 1)))
        case .i32LeU: return k32 == .max ? nil : (.i32LtUImm, UInt64(k32 + 1))
        case .i64GtS: return k == UInt64(Int64.max) ? nil : (.i64GeSImm, k &+ 1)
        case .i64GtU: return k == .max ? nil : (.i64GeUImm, k + 1)
        case .i64LeS: return k == UInt64(Int64.max) ? nil : (.i64LtSImm, k &+ 1)
        case .i64LeU: return k == .max ? nil : (.i64LtUImm, k + 1)
        default: return Op.immediateForm(op).map { ($0, k) }
        }
    }
}
