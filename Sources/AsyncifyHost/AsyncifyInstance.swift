// AsyncifyHost: the Swift counterpart of Emscripten's JS glue
// (src/library_async.js, objects `Asyncify` and `Fibers`), driving modules
// instrumented by Binaryen's Asyncify pass on our interpreter.
//
// It mirrors the JS line by line (docs/Asyncify.md, docs/Fibers.md):
//   * every export called through the host is wrapped: its rewind id goes on
//     the export call stack; when it returns the id is popped and
//     `maybeStopUnwind` runs (state unwinding + empty stack -> state normal,
//     `asyncify_stop_unwind`, then the fiber trampoline);
//   * an unwind records the bottom export of the call stack as the rewind id
//     in the data header (`asyncify_data_t`: position, end, rewind id: 12 bytes
//     on wasm32, 24 on wasm64); `doRewind` calls that export again;
//   * `handleSleep` / wake-up, `emscripten_fiber_*` and the trampoline follow
//     the JS exactly. Fiber entry functions are called straight from
//     `__indirect_function_table` (the standalone module has no `dynCall_vi`
//     export); the host gives each entry its own rewind id, which is what
//     Emscripten's wrapped `dynCall_vi` amounts to.
// Speed: a swap calls into the interpreter only to rewind. The trivial
// exports the JS calls around it (`asyncify_start/stop_*`, `stackSave`,
// `stackRestore`, `emscripten_stack_set_limits`) are performed on the
// module's globals when their bodies are the ones emcc emits
// (DirectExports.swift), and the state a swap touches lives in one raw
// allocation (HostState.swift): no arrays, dictionaries, boxed values or
// reference counting per swap.
// What Emscripten leaves undefined or only asserts (a returning fiber entry, a
// second sleep in flight, a sync import changing the state, a wake-up with
// Wasm on the stack, an Asyncify data overflow that Binaryen reports as a bare
// `unreachable`) becomes an `AsyncifyHostError`.

import WasmBinary
import WasmInterpreter

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An Asyncify-instrumented module instantiated with Emscripten's fiber and
/// sleep imports and the WASI calls a standalone Emscripten program makes.
///
/// ```swift
/// let host = try AsyncifyInstance(module: module)
/// let exitCode = try host.runStart()   // _start, then pending sleeps
/// ```
public final class AsyncifyInstance {
    /// The Asyncify state (Emscripten's `Asyncify.State`).
    public enum State: Int, Sendable {
        /// Code runs as usual.
        case normal = 0
        /// The stack is being unwound into a data buffer.
        case unwinding = 1
        /// An export is being re-entered to rewind the stack.
        case rewinding = 2
    }

    /// Settings of the program environment.
    public struct Options {
        /// The program's arguments (`argv`), program name first.
        public var arguments: [String]
        /// The environment, as `NAME=value` strings.
        public var environment: [String]
        /// Bytes of Asyncify stack for a sleep's data buffer (Emscripten's `ASYNCIFY_STACK_SIZE`).
        public var asyncifyStackSize: Int
        /// Receives what the program writes to a file descriptor (1 stdout, 2 stderr).
        public var output: (_ fd: Int32, _ bytes: [UInt8]) -> Void

        /// Creates options; output goes to the process's stdout and stderr by default.
        public init(
            arguments: [String] = ["program"], environment: [String] = [], asyncifyStackSize: Int = 4096,
            output: @escaping (_ fd: Int32, _ bytes: [UInt8]) -> Void = AsyncifyInstance.writeToProcess
        ) {
            self.arguments = arguments
            self.environment = environment
            self.asyncifyStackSize = asyncifyStackSize
            self.output = output
        }
    }

    /// Something the host can call and later call again to rewind: an export,
    /// or a function of the indirect table (a fiber entry).
    struct Callable {
        let name: String
        let function: Function
        let isFiberEntry: Bool
        /// Its parameter types (a rewind passes zeros of them).
        let parameters: [ValueType]
        /// Whether arguments and results fit ``HostState/slots`` (raw calls).
        let fitsSlots: Bool
        /// `parameters.count`.
        let parameterCount: Int

        init(name: String, function: Function, isFiberEntry: Bool) {
            self.name = name
            self.function = function
            self.isFiberEntry = isFiberEntry
            let type = function.type
            parameters = type.parameters
            parameterCount = type.parameters.count
            fitsSlots = max(type.parameters.count, type.results.count) <= HostState.slotCount
        }
    }

    /// The store the module runs in. Its ``Store/Configuration/engine``
    /// (``Store/Engine/automatic`` by default: the native tier where the host
    /// has it) decides what runs the module; pin one by passing
    /// `store: Store(configuration: .init(engine: .interpreter))`.
    public let store: Store
    /// The engine the module runs on: ``Store/Engine/native`` or ``Store/Engine/interpreter``.
    public var engine: Store.Engine { store.resolvedEngine }
    /// The module.
    public let module: Module
    /// The program environment.
    public var options: Options
    /// Where a sleep's Asyncify data goes in a module that exports no `malloc`
    /// (a header followed by the stack area).
    ///
    /// When it is nil and the module has no `malloc`, the first sleep grows the
    /// memory by the pages ``Options/asyncifyStackSize`` needs and sets it to
    /// them. Set it yourself for a module whose memory cannot grow, or whose own
    /// code uses memory past its initial size without `memory.grow`.
    public var sleepDataArea: (address: UInt64, byteCount: UInt64)?
    /// Simulated time in milliseconds: `emscripten_sleep` advances it instead of sleeping.
    public internal(set) var currentTime: UInt64 = 0

    var instanceStorage: Instance?
    var exports = RequiredExports()
    /// Whether the memory (and so every pointer) is 64-bit.
    public let is64: Bool
    /// The state fiber swaps touch (see ``HostState``).
    let hot: UnsafeMutablePointer<HostState>
    /// How the fiber-swap import reaches this host.
    let link: HostLink

    // Emscripten's `Asyncify` object (the hot fields live in `hot`).
    /// The host-side Asyncify state (Emscripten's `Asyncify.state`).
    public internal(set) var state: State {
        get { hot.pointee.state }
        set { hot.pointee.state = newValue }
    }
    var currData: UInt64 {
        get { hot.pointee.currData }
        set { hot.pointee.currData = newValue }
    }
    var handleSleepReturnValue: UInt64 = 0
    var callables: [Callable] {
        get { hot.pointee.callables }
        set { hot.pointee.callables = newValue }
    }
    var callableIDs: [String: Int] = [:]
    /// Rewind ids of fiber entries, by table index (a fresh fiber's first run).
    var entryIDs: [UInt64: Int] = [:]
    var pendingWakeUp: WakeUp?
    /// `module.name` of the Swift import that started the last unwind.
    var sleepingImport: String?
    var currDataIsMalloced = false
    /// Stack areas of data headers, by header address: for overflow messages.
    var dataAreas: [UInt64: (start: UInt64, byteCount: UInt64, fiber: UInt64?)] = [:]

    // Emscripten's `Fibers` object.
    var nextFiber: UInt64 {
        get { hot.pointee.nextFiber }
        set { hot.pointee.nextFiber = newValue }
    }
    var trampolineRunning: Bool {
        get { hot.pointee.trampolineRunning }
        set { hot.pointee.trampolineRunning = newValue }
    }

    // The event loop: timers on simulated time.
    var timers: [(time: UInt64, sequence: Int, action: () throws -> Void)] = []
    var timerSequence = 0

    /// Instantiates `module` with the Emscripten and WASI imports it declares,
    /// plus `imports` written in Swift (these win over built-in ones).
    ///
    /// A module without the `asyncify_*` exports runs too, until it tries to
    /// suspend (see ``isInstrumented``).
    ///
    /// - Throws: `LinkError` for an import nobody provides, `Trap` if the
    ///   module's start function traps.
    public init(
        module: Module, store: Store = Store(), imports: [HostImport] = [], options: Options = Options()
    ) throws {
        self.store = store
        self.module = module
        self.options = options
        is64 = module.memories.first?.is64 ?? false
        hot = .allocate(capacity: 1)
        hot.initialize(to: HostState())
        link = HostLink()
        var linked = Imports()
        let custom = Dictionary(imports.map { ("\($0.module)\u{0}\($0.name)", $0) }, uniquingKeysWith: { $1 })
        for entry in module.imports {
            guard case .function(let typeIndex) = entry.descriptor, Int(typeIndex) < module.types.count else {
                continue
            }
            let type = module.types[Int(typeIndex)]
            let key = "\(entry.module)\u{0}\(entry.name)"
            if custom[key] == nil, entry.module == "env", entry.name == "emscripten_fiber_swap" {
                linked.define(
                    module: entry.module, name: entry.name,
                    .function(Function(store: store, type: type, slotBody: Self.swapImport(link, is64: is64)))
                )
                continue
            }
            let body: ((HostSlots) throws -> Void)?
            if let user = custom[key] {
                body = wrapUserImport(user)
            } else {
                body = builtinImport(module: entry.module, name: entry.name)
            }
            guard let body else { continue }
            linked.define(
                module: entry.module, name: entry.name,
                .function(Function(store: store, type: type) { _, slots in try body(slots) }))
        }
        let instance = try Instance(module: module, store: store, imports: linked)
        instanceStorage = instance
        exports.resolve(instance)
        hot.pointee.memory = exports.memory
        hot.pointee.memoryView = exports.memory?.unownedView
        hot.pointee.direct = DirectExports(module: module, instance: instance, is64: is64)
        link.host = Unmanaged.passUnretained(self)
    }

    deinit {
        link.host = nil
        hot.pointee.deallocate()
        hot.deinitialize(count: 1)
        hot.deallocate()
    }

    /// Whether the host performs the module's `asyncify_*`, `stackSave`,
    /// `stackRestore` and `emscripten_stack_set_limits` itself (their bodies
    /// are the ones Binaryen and Emscripten emit), so that a fiber swap calls
    /// into the interpreter only to rewind. Set it to false to have every
    /// one of them called as a function (the results are the same).
    public var performsTrivialExports: Bool {
        get { hot.pointee.direct.enabled }
        set { hot.pointee.direct.enabled = newValue }
    }

    /// Whether all the exports a fiber swap calls (see
    /// ``performsTrivialExports``) have the bodies the host recognises: true
    /// for modules built by emcc with `-sASYNCIFY`.
    public var recognisesTrivialExports: Bool { hot.pointee.direct.coversSwap }

    /// Whether the module exports the four `asyncify_start/stop_*` functions
    /// (was instrumented by Binaryen's Asyncify pass), so it can suspend.
    public var isInstrumented: Bool {
        exports.startUnwind != nil && exports.stopUnwind != nil && exports.startRewind != nil
            && exports.stopRewind != nil
    }

    /// The underlying interpreter instance.
    public var instance: Instance { instanceStorage.unsafelyUnwrapped }

    /// The module's linear memory.
    public var memory: Memory {
        get throws(AsyncifyHostError) {
            // Read through `hot`: no exclusivity check, no reference counting.
            guard let memory = hot.pointee.memory else {
                throw AsyncifyHostError(.missingExport, "the module exports no memory")
            }
            return memory
        }
    }

    /// Writes bytes to this process's stdout or stderr (the default output).
    public static func writeToProcess(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd == 2 ? 2 : 1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// Wraps a Swift import: a sync one may not change the Asyncify state
    /// (Emscripten's `instrumentWasmImports` check).
    func wrapUserImport(_ user: HostImport) -> (HostSlots) throws -> Void {
        { [unowned self] slots in
            let before = state
            try user.body(self, slots)
            // Named in the error a second sleep during the unwind gets.
            if state == .unwinding && before == .normal { sleepingImport = "\(user.module).\(user.name)" }
            if state != before && !user.isAsync {
                throw AsyncifyHostError(
                    .importChangedState,
                    "import \(user.module).\(user.name) was not declared async, but changed the Asyncify state "
                        + "from \(before) to \(state)")
            }
        }
    }

    // MARK: Export wrapping

    /// Calls the export `name` the way Emscripten's wrapped exports run: on
    /// the export call stack, stopping an unwind (and running the fiber
    /// trampoline) when the outermost export returns.
    ///
    /// If the call unwound (a sleep or a swap is pending), the results are
    /// zeros, as in Emscripten: use ``invoke(_:_:)`` to tell them apart.
    @discardableResult
    public func call(_ name: String, _ arguments: [Value] = []) throws -> [Value] {
        let id = try callableID(export: name)
        return try callWrapped(id) { try $0.call(arguments) }.result
    }

    /// The rewind id of export `name` (Emscripten's `getCallStackId`).
    func callableID(export name: String) throws -> Int {
        if let id = callableIDs[name] { return id }
        let function = try instance.exportedFunction(name)
        let id = addCallable(Callable(name: name, function: function, isFiberEntry: false))
        callableIDs[name] = id
        return id
    }

    /// The rewind id of indirect-table element `index` (a fiber entry).
    func callableID(tableElement index: UInt64) throws -> Int {
        if let id = entryIDs[index] { return id }
        guard let table = exports.table else {
            throw AsyncifyHostError(.missingExport, "the module exports no __indirect_function_table")
        }
        guard index < UInt64(table.count), case .funcref(let f?) = try table.element(at: Int(index)) else {
            throw AsyncifyHostError(
                .badPointer, "fiber entry \(index) is not a function of __indirect_function_table")
        }
        let id = addCallable(Callable(name: "table[\(index)]", function: f, isFiberEntry: true))
        entryIDs[index] = id
        return id
    }

    func addCallable(_ callable: Callable) -> Int {
        hot.pointee.callables.append(callable)
        return hot.pointee.callables.count - 1
    }

    /// The export wrapper: push, call (`body` makes the call), pop, maybe stop
    /// the unwind. Reports whether the call returned by unwinding.
    @inline(__always)
    func callWrapped<R>(_ id: Int, _ body: (Function) throws -> R) throws -> (result: R, unwound: Bool) {
        hot.pointee.exportCallStack.append(id)
        let result: R
        do {
            result = try body(hot.pointee.callables[id].function)
        } catch {
            hot.pointee.exportCallStack.removeLast()
            let error = overflowTrap(error)
            if hot.pointee.exportCallStack.isEmpty { abortReset() }
            throw error
        }
        hot.pointee.exportCallStack.removeLast()
        let unwound = state == .unwinding
        do {
            try maybeStopUnwind()
        } catch {
            if hot.pointee.exportCallStack.isEmpty { abortReset() }
            throw error
        }
        return (result, unwound)
    }

    /// A trap while unwinding with the data position past its end is the
    /// overflow check of an `AsyncifyTransform`-instrumented frame push (it
    /// stores the position the frame would have reached, writes nothing, and
    /// traps): report it as the Asyncify stack overflow it is.
    func overflowTrap(_ error: any Error) -> any Error {
        guard error is Trap, state == .unwinding, currData != 0,
            let (position, end) = try? loadPointerPair(currData), position > end
        else { return error }
        return overflowError(currData, during: "unwinding")
    }

    /// Emscripten's `maybeStopUnwind`.
    func maybeStopUnwind() throws {
        guard currData != 0, state == .unwinding, hot.pointee.exportCallStack.isEmpty else { return }
        state = .normal
        try checkDataBounds(currData, during: "unwinding")
        try stopUnwind()
        try trampoline()
    }

    /// After a failure with no Wasm left on the stack: forget everything in
    /// flight so the instance can be called again, and bring the module's own
    /// Asyncify state back to normal.
    func abortReset() {
        let header = currData
        state = .normal
        currData = 0
        nextFiber = 0
        trampolineRunning = false
        pendingWakeUp?.isUsed = true
        pendingWakeUp = nil
        timers.removeAll()
        guard let getState = exports.getState, case .i32(let s)? = try? getState.call([]).first else {
            return
        }
        // An overflowed header would make stop_* trap: clamp its position first.
        if header != 0, let end = try? loadPointer(header + pointerSize) {
            try? storePointer(end, at: header)
        }
        if s == 1 { _ = try? exports.stopUnwind?.call([]) }
        if s == 2 { _ = try? exports.stopRewind?.call([]) }
    }

    /// Calls one of the `asyncify_*` exports; its only trap is Binaryen's
    /// "position past end" check, reported as the overflow it is.
    func callAsyncify(_ function: Function?, _ arguments: [Value], during what: String) throws {
        guard let function else {
            throw AsyncifyHostError(
                .missingExport,
                "the module is not instrumented by Asyncify (it does not export \(what)), so it cannot suspend"
            )
        }
        do {
            _ = try function.call(arguments)
        } catch let trap as Trap where trap.reason == .unreachable {
            throw overflowError(currData, during: what)
        }
    }

    // MARK: Data headers (asyncify_data_t)

    /// Bytes of a pointer field.
    var pointerSize: UInt64 { is64 ? 8 : 4 }
    /// Bytes of an `asyncify_data_t` header: 12 on wasm32, 24 on wasm64.
    public var dataHeaderSize: UInt64 { is64 ? 24 : 12 }
    /// A pointer as a Wasm value of the memory's address type.
    func pointerValue(_ address: UInt64) -> Value {
        is64 ? .i64(address) : .i32(UInt32(truncatingIfNeeded: address))
    }

    /// The memory for the hot paths (no reference counting).
    var memoryView: UnownedMemoryView {
        get throws(AsyncifyHostError) {
            guard let view = hot.pointee.memoryView else {
                throw AsyncifyHostError(.missingExport, "the module exports no memory")
            }
            return view
        }
    }

    func loadPointer(_ address: UInt64) throws -> UInt64 {
        let memory = try memoryView
        return is64
            ? try memory.load(UInt64.self, at: address) : UInt64(try memory.load(UInt32.self, at: address))
    }

    /// Two consecutive pointers (a data header's position and end, a fiber's
    /// stack base and limit), with one bounds check on wasm32.
    func loadPointerPair(_ address: UInt64) throws -> (UInt64, UInt64) {
        let memory = try memoryView
        if is64 {
            return (try memory.load(UInt64.self, at: address), try memory.load(UInt64.self, at: address &+ 8))
        }
        let both = try memory.load(UInt64.self, at: address)
        return (both & 0xFFFF_FFFF, both >> 32)
    }

    func storePointer(_ value: UInt64, at address: UInt64) throws {
        let memory = try memoryView
        if is64 {
            try memory.store(value, at: address)
        } else {
            try memory.store(UInt32(truncatingIfNeeded: value), at: address)
        }
    }

    /// Emscripten's `setDataHeader`: position = stack, end = stack + size.
    func setDataHeader(_ header: UInt64, stack: UInt64, byteCount: UInt64, fiber: UInt64?) throws {
        try storePointer(stack, at: header)
        try storePointer(stack &+ byteCount, at: header + pointerSize)
        dataAreas[header] = (stack, byteCount, fiber)
    }

    /// Emscripten's `setDataRewindFunc`: the bottom export of the call stack.
    func setDataRewindFunc(_ header: UInt64) throws {
        guard let bottom = hot.pointee.exportCallStack.first else {
            throw AsyncifyHostError(.invalidState, "an unwind started with no export on the call stack")
        }
        try memoryView.store(UInt32(bottom), at: header + 2 * pointerSize)
    }

    /// Emscripten's `doRewind`: calls the export recorded in the header again.
    @discardableResult
    func doRewind(_ header: UInt64) throws -> (results: [Value], unwound: Bool) {
        let id = Int(try memory.load(UInt32.self, at: header + 2 * pointerSize))
        guard id < callables.count else {
            throw AsyncifyHostError(
                .unknownRewindID,
                "the Asyncify data at \(hex(header)) names rewind id \(id), which is unknown")
        }
        let zeros = callables[id].parameters.map(Value.zero)
        let (results, unwound) = try callWrapped(id) { try $0.call(zeros) }
        return (results, unwound)
    }

    /// `doRewind` for a fiber: the same call, on raw slots.
    func rewindFiber(_ header: UInt64) throws -> Bool {
        let id = Int(try memoryView.load(UInt32.self, at: header + 2 * pointerSize))
        guard id < hot.pointee.callables.count, hot.pointee.callables[id].fitsSlots else {
            return try doRewind(header).unwound
        }
        let slots = hot.pointee.slots
        let count = hot.pointee.callables[id].parameterCount
        return try callWrapped(id) { function in
            slots.baseAddress.unsafelyUnwrapped.update(repeating: 0, count: count)
            try function.callRaw(slots)
        }.unwound
    }

    /// Throws the overflow error if the header's position is past its end.
    func checkDataBounds(_ header: UInt64, during what: String) throws {
        let (position, end) = try loadPointerPair(header)
        if position > end { throw overflowError(header, during: what) }
    }

    func overflowError(_ header: UInt64, during what: String) -> AsyncifyHostError {
        let area = dataAreas[header]
        let position = (try? loadPointer(header)) ?? 0
        let end = (try? loadPointer(header + pointerSize)) ?? 0
        let size = area?.byteCount ?? 0
        let owner = area?.fiber.map { "fiber \(hex($0))" } ?? "the sleep data at \(hex(header))"
        return AsyncifyHostError(
            .asyncifyStackOverflow,
            "Asyncify stack overflow in \(owner) while \(what): the frames need \(position &- (area?.start ?? end)) "
                + "bytes but its Asyncify stack holds \(size) bytes (position \(hex(position)) is past end "
                + "\(hex(end)))",
            fiber: area?.fiber, stackSize: size)
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
