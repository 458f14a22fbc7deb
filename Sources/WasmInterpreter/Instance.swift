import WasmBinary

/// An instantiated module: its functions, memory, tables and globals, reached
/// through its exports.
public struct Instance {
    /// The store the instance lives in.
    public let store: Store
    let storage: InstanceStorage

    init(store: Store, storage: InstanceStorage) {
        self.store = store
        self.storage = storage
    }

    /// The module this instance was created from.
    public var module: Module { storage.module }

    /// Every export by name. (Names that differ only in Unicode normalisation
    /// collide as Swift strings; ``export(_:)`` tells them apart.)
    public var exports: [String: ExternalValue] {
        var result: [String: ExternalValue] = [:]
        for export in storage.module.exports { result[export.name] = self.export(export.name) }
        return result
    }

    /// The export called `name`, if any.
    public func export(_ name: String) -> ExternalValue? {
        guard let descriptor = storage.exportDescriptor(name) else { return nil }
        switch descriptor {
        case .function(let i): return .function(Function(store: store, entry: storage.functions[Int(i)]))
        case .memory: return storage.memory.map { .memory(Memory(instance: $0)) }
        case .table(let i): return .table(Table(store: store, instance: storage.tables[Int(i)]))
        case .global(let i): return .global(Global(store: store, instance: storage.globalInstance(Int(i))))
        }
    }

    /// The error for a missing export of `kind`, listing the exports of that
    /// kind the module does have (the usual cause is a misspelt or mangled name).
    private func missingExport(_ kind: String, _ name: String) -> InvocationError {
        let names = storage.module.exports.compactMap { export -> String? in
            let exportKind: String
            switch export.descriptor {
            case .function: exportKind = "function"
            case .table: exportKind = "table"
            case .memory: exportKind = "memory"
            case .global: exportKind = "global"
            }
            return exportKind == kind ? "\"\(export.name)\"" : nil
        }
        let available =
            names.isEmpty
            ? "the module exports no \(kind)"
            : "the module's \(kind) exports are \(names.joined(separator: ", "))"
        return InvocationError(.unknownExport, "no exported \(kind) \"\(name)\": \(available)")
    }

    /// The exported function `name`; resolve once, call many times.
    ///
    /// - Throws: ``InvocationError`` (``InvocationError/Reason/unknownExport``) when there is no such export.
    public func exportedFunction(_ name: String) throws(InvocationError) -> Function {
        guard case .function(let f) = export(name) else {
            throw missingExport("function", name)
        }
        return f
    }

    /// The exported memory `name` (default `memory`).
    ///
    /// - Throws: ``InvocationError`` (``InvocationError/Reason/unknownExport``) when there is no such export.
    public func exportedMemory(_ name: String = "memory") throws(InvocationError) -> Memory {
        guard case .memory(let m) = export(name) else {
            throw missingExport("memory", name)
        }
        return m
    }

    /// The exported global `name`.
    ///
    /// - Throws: ``InvocationError`` (``InvocationError/Reason/unknownExport``) when there is no such export.
    public func exportedGlobal(_ name: String) throws(InvocationError) -> Global {
        guard case .global(let g) = export(name) else {
            throw missingExport("global", name)
        }
        return g
    }

    /// The global at `index` in the module's global index space (imported
    /// globals first), whether exported or not; `nil` when out of range.
    ///
    /// Embedders that generate modules (e.g. a translation-block runtime) use
    /// this to reach internal state without adding exports for it.
    public func global(at index: Int) -> Global? {
        guard index >= 0, index < storage.globalCount else { return nil }
        return Global(store: store, instance: storage.globalInstance(index))
    }

    /// The storage cells of globals `indices`, consecutive, when the instance
    /// defines all of them (they then share one block) and each has `type`;
    /// nil otherwise. For an embedder that reaches many globals of many
    /// instances (a TB's registers) without a handle per global.
    package func definedGlobalCells(_ indices: Range<Int>, type: GlobalType) -> UnsafeMutablePointer<UInt64>?
    {
        let s = storage
        guard let block = s.definedGlobals, indices.lowerBound >= s.importedGlobals.count,
            indices.upperBound <= s.globalCount
        else { return nil }
        for g in indices where s.globalType(g) != type { return nil }
        return block.cells + (indices.lowerBound - s.importedGlobals.count)
    }

    /// The exported table `name`.
    ///
    /// - Throws: ``InvocationError`` (``InvocationError/Reason/unknownExport``) when there is no such export.
    public func exportedTable(_ name: String) throws(InvocationError) -> Table {
        guard case .table(let t) = export(name) else {
            throw missingExport("table", name)
        }
        return t
    }

    /// Calls the exported function `name`.
    public func call(_ name: String, _ arguments: [Value] = []) throws -> [Value] {
        try exportedFunction(name).call(arguments)
    }
}

/// Everything an instance owns or links to; kept alive by the store (until
/// ``Store/release(_:)``) and by ``Instance`` handles.
///
/// The fields the translator and compilers read for every instruction that
/// names a function, global or table skip the dynamic exclusivity check:
/// they change only while the instance is being instantiated.
final class InstanceStorage {
    /// The module; ``Instance/compact()`` drops its code and constant expressions.
    var module: Module
    unowned(unsafe) let store: Store
    let context: UnsafeMutablePointer<InstanceContext>
    /// Imported functions first, then the defined ones, whose entries (and
    /// code) the instance owns.
    @exclusivity(unchecked) var functions: [UnsafeMutablePointer<FunctionEntry>] = []
    /// Where the defined functions start in ``functions`` (past the end until they are created).
    var importedFunctionCount = Int.max
    @exclusivity(unchecked) var functionTypeIndices: [UInt32] = []
    @exclusivity(unchecked) var typeIDs: [Int] = []
    /// The imported globals, first in the global index space.
    @exclusivity(unchecked) var importedGlobals: [GlobalInstance] = []
    /// The defined globals, after the imported ones (handles on them are made
    /// when asked for: see ``globalInstance(_:)``).
    @exclusivity(unchecked) var definedGlobals: GlobalBlock?
    @exclusivity(unchecked) var tables: [TableInstance] = []
    var memory: MemoryInstance?
    /// The instance's machine code, once the native engine compiled it.
    var native: NativeInstanceCode?
    var elements: [[UInt64]] = []
    var data: [[UInt8]] = []
    /// Exports by the UTF-8 bytes of their names (see ``Imports``), when the
    /// module has more than ``exportsScannedDirectly``.
    var exports: [[UInt8]: ExportDescriptor] = [:]
    /// Up to this many exports are looked up in the module's list.
    static let exportsScannedDirectly = 8

    /// The number of globals, imported and defined.
    var globalCount: Int { importedGlobals.count + (definedGlobals?.count ?? 0) }

    /// The storage cell of global `index` (which must be in range).
    func globalCell(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        index < importedGlobals.count
            ? importedGlobals[index].storage : definedGlobals!.cells + (index - importedGlobals.count)
    }

    /// The type of global `index` (which must be in range).
    func globalType(_ index: Int) -> GlobalType {
        index < importedGlobals.count
            ? importedGlobals[index].type : definedGlobals!.type(index - importedGlobals.count)
    }

    /// A handle on global `index` (which must be in range).
    func globalInstance(_ index: Int) -> GlobalInstance {
        index < importedGlobals.count
            ? importedGlobals[index]
            : GlobalInstance(block: definedGlobals!, index: index - importedGlobals.count)
    }

    /// The export called `name` (compared as UTF-8 bytes), if any.
    func exportDescriptor(_ name: String) -> ExportDescriptor? {
        if module.exports.count > Self.exportsScannedDirectly { return exports[Array(name.utf8)] }
        return module.exports.first { $0.name.utf8.elementsEqual(name.utf8) }?.descriptor
    }

    init(module: Module, store: Store) {
        self.module = module
        self.store = store
        context = .allocate(capacity: 1)
        context.initialize(to: InstanceContext(memory: store.emptyMemory.state, instance: nil))
    }

    /// A new entry for a function the instance defines (freed with the instance).
    static func newEntry(_ entry: FunctionEntry) -> UnsafeMutablePointer<FunctionEntry> {
        let p = UnsafeMutablePointer<FunctionEntry>.allocate(capacity: 1)
        p.initialize(to: entry)
        return p
    }

    deinit {
        for entry in functions.dropFirst(importedFunctionCount) {
            entry.pointee.code?.deallocate()
            entry.deallocate()
        }
        context.deallocate()
    }
}
