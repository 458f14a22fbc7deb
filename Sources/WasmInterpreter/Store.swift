import WasmBinary
import WasmNative

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns everything Wasm code can touch: instances, functions, memories,
/// tables, globals, and the stacks that execution runs on.
///
/// A store is single-threaded. Everything created in it lives as long as the
/// store; handles (``Instance``, ``Function``, ``Memory``...) keep it alive.
public final class Store {
    /// Which engine runs a store's Wasm code.
    public enum Engine: Sendable, Hashable {
        /// The interpreter: runs everywhere.
        case interpreter
        /// The native tier: compiles each instance to x86-64 machine code on
        /// its first call. Only on x86-64 Linux; elsewhere a call throws
        /// ``NativeEngineError/Reason-swift.enum/unsupportedHost``.
        case native
        /// The native tier on x86-64 Linux (with LZCNT, BMI1, POPCNT and
        /// SSE4.1), the interpreter elsewhere.
        case automatic

        /// The engine this choice runs on this host: ``native`` or
        /// ``interpreter`` (``automatic`` resolved; ``native`` stays ``native``
        /// even where calls would throw ``NativeEngineError``).
        public var resolved: Engine {
            switch self {
            case .interpreter: .interpreter
            case .native: .native
            case .automatic: Store.nativeHost ? .native : .interpreter
            }
        }
    }

    /// Execution limits.
    public struct Configuration: Sendable {
        /// The engine that runs the store's code (default ``Engine/automatic``).
        public var engine: Engine
        /// Maximum number of nested Wasm calls before a `call stack exhausted` trap.
        public var maximumCallDepth: Int
        /// Size of the value stack, in 64-bit slots (locals and operands of all frames).
        public var valueStackSlots: Int
        /// Largest memory a `memory.grow` may reach, in 64 KiB pages (memory64 included).
        public var maximumMemoryPages: UInt64
        /// Largest table a `table.grow` may reach, in elements.
        public var maximumTableElements: UInt64
        /// How deeply host functions called from Wasm may nest (each nesting
        /// level uses the host's stack); deeper re-entry traps with `call stack exhausted`.
        public var maximumHostReentry: Int
        /// Whether Wasm code in the store counts ``Store/fuel``, so that an
        /// embedder can bound a runaway loop. Metered code checks the fuel
        /// at every function entry and loop iteration; unmetered code (the
        /// default) has no such check and runs at full speed.
        public var fuelMetering: Bool

        /// Creates a configuration; the defaults allow 100,000 nested calls and a 4 GiB memory,
        /// without fuel metering.
        public init(
            maximumCallDepth: Int = 100_000, valueStackSlots: Int = 4 << 20,
            maximumMemoryPages: UInt64 = 65536, maximumTableElements: UInt64 = 10_000_000,
            maximumHostReentry: Int = 1000, fuelMetering: Bool = false, engine: Engine = .automatic
        ) {
            self.engine = engine
            self.fuelMetering = fuelMetering
            self.maximumHostReentry = maximumHostReentry
            self.maximumCallDepth = maximumCallDepth
            self.valueStackSlots = valueStackSlots
            self.maximumMemoryPages = maximumMemoryPages
            self.maximumTableElements = maximumTableElements
        }
    }

    /// The limits this store was created with.
    public let configuration: Configuration
    let exec: UnsafeMutablePointer<ExecutionState>
    var typeIDs: [FunctionType: Int] = [:]
    var types: [FunctionType] = []
    var hostFunctions: [HostFunction] = []
    var entries: [UnsafeMutablePointer<FunctionEntry>] = []
    // Memories, tables and globals created on their own (instances own theirs).
    var memories: [MemoryInstance] = []
    var tables: [TableInstance] = []
    var globals: [GlobalInstance] = []
    /// The live instances (see ``release(_:)``).
    var instances: [ObjectIdentifier: InstanceStorage] = [:]
    /// Where the native tier puts the machine code of the store's instances:
    /// many small instances share pages (see `CodeArena`).
    lazy var codeArena = CodeArena()
    /// The context of host functions: no instance, an empty memory.
    let hostContext: UnsafeMutablePointer<InstanceContext>
    let emptyMemory: MemoryInstance
    /// Whether `.automatic` picks the native tier here (x86-64 Linux).
    /// (On a processor without the extensions compiled code uses, `.automatic` is the interpreter.)
    static let nativeHost: Bool = {
        #if arch(x86_64) && os(Linux)
            NativeEngine.missingFeature() == nil
        #else
            false
        #endif
    }()

    /// The native tier, created on the first native call.
    var nativeEngine: NativeEngine?
    /// Whether calls run natively (see ``Configuration/engine``); an
    /// `.automatic` store turns to the interpreter when the host refuses executable memory.
    var usesNativeEngine: Bool

    /// The engine that runs this store's code: ``Engine/native`` or
    /// ``Engine/interpreter``, never ``Engine/automatic`` (which resolves to
    /// one of them when the store is created).
    public var resolvedEngine: Engine { usesNativeEngine ? .native : .interpreter }

    /// Whether ``Engine/automatic`` picks the native tier on this host
    /// (x86-64 Linux with the processor extensions compiled code uses).
    public static var nativeEngineIsAvailable: Bool { nativeHost }

    /// Creates an empty store.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        usesNativeEngine = configuration.engine.resolved == .native
        // Zero pages against a zero limit cannot fail.
        emptyMemory = try! MemoryInstance(type: Limits(min: 0, max: 0), maximumPages: 0)
        hostContext = .allocate(capacity: 1)
        hostContext.initialize(to: InstanceContext(memory: emptyMemory.state, instance: nil))
        let slots = max(configuration.valueStackSlots, 1024)
        let stack = UnsafeMutablePointer<UInt64>.allocate(capacity: slots)
        let frameLimit = max(configuration.maximumCallDepth, 1)
        exec = .allocate(capacity: 1)
        exec.initialize(
            to: ExecutionState(
                stack: stack, stackEnd: stack + slots, stackTop: stack,
                frames: .allocate(capacity: frameLimit + 1), frameCount: 0, frameLimit: frameLimit,
                hostDepth: 0, hostDepthLimit: configuration.maximumHostReentry,
                store: Unmanaged.passUnretained(self)))
        exec.pointee.store = Unmanaged.passUnretained(self)
    }

    deinit {
        for entry in entries {
            entry.pointee.code?.deallocate()
            entry.deallocate()
        }
        exec.pointee.stack.deallocate()
        exec.pointee.frames.deallocate()
        exec.deallocate()
        hostContext.deallocate()
    }

    /// The fuel left for Wasm code in a store created with
    /// ``Configuration/fuelMetering``: entering a Wasm function body and
    /// starting each loop iteration (the first one too) use one unit each.
    /// When a unit is needed and none is left, the running call traps with
    /// ``Trap/Reason/fuelExhausted``; the store stays usable, so an embedder
    /// can add fuel and call again.
    ///
    /// `nil` (the initial value) means unlimited. In a store without fuel
    /// metering, code is not metered and the value has no effect.
    ///
    /// ```swift
    /// let store = Store(configuration: .init(fuelMetering: true))
    /// store.fuel = 1_000_000
    /// do { try run(store) } catch let trap as Trap where trap.reason == .fuelExhausted { ... }
    /// ```
    public var fuel: UInt64? {
        get { exec.pointee.fuelIsLimited ? UInt64(max(exec.pointee.fuel, 0)) : nil }
        set {
            exec.pointee.fuelIsLimited = newValue != nil
            exec.pointee.fuel = newValue.map { Int64(clamping: $0) } ?? .max
        }
    }

    /// The store-wide identity of a function type (equal types share it).
    func typeID(_ type: FunctionType) -> Int {
        if let id = typeIDs[type] { return id }
        let id = types.count
        types.append(type)
        typeIDs[type] = id
        return id
    }

    /// Lets the store forget `instance`, so that the instance - its function
    /// entries, translated and machine code, globals, tables and memory (unless
    /// imported) - is freed once the caller's last handle to it goes away.
    ///
    /// For embedders that create and drop many instances in one long-lived
    /// store (a translation-block cache). Nothing may use the instance's
    /// functions, globals or tables afterwards: not other instances that
    /// imported them, not tables holding its functions, not handles to them.
    package func release(_ instance: Instance) {
        guard instance.store === self else { return }
        instances[ObjectIdentifier(instance.storage)] = nil
    }

    /// Whether the store's calls run on the native tier.
    package var runsNatively: Bool { usesNativeEngine }

    /// The number of instances the store keeps alive (see ``release(_:)``).
    package var instanceCount: Int { instances.count }

    /// The bytes of machine code the native tier holds for the store's live instances.
    package var nativeCodeBytes: Int { codeArena.liveBytes }

    func newEntry(_ entry: FunctionEntry) -> UnsafeMutablePointer<FunctionEntry> {
        let p = UnsafeMutablePointer<FunctionEntry>.allocate(capacity: 1)
        p.initialize(to: entry)
        entries.append(p)
        return p
    }

    func functionType(of entry: UnsafeMutablePointer<FunctionEntry>) -> FunctionType {
        types[entry.pointee.typeID]
    }
}

/// A host function registered in a store (the store keeps it alive; entries
/// reach it unmanaged, so a call does no reference counting).
final class HostFunction {
    let type: FunctionType
    let slotBody: ((Caller, HostSlots) throws -> Void)?
    let valueBody: ((Caller, [Value]) throws -> [Value])?

    init(type: FunctionType, body: Function.HostBody) {
        self.type = type
        switch body {
        case .slots(let f):
            slotBody = f
            valueBody = nil
        case .values(let f):
            slotBody = nil
            valueBody = f
        }
    }
}

/// The state behind a linear memory; owned by its store.
@usableFromInline
final class MemoryInstance {
    @usableFromInline let state: UnsafeMutablePointer<MemoryState>
    let type: MemoryType

    init(type: MemoryType, maximumPages: UInt64) throws(ResourceLimitError) {
        // The initial size comes from the module: check it against the store's
        // limit and for overflow before allocating, and never keep a buffer
        // smaller than the recorded size (that would defeat the bounds checks).
        guard type.min <= maximumPages else {
            throw ResourceLimitError(
                .memoryAboveLimit,
                "memory of \(type.min) initial pages exceeds the store's limit of \(maximumPages) pages "
                    + "(raise Store.Configuration.maximumMemoryPages to allow it)")
        }
        let (product, overflow) = type.min.multipliedReportingOverflow(by: 65536)
        guard !overflow, product <= UInt64(Int.max) else {
            throw ResourceLimitError(
                .allocationFailed, "memory of \(type.min) initial pages is too large to allocate on this host"
            )
        }
        let bytes = Int(product)
        guard let base = calloc(max(bytes, 1), 1) else {
            throw ResourceLimitError(
                .allocationFailed, "cannot allocate \(bytes) bytes for a memory of \(type.min) pages")
        }
        self.type = type
        state = .allocate(capacity: 1)
        state.initialize(
            to: MemoryState(
                base: base, byteCount: UInt64(bytes),
                maximumPages: Swift.min(type.max ?? maximumPages, maximumPages),
                isShared: type.isShared, is64: type.is64))
    }

    deinit {
        free(state.pointee.base)
        state.deallocate()
    }

    /// `memory.grow`: the old size in pages, or nil if the memory cannot grow that much.
    static func grow(_ state: UnsafeMutablePointer<MemoryState>, by delta: UInt64) -> UInt64? {
        let oldPages = state.pointee.byteCount / 65536
        if delta == 0 { return oldPages }
        guard delta <= state.pointee.maximumPages, oldPages + delta <= state.pointee.maximumPages else {
            return nil
        }
        let newBytes = (oldPages + delta) * 65536
        guard newBytes <= UInt64(Int.max), let base = realloc(state.pointee.base, Int(newBytes)) else {
            return nil
        }
        memset(base + Int(state.pointee.byteCount), 0, Int(newBytes - state.pointee.byteCount))
        state.pointee.base = base
        state.pointee.byteCount = newBytes
        return oldPages
    }
}

/// The state behind a table; owned by its store.
final class TableInstance {
    let state: UnsafeMutablePointer<TableState>
    let type: TableType

    init(type: TableType, maximumElements: UInt64, initial: UInt64 = 0) throws(ResourceLimitError) {
        guard type.limits.min <= maximumElements, type.limits.min <= UInt64(UInt32.max) else {
            throw ResourceLimitError(
                .tableAboveLimit,
                "table of \(type.limits.min) initial elements exceeds the store's limit of "
                    + "\(Swift.min(maximumElements, UInt64(UInt32.max))) elements "
                    + "(raise Store.Configuration.maximumTableElements to allow it)")
        }
        self.type = type
        state = .allocate(capacity: 1)
        let count = Int(type.limits.min)
        let elements = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        elements.initialize(repeating: initial, count: max(count, 1))
        state.initialize(
            to: TableState(
                elements: elements, count: count, capacity: max(count, 1),
                maximum: Swift.min(type.limits.max ?? UInt64(UInt32.max), maximumElements),
                elementType: type.elementType))
    }

    deinit {
        state.pointee.elements.deallocate()
        state.deallocate()
    }

    /// `table.grow`: the old size, or nil if the table cannot grow that much.
    static func grow(_ state: UnsafeMutablePointer<TableState>, by delta: UInt64, filling value: UInt64)
        -> UInt64?
    {
        let old = UInt64(state.pointee.count)
        guard delta <= state.pointee.maximum, old + delta <= state.pointee.maximum else { return nil }
        let newCount = Int(old + delta)
        if newCount > state.pointee.capacity {
            let capacity = Swift.max(newCount, state.pointee.capacity * 2)
            let elements = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
            elements.moveInitialize(from: state.pointee.elements, count: state.pointee.count)
            state.pointee.elements.deallocate()
            state.pointee.elements = elements
            state.pointee.capacity = capacity
        }
        (state.pointee.elements + Int(old)).initialize(repeating: value, count: Int(delta))
        state.pointee.count = newCount
        return old
    }
}

/// A handle on a global's storage cell: a global the store owns (created on
/// its own, or imported), or one of an instance's defined globals, whose cell
/// lives in the instance's ``GlobalBlock`` (handles on those are made when
/// asked for: two handles on one cell are the same global).
final class GlobalInstance {
    let storage: UnsafeMutablePointer<UInt64>
    let type: GlobalType
    /// The block holding ``storage`` when the global is one of an instance's
    /// defined globals (nil: ``storage`` is the global's own).
    private let block: GlobalBlock?

    init(type: GlobalType, value: UInt64) {
        self.type = type
        storage = .allocate(capacity: 1)
        storage.initialize(to: value)
        block = nil
    }

    /// The defined global `index` of `block`.
    init(block: GlobalBlock, index: Int) {
        type = block.type(index)
        storage = block.cells + index
        self.block = block
    }

    deinit { if block == nil { storage.deallocate() } }
}

/// The cells and types of an instance's defined globals in one allocation
/// (an object per global cost a TB instance's 17 globals about 1 KB): the
/// values first, then the types, in the object's tail. Freed when the
/// instance and the last handle on one of its globals go.
final class GlobalBlock: ManagedBuffer<Int, UInt64> {
    /// Makes a block for globals of `types`, all zero.
    static func make(types: [GlobalType]) -> GlobalBlock {
        let count = types.count
        let typeWords = (count * MemoryLayout<GlobalType>.stride + 7) / 8
        let block = unsafeDowncast(
            GlobalBlock.create(minimumCapacity: count + typeWords) { _ in count }, to: GlobalBlock.self)
        block.withUnsafeMutablePointerToElements { cells in
            cells.initialize(repeating: 0, count: count + typeWords)
            let raw = UnsafeMutableRawPointer(cells + count)
            for (k, type) in types.enumerated() {
                raw.storeBytes(
                    of: type, toByteOffset: k * MemoryLayout<GlobalType>.stride, as: GlobalType.self)
            }
        }
        return block
    }

    /// The number of globals.
    var count: Int { header }

    /// The first cell; the cells stay where they are for the block's life.
    var cells: UnsafeMutablePointer<UInt64> { withUnsafeMutablePointerToElements { $0 } }

    /// The type of global `index`.
    func type(_ index: Int) -> GlobalType {
        withUnsafeMutablePointerToElements { cells in
            UnsafeRawPointer(cells + header).load(
                fromByteOffset: index * MemoryLayout<GlobalType>.stride, as: GlobalType.self)
        }
    }
}

/// A module asked for more memory or table space than the store allows (or than
/// can be allocated): instantiation fails with this error instead of allocating.
public struct ResourceLimitError: Error, Equatable, CustomStringConvertible {
    /// What was asked for.
    public enum Reason: Equatable, Sendable {
        /// An initial memory above ``Store/Configuration/maximumMemoryPages``.
        case memoryAboveLimit
        /// An initial table above ``Store/Configuration/maximumTableElements``.
        case tableAboveLimit
        /// An initial memory within the store's limit that the host cannot allocate
        /// (its size overflows, or the allocation failed).
        case allocationFailed
    }

    /// What was asked for.
    public var reason: Reason
    /// What was asked for, the limit it exceeds, and the setting that raises the limit.
    public var message: String

    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
