import WasmBinary

/// A function in a store: exported by an instance or written in Swift.
///
/// Resolve it once (`try instance.exportedFunction("fib")`) and call it many
/// times: a call goes straight to the interpreter, with no name lookup.
public struct Function: Equatable {
    /// The Swift body of a host function.
    public enum HostBody {
        /// Takes the arguments and returns the results as ``Value``s.
        case values((Caller, [Value]) throws -> [Value])
        /// Reads the arguments from and writes the results into raw slots
        /// (see ``HostSlots``); no array is allocated per call.
        case slots((Caller, HostSlots) throws -> Void)
    }

    let store: Store
    let entry: UnsafeMutablePointer<FunctionEntry>

    init(store: Store, entry: UnsafeMutablePointer<FunctionEntry>) {
        self.store = store
        self.entry = entry
    }

    /// Creates a host function whose body takes and returns ``Value`` arrays.
    public init(store: Store, type: FunctionType, body: @escaping (Caller, [Value]) throws -> [Value]) {
        self.init(store: store, type: type, hostBody: .values(body))
    }

    /// Creates a host function whose body works on raw slots (the fast path
    /// for hot imports): read parameter `i` with `slots.i32(i)`..., write
    /// result `j` with `slots.setI32(j, v)`...
    public init(store: Store, type: FunctionType, slotBody: @escaping (Caller, HostSlots) throws -> Void) {
        self.init(store: store, type: type, hostBody: .slots(slotBody))
    }

    /// Creates a host function from either kind of body.
    public init(store: Store, type: FunctionType, hostBody: HostBody) {
        let index = store.hostFunctions.count
        let host = HostFunction(type: type, body: hostBody)
        store.hostFunctions.append(host)
        let entry = store.newEntry(
            FunctionEntry(
                code: nil, frameSize: max(type.parameters.count, type.results.count),
                parameterCount: type.parameters.count, localCount: 0, resultCount: type.results.count,
                typeID: store.typeID(type), context: store.hostContext, hostIndex: index,
                host: Unmanaged.passUnretained(host), definedIndex: -1))
        self.init(store: store, entry: entry)
    }

    /// The function's signature.
    public var type: FunctionType { store.functionType(of: entry) }

    /// Calls the function with arguments matching its parameter types.
    ///
    /// - Throws: ``Trap`` if execution traps, ``InvocationError`` if the
    ///   arguments do not match, or whatever a host function threw.
    public func call(_ arguments: [Value]) throws -> [Value] {
        try store.invoke(entry, arguments)
    }

    /// Calls the function on raw slots, without allocating: the arguments are
    /// read from `slots[0..<parameterCount]` and the results written to
    /// `slots[0..<resultCount]`, in the ``HostSlots`` encoding (i32/f32 in the
    /// low 32 bits, zero-extended; references as opaque numbers). The fast path
    /// for hosts that call an export millions of times.
    ///
    /// - Throws: ``InvocationError`` if `slots` is too small, ``Trap`` if execution traps.
    public func callRaw(_ slots: UnsafeMutableBufferPointer<UInt64>) throws {
        let e = entry.pointee
        guard let base = slots.baseAddress, slots.count >= max(e.parameterCount, e.resultCount) else {
            throw InvocationError(
                .argumentCount,
                "callRaw needs \(max(e.parameterCount, e.resultCount)) slots for \(e.parameterCount) "
                    + "arguments and \(e.resultCount) results, got \(slots.count)")
        }
        let exec = store.exec
        let fp = exec.pointee.stackTop
        guard exec.pointee.stackEnd - fp >= max(e.parameterCount, e.resultCount, 1) else {
            throw Trap(.callStackExhausted)
        }
        fp.update(from: base, count: e.parameterCount)
        try store.invokeRaw(entry, fp)
        base.update(from: fp, count: e.resultCount)
    }

    /// ``callRaw(_:)`` for a function that takes one value and returns one,
    /// such as an emitted translation block's `start(ctx) -> i64`: the value in,
    /// the result out, without a slot buffer to copy from and back (a TB
    /// runtime calls it on every TB run).
    ///
    /// - Throws: ``InvocationError`` unless the function takes one value and
    ///   returns one, ``Trap`` if execution traps.
    package func callRaw(single argument: UInt64) throws -> UInt64 {
        guard entry.pointee.parameterCount == 1, entry.pointee.resultCount == 1 else {
            throw InvocationError(
                .argumentCount,
                "callRaw(single:) needs a function of one parameter and one result, this one has "
                    + "\(entry.pointee.parameterCount) and \(entry.pointee.resultCount)")
        }
        let exec = store.exec
        let fp = exec.pointee.stackTop
        guard exec.pointee.stackEnd - fp >= 1 else { throw Trap(.callStackExhausted) }
        fp.pointee = argument
        // Straight to the native engine where it runs the store's code (`invokeNative`
        // returns false, having run nothing, when an automatic store fell back to the interpreter).
        if store.usesNativeEngine, entry.pointee.hostIndex < 0, try store.invokeNative(entry, fp) {
            return fp.pointee
        }
        try store.invokeRaw(entry, fp)
        return fp.pointee
    }

    /// Calls the function: `try f(.i64(30))`.
    public func callAsFunction(_ arguments: Value...) throws -> [Value] {
        try store.invoke(entry, arguments)
    }

    /// Whether both name the same function of the same store.
    public static func == (lhs: Function, rhs: Function) -> Bool { lhs.entry == rhs.entry }
}

/// The arguments and results of a raw host function call: 64-bit slots, with
/// i32 and f32 in the low 32 bits and references as opaque numbers.
/// Results are written from slot 0, over the arguments.
///
/// Read argument `n` with the reader of its type, write result `n` with the
/// matching setter; read all arguments first, since results overwrite them:
///
/// ```swift
/// // (func (param i32 i64 f64) (result i64))
/// let (a, b, c) = (slots.i32(0), slots.i64(1), slots.f64(2))
/// slots.setI64(0, UInt64(a) &+ b &+ UInt64(c))
/// ```
///
/// Signed values are bit patterns: `Int32(bitPattern: slots.i32(0))`.
public struct HostSlots {
    let base: UnsafeMutablePointer<UInt64>

    /// Parameter `index` as an i32.
    public func i32(_ index: Int) -> UInt32 { UInt32(truncatingIfNeeded: base[index]) }
    /// Parameter `index` as an i64.
    public func i64(_ index: Int) -> UInt64 { base[index] }
    /// Parameter `index` as an f32.
    public func f32(_ index: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: base[index])) }
    /// Parameter `index` as an f64.
    public func f64(_ index: Int) -> Double { Double(bitPattern: base[index]) }
    /// Sets result `index` to an i32.
    public func setI32(_ index: Int, _ value: UInt32) { base[index] = UInt64(value) }
    /// Sets result `index` to an i64.
    public func setI64(_ index: Int, _ value: UInt64) { base[index] = value }
    /// Sets result `index` to an f32.
    public func setF32(_ index: Int, _ value: Float) { base[index] = UInt64(value.bitPattern) }
    /// Sets result `index` to an f64.
    public func setF64(_ index: Int, _ value: Double) { base[index] = value.bitPattern }
}

/// What a host function learns about its caller.
///
/// A `Caller` is valid only during the host call it was passed to.
public struct Caller {
    // Unmanaged: the store keeps both alive during the call, and a host call
    // should cost no reference counting.
    let storeReference: Unmanaged<Store>
    let storageReference: Unmanaged<InstanceStorage>?

    /// The store the call runs in.
    public var store: Store { storeReference.takeUnretainedValue() }
    var storage: InstanceStorage? { storageReference?.takeUnretainedValue() }

    /// The instance whose code made the call (nil when Swift called the host function directly).
    public var instance: Instance? { storage.map { Instance(store: store, storage: $0) } }

    /// The calling instance's memory, if it has one.
    public var memory: Memory? {
        guard let m = storage?.memory else { return nil }
        return Memory(instance: m)
    }
}

/// A wrong call from Swift: the arguments do not fit the function, the name is
/// unknown, or a value does not fit where it is put.
public struct InvocationError: Error, Equatable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Equatable, Sendable {
        /// The instance has no export of that name and kind.
        case unknownExport
        /// The call passes another number of arguments than the function takes
        /// (for ``Function/callRaw(_:)``: fewer slots than it needs).
        case argumentCount
        /// An argument's type is not the parameter's.
        case argumentType
        /// A host function returned another number or other types of results
        /// than its type declares.
        case hostResultMismatch
        /// A value does not have the type of the table or global it is put into.
        case valueType
        /// ``Global/set(_:)`` on an immutable global.
        case immutableGlobal
        /// A module's initializer expression is not a constant expression with one value.
        case nonConstantExpression
    }

    /// What was wrong.
    public var reason: Reason
    /// A sentence saying what was wrong and where, and where it helps, what to do.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - reason: What was wrong.
    ///   - message: A sentence saying what was wrong and where.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
