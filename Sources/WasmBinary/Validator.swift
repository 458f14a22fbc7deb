// Module validation (core spec 3.4): builds the context C of a module (the
// index spaces of types, functions, tables, memories, globals, segments and
// the set of declared function references), checks every definition against
// it, and hands each function body to `FunctionValidator`.
//
// Feature set: Wasm 2.0 (MVP, sign extension, saturating conversions,
// multi-value, bulk memory, reference types with several tables), memory64
// (one memory whose address type may be i64) and the threads proposal's
// shared memories and atomics. As in the spec suite's version of the threads
// proposal, atomics do not require the memory to be shared.

/// Validates decoded modules.
///
/// Validation is linear in the size of the module: each instruction is typed
/// once with the spec's operand-stack algorithm (control frames, an `Unknown`
/// operand type, and a polymorphic stack after `unreachable`, `br`,
/// `br_table` and `return`).
public enum Validator {
    /// Checks every rule of module validation.
    ///
    /// - Parameter module: A module, typically from ``Module/init(decoding:)-([UInt8])``.
    /// - Throws: ``ValidationError`` for the first broken rule, with the spec's
    ///   wording and the function and instruction (or segment, export...) where it broke.
    public static func validate(_ module: Module) throws(ValidationError) {
        try validate(module, skippingBodies: [])
    }

    /// Checks every rule of module validation except inside the bodies of the defined
    /// functions `skippingBodies` marks (by defined index; missing entries count as false),
    /// for a caller that types those bodies itself (``FunctionTyper`` validates as it types).
    package static func validate(_ module: Module, skippingBodies skipped: [Bool]) throws(ValidationError) {
        let context = try ValidationContext(module)
        try context.validateDefinitions()
        var validator = FunctionValidator(context: context)
        let importedFunctions = context.functionTypeIndices.count - module.functions.count
        for (i, code) in module.codes.enumerated() {
            if i < skipped.count && skipped[i] && i < module.functions.count { continue }
            let index = UInt32(importedFunctions + i)
            guard i < module.functions.count else {
                throw ValidationError(
                    .typeMismatch, at: .functionDeclaration(index), "a body without a declaration")
            }
            let type = module.types[Int(module.functions[i])]
            try validator.validate(code, type: type, functionIndex: index)
        }
        if module.codes.count != module.functions.count {
            throw ValidationError(
                .typeMismatch, at: .module,
                "\(module.functions.count) functions declared but \(module.codes.count) bodies")
        }
    }
}

extension Module {
    /// Checks that the module is valid (core spec chapter 3); see ``Validator/validate(_:)``.
    ///
    /// - Throws: ``ValidationError`` for the first broken rule.
    public func validate() throws(ValidationError) {
        try Validator.validate(self)
    }
}

/// The validation context C of a module: everything an instruction may refer to.
struct ValidationContext {
    let module: Module
    /// The type index of every function, imported ones first.
    var functionTypeIndices: [UInt32] = []
    /// Every table, imported ones first.
    var tables: [TableType] = []
    /// Every memory, imported ones first.
    var memories: [MemoryType] = []
    /// Every global, imported ones first.
    var globals: [GlobalType] = []
    /// How many of ``globals`` are imported (the only ones a global initialiser may read).
    var importedGlobalCount = 0
    /// The reference type of each element segment.
    var elementTypes: [ReferenceType] = []
    /// The number of data segments instructions may name.
    var dataCount = 0
    /// `declaredReferences[f]`: function f occurs outside function bodies, so `ref.func f` is allowed.
    var declaredReferences: [Bool] = []

    init(_ module: Module) throws(ValidationError) {
        self.module = module
        for (i, entry) in module.imports.enumerated() {
            switch entry.descriptor {
            case .function(let typeIndex):
                guard Int(typeIndex) < module.types.count else {
                    throw ValidationError(.unknownType, at: .import(i), "type \(typeIndex)")
                }
                functionTypeIndices.append(typeIndex)
            case .table(let type):
                try Self.checkTable(type, at: .import(i))
                tables.append(type)
            case .memory(let type):
                try Self.checkMemory(type, at: .import(i))
                memories.append(type)
            case .global(let type):
                globals.append(type)
            }
        }
        importedGlobalCount = globals.count
        for typeIndex in module.functions {
            guard Int(typeIndex) < module.types.count else {
                throw ValidationError(
                    .unknownType, at: .functionDeclaration(UInt32(functionTypeIndices.count)),
                    "type \(typeIndex)")
            }
            functionTypeIndices.append(typeIndex)
        }
        for type in module.tables {
            try Self.checkTable(type, at: .table(tables.count))
            tables.append(type)
        }
        for type in module.memories {
            try Self.checkMemory(type, at: .memory(memories.count))
            memories.append(type)
        }
        if memories.count > 1 {
            throw ValidationError(.multipleMemories, at: .module, "\(memories.count) memories")
        }
        globals += module.globals.map(\.type)
        elementTypes = module.elements.map(\.type)
        dataCount = Int(module.dataCount ?? UInt32(module.data.count))
        declaredReferences = try Self.declaredReferences(of: module, functionCount: functionTypeIndices.count)
    }

    /// C.refs: the functions referenced outside function bodies (element
    /// segments, exports, global initialisers, segment offsets).
    private static func declaredReferences(of module: Module, functionCount: Int) throws(ValidationError)
        -> [Bool]
    {
        var declared = [Bool](repeating: false, count: functionCount)
        func mark(_ expression: [Instruction]) {
            for instruction in expression {
                if case .refFunc(let f) = instruction, Int(f) < functionCount { declared[Int(f)] = true }
            }
        }
        for global in module.globals { mark(global.initializer) }
        for export in module.exports {
            if case .function(let f) = export.descriptor, Int(f) < functionCount { declared[Int(f)] = true }
        }
        for segment in module.elements {
            switch segment.initializers {
            case .functionIndices(let indices):
                for f in indices where Int(f) < functionCount { declared[Int(f)] = true }
            case .expressions(let expressions):
                for expression in expressions { mark(expression) }
            }
            if case .active(_, let offset) = segment.mode { mark(offset) }
        }
        for segment in module.data {
            if case .active(_, let offset) = segment.mode { mark(offset) }
        }
        return declared
    }

    private static func checkTable(_ type: TableType, at location: ValidationError.Location)
        throws(ValidationError)
    {
        let limits = type.limits
        if limits.min > UInt64(UInt32.max) || (limits.max ?? 0) > UInt64(UInt32.max) {
            throw ValidationError(.tableSizeTooLarge, at: location)
        }
        if let max = limits.max, limits.min > max {
            throw ValidationError(.minimumGreaterThanMaximum, at: location, "min \(limits.min) > max \(max)")
        }
    }

    private static func checkMemory(_ limits: MemoryType, at location: ValidationError.Location)
        throws(ValidationError)
    {
        let bound: UInt64 = limits.is64 ? 1 << 48 : 1 << 16
        let reason: ValidationError.Reason = limits.is64 ? .memory64SizeTooLarge : .memorySizeTooLarge
        if limits.min > bound { throw ValidationError(reason, at: location, "min \(limits.min) pages") }
        if let max = limits.max, max > bound {
            throw ValidationError(reason, at: location, "max \(max) pages")
        }
        if let max = limits.max, limits.min > max {
            throw ValidationError(.minimumGreaterThanMaximum, at: location, "min \(limits.min) > max \(max)")
        }
        if limits.isShared && limits.max == nil {
            throw ValidationError(.sharedMemoryNeedsMaximum, at: location)
        }
    }

    /// The type of function `index`, if it exists.
    func functionType(_ index: UInt32) -> FunctionType? {
        guard Int(index) < functionTypeIndices.count else { return nil }
        return module.types[Int(functionTypeIndices[Int(index)])]
    }

    /// Globals, exports, start, element and data segments.
    func validateDefinitions() throws(ValidationError) {
        for (i, global) in module.globals.enumerated() {
            let index = importedGlobalCount + i
            try validateConstant(
                global.initializer, type: global.type.valueType, visibleGlobals: importedGlobalCount,
                at: .global(index))
        }
        try validateExports()
        if let start = module.start {
            guard let type = functionType(start) else {
                throw ValidationError(.unknownFunction, at: .start, "function \(start)")
            }
            guard type.parameters.isEmpty && type.results.isEmpty else {
                throw ValidationError(.startFunction, at: .start, "function \(start) has type \(type)")
            }
        }
        for (i, segment) in module.elements.enumerated() {
            try validateElementSegment(segment, at: .element(i))
        }
        for (i, segment) in module.data.enumerated() {
            guard case .active(let memoryIndex, let offset) = segment.mode else { continue }
            guard Int(memoryIndex) < memories.count else {
                throw ValidationError(.unknownMemory, at: .data(i), "memory \(memoryIndex)")
            }
            let addressType: ValueType = memories[Int(memoryIndex)].is64 ? .i64 : .i32
            try validateConstant(offset, type: addressType, visibleGlobals: importedGlobalCount, at: .data(i))
        }
    }

    private func validateExports() throws(ValidationError) {
        var names = Set<[UInt8]>()
        names.reserveCapacity(module.exports.count)
        for (i, export) in module.exports.enumerated() {
            switch export.descriptor {
            case .function(let f):
                guard Int(f) < functionTypeIndices.count else {
                    throw ValidationError(.unknownFunction, at: .export(i), "function \(f)")
                }
            case .table(let t):
                guard Int(t) < tables.count else {
                    throw ValidationError(.unknownTable, at: .export(i), "table \(t)")
                }
            case .memory(let m):
                guard Int(m) < memories.count else {
                    throw ValidationError(.unknownMemory, at: .export(i), "memory \(m)")
                }
            case .global(let g):
                guard Int(g) < globals.count else {
                    throw ValidationError(.unknownGlobal, at: .export(i), "global \(g)")
                }
            }
            // Names compare by their UTF-8 bytes: Swift's String equality
            // would merge canonically equivalent but distinct names.
            guard names.insert(Array(export.name.utf8)).inserted else {
                throw ValidationError(.duplicateExportName, at: .export(i), "\"\(export.name)\"")
            }
        }
    }

    private func validateElementSegment(_ segment: ElementSegment, at location: ValidationError.Location)
        throws(ValidationError)
    {
        switch segment.initializers {
        case .functionIndices(let indices):
            guard segment.type == .funcref else {
                throw ValidationError(
                    .typeMismatch, at: location, "function indices in a \(segment.type) segment")
            }
            for f in indices where Int(f) >= functionTypeIndices.count {
                throw ValidationError(.unknownFunction, at: location, "function \(f)")
            }
        case .expressions(let expressions):
            for expression in expressions {
                try validateConstant(
                    expression, type: segment.type.valueType, visibleGlobals: importedGlobalCount,
                    at: location)
            }
        }
        if case .active(let tableIndex, let offset) = segment.mode {
            guard Int(tableIndex) < tables.count else {
                throw ValidationError(.unknownTable, at: location, "table \(tableIndex)")
            }
            try validateConstant(offset, type: .i32, visibleGlobals: importedGlobalCount, at: location)
            let tableType = tables[Int(tableIndex)].elementType
            guard tableType == segment.type else {
                throw ValidationError(
                    .typeMismatch, at: location, "\(segment.type) segment for a \(tableType) table")
            }
        }
    }

    /// A constant expression (including its `end`) that must leave exactly one value of `type`.
    ///
    /// Only the first `visibleGlobals` globals may be read: as in the spec
    /// suite's version of Wasm 2.0, every constant expression (global
    /// initialisers, segment offsets and element expressions) sees the
    /// imported globals only. A global read must be immutable.
    func validateConstant(
        _ expression: [Instruction], type: ValueType, visibleGlobals: Int,
        at location: ValidationError.Location
    ) throws(ValidationError) {
        var stack: [ValueType] = []
        for (i, instruction) in expression.enumerated() {
            switch instruction {
            case .i32Const: stack.append(.i32)
            case .i64Const: stack.append(.i64)
            case .f32Const: stack.append(.f32)
            case .f64Const: stack.append(.f64)
            case .refNull(let t): stack.append(t.valueType)
            case .refFunc(let f):
                guard Int(f) < functionTypeIndices.count else {
                    throw ValidationError(.unknownFunction, at: location, "ref.func \(f)")
                }
                stack.append(.funcref)
            case .globalGet(let g):
                guard Int(g) < visibleGlobals else {
                    throw ValidationError(
                        .unknownGlobal, at: location, "global.get \(g) in a constant expression")
                }
                guard !globals[Int(g)].isMutable else {
                    throw ValidationError(
                        .constantExpressionRequired, at: location, "global.get of mutable global \(g)")
                }
                stack.append(globals[Int(g)].valueType)
            case .end where i == expression.count - 1:
                break
            default:
                throw ValidationError(
                    .constantExpressionRequired, at: location, "\(instruction.mnemonic) is not constant")
            }
        }
        guard stack == [type] else {
            throw ValidationError(
                .typeMismatch, at: location,
                "the expression gives [\(stack.map(\.description).joined(separator: " "))], expected [\(type)]"
            )
        }
    }
}
