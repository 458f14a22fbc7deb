// Random valid modules for differential testing of the execution engines
// (interpreter against the native tier): functions of random signatures
// (multi-value results included) that call each other directly and through a
// table, nested blocks/ifs/loops with values and parameters, br/br_if/
// br_table/return out of them, every numeric operator on edge-case operands,
// loads and stores of every width at addresses in bounds, at the end of
// memory and far outside it, memory.size/grow/fill/copy, globals, table
// get/set/size, and memory32 or memory64.
//
// Termination: the module counts its own work in global 0 (exported as
// "budget"): every function entry and every loop back edge takes one unit;
// an entry without a unit left traps (`unreachable`), a loop without one
// falls through. Recursion is otherwise unrestricted (deep chains trap with
// `call stack exhausted`).
//
// The spec lets NaN results carry any payload and sign, so a NaN an engine
// produces may differ bit for bit from the other engine's. Wherever bits of a
// float become observable other than as a NaN (reinterpretation, stores to
// memory, `copysign`'s sign operand) the generator first replaces any NaN by
// one canonical NaN; results and globals are compared NaN-aware by the runner.

import WasmBinary

/// Generates one random module and the calls to make on it.
public struct RandomWasmModuleGenerator<R: RandomNumberGenerator> {
    public var random: R

    struct Signature {
        var parameters: [ValueType]
        var results: [ValueType]
        var type: FunctionType { FunctionType(parameters: parameters, results: results) }
    }

    struct Label {
        var branchTypes: [ValueType]
        var isLoop: Bool
    }

    static var numericTypes: [ValueType] { [.i32, .i64, .f32, .f64] }

    var signatures: [Signature] = []
    var module = Module()
    var memory64 = false
    var tableSize = 0
    // Per function being generated:
    var labels: [Label] = []
    var locals: [ValueType: [UInt32]] = [:]
    var scratch: [ValueType: UInt32] = [:]
    var size = 0
    var nesting = 0

    static var budgetGlobal: UInt32 { 0 }
    /// Globals 1...8: a mutable and an immutable one of each numeric type.
    static func global(_ type: ValueType, mutable: Bool) -> UInt32 {
        UInt32(1 + 2 * numericTypes.firstIndex(of: type)! + (mutable ? 0 : 1))
    }

    public init(random: R) { self.random = random }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(random.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func randomType() -> ValueType { pick(Self.numericTypes) }

    /// A module of `2...5` functions, exported as `f0`, `f1`, ...; globals
    /// `budget`, `g1`...`g8`; `memory`; and `table`.
    public mutating func makeModule() -> Module {
        module = Module()
        memory64 = chance(25)
        let functionCount = 2 + below(4)
        signatures = (0..<functionCount).map { _ in
            Signature(
                parameters: (0..<below(4)).map { _ in randomType() },
                results: (0..<pick([0, 1, 1, 1, 2])).map { _ in randomType() })
        }
        // Globals: the work budget, then a mutable and an immutable global per type.
        _ = module.addGlobal(
            GlobalType(valueType: .i32, isMutable: true), initializer: [.i32Const(200), .end])
        module.addExport("budget", .global(Self.budgetGlobal))
        for type in Self.numericTypes {
            for mutable in [true, false] {
                let index = module.addGlobal(
                    GlobalType(valueType: type, isMutable: mutable), initializer: constant(type) + [.end])
                module.addExport("g\(index)", .global(index))
            }
        }
        let maximum: UInt64? = pick([nil, 1, 2, 4])
        module.memories = [Limits(min: 1, max: maximum, is64: memory64)]
        module.addExport("memory", .memory(0))
        // Two null slots after the functions (calls through them trap).
        tableSize = functionCount + 2
        module.tables = [TableType(elementType: .funcref, limits: Limits(min: UInt64(tableSize)))]
        module.addExport("table", .table(0))
        module.elements = [
            ElementSegment(
                mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
                initializers: .functionIndices((0..<UInt32(functionCount)).map { $0 }))
        ]
        // Initial memory contents; now and then past the end (instantiation traps).
        let dataOffset = chance(3) ? 65530 : below(1024)
        let bytes = (0..<(8 + below(56))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let offset: Instruction = memory64 ? .i64Const(Int64(dataOffset)) : .i32Const(Int32(dataOffset))
        module.data = [DataSegment(mode: .active(memoryIndex: 0, offset: [offset, .end]), bytes: bytes)]
        for (k, signature) in signatures.enumerated() {
            _ = module.addFunction(type: signature.type, body: function(signature))
            module.addExport("f\(k)", .function(UInt32(k)))
        }
        return module
    }

    /// Arguments for a call of function `k` (edge-case values mostly).
    public mutating func arguments(_ k: Int) -> [(ValueType, UInt64)] {
        signatures[k].parameters.map { type in
            switch type {
            case .i32: (type, UInt64(UInt32(bitPattern: i32Value())))
            case .i64: (type, UInt64(bitPattern: i64Value()))
            case .f32: (type, UInt64(f32Bits()))
            default: (type, f64Bits())
            }
        }
    }

    // MARK: Functions

    mutating func function(_ signature: Signature) -> FunctionBody {
        // Locals: the parameters, then two of each type, then one scratch per type.
        locals = [:]
        scratch = [:]
        for (k, type) in signature.parameters.enumerated() { locals[type, default: []].append(UInt32(k)) }
        var next = UInt32(signature.parameters.count)
        var groups: [LocalGroup] = []
        for type in Self.numericTypes {
            groups.append(LocalGroup(count: 3, type: type))
            locals[type, default: []] += [next, next + 1]
            scratch[type] = next + 2
            next += 3
        }
        labels = [Label(branchTypes: signature.results, isLoop: false)]
        size = 20 + below(40)
        nesting = 0
        var body = takeBudgetOrTrap()
        for _ in 0..<(1 + below(4)) { body += statement() }
        for type in signature.results { body += expression(type) }
        return FunctionBody(locals: groups, body: body + [.end])
    }

    /// Function entry: trap when the budget is used up, else take one unit.
    func takeBudgetOrTrap() -> [Instruction] {
        [
            .globalGet(Self.budgetGlobal), .i32Const(0), .numeric(.i32LeS), .if(.empty), .unreachable, .end,
            .globalGet(Self.budgetGlobal), .i32Const(1), .numeric(.i32Sub), .globalSet(Self.budgetGlobal),
        ]
    }

    /// A loop back edge's condition: the random condition, and a unit of budget taken.
    mutating func backEdgeCondition() -> [Instruction] {
        [.globalGet(Self.budgetGlobal), .i32Const(1), .numeric(.i32Sub), .globalSet(Self.budgetGlobal)]
            + expression(.i32) + [
                .numeric(.i32Eqz), .numeric(.i32Eqz), .globalGet(Self.budgetGlobal), .i32Const(0),
                .numeric(.i32GtS), .numeric(.i32And),
            ]
    }

    // MARK: Statements

    mutating func statement() -> [Instruction] {
        size -= 1
        if size <= 0 || nesting > 6 { return simpleStatement() }
        nesting += 1
        defer { nesting -= 1 }
        switch below(12) {
        case 0:
            var code = expression(.i32) + [.if(.empty)]
            labels.append(Label(branchTypes: [], isLoop: false))
            code += statement()
            if chance(50) { code += [.else] + statement() }
            labels.removeLast()
            return code + [.end]
        case 1:
            // A block left early by br_if (or br) to it or to an outer label.
            labels.append(Label(branchTypes: [], isLoop: false))
            var code: [Instruction] = [.block(.empty)] + statement()
            let targets = labels.indices.filter { labels[$0].branchTypes.isEmpty && !labels[$0].isLoop }
            let depth = UInt32(labels.count - 1 - pick(targets))
            code += expression(.i32) + [chance(80) ? .brIf(depth: depth) : .drop] + statement()
            labels.removeLast()
            return code + [.end]
        case 2:
            // A loop with a budgeted back edge.
            labels.append(Label(branchTypes: [], isLoop: true))
            var code: [Instruction] = [.loop(.empty)]
            for _ in 0..<(1 + below(2)) { code += statement() }
            code += backEdgeCondition() + [.brIf(depth: 0)]
            labels.removeLast()
            return code + [.end]
        case 3:
            // br_table over the enclosing blocks that take no values.
            labels.append(Label(branchTypes: [], isLoop: false))
            defer { labels.removeLast() }
            var code: [Instruction] = [.block(.empty)] + statement()
            let targets = labels.indices.filter { labels[$0].branchTypes.isEmpty && !labels[$0].isLoop }
                .map { UInt32(labels.count - 1 - $0) }
            code +=
                expression(.i32) + [
                    .brTable(targets: (0..<below(5)).map { _ in pick(targets) }, defaultTarget: pick(targets))
                ]
            return code + [.end]
        case 4:
            let op = pick(StoreOp.allCases)
            return address() + observable(op.valueType) + [.store(op, memArg(op.byteWidth))]
        case 5:
            let type = randomType()
            return expression(type) + [.globalSet(Self.global(type, mutable: true))]
        case 6:
            let k = below(signatures.count)
            return signatures[k].parameters.flatMap { expression($0) } + [.call(functionIndex: UInt32(k))]
                + signatures[k].results.map { _ in .drop }
        case 7:
            // memory.fill / memory.copy: mostly in bounds, sometimes not.
            let length = lengthOperand()
            if chance(50) {
                return address() + expression(.i32) + length + [.memoryFill(0)]
            }
            return address() + address() + length + [.memoryCopy(destination: 0, source: 0)]
        case 8:
            return growDelta() + [.memoryGrow(0), .drop]
        case 9:
            // table.set: a function or null into a slot (sometimes past the end).
            let value: Instruction =
                chance(70) ? .refFunc(UInt32(below(signatures.count))) : .refNull(.funcref)
            return [.i32Const(Int32(below(tableSize + 1)))] + [value, .tableSet(0)]
        default:
            return simpleStatement()
        }
    }

    mutating func simpleStatement() -> [Instruction] {
        let type = randomType()
        switch below(3) {
        case 0: return expression(type) + [.localSet(pick(locals[type]!))]
        case 1: return expression(type) + [.drop]
        default: return [.nop]
        }
    }

    /// A byte count for memory.fill/copy: small, zero, or huge.
    mutating func lengthOperand() -> [Instruction] {
        let n: Int64 = pick([0, 1, 7, 64, 300, 70000, 0xFFFF_FFFF])
        return memory64 ? [.i64Const(n)] : [.i32Const(Int32(truncatingIfNeeded: n))]
    }

    // MARK: Expressions

    mutating func expression(_ type: ValueType) -> [Instruction] {
        size -= 1
        if size <= 0 || nesting > 6 {
            switch below(3) {
            case 0: return constant(type)
            case 1: return [.localGet(pick(locals[type]!))]
            default: return [.globalGet(Self.global(type, mutable: chance(50)))]
            }
        }
        nesting += 1
        defer { nesting -= 1 }
        switch below(22) {
        case 0, 1: return constant(type)
        case 2: return [.localGet(pick(locals[type]!))]
        case 3: return expression(type) + [.localTee(pick(locals[type]!))]
        case 4: return [.globalGet(Self.global(type, mutable: chance(50)))]
        case 5, 6, 7, 8: return numeric(type)
        case 9:
            let op = pick(LoadOp.allCases.filter { $0.resultType == type })
            return address() + [.load(op, memArg(op.byteWidth))]
        case 10:
            // A block carrying a value, maybe left early by br_if.
            labels.append(Label(branchTypes: [type], isLoop: false))
            var code: [Instruction] = [.block(.value(type))] + statement()
            if chance(50) { code += expression(type) + expression(.i32) + [.brIf(depth: 0), .drop] }
            code += expression(type)
            labels.removeLast()
            return code + [.end]
        case 11:
            // (The condition is outside the if: generated before its label exists.)
            var code = expression(.i32) + [.if(.value(type))]
            labels.append(Label(branchTypes: [type], isLoop: false))
            code += expression(type) + [.else] + expression(type)
            labels.removeLast()
            return code + [.end]
        case 12:
            let select: Instruction = chance(50) ? .select : .selectTyped([type])
            return expression(type) + expression(type) + expression(.i32) + [select]
        case 13, 14: return call(type) ?? constant(type)
        case 15:
            // A multi-value block [] -> [type, other]; the second value is dropped.
            let other = randomType()
            let index = module.addType(FunctionType(parameters: [], results: [type, other]))
            labels.append(Label(branchTypes: [type, other], isLoop: false))
            let code = [.block(.typeIndex(index))] + expression(type) + expression(other) + [.end, .drop]
            labels.removeLast()
            return code
        case 16:
            // A loop with a parameter: the value goes round while the budget lasts.
            let index = module.addType(FunctionType(parameters: [type], results: [type]))
            var code = expression(type) + [.loop(.typeIndex(index))]
            labels.append(Label(branchTypes: [type], isLoop: true))
            code += expression(type) + [binary(type)] + backEdgeCondition() + [.brIf(depth: 0)]
            labels.removeLast()
            return code + [.end]
        case 17:
            // br (or return) to an enclosing block with the values it takes; the
            // stack is then polymorphic, so it stands for a value of any type.
            let targets = labels.indices.filter { !labels[$0].isLoop }
            let target = pick(targets)
            let values = labels[target].branchTypes.flatMap { expression($0) }
            if target == 0 && chance(50) { return values + [.return] }
            return values + [.br(depth: UInt32(labels.count - 1 - target))]
        case 18:
            // br_table over enclosing blocks that take exactly one value of this type.
            let targets = labels.indices.filter { !labels[$0].isLoop && labels[$0].branchTypes == [type] }
                .map { UInt32(labels.count - 1 - $0) }
            guard !targets.isEmpty else { return constant(type) }
            return expression(type) + expression(.i32) + [
                .brTable(targets: (0..<below(4)).map { _ in pick(targets) }, defaultTarget: pick(targets))
            ]
        case 19:
            // memory.size / memory.grow, converted to the type.
            let sizeOp: [Instruction] =
                chance(50) ? [.memorySize(0)] : growDelta() + [.memoryGrow(0)]
            return sizeOp + convert(memory64 ? .i64 : .i32, to: type)
        case 20:
            // Table queries: size, or whether a slot (maybe past the end) is null.
            let query: [Instruction] =
                chance(30)
                ? [.tableSize(0)]
                : [.i32Const(Int32(below(tableSize + 1))), .tableGet(0), .refIsNull]
            return query + convert(.i32, to: type)
        default:
            // A block with a parameter.
            let parameter = randomType()
            let index = module.addType(FunctionType(parameters: [parameter], results: [type]))
            var code = expression(parameter) + [.block(.typeIndex(index))]
            labels.append(Label(branchTypes: [type], isLoop: false))
            code += convert(parameter, to: type) + expression(type) + [binary(type)]
            labels.removeLast()
            return code + [.end]
        }
    }

    /// A direct or indirect call of a function whose first or last result has this type.
    mutating func call(_ type: ValueType) -> [Instruction]? {
        let candidates = signatures.indices.filter {
            signatures[$0].results.first == type || signatures[$0].results.last == type
        }
        guard !candidates.isEmpty else { return nil }
        let k = pick(candidates)
        let signature = signatures[k]
        var code = signature.parameters.flatMap { expression($0) }
        if chance(60) {
            code.append(.call(functionIndex: UInt32(k)))
        } else {
            // Mostly the right slot; sometimes another (type mismatch), a null
            // slot or one past the end.
            let slot: [Instruction] =
                chance(70)
                ? [.i32Const(Int32(k))]
                : chance(70) ? [.i32Const(Int32(below(tableSize + 1)))] : expression(.i32)
            code += slot + [.callIndirect(typeIndex: module.addType(signature.type), tableIndex: 0)]
        }
        if signature.results.count == 2 {
            if signature.results[1] == type {
                code += [.localSet(scratch[type]!), .drop, .localGet(scratch[type]!)]
            } else {
                code.append(.drop)
            }
        }
        return code
    }

    /// A numeric operator producing `type`, on operands made observable where it reads float bits.
    mutating func numeric(_ type: ValueType) -> [Instruction] {
        let op = pick(NumericOp.allCases.filter { $0.signature.result == type })
        let operands = op.signature.operands
        var code: [Instruction] = []
        for (k, operand) in operands.enumerated() {
            let readsBits =
                [.i32ReinterpretF32, .i64ReinterpretF64].contains(op)
                || (k == 1 && [.f32Copysign, .f64Copysign].contains(op))
            code += readsBits ? observable(operand) : expression(operand)
        }
        return code + [.numeric(op)]
    }

    /// A value of `type` whose bits may be observed: NaNs made canonical.
    mutating func observable(_ type: ValueType) -> [Instruction] {
        let value = expression(type)
        guard type == .f32 || type == .f64 else { return value }
        let s = scratch[type]!
        let canonical: Instruction =
            type == .f32 ? .f32Const(bits: 0x7FC0_0000) : .f64Const(bits: 0x7FF8_0000_0000_0000)
        let ne: NumericOp = type == .f32 ? .f32Ne : .f64Ne
        return value + [
            .localSet(s), canonical, .localGet(s), .localGet(s), .localGet(s), .numeric(ne), .select,
        ]
    }

    func binary(_ type: ValueType) -> Instruction {
        switch type {
        case .i64: .numeric(.i64Add)
        case .f32: .numeric(.f32Add)
        case .f64: .numeric(.f64Mul)
        default: .numeric(.i32Xor)
        }
    }

    /// Converts the value on top of the stack (never trapping; float bits made canonical first).
    mutating func convert(_ from: ValueType, to: ValueType) -> [Instruction] {
        switch (from, to) {
        case (.i32, .i32), (.i64, .i64), (.f32, .f32), (.f64, .f64): return []
        case (.i32, .i64): return [.numeric(chance(50) ? .i64ExtendI32S : .i64ExtendI32U)]
        case (.i64, .i32): return [.numeric(.i32WrapI64)]
        case (.i32, .f32): return [.numeric(.f32ConvertI32S)]
        case (.i32, .f64): return [.numeric(.f64ConvertI32U)]
        case (.i64, .f32): return [.numeric(.f32ConvertI64U)]
        case (.i64, .f64): return [.numeric(.f64ConvertI64S)]
        case (.f32, .f64): return [.numeric(.f64PromoteF32)]
        case (.f64, .f32): return [.numeric(.f32DemoteF64)]
        case (.f32, .i32): return [.numeric(.i32TruncSatF32S)]
        case (.f32, .i64): return [.numeric(.i64TruncSatF32U)]
        case (.f64, .i32): return [.numeric(.i32TruncSatF64U)]
        default: return [.numeric(.i64TruncSatF64S)]
        }
    }

    // MARK: Memory operands

    /// An address operand (i32, or i64 for memory64): in bounds mostly, at the
    /// end of memory, or far outside.
    mutating func address() -> [Instruction] {
        switch below(10) {
        case 0, 1, 2: return addressTyped([.i32Const(Int32(below(1100)))])
        case 3:
            // Just below the current end (grown or not).
            return [.memorySize(0)]
                + (memory64 ? [.i64Const(65536), .numeric(.i64Mul)] : [.i32Const(65536), .numeric(.i32Mul)])
                + addressTyped([.i32Const(Int32(below(12)))])
                + [.numeric(memory64 ? .i64Sub : .i32Sub)]
        case 4: return addressTyped([.i32Const(Int32(65536 - below(12)))])
        case 5, 6: return addressTyped(expression(.i32) + [.i32Const(0x3FF), .numeric(.i32And)])
        case 7:
            if memory64 {
                return [.i64Const(pick([0xFFFF_FFFF, 0x1_0000_0000, -1, Int64.max, 65536 * 4]))]
            }
            return [.i32Const(pick([-1, -4, Int32.max, 0x8000, 0x2_0000]))]
        default: return addressTyped(expression(.i32))
        }
    }

    /// A `memory.grow` operand: 0 to 3 pages mostly, sometimes anything.
    mutating func growDelta() -> [Instruction] {
        addressTyped(chance(80) ? expression(.i32) + [.i32Const(3), .numeric(.i32And)] : expression(.i32))
    }

    /// An i32 address operand widened for memory64.
    func addressTyped(_ code: [Instruction]) -> [Instruction] {
        memory64 ? code + [.numeric(.i64ExtendI32U)] : code
    }

    mutating func memArg(_ width: Int) -> MemArg {
        let align = UInt32(below(width.trailingZeroBitCount + 1))
        let offset: UInt64 =
            switch below(10) {
            case 0..<6: 0
            case 6, 7: UInt64(below(64))
            case 8: UInt64(65530 + below(10))
            default: memory64 ? pick([0xFFFF_FFFF, 1 << 40]) : pick([0xFFFF_FFF0, 0x8000_0000])
            }
        return MemArg(align: align, offset: offset)
    }

    // MARK: Constants

    mutating func constant(_ type: ValueType) -> [Instruction] {
        switch type {
        case .i32: [.i32Const(i32Value())]
        case .i64: [.i64Const(i64Value())]
        case .f32: [.f32Const(bits: f32Bits())]
        default: [.f64Const(bits: f64Bits())]
        }
    }

    mutating func i32Value() -> Int32 {
        if chance(25) { return Int32(truncatingIfNeeded: random.next()) }
        return pick([
            0, 1, -1, 2, 3, 7, 16, 31, 32, 33, 100, -100, 255, 0xFFFF, 0x10000, .max, .min, 0x1234_5678,
        ])
    }

    mutating func i64Value() -> Int64 {
        if chance(25) { return Int64(bitPattern: random.next()) }
        return pick([
            0, 1, -1, 2, 7, 31, 32, 63, 64, 65, 100, -100, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF,
            -0x8000_0000, .max, .min, 0x1234_5678_9ABC_DEF0,
        ])
    }

    mutating func f32Bits() -> UInt32 {
        if chance(15) { return UInt32(truncatingIfNeeded: random.next()) }
        let values: [Float] = [
            0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, .infinity, -.infinity,
            .greatestFiniteMagnitude,
            .leastNonzeroMagnitude, .leastNormalMagnitude, 2_147_483_648, -2_147_483_648, 2_147_483_520,
            4_294_967_296, 4_294_967_040, 9.223372e18, -9.223372e18, 1.8446743e19, 1e10, 123_456.79,
        ]
        // NaNs: quiet, negative, with a payload, signaling.
        if chance(12) { return pick([0x7FC0_0000, 0xFFC0_0000, 0x7FC1_2345, 0x7FA0_0000]) }
        return pick(values).bitPattern
    }

    mutating func f64Bits() -> UInt64 {
        if chance(15) { return random.next() }
        let values: [Double] = [
            0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, .infinity, -.infinity,
            .greatestFiniteMagnitude,
            .leastNonzeroMagnitude, .leastNormalMagnitude, 2_147_483_647.9, 2_147_483_648, -2_147_483_648.9,
            -2_147_483_649, 4_294_967_295.9, 4_294_967_296, 9.223372036854775e18, 9_223_372_036_854_774_784,
            -9.223372036854775e18, 1.8446744073709552e19, 1e300, 123_456.789,
        ]
        if chance(12) {
            return pick([
                0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000, 0x7FF8_0000_1234_5678, 0x7FF4_0000_0000_0000,
            ])
        }
        return pick(values).bitPattern
    }
}

/// A random number generator driven by a fuzzer's input: each number comes
/// from the next two input bytes (mixed with their position), so a mutated
/// byte changes one choice of the generator; past the input's end it
/// continues with SplitMix64 seeded by the input's length.
public struct FuzzInputRandom: RandomNumberGenerator {
    let bytes: [UInt8]
    var position = 0
    var tail: SplitMix64

    /// Reads `bytes` from the start.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        tail = SplitMix64(seed: UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        guard position + 1 < bytes.count else { return tail.next() }
        let pair = UInt64(bytes[position]) | UInt64(bytes[position + 1]) << 8
        position += 2
        var mix = SplitMix64(seed: pair &+ UInt64(position) << 16)
        return mix.next()
    }
}
