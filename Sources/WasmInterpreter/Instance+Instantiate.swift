import WasmBinary

extension Instance {
    /// Instantiates a validated module: resolves its imports, creates its
    /// functions, tables, memories and globals, applies its active element and
    /// data segments and runs its start function.
    ///
    /// - Throws: ``LinkError`` if an import is missing or has the wrong type;
    ///   ``Trap`` if a segment is out of bounds or the start function traps
    ///   (segments applied before the failure stay applied, as the spec says).
    public init(module: Module, store: Store, imports: Imports = Imports()) throws {
        try self.init(module: module, store: store) { _, i in imports.value(module: i.module, name: i.name) }
    }

    /// Instantiates a validated module whose imports resolve to `importValues`,
    /// in the order of the module's imports: for an embedder that instantiates
    /// many modules of one shape and knows what each import is, without
    /// looking every import up by name.
    ///
    /// - Throws: as ``init(module:store:imports:)`` (`unknownImport` when
    ///   there are fewer values than imports).
    package init(module: Module, store: Store, importValues: [ExternalValue]) throws {
        try self.init(module: module, store: store) { k, _ in k < importValues.count ? importValues[k] : nil }
    }

    /// Instantiation with each import `k` resolved by `resolve(k, import)`.
    private init(module: Module, store: Store, resolve: (Int, Import) -> ExternalValue?) throws {
        let s = InstanceStorage(module: module, store: store)
        s.context.pointee.instance = Unmanaged.passUnretained(s)
        store.instances[ObjectIdentifier(s)] = s
        // A failed instantiation leaves nothing the caller can release, so the
        // store lets go of the instance itself - unless its functions may be
        // reachable from outside: written into an imported table by an
        // element segment, or handed out by its start function (the spec keeps
        // such effects, and the functions must stay callable).
        var reachable = false
        do {
            try Self.instantiate(s, module: module, store: store, resolve: resolve, reachable: &reachable)
        } catch {
            if !reachable { store.instances[ObjectIdentifier(s)] = nil }
            throw error
        }
        self.init(store: store, storage: s)
    }

    /// Instantiation after the storage is registered; sets `reachable` before
    /// anything that may let the instance's functions be reached from outside.
    private static func instantiate(
        _ s: InstanceStorage, module: Module, store: Store, resolve: (Int, Import) -> ExternalValue?,
        reachable: inout Bool
    ) throws {
        s.typeIDs = module.types.map { store.typeID($0) }
        try Instance.link(s, module: module, store: store, resolve: resolve)
        s.importedFunctionCount = s.functions.count
        // Defined functions: entries now (the instance owns them), code at first call.
        for (i, typeIndex) in module.functions.enumerated() {
            let type = module.types[Int(typeIndex)]
            s.functionTypeIndices.append(typeIndex)
            s.functions.append(
                InstanceStorage.newEntry(
                    FunctionEntry(
                        code: nil, frameSize: 0, parameterCount: type.parameters.count, localCount: 0,
                        resultCount: type.results.count, typeID: s.typeIDs[Int(typeIndex)],
                        context: s.context,
                        hostIndex: -1, definedIndex: i)))
        }
        for table in module.tables {
            let t = try TableInstance(type: table, maximumElements: store.configuration.maximumTableElements)
            s.tables.append(t)
        }
        if let memoryType = module.memories.first, s.memory == nil {
            let m = try MemoryInstance(type: memoryType, maximumPages: store.configuration.maximumMemoryPages)
            s.memory = m
        }
        if let m = s.memory { s.context.pointee.memory = m.state }
        // The defined globals share one block of cells (a module of many
        // globals then costs one allocation for their values and types).
        if !module.globals.isEmpty {
            let block = GlobalBlock.make(types: module.globals.map(\.type))
            s.definedGlobals = block
            for (k, global) in module.globals.enumerated() {
                block.cells[k] = try s.evaluate(global.initializer)
            }
        }
        // A few exports are found faster (and kept smaller) by scanning the module's list.
        if module.exports.count > InstanceStorage.exportsScannedDirectly {
            for export in module.exports { s.exports[Array(export.name.utf8)] = export.descriptor }
        }
        s.elements = try module.elements.map { segment in
            switch segment.initializers {
            case .functionIndices(let indices): indices.map { UInt64(UInt(bitPattern: s.functions[Int($0)])) }
            case .expressions(let expressions): try expressions.map { try s.evaluate($0) }
            }
        }
        s.data = module.data.map(\.bytes)
        let importedTables = module.imports.count { if case .table = $0.descriptor { true } else { false } }
        for (i, segment) in module.elements.enumerated() {
            switch segment.mode {
            case .active(let tableIndex, let offset):
                if Int(tableIndex) < importedTables { reachable = true }
                let n = s.elements[i].count
                try s.tableInit(
                    table: Int(tableIndex), segment: i, destination: try s.evaluate(offset), source: 0,
                    count: UInt64(n))
                s.elements[i] = []
            case .declarative: s.elements[i] = []
            case .passive: break
            }
        }
        for (i, segment) in module.data.enumerated() {
            if case .active(_, let offset) = segment.mode {
                try s.memoryInit(
                    segment: i, destination: try s.evaluate(offset), source: 0, count: UInt64(s.data[i].count)
                )
                s.data[i] = []
            }
        }
        if let start = module.start {
            reachable = true
            _ = try Function(store: store, entry: s.functions[Int(start)]).call([])
        }
    }

    private static func link(
        _ s: InstanceStorage, module: Module, store: Store, resolve: (Int, Import) -> ExternalValue?
    ) throws {
        for (k, imp) in module.imports.enumerated() {
            func fail(_ reason: LinkError.Reason, _ detail: String = "") -> LinkError {
                LinkError(reason: reason, module: imp.module, name: imp.name, detail: detail)
            }
            guard let value = resolve(k, imp) else {
                throw fail(.unknownImport)
            }
            switch (imp.descriptor, value) {
            case (.function(let typeIndex), .function(let f)):
                guard f.store === store else { throw fail(.incompatibleImportType, "from another store") }
                let expected = module.types[Int(typeIndex)]
                guard f.type == expected else {
                    throw fail(.incompatibleImportType, "expected \(expected), got \(f.type)")
                }
                s.functions.append(f.entry)
                s.functionTypeIndices.append(typeIndex)
            case (.table(let type), .table(let t)):
                guard t.store === store else { throw fail(.incompatibleImportType, "from another store") }
                let actual = Limits(min: UInt64(t.count), max: t.instance.type.limits.max)
                guard t.type.elementType == type.elementType, limitsMatch(actual, type.limits) else {
                    throw fail(.incompatibleImportType, "table type mismatch")
                }
                s.tables.append(t.instance)
            case (.memory(let type), .memory(let m)):
                let actual = Limits(min: m.pageCount, max: m.type.max)
                guard m.type.is64 == type.is64, m.type.isShared == type.isShared, limitsMatch(actual, type)
                else {
                    throw fail(.incompatibleImportType, "memory type mismatch")
                }
                // A memory is self-contained, so one from another store works too.
                s.memory = m.instance
            case (.global(let type), .global(let g)):
                guard g.store === store else { throw fail(.incompatibleImportType, "from another store") }
                guard g.type == type else { throw fail(.incompatibleImportType, "global type mismatch") }
                s.importedGlobals.append(g.instance)
            default:
                throw fail(.incompatibleImportType, "wrong kind of value")
            }
        }
    }

    private static func limitsMatch(_ actual: Limits, _ required: Limits) -> Bool {
        guard actual.min >= required.min else { return false }
        guard let requiredMax = required.max else { return true }
        guard let actualMax = actual.max else { return false }
        return actualMax <= requiredMax
    }
}

extension InstanceStorage {
    /// Evaluates a constant expression to a slot.
    func evaluate(_ expression: [Instruction]) throws -> UInt64 {
        // Nearly every initializer is one constant: no stack for those (a
        // generated module may have many globals, instantiated thousands of times).
        if expression.count == 2, case .end = expression[1] {
            switch expression[0] {
            case .i32Const(let v): return UInt64(UInt32(bitPattern: v))
            case .i64Const(let v): return UInt64(bitPattern: v)
            case .f32Const(let bits): return UInt64(bits)
            case .f64Const(let bits): return bits
            default: break
            }
        }
        var stack: [UInt64] = []
        for instruction in expression {
            switch instruction {
            case .i32Const(let v): stack.append(UInt64(UInt32(bitPattern: v)))
            case .i64Const(let v): stack.append(UInt64(bitPattern: v))
            case .f32Const(let bits): stack.append(UInt64(bits))
            case .f64Const(let bits): stack.append(bits)
            case .refNull: stack.append(0)
            case .refFunc(let i): stack.append(UInt64(UInt(bitPattern: functions[Int(i)])))
            case .globalGet(let i): stack.append(globalCell(Int(i)).pointee)
            case .numeric(let op) where stack.count >= 2:
                let y = stack.removeLast()
                let x = stack.removeLast()
                switch op {
                case .i32Add: stack.append(UInt64(UInt32(truncatingIfNeeded: x &+ y)))
                case .i32Sub: stack.append(UInt64(UInt32(truncatingIfNeeded: x &- y)))
                case .i32Mul: stack.append(UInt64(UInt32(truncatingIfNeeded: x &* y)))
                case .i64Add: stack.append(x &+ y)
                case .i64Sub: stack.append(x &- y)
                case .i64Mul: stack.append(x &* y)
                default:
                    throw InvocationError(.nonConstantExpression, "\(op.name) is not a constant instruction")
                }
            case .end: break
            default:
                throw InvocationError(.nonConstantExpression, "\(instruction) is not a constant instruction")
            }
        }
        guard stack.count == 1 else {
            throw InvocationError(
                .nonConstantExpression,
                "a constant expression must produce one value, this one leaves \(stack.count)")
        }
        return stack[0]
    }

    /// `table.init`, also used for active element segments.
    func tableInit(table: Int, segment: Int, destination: UInt64, source: UInt64, count: UInt64) throws(Trap)
    {
        let state = tables[table].state
        let elements = elements[segment]
        guard source <= UInt64(elements.count), count <= UInt64(elements.count) - source,
            destination <= UInt64(state.pointee.count), count <= UInt64(state.pointee.count) - destination
        else { throw Trap(.outOfBoundsTableAccess) }
        for k in 0..<Int(count) { state.pointee.elements[Int(destination) + k] = elements[Int(source) + k] }
    }

    /// `memory.init`, also used for active data segments.
    func memoryInit(segment: Int, destination: UInt64, source: UInt64, count: UInt64) throws(Trap) {
        let state = (memory?.state ?? store.emptyMemory.state)
        let bytes = data[segment]
        guard source <= UInt64(bytes.count), count <= UInt64(bytes.count) - source,
            destination <= state.pointee.byteCount, count <= state.pointee.byteCount - destination
        else { throw Trap(.outOfBoundsMemoryAccess) }
        if count == 0 { return }
        bytes.withUnsafeBytes { raw in
            (state.pointee.base + Int(destination)).copyMemory(
                from: raw.baseAddress! + Int(source), byteCount: Int(count))
        }
    }
}
