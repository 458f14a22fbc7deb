import WasmBinary

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A linear memory: read and write it from Swift, grow it, import it elsewhere.
public struct Memory: Equatable {
    @usableFromInline let instance: MemoryInstance

    /// Creates a memory of the given type in a store (e.g. to import it).
    ///
    /// - Throws: ``ResourceLimitError`` when its initial size exceeds the store's
    ///   `maximumMemoryPages` or cannot be allocated.
    public init(store: Store, type: MemoryType) throws(ResourceLimitError) {
        instance = try MemoryInstance(type: type, maximumPages: store.configuration.maximumMemoryPages)
        store.memories.append(instance)
    }

    init(instance: MemoryInstance) {
        self.instance = instance
    }

    /// The memory's type (its limits as declared).
    public var type: MemoryType { instance.type }

    /// The current size in bytes.
    public var byteCount: UInt64 { instance.state.pointee.byteCount }

    /// The current size in 64 KiB pages.
    public var pageCount: UInt64 { byteCount / 65536 }

    /// Grows by `pages`; returns the old size in pages, or nil if the limit forbids it.
    @discardableResult
    public func grow(by pages: UInt64) -> UInt64? { MemoryInstance.grow(instance.state, by: pages) }

    /// Copies `count` bytes starting at `address`.
    public func read(at address: UInt64, count: Int) throws(Trap) -> [UInt8] {
        try check(address, count)
        let p = instance.state.pointee.base + Int(address)
        return [UInt8](UnsafeRawBufferPointer(start: p, count: count))
    }

    /// Writes bytes starting at `address`.
    public func write(_ bytes: some Collection<UInt8>, at address: UInt64) throws(Trap) {
        try check(address, bytes.count)
        var p = instance.state.pointee.base + Int(address)
        for byte in bytes {
            p.storeBytes(of: byte, as: UInt8.self)
            p += 1
        }
    }

    /// Loads a little-endian integer at `address`.
    @inlinable
    public func load<T: FixedWidthInteger>(_: T.Type, at address: UInt64) throws(Trap) -> T {
        let state = instance.state
        let (end, overflow) = address.addingReportingOverflow(UInt64(MemoryLayout<T>.size))
        if overflow || end > state.pointee.byteCount { throw Trap(.outOfBoundsMemoryAccess) }
        return T(littleEndian: (state.pointee.base + Int(address)).loadUnaligned(as: T.self))
    }

    /// Stores a little-endian integer at `address`.
    @inlinable
    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt64) throws(Trap) {
        let state = instance.state
        let (end, overflow) = address.addingReportingOverflow(UInt64(MemoryLayout<T>.size))
        if overflow || end > state.pointee.byteCount { throw Trap(.outOfBoundsMemoryAccess) }
        (state.pointee.base + Int(address)).storeBytes(of: value.littleEndian, as: T.self)
    }

    /// Runs `body` on the memory's bytes. The pointer is valid only inside
    /// `body`, and only until the memory grows.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: instance.state.pointee.base, count: Int(byteCount)))
    }

    /// A view of the memory for hot paths: the same bounds-checked loads and
    /// stores, but the view holds no reference, so using it costs no
    /// reference counting. It stays valid, also across `memory.grow`, as
    /// long as the store that owns the memory lives.
    public var unownedView: UnownedMemoryView { UnownedMemoryView(state: instance.state) }

    private func check(_ address: UInt64, _ count: Int) throws(Trap) {
        let (end, overflow) = address.addingReportingOverflow(UInt64(count))
        if overflow || end > byteCount { throw Trap(.outOfBoundsMemoryAccess) }
    }

    /// Whether both are the same memory instance.
    public static func == (lhs: Memory, rhs: Memory) -> Bool { lhs.instance === rhs.instance }
}

/// A memory reached without a reference (see ``Memory/unownedView``).
@frozen
public struct UnownedMemoryView {
    @usableFromInline let state: UnsafeMutablePointer<MemoryState>

    @usableFromInline init(state: UnsafeMutablePointer<MemoryState>) { self.state = state }

    /// The current size in bytes.
    @inlinable public var byteCount: UInt64 { state.pointee.byteCount }

    /// Loads a little-endian integer at `address`.
    @inlinable
    public func load<T: FixedWidthInteger>(_: T.Type, at address: UInt64) throws(Trap) -> T {
        let (end, overflow) = address.addingReportingOverflow(UInt64(MemoryLayout<T>.size))
        if overflow || end > state.pointee.byteCount { throw Trap(.outOfBoundsMemoryAccess) }
        return T(littleEndian: (state.pointee.base + Int(address)).loadUnaligned(as: T.self))
    }

    /// Stores a little-endian integer at `address`.
    @inlinable
    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt64) throws(Trap) {
        let (end, overflow) = address.addingReportingOverflow(UInt64(MemoryLayout<T>.size))
        if overflow || end > state.pointee.byteCount { throw Trap(.outOfBoundsMemoryAccess) }
        (state.pointee.base + Int(address)).storeBytes(of: value.littleEndian, as: T.self)
    }
}

/// A table of references.
public struct Table: Equatable {
    let store: Store
    let instance: TableInstance

    /// Creates a table of the given type in a store, filled with nulls.
    ///
    /// - Throws: ``ResourceLimitError`` when its initial size exceeds the store's
    ///   `maximumTableElements`.
    public init(store: Store, type: TableType) throws(ResourceLimitError) {
        self.store = store
        instance = try TableInstance(type: type, maximumElements: store.configuration.maximumTableElements)
        store.tables.append(instance)
    }

    init(store: Store, instance: TableInstance) {
        self.store = store
        self.instance = instance
    }

    /// The table's type.
    public var type: TableType { instance.type }

    /// The current number of elements.
    public var count: Int { instance.state.pointee.count }

    /// The element at `index`.
    public func element(at index: Int) throws(Trap) -> Value {
        guard index >= 0, index < count else { throw Trap(.outOfBoundsTableAccess) }
        return Value(
            slot: instance.state.pointee.elements[index], type: type.elementType.valueType, store: store)
    }

    /// Replaces the element at `index` (the value must have the table's element type).
    public func setElement(_ value: Value, at index: Int) throws {
        guard index >= 0, index < count else { throw Trap(.outOfBoundsTableAccess) }
        guard value.type == type.elementType.valueType else {
            throw InvocationError(.valueType, "a \(value.type) cannot go into a table of \(type.elementType)")
        }
        instance.state.pointee.elements[index] = value.slot
    }

    /// Whether both are the same table instance.
    public static func == (lhs: Table, rhs: Table) -> Bool { lhs.instance === rhs.instance }
}

/// A global variable.
public struct Global: Equatable {
    let store: Store
    let instance: GlobalInstance

    /// Creates a global in a store (e.g. to import it).
    public init(store: Store, type: GlobalType, value: Value) throws(InvocationError) {
        guard value.type == type.valueType else {
            throw InvocationError(
                .valueType, "a \(value.type) cannot initialise a global of type \(type.valueType)")
        }
        self.store = store
        instance = GlobalInstance(type: type, value: value.slot)
        store.globals.append(instance)
    }

    init(store: Store, instance: GlobalInstance) {
        self.store = store
        self.instance = instance
    }

    /// The global's type.
    public var type: GlobalType { instance.type }

    /// The current value.
    public var value: Value { Value(slot: instance.storage.pointee, type: type.valueType, store: store) }

    /// Sets the value; the global must be mutable and the value of its type.
    public func set(_ value: Value) throws(InvocationError) {
        guard type.isMutable else {
            throw InvocationError(
                .immutableGlobal,
                "the global (\(type.valueType)) is immutable: declare it `(mut \(type.valueType))` to set it")
        }
        guard value.type == type.valueType else {
            throw InvocationError(
                .valueType, "a \(value.type) cannot go into a global of type \(type.valueType)")
        }
        instance.storage.pointee = value.slot
    }

    /// The value's raw bits (an `i32` zero-extended, a float's bit pattern, a
    /// reference as the store encodes it), without boxing into a ``Value``.
    ///
    /// This is for hot paths that save and restore many globals (e.g. a fiber
    /// switch copying a translation block's register globals). Setting it
    /// checks neither mutability nor type: the caller knows the global's type
    /// and must only write bits that are valid for it.
    public var rawBits: UInt64 {
        get { instance.storage.pointee }
        nonmutating set { instance.storage.pointee = newValue }
    }

    /// The global's storage cell, for callers that read or write it many times.
    ///
    /// The pointer stays valid as long as the store lives; the same rules as
    /// ``rawBits`` apply to writes through it.
    public var rawStorage: UnsafeMutablePointer<UInt64> { instance.storage }

    /// Whether both are the same global (handles on one storage cell).
    public static func == (lhs: Global, rhs: Global) -> Bool { lhs.instance.storage == rhs.instance.storage }
}
