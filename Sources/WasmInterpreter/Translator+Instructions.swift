import WasmBinary

extension Translator {
    /// Translates one body; `resultCount` is the function's number of results.
    mutating func translate(_ body: [Instruction], resultCount: Int) throws(TranslationError) -> [Inst] {
        controls.append(Control(kind: .function, height: 0, parameters: 0, results: resultCount))
        // Locals and constants translate to nothing, so the code is shorter than the body.
        code.reserveCapacity(body.count)
        // Fuel: one unit per function entry and per loop iteration (every
        // back edge targets the loop's first instruction, and the check is
        // not straight-line code, so loop rotation leaves such loops alone).
        if metered { emit(Inst(op: .fuel)) }
        for instruction in body {
            if controls.isEmpty { break }
            if dead {
                switch instruction {
                case .block, .loop, .if:
                    deadDepth += 1
                    continue
                case .end where deadDepth > 0:
                    deadDepth -= 1
                    continue
                case .else where deadDepth > 0:
                    continue
                case .end, .else: break
                default: continue
                }
            }
            translate(instruction)
            if let failure { throw TranslationError(description: failure) }
        }
        if !controls.isEmpty { throw TranslationError(description: "function body does not end") }
        threadJumps()
        return code
    }

    /// Replaces each `br` to a return (or to another `br`) by its target, so
    /// `if ... else ... end` at the end of a function returns in one step.
    /// (`br_table` entries are `br`s too: an entry turned into a return has
    /// `imm` 0, so the table jumps onto the entry itself, which returns.)
    mutating func threadJumps() {
        for k in code.indices where code[k].op == .br {
            var target = k + Int(Int64(bitPattern: code[k].imm))
            var hops = 0
            while target >= 0, target < code.count, code[target].op == .br, hops < 8 {
                target += Int(Int64(bitPattern: code[target].imm))
                hops += 1
            }
            guard target >= 0, target < code.count else { continue }
            if code[target].op == .ret || code[target].op == .ret1 {
                code[k] = code[target]
            } else {
                code[k].imm = offset(from: k, to: target)
            }
        }
    }

    mutating func end() {
        guard let top = controls.last else { return }
        if top.kind == .function {
            if !dead { emitReturn() }
            controls.removeLast()
            return
        }
        var c = controls.removeLast()
        if !dead {
            materializeTop(c.results)
        }
        stack.removeLast(max(stack.count - c.height, 0))
        for _ in 0..<c.results { push() }
        if c.elseFixup >= 0 { patch(c.elseFixup) }
        for k in c.fixups { patch(k) }
        c.fixups = []
        dead = false
        lastResult = -1
    }

    mutating func translate(_ instruction: Instruction) {
        switch instruction {
        case .unreachable:
            emit(Inst(op: .unreachable))
            dead = true
        case .nop: break
        case .block(let type): enterBlock(.block, type)
        case .loop(let type):
            enterBlock(.loop, type)
            controls[controls.count - 1].loopStart = code.count
            bindLabel()
            if metered { emit(Inst(op: .fuel)) }
            lastResult = -1
        case .if(let type):
            let cond = pop()
            let comparison = takeComparison(cond)
            enterBlock(.ifElse, type)
            controls[controls.count - 1].elseFixup = emitConditional(
                cond, comparison: comparison, negated: true)
        case .else:
            guard var c = controls.popLast() else { return }
            if !dead {
                materializeTop(c.results)
                c.fixups.append(emit(Inst(op: .br)))
            }
            if c.elseFixup >= 0 { patch(c.elseFixup) }
            c.elseFixup = -1
            stack.removeLast(max(stack.count - c.height, 0))
            for _ in 0..<c.parameters { push() }
            controls.append(c)
            dead = false
            lastResult = -1
        case .end: end()
        case .br(let depth):
            emitJump(depth: Int(depth))
            dead = true
        case .brIf(let depth): branchIf(depth: Int(depth))
        case .brTable(let targets, let defaultTarget): branchTable(targets, defaultTarget)
        case .return:
            emitReturn()
            dead = true
        case .call(let index):
            guard Int(index) < storage.functions.count else {
                failure = "unknown function \(index)"
                return
            }
            let type = module.types[Int(storage.functionTypeIndices[Int(index)])]
            call(Inst(op: .call, imm: UInt64(UInt(bitPattern: storage.functions[Int(index)]))), type)
        case .callIndirect(let typeIndex, let tableIndex):
            guard Int(typeIndex) < module.types.count, Int(tableIndex) < storage.tables.count else {
                failure = "unknown type or table"
                return
            }
            let slot = pop()
            let inst = Inst(
                op: .callIndirect, a: UInt32(storage.typeIDs[Int(typeIndex)]), c: slot,
                imm: UInt64(UInt(bitPattern: storage.tables[Int(tableIndex)].state)))
            call(inst, module.types[Int(typeIndex)])
        case .drop: _ = pop()
        case .select, .selectTyped:
            let cond = pop()
            let y = pop()
            let x = pop()
            if let cell = takeGlobal(cond) {
                emitResult(Inst(op: .selectGlobal, a: push(), b: x, c: y, imm: cell))
            } else {
                emitResult(Inst(op: .select, a: push(), b: x, c: y, imm: UInt64(cond)))
            }
        case .localGet(let i):
            stack.append(UInt32(i))
            if stack.count > maxHeight { maxHeight = stack.count }
        case .localSet(let i): setLocal(i, tee: false)
        case .localTee(let i): setLocal(i, tee: true)
        case .globalGet(let i):
            guard Int(i) < storage.globalCount else { return fail("unknown global") }
            let cell = storage.globalCell(Int(i))
            if storage.globalType(Int(i)).valueType == .i32 { i32GlobalCells.insert(pointer(cell)) }
            emitResult(Inst(op: .globalGet, a: push(), imm: pointer(cell)))
        case .globalSet(let i):
            guard Int(i) < storage.globalCount else { return fail("unknown global") }
            emit(Inst(op: .globalSet, b: pop(), imm: pointer(storage.globalCell(Int(i)))))
        case .tableGet(let t):
            guard let table = table(t) else { return }
            let index = pop()
            emitResult(
                Inst(op: .tableOperation, x: SlowOp.tableGet.rawValue, a: push(), b: index, imm: table))
        case .tableSet(let t):
            guard let table = table(t) else { return }
            let value = pop()
            let index = pop()
            emit(Inst(op: .tableOperation, x: SlowOp.tableSet.rawValue, b: index, c: value, imm: table))
        case .tableSize(let t):
            guard let table = table(t) else { return }
            emitResult(Inst(op: .tableOperation, x: SlowOp.tableSize.rawValue, a: push(), imm: table))
        case .tableGrow(let t):
            guard let table = table(t) else { return }
            let n = pop()
            let value = pop()
            emitResult(
                Inst(op: .tableOperation, x: SlowOp.tableGrow.rawValue, a: push(), b: value, c: n, imm: table)
            )
        case .tableFill(let t):
            guard let table = table(t) else { return }
            emit(Inst(op: .tableOperation, x: SlowOp.tableFill.rawValue, b: operands(3), imm: table))
        case .tableCopy(let destination, let source):
            guard table(destination) != nil, table(source) != nil else { return }
            emit(
                Inst(
                    op: .instanceOperation, x: SlowOp.tableCopy.rawValue, b: operands(3), c: destination,
                    imm: UInt64(source)))
        case .tableInit(let element, let t):
            guard table(t) != nil, Int(element) < module.elements.count else {
                return fail("unknown element segment")
            }
            emit(
                Inst(
                    op: .instanceOperation, x: SlowOp.tableInit.rawValue, b: operands(3), c: t,
                    imm: UInt64(element)))
        case .elemDrop(let element):
            emit(Inst(op: .instanceOperation, x: SlowOp.elemDrop.rawValue, imm: UInt64(element)))
        case .load(let op, let memarg):
            let address = pop()
            let (end, overflow) = memarg.offset.addingReportingOverflow(UInt64(op.byteWidth))
            if overflow {
                emit(Inst(op: .unreachable, x: 1))
                push()
            } else {
                emitLoad(Op(op), address: address, end: end)
            }
        case .store(let op, let memarg):
            let value = pop()
            let address = pop()
            let (end, overflow) = memarg.offset.addingReportingOverflow(UInt64(op.byteWidth))
            if overflow {
                emit(Inst(op: .unreachable, x: 1))
            } else {
                emitStore(Op(op), address: address, value: value, end: end)
            }
        case .memorySize:
            emitResult(Inst(op: .memorySize, a: push()))
        case .memoryGrow:
            let delta = pop()
            emitResult(Inst(op: .memoryGrow, a: push(), b: delta))
        case .memoryInit(let data, _):
            guard Int(data) < module.data.count else { return fail("unknown data segment") }
            emit(
                Inst(op: .instanceOperation, x: SlowOp.memoryInit.rawValue, b: operands(3), imm: UInt64(data))
            )
        case .dataDrop(let data):
            emit(Inst(op: .instanceOperation, x: SlowOp.dataDrop.rawValue, imm: UInt64(data)))
        case .memoryCopy:
            emit(Inst(op: .memoryCopy, b: operands(3)))
        case .memoryFill:
            emit(Inst(op: .memoryFill, b: operands(3)))
        case .i32Const(let v): emitResult(Inst(op: .const, a: push(), imm: UInt64(UInt32(bitPattern: v))))
        case .i64Const(let v): emitResult(Inst(op: .const, a: push(), imm: UInt64(bitPattern: v)))
        case .f32Const(let bits): emitResult(Inst(op: .const, a: push(), imm: UInt64(bits)))
        case .f64Const(let bits): emitResult(Inst(op: .const, a: push(), imm: bits))
        case .numeric(let op): numeric(op)
        case .refNull: emitResult(Inst(op: .const, a: push(), imm: 0))
        case .refIsNull:
            let x = pop()
            emitResult(Inst(op: .i64Eqz, a: push(), b: x))
        case .refFunc(let i):
            guard Int(i) < storage.functions.count else { return fail("unknown function") }
            emitResult(Inst(op: .const, a: push(), imm: pointer(storage.functions[Int(i)])))
        case .atomicFence: break
        case .atomicNotify(let memarg): atomic(0, 2, true, memarg)
        case .atomicWait32(let memarg): atomic(1, 3, true, memarg)
        case .atomicWait64(let memarg): atomic(2, 3, true, memarg)
        case .atomic(let op, let memarg):
            switch op.kind {
            case .load: atomic(UInt16(op.rawValue), 1, true, memarg)
            case .store: atomic(UInt16(op.rawValue), 2, false, memarg)
            case .rmw: atomic(UInt16(op.rawValue), 2, true, memarg)
            case .cmpxchg: atomic(UInt16(op.rawValue), 3, true, memarg)
            }
        }
    }

    mutating func fail(_ message: String) {
        failure = failure ?? message
    }

    func pointer<T>(_ p: UnsafeMutablePointer<T>) -> UInt64 { UInt64(UInt(bitPattern: p)) }

    mutating func table(_ index: UInt32) -> UInt64? {
        guard Int(index) < storage.tables.count else {
            fail("unknown table")
            return nil
        }
        return pointer(storage.tables[Int(index)].state)
    }

    /// Puts the top `n` values in consecutive home slots, pops them and returns the first slot.
    mutating func operands(_ n: Int) -> UInt32 {
        materializeTop(n)
        let first = home(max(stack.count - n, 0))
        for _ in 0..<n { _ = pop() }
        return first
    }

    mutating func atomic(_ code: UInt16, _ operandCount: Int, _ hasResult: Bool, _ memarg: MemArg) {
        let first = operands(operandCount)
        let dst = hasResult ? push() : 0
        emit(Inst(op: .atomic, x: code, a: dst, b: first, imm: memarg.offset))
    }

    mutating func call(_ inst: Inst, _ type: FunctionType) {
        let p = type.parameters.count
        var inst = inst
        inst.b = operands(p)
        for _ in type.results { push() }
        emit(inst)
    }

    mutating func setLocal(_ index: UInt32, tee: Bool) {
        let value = pop()
        let slot = UInt32(index)
        guard Int(slot) < localCount else { return fail("unknown local") }
        let aliased = stack.contains(slot)
        if aliased {
            for p in stack.indices where stack[p] == slot { materialize(p) }
        }
        if !aliased, lastResult == code.count - 1, value == home(stack.count), code[lastResult].a == value {
            code[lastResult].a = slot
        } else if value != slot {
            emit(Inst(op: .copy, a: slot, b: value))
        }
        lastResult = -1
        if tee {
            stack.append(slot)
        }
    }

    mutating func numeric(_ op: NumericOp) {
        switch op {
        case .i64ExtendI32U, .i32ReinterpretF32, .f32ReinterpretI32, .i64ReinterpretF64, .f64ReinterpretI64:
            // No-ops on slots: i32 and f32 are kept zero-extended, so the bits are already right.
            let x = pop()
            stack.append(x)
            return
        default: break
        }
        let arity = op.signature.operands.count
        if arity == 1 {
            let x = pop()
            emitResult(Inst(op: Op(op), x: Op.roundingCode(op) ?? 0, a: push(), b: x))
            return
        }
        let y = pop()
        let immediate = peekConstant(y).flatMap { Translator.immediateForm(of: op, $0) }
        if immediate != nil { _ = takeConstant(y) }
        let x = pop()
        if let (immediateOp, k) = immediate {
            if emitGlobalComparison(immediateOp, x: x, k: k) { return }
            emitResult(Inst(op: immediateOp, a: push(), b: x, imm: k))
            return
        }
        emitResult(Inst(op: Op(op), a: push(), b: x, c: y))
    }
}

extension InstanceStorage {
    /// Translates defined function `index` and stores its code in its entry.
    func translate(_ entry: UnsafeMutablePointer<FunctionEntry>) throws(TranslationError) {
        let index = entry.pointee.definedIndex
        guard index >= 0, index < module.codes.count else {
            throw TranslationError(description: "function \(index) has no body")
        }
        let body = module.codes[index]
        let type = module.types[Int(module.functions[index])]
        var declared = 0
        for group in body.locals {
            declared += Int(group.count)
            if declared > 1 << 20 { throw TranslationError(description: "too many locals") }
        }
        var translator = Translator(storage: self, localCount: type.parameters.count + declared)
        let code = try translator.translate(body.body, resultCount: type.results.count)
        let p = UnsafeMutablePointer<Inst>.allocate(capacity: max(code.count, 1))
        p.initialize(from: code, count: code.count)
        entry.pointee.localCount = declared
        entry.pointee.frameSize = type.parameters.count + declared + translator.maxHeight + 1
        entry.pointee.code = p
        entry.pointee.codeCount = code.count
    }
}
