// A builder for function bodies, for code generators: it hands out local
// indices, nests blocks through closures so every `block`/`loop`/`if` gets
// its `end`, and produces a `FunctionBody` ready for a `Module`.

/// Builds one function body instruction by instruction.
///
/// ```swift
/// var code = CodeBuilder(parameters: [.i64])
/// let sum = code.addLocal(.i64)
/// code.loop { body in
///     body.emit(.localGet(0))
///     body.emit(.i64Load, offset: 8)
///     body.emit(.localGet(sum))
///     body.emit(.i64Add)
///     body.emit(.localSet(sum))
/// }
/// code.emit(.localGet(sum))
/// let function = code.finish()  // locals grouped, final `end` appended
/// ```
///
/// The builder only assembles; whether the code is well typed is the
/// validator's business.
public struct CodeBuilder: Sendable {
    /// The instructions emitted so far (without the body's final `end`).
    public private(set) var instructions: [Instruction] = []
    /// The types of the locals declared with ``addLocal(_:)``, in index order.
    public private(set) var localTypes: [ValueType] = []
    /// How many parameters precede the declared locals in the local index space.
    public let parameterCount: Int

    /// Creates a builder for a function with the given parameters.
    public init(parameters: [ValueType] = []) {
        parameterCount = parameters.count
    }

    /// Declares a new local and returns its index (parameters come first).
    public mutating func addLocal(_ type: ValueType) -> UInt32 {
        localTypes.append(type)
        return UInt32(parameterCount + localTypes.count - 1)
    }

    /// Appends one instruction.
    public mutating func emit(_ instruction: Instruction) {
        instructions.append(instruction)
    }

    /// Appends instructions in order.
    public mutating func emit(contentsOf newInstructions: [Instruction]) {
        instructions.append(contentsOf: newInstructions)
    }

    /// Appends a numeric instruction, e.g. `emit(.i64Add)`.
    public mutating func emit(_ op: NumericOp) {
        instructions.append(.numeric(op))
    }

    /// Appends a load with its natural alignment unless given, e.g. `emit(.i64Load, offset: 8)`.
    public mutating func emit(_ op: LoadOp, offset: UInt64 = 0, alignment: UInt32? = nil) {
        let align = alignment ?? UInt32(op.byteWidth.trailingZeroBitCount)
        instructions.append(.load(op, MemArg(align: align, offset: offset)))
    }

    /// Appends a store with its natural alignment unless given, e.g. `emit(.i32Store, offset: 4)`.
    public mutating func emit(_ op: StoreOp, offset: UInt64 = 0, alignment: UInt32? = nil) {
        let align = alignment ?? UInt32(op.byteWidth.trailingZeroBitCount)
        instructions.append(.store(op, MemArg(align: align, offset: offset)))
    }

    /// Appends an atomic access with its required (natural) alignment.
    public mutating func emit(_ op: AtomicOp, offset: UInt64 = 0) {
        instructions.append(
            .atomic(op, MemArg(align: UInt32(op.byteWidth.trailingZeroBitCount), offset: offset)))
    }

    /// Appends `block type ... end`, with the contents written by `body`.
    public mutating func block<E: Error>(
        _ type: BlockType = .empty, _ body: (inout CodeBuilder) throws(E) -> Void
    ) throws(E) {
        instructions.append(.block(type))
        try body(&self)
        instructions.append(.end)
    }

    /// Appends `loop type ... end`; a branch to it jumps back to its start.
    public mutating func loop<E: Error>(
        _ type: BlockType = .empty, _ body: (inout CodeBuilder) throws(E) -> Void
    ) throws(E) {
        instructions.append(.loop(type))
        try body(&self)
        instructions.append(.end)
    }

    /// Appends `if type ... else ... end`; the `else` arm is left out when `otherwise` is `nil`.
    public mutating func `if`<E: Error>(
        _ type: BlockType = .empty, then: (inout CodeBuilder) throws(E) -> Void,
        else otherwise: ((inout CodeBuilder) throws(E) -> Void)? = nil
    ) throws(E) {
        instructions.append(.if(type))
        try then(&self)
        if let otherwise {
            instructions.append(.else)
            try otherwise(&self)
        }
        instructions.append(.end)
    }

    /// The finished body: declared locals grouped into runs of equal type, and the final `end`.
    public func finish() -> FunctionBody {
        var groups: [LocalGroup] = []
        for type in localTypes {
            if let last = groups.last, last.type == type {
                groups[groups.count - 1].count += 1
            } else {
                groups.append(LocalGroup(count: 1, type: type))
            }
        }
        return FunctionBody(locals: groups, body: instructions + [.end])
    }
}
