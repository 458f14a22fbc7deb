// Index-returning helpers for building a `Module` in code: each adds one
// entity and returns the index by which instructions refer to it, taking the
// imports that come first in each index space into account.

extension Module {
    /// The number of imported functions (they precede defined functions in the index space).
    public var importedFunctionCount: Int {
        imports.reduce(0) { n, i in if case .function = i.descriptor { n + 1 } else { n } }
    }

    /// The number of imported globals (they precede defined globals in the index space).
    public var importedGlobalCount: Int {
        imports.reduce(0) { n, i in if case .global = i.descriptor { n + 1 } else { n } }
    }

    /// The number of imported memories.
    public var importedMemoryCount: Int {
        imports.reduce(0) { n, i in if case .memory = i.descriptor { n + 1 } else { n } }
    }

    /// The number of imported tables.
    public var importedTableCount: Int {
        imports.reduce(0) { n, i in if case .table = i.descriptor { n + 1 } else { n } }
    }

    /// Returns the index of `type` in the type section, appending it if it is not there yet.
    public mutating func addType(_ type: FunctionType) -> UInt32 {
        if let index = types.firstIndex(of: type) { return UInt32(index) }
        types.append(type)
        return UInt32(types.count - 1)
    }

    /// Adds an import and returns its index in its own index space (function,
    /// table, memory or global).
    ///
    /// Imports must be added before the module defines entities of the same
    /// kind, or the defined ones' indices shift.
    public mutating func addImport(module: String, name: String, _ descriptor: ImportDescriptor) -> UInt32 {
        let index: Int
        switch descriptor {
        case .function: index = importedFunctionCount
        case .table: index = importedTableCount
        case .memory: index = importedMemoryCount
        case .global: index = importedGlobalCount
        }
        imports.append(Import(module: module, name: name, descriptor: descriptor))
        return UInt32(index)
    }

    /// Adds an imported function of the given signature and returns its function index.
    public mutating func addImportedFunction(module: String, name: String, type: FunctionType) -> UInt32 {
        let typeIndex = addType(type)
        return addImport(module: module, name: name, .function(typeIndex: typeIndex))
    }

    /// Adds a defined function and returns its function index (after all imported functions).
    public mutating func addFunction(type: FunctionType, body: FunctionBody) -> UInt32 {
        let typeIndex = addType(type)
        functions.append(typeIndex)
        codes.append(body)
        return UInt32(importedFunctionCount + functions.count - 1)
    }

    /// Adds a defined global and returns its global index (after all imported globals).
    public mutating func addGlobal(_ type: GlobalType, initializer: [Instruction]) -> UInt32 {
        globals.append(Global(type: type, initializer: initializer))
        return UInt32(importedGlobalCount + globals.count - 1)
    }

    /// Adds an export.
    public mutating func addExport(_ name: String, _ descriptor: ExportDescriptor) {
        exports.append(Export(name: name, descriptor: descriptor))
    }
}
