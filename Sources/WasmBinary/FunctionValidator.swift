// Instruction typing for one function body: the spec's validation algorithm
// (core spec appendix A.3) with an operand stack whose entries may be
// `Unknown`, a control-frame stack, and a per-frame `unreachable` flag that
// makes the stack polymorphic after `unreachable`, `br`, `br_table` and
// `return`. The operand and frame stacks are reused across functions, so a
// whole module is typed with a handful of allocations.

/// One operand stack entry: a `ValueType` raw value, or 0 for `Unknown`.
typealias Operand = UInt8

let unknownOperand: Operand = 0

/// The operand types (0 when unused) and result type of each `NumericOp`,
/// indexed by opcode (0xFC-prefixed ones after 0xC4), so that typing a numeric
/// instruction allocates nothing.
private let numericSignatures: [(UInt8, UInt8, UInt8)] = {
    var table = [(UInt8, UInt8, UInt8)](repeating: (0, 0, 0), count: 0xC5 + 8)
    for op in NumericOp.allCases {
        let signature = op.signature
        let second = signature.operands.count > 1 ? signature.operands[1].rawValue : 0
        table[numericSlot(op)] = (signature.operands[0].rawValue, second, signature.result.rawValue)
    }
    return table
}()

private func numericSlot(_ op: NumericOp) -> Int {
    op.rawValue >= 0xFC00 ? 0xC5 + Int(op.rawValue & 0xFF) : Int(op.rawValue)
}

/// Types function bodies against a module's context.
struct FunctionValidator {
    enum FrameKind { case function, block, loop, `if`, `else` }

    struct Frame {
        var kind: FrameKind
        var parameters: [ValueType]
        var results: [ValueType]
        /// Operand stack height when the frame was entered (below its parameters).
        var height: Int
        var unreachable: Bool

        /// The types a branch to this frame's label carries.
        var labelTypes: [ValueType] { kind == .loop ? parameters : results }
    }

    let context: ValidationContext
    /// One-element result lists per value type, shared so that `block (result t)` allocates nothing.
    private let singleResults: [ValueType: [ValueType]]
    private var stack: [Operand] = []
    private var frames: [Frame] = []
    private var parameters: [ValueType] = []
    /// Cumulative end index of each local group (after the parameters), for binary search.
    private var localGroupEnds: [UInt64] = []
    private var localGroupTypes: [ValueType] = []
    private var functionIndex: UInt32 = 0
    private var position = 0
    private var current: Instruction = .nop
    /// Per-instruction records for ``FunctionTyper`` (off for plain validation,
    /// which then pays one comparison per pop for `lowWater`).
    var recording = false
    /// The operand stack height before each instruction (when recording).
    var recordedHeights: [Int32] = []
    /// The lowest operand stack height reached while typing each instruction (when recording).
    var recordedLowWater: [Int32] = []
    /// Positions (ascending) before which the whole operand stack is copied into ``probedStacks``.
    var probePositions: [Int] = []
    /// The operand stacks at ``probePositions`` (`Unknown` entries are 0).
    var probedStacks: [[Operand]] = []
    private var lowWater = 0

    init(context: ValidationContext) {
        self.context = context
        var single: [ValueType: [ValueType]] = [:]
        for t in ValueType.allCases { single[t] = [t] }
        singleResults = single
    }

    // MARK: Errors

    private func error(_ reason: ValidationError.Reason, _ detail: String = "") -> ValidationError {
        let what = "\(current.mnemonic)"
        return ValidationError(
            reason, at: .function(index: functionIndex, instruction: position),
            detail.isEmpty ? what : "\(what): \(detail)")
    }

    private static func name(_ operand: Operand) -> String {
        ValueType(rawValue: operand)?.description ?? "nothing"
    }

    // MARK: Operand stack

    private mutating func push(_ type: ValueType) { stack.append(type.rawValue) }

    private mutating func push(_ types: [ValueType]) {
        for t in types { stack.append(t.rawValue) }
    }

    private mutating func popOperand() throws(ValidationError) -> Operand {
        let frame = frames[frames.count - 1]
        if stack.count == frame.height {
            if frame.unreachable { return unknownOperand }
            throw error(.typeMismatch, "expected an operand but the stack is empty")
        }
        let operand = stack.removeLast()
        if stack.count < lowWater { lowWater = stack.count }
        return operand
    }

    @discardableResult
    private mutating func pop(_ expected: ValueType) throws(ValidationError) -> Operand {
        let actual = try popOperand()
        if actual != unknownOperand && actual != expected.rawValue {
            throw error(.typeMismatch, "expected \(expected), found \(Self.name(actual))")
        }
        return actual
    }

    private mutating func pop(_ expected: [ValueType]) throws(ValidationError) {
        var i = expected.count
        while i > 0 {
            i -= 1
            try pop(expected[i])
        }
    }

    private mutating func popReference() throws(ValidationError) -> Operand {
        let actual = try popOperand()
        if actual != unknownOperand && !(ValueType(rawValue: actual)?.isReference ?? false) {
            throw error(.typeMismatch, "expected a reference, found \(Self.name(actual))")
        }
        return actual
    }

    private mutating func pushFrame(_ kind: FrameKind, _ parameters: [ValueType], _ results: [ValueType]) {
        frames.append(
            Frame(
                kind: kind, parameters: parameters, results: results, height: stack.count, unreachable: false)
        )
        push(parameters)
    }

    /// Pops the frame's results and checks nothing else is left in it.
    private mutating func popFrame() throws(ValidationError) -> Frame {
        guard let frame = frames.last else { throw error(.unexpectedEnd, "no block to end") }
        try pop(frame.results)
        guard stack.count == frame.height else {
            throw error(.typeMismatch, "\(stack.count - frame.height) values left at the end of the block")
        }
        frames.removeLast()
        return frame
    }

    private mutating func markUnreachable() {
        stack.removeSubrange(frames[frames.count - 1].height...)
        frames[frames.count - 1].unreachable = true
    }

    // MARK: Lookups

    private func label(_ depth: UInt32) throws(ValidationError) -> [ValueType] {
        guard Int(depth) < frames.count else { throw error(.unknownLabel, "depth \(depth)") }
        return frames[frames.count - 1 - Int(depth)].labelTypes
    }

    private func blockSignature(_ type: BlockType) throws(ValidationError) -> ([ValueType], [ValueType]) {
        switch type {
        case .empty: return ([], [])
        case .value(let t): return ([], singleResults[t] ?? [t])
        case .typeIndex(let x):
            guard Int(x) < context.module.types.count else { throw error(.unknownType, "type \(x)") }
            let type = context.module.types[Int(x)]
            return (type.parameters, type.results)
        }
    }

    private func localType(_ index: UInt32) throws(ValidationError) -> ValueType {
        if Int(index) < parameters.count { return parameters[Int(index)] }
        let i = UInt64(index) - UInt64(parameters.count)
        // First group whose end is past i.
        var low = 0
        var high = localGroupEnds.count
        while low < high {
            let mid = (low + high) / 2
            if localGroupEnds[mid] > i { high = mid } else { low = mid + 1 }
        }
        guard low < localGroupEnds.count else { throw error(.unknownLocal, "local \(index)") }
        return localGroupTypes[low]
    }

    private func global(_ index: UInt32) throws(ValidationError) -> GlobalType {
        guard Int(index) < context.globals.count else { throw error(.unknownGlobal, "global \(index)") }
        return context.globals[Int(index)]
    }

    private func table(_ index: UInt32) throws(ValidationError) -> TableType {
        guard Int(index) < context.tables.count else { throw error(.unknownTable, "table \(index)") }
        return context.tables[Int(index)]
    }

    private func element(_ index: UInt32) throws(ValidationError) -> ReferenceType {
        guard Int(index) < context.elementTypes.count else {
            throw error(.unknownElementSegment, "segment \(index)")
        }
        return context.elementTypes[Int(index)]
    }

    private func checkData(_ index: UInt32) throws(ValidationError) {
        guard Int(index) < context.dataCount else { throw error(.unknownDataSegment, "segment \(index)") }
    }

    /// The address type (i32 or i64) of memory `index`.
    private func addressType(_ index: UInt32) throws(ValidationError) -> ValueType {
        guard Int(index) < context.memories.count else { throw error(.unknownMemory, "memory \(index)") }
        return context.memories[Int(index)].is64 ? .i64 : .i32
    }

    /// Checks a memory immediate against memory 0; returns the address type.
    private func memArg(_ arg: MemArg, width: Int, exact: Bool) throws(ValidationError) -> ValueType {
        let address = try addressType(0)
        if exact {
            guard arg.align < 32 && 1 << arg.align == width else {
                throw error(.atomicAlignment, "alignment 2^\(arg.align) for a \(width)-byte access")
            }
        } else {
            guard arg.align < 32 && 1 << arg.align <= width else {
                throw error(.alignmentTooLarge, "alignment 2^\(arg.align) for a \(width)-byte access")
            }
        }
        if address == .i32 && arg.offset > UInt64(UInt32.max) {
            throw error(.offsetOutOfRange, "offset \(arg.offset) on a 32-bit memory")
        }
        return address
    }

    // MARK: Functions

    mutating func validate(_ code: FunctionBody, type: FunctionType, functionIndex: UInt32)
        throws(ValidationError)
    {
        self.functionIndex = functionIndex
        parameters = type.parameters
        localGroupEnds.removeAll(keepingCapacity: true)
        localGroupTypes.removeAll(keepingCapacity: true)
        var end: UInt64 = 0
        for group in code.locals where group.count > 0 {
            end += UInt64(group.count)
            localGroupEnds.append(end)
            localGroupTypes.append(group.type)
        }
        stack.removeAll(keepingCapacity: true)
        frames.removeAll(keepingCapacity: true)
        frames.append(
            Frame(kind: .function, parameters: [], results: type.results, height: 0, unreachable: false))
        let body = code.body
        position = 0
        var probe = 0
        if recording {
            recordedHeights.removeAll(keepingCapacity: true)
            recordedLowWater.removeAll(keepingCapacity: true)
            probedStacks.removeAll(keepingCapacity: true)
        }
        while position < body.count {
            current = body[position]
            guard !frames.isEmpty else {
                throw error(.unexpectedEnd, "instructions after the function's final end")
            }
            if recording {
                recordedHeights.append(Int32(stack.count))
                lowWater = stack.count
                while probe < probePositions.count && probePositions[probe] == position {
                    probedStacks.append(stack)
                    probe += 1
                }
            }
            try step(current, results: type.results)
            if recording { recordedLowWater.append(Int32(lowWater)) }
            position += 1
        }
        guard frames.isEmpty else {
            position = body.count
            throw ValidationError(
                .unexpectedEnd, at: .function(index: functionIndex, instruction: body.count),
                "the body ends inside \(frames.count) open block(s)")
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private mutating func step(_ instruction: Instruction, results: [ValueType]) throws(ValidationError) {
        switch instruction {
        // Control
        case .unreachable:
            markUnreachable()
        case .nop:
            break
        case .block(let bt), .loop(let bt):
            let (ins, outs) = try blockSignature(bt)
            try pop(ins)
            if case .loop = instruction {
                pushFrame(.loop, ins, outs)
            } else {
                pushFrame(.block, ins, outs)
            }
        case .if(let bt):
            let (ins, outs) = try blockSignature(bt)
            try pop(.i32)
            try pop(ins)
            pushFrame(.if, ins, outs)
        case .else:
            guard let top = frames.last, top.kind == .if else {
                throw error(.unexpectedEnd, "else without if")
            }
            let frame = try popFrame()
            pushFrame(.else, frame.parameters, frame.results)
        case .end:
            if let top = frames.last, top.kind == .if, top.parameters != top.results {
                throw error(.typeMismatch, "if without else must leave its parameters as results")
            }
            let frame = try popFrame()
            push(frame.results)
        case .br(let depth):
            try pop(try label(depth))
            markUnreachable()
        case .brIf(let depth):
            let types = try label(depth)
            try pop(.i32)
            try pop(types)
            push(types)
        case .brTable(let targets, let defaultTarget):
            try pop(.i32)
            let defaultTypes = try label(defaultTarget)
            let arity = defaultTypes.count
            for target in targets {
                let types = try label(target)
                guard types.count == arity else {
                    throw error(
                        .typeMismatch, "label \(target) takes \(types.count) values, the default \(arity)")
                }
                try peek(types)
            }
            try pop(defaultTypes)
            markUnreachable()
        case .return:
            try pop(results)
            markUnreachable()
        case .call(let f):
            guard let type = context.functionType(f) else { throw error(.unknownFunction, "function \(f)") }
            try pop(type.parameters)
            push(type.results)
        case .callIndirect(let typeIndex, let tableIndex):
            let table = try table(tableIndex)
            guard table.elementType == .funcref else {
                throw error(.typeMismatch, "table \(tableIndex) holds \(table.elementType)")
            }
            guard Int(typeIndex) < context.module.types.count else {
                throw error(.unknownType, "type \(typeIndex)")
            }
            let type = context.module.types[Int(typeIndex)]
            try pop(.i32)
            try pop(type.parameters)
            push(type.results)

        // Parametric
        case .drop:
            _ = try popOperand()
        case .select:
            try pop(.i32)
            let first = try popOperand()
            let second = try popOperand()
            if ValueType(rawValue: first)?.isReference == true
                || ValueType(rawValue: second)?.isReference == true
            {
                throw error(.typeMismatch, "untyped select of a reference")
            }
            if first != unknownOperand && second != unknownOperand && first != second {
                throw error(.typeMismatch, "select of \(Self.name(second)) and \(Self.name(first))")
            }
            stack.append(first == unknownOperand ? second : first)
        case .selectTyped(let types):
            guard types.count == 1 else { throw error(.invalidResultArity, "\(types.count) types") }
            try pop(.i32)
            try pop(types[0])
            try pop(types[0])
            push(types[0])

        // Variables
        case .localGet(let x):
            push(try localType(x))
        case .localSet(let x):
            try pop(try localType(x))
        case .localTee(let x):
            let type = try localType(x)
            try pop(type)
            push(type)
        case .globalGet(let x):
            push(try global(x).valueType)
        case .globalSet(let x):
            let type = try global(x)
            guard type.isMutable else { throw error(.globalIsImmutable, "global \(x)") }
            try pop(type.valueType)

        // Tables
        case .tableGet(let x):
            let type = try table(x).elementType
            try pop(.i32)
            push(type.valueType)
        case .tableSet(let x):
            let type = try table(x).elementType
            try pop(type.valueType)
            try pop(.i32)
        case .tableInit(let e, let x):
            let tableType = try table(x).elementType
            let segmentType = try element(e)
            guard tableType == segmentType else {
                throw error(.typeMismatch, "\(segmentType) segment into a \(tableType) table")
            }
            try pop(.i32)
            try pop(.i32)
            try pop(.i32)
        case .elemDrop(let e):
            _ = try element(e)
        case .tableCopy(let d, let s):
            let destination = try table(d).elementType
            let source = try table(s).elementType
            guard destination == source else {
                throw error(.typeMismatch, "copying \(source) into \(destination)")
            }
            try pop(.i32)
            try pop(.i32)
            try pop(.i32)
        case .tableGrow(let x):
            let type = try table(x).elementType
            try pop(.i32)
            try pop(type.valueType)
            push(.i32)
        case .tableSize(let x):
            _ = try table(x)
            push(.i32)
        case .tableFill(let x):
            let type = try table(x).elementType
            try pop(.i32)
            try pop(type.valueType)
            try pop(.i32)

        // Memory
        case .load(let op, let arg):
            let address = try memArg(arg, width: op.byteWidth, exact: false)
            try pop(address)
            push(op.resultType)
        case .store(let op, let arg):
            let address = try memArg(arg, width: op.byteWidth, exact: false)
            try pop(op.valueType)
            try pop(address)
        case .memorySize(let m):
            push(try addressType(m))
        case .memoryGrow(let m):
            let address = try addressType(m)
            try pop(address)
            push(address)
        case .memoryInit(let d, let m):
            let address = try addressType(m)
            try checkData(d)
            try pop(.i32)
            try pop(.i32)
            try pop(address)
        case .dataDrop(let d):
            try checkData(d)
        case .memoryCopy(let d, let s):
            let destination = try addressType(d)
            let source = try addressType(s)
            // With one memory both are the same; the length uses the smaller type.
            try pop(destination == .i64 && source == .i64 ? .i64 : .i32)
            try pop(source)
            try pop(destination)
        case .memoryFill(let m):
            let address = try addressType(m)
            try pop(address)
            try pop(.i32)
            try pop(address)

        // Constants and numerics
        case .i32Const: push(.i32)
        case .i64Const: push(.i64)
        case .f32Const: push(.f32)
        case .f64Const: push(.f64)
        case .numeric(let op):
            let (a, b, r) = numericSignatures[numericSlot(op)]
            if b != 0 { try pop(ValueType(rawValue: b)!) }
            try pop(ValueType(rawValue: a)!)
            stack.append(r)

        // References
        case .refNull(let t):
            push(t.valueType)
        case .refIsNull:
            _ = try popReference()
            push(.i32)
        case .refFunc(let f):
            guard Int(f) < context.functionTypeIndices.count else {
                throw error(.unknownFunction, "function \(f)")
            }
            guard context.declaredReferences[Int(f)] else {
                throw error(.undeclaredFunctionReference, "function \(f)")
            }
            push(.funcref)

        // Atomics
        case .atomicNotify(let arg):
            let address = try memArg(arg, width: 4, exact: true)
            try pop(.i32)
            try pop(address)
            push(.i32)
        case .atomicWait32(let arg):
            let address = try memArg(arg, width: 4, exact: true)
            try pop(.i64)
            try pop(.i32)
            try pop(address)
            push(.i32)
        case .atomicWait64(let arg):
            let address = try memArg(arg, width: 8, exact: true)
            try pop(.i64)
            try pop(.i64)
            try pop(address)
            push(.i32)
        case .atomicFence:
            break
        case .atomic(let op, let arg):
            let address = try memArg(arg, width: op.byteWidth, exact: true)
            let t = op.valueType
            switch op.kind {
            case .load:
                try pop(address)
                push(t)
            case .store:
                try pop(t)
                try pop(address)
            case .rmw:
                try pop(t)
                try pop(address)
                push(t)
            case .cmpxchg:
                try pop(t)
                try pop(t)
                try pop(address)
                push(t)
            }
        }
    }

    /// Checks that the top of the stack matches `types` without popping
    /// (`br_table`'s non-default targets); missing entries in an unreachable frame are `Unknown`.
    private func peek(_ types: [ValueType]) throws(ValidationError) {
        let frame = frames[frames.count - 1]
        let available = stack.count - frame.height
        for (i, expected) in types.enumerated() {
            let fromTop = types.count - i
            if fromTop > available {
                if frame.unreachable { continue }
                throw error(.typeMismatch, "expected \(types.count) operands for the branch")
            }
            let actual = stack[stack.count - fromTop]
            if actual != unknownOperand && actual != expected.rawValue {
                throw error(.typeMismatch, "branch expects \(expected), found \(Self.name(actual))")
            }
        }
    }
}
