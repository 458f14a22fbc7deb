import Synchronization

private let runtimeIDs = Atomic<UInt32>(1)

/// Owns fibers and runs them: the Swift counterpart of Emscripten's JS
/// `Asyncify` and `Fibers` objects for exports that are Swift functions.
///
/// ```swift
/// let runtime = FiberRuntime()
/// let worker = runtime.makeFiber(name: "worker") { cx, _ in try work(cx) }
/// try runtime.run { cx in try mainLoop(cx, worker) }  // may cx.swap(to: worker)
/// ```
///
/// All switching happens on the calling thread, the Asyncify way: a swap
/// really unwinds the Swift frames of the running fiber into its buffer and
/// returns to the trampoline, which rewinds the next one. A runtime is not
/// thread-safe; use it from one thread at a time.
public final class FiberRuntime {
    @usableFromInline let core: UnsafeMutablePointer<FiberCore>
    private let sleepArea: UnsafeMutableRawBufferPointer

    /// Makes an empty runtime.
    ///
    /// - Parameters:
    ///   - exportCallStackCapacity: How deeply exports may nest.
    ///   - sleepStackSize: Bytes of the buffer ``FiberContext/handleSleep(_:)``
    ///     unwinds into (Emscripten's `ASYNCIFY_STACK_SIZE`).
    public init(exportCallStackCapacity: Int = 64, sleepStackSize: Int = 4096) {
        sleepArea = .allocate(byteCount: max(sleepStackSize, 1), alignment: 16)
        core = .allocate(capacity: 1)
        core.initialize(
            to: FiberCore(
                runtimeID: FiberRuntime.nextRuntimeID(),
                exportStackCapacity: max(exportCallStackCapacity, 1), sleepArea: sleepArea))
    }

    deinit {
        let c = core.pointee
        for index in 0..<c.recordCount where c.records[index].ownsData {
            UnsafeMutableRawPointer(c.records[index].data.start).deallocate()
        }
        c.records.deinitialize(count: c.recordCount)
        c.records.deallocate()
        for index in 0..<c.exportCount { c.exports[index].release() }
        c.exports.deallocate()
        c.exportStack.deallocate()
        c.sleepData.deallocate()
        c.noData.deallocate()
        core.deinitialize(count: 1)
        core.deallocate()
        sleepArea.deallocate()
    }

    /// A fresh runtime id, never 0 (``FiberCore/swappable`` uses 0 for "none").
    private static func nextRuntimeID() -> UInt32 {
        let id = runtimeIDs.wrappingAdd(1, ordering: .relaxed).oldValue
        return id != 0 ? id : runtimeIDs.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The identity fibers of this runtime carry.
    public var runtimeID: UInt32 { core.pointee.runtimeID }

    /// The Asyncify state (normal whenever no export is running).
    public var state: AsyncifyState { core.pointee.state }

    /// Whether an export is suspended in ``FiberContext/handleSleep(_:)`` waiting for
    /// ``wakeUp(with:)``.
    public var isSleeping: Bool { core.pointee.sleepPending }

    /// The simulated C stack globals: base (high end), limit (low end), pointer.
    /// A switch loads them from the fiber, as `emscripten_stack_set_limits` does.
    public var cStack: (base: UInt64, limit: UInt64, pointer: UInt64) { core.pointee.cStackGlobals }

    /// A copy of `fiber`'s record (C stack fields, Asyncify header, status).
    ///
    /// - Parameter fiber: A fiber of this runtime.
    /// - Returns: The record, or nil for a fiber of another runtime.
    public func record(of fiber: Fiber) -> FiberRecord? {
        guard let index = indexOf(fiber) else { return nil }
        return core.pointee.records[index]
    }

    /// `fiber`'s status, or nil for a fiber of another runtime.
    public func status(of fiber: Fiber) -> FiberStatus? { record(of: fiber)?.status }

    /// Makes a fiber record that is not initialised yet; swapping into it throws
    /// until ``initialize(_:argument:cStackSize:asyncifyStackSize:entry:)`` or
    /// ``initializeFromCurrentContext(_:asyncifyStackSize:)`` is called.
    ///
    /// - Parameter name: A name for error messages (default `fiber #index`).
    /// - Returns: The fiber.
    public func allocateFiber(name: String? = nil) -> Fiber {
        let index = core.pointee.recordCount
        let dummy = AsyncifyDataStack(area: UnsafeMutableRawBufferPointer(start: nil, count: 0))
        let record = FiberRecord(
            cStackBase: 0, cStackLimit: 0, cStackPointer: 0, entry: -1, userData: nil, data: dummy,
            name: name ?? "fiber #\(index)", ownsData: false, hasEntry: false,
            handle: Fiber(runtimeID: core.pointee.runtimeID, index: UInt32(index)).bits, _rewindID: -1,
            _status: .uninitialized)
        return Fiber(runtimeID: core.pointee.runtimeID, index: UInt32(core.pointee.append(record)))
    }

    /// Initialises `fiber` to start in `entry` with `argument` on its first switch.
    ///
    /// Mirrors `emscripten_fiber_init(fiber, entry, arg, c_stack, c_stack_size,
    /// asyncify_stack, asyncify_stack_size)`: the C stack fields are set from a
    /// simulated stack of `cStackSize` bytes (base = limit + size, pointer = base)
    /// and the runtime allocates the Asyncify buffer.
    ///
    /// - Parameters:
    ///   - fiber: A fiber of this runtime that is not running or suspended.
    ///   - entry: The function the fiber starts in. It must never return (swap away
    ///     instead); if it does, the switch that ran it throws
    ///     ``FiberError/Reason/entryReturned``.
    ///   - argument: The user data passed to `entry`.
    ///   - cStackSize: The size of the simulated C stack.
    ///   - asyncifyStackSize: The bytes of the fiber's Asyncify buffer: the sum of the
    ///     frames saved when it is suspended at its deepest.
    /// - Throws: ``FiberError`` for a foreign fiber or one in use.
    public func initialize(
        _ fiber: Fiber, argument: UnsafeMutableRawPointer? = nil, cStackSize: Int = 65536,
        asyncifyStackSize: Int = 4096, entry: @escaping FiberEntry
    ) throws(FiberError) {
        let area = UnsafeMutableRawBufferPointer.allocate(byteCount: max(asyncifyStackSize, 1), alignment: 16)
        do {
            try initialize(
                fiber, argument: argument, cStackSize: cStackSize,
                asyncifyStack: UnsafeMutableRawBufferPointer(rebasing: area[..<max(asyncifyStackSize, 0)]),
                entry: entry)
        } catch {
            area.deallocate()
            throw error
        }
        core.pointee.records[Int(fiber.index)].ownsData = true
    }

    /// Initialises `fiber` like ``initialize(_:argument:cStackSize:asyncifyStackSize:entry:)``
    /// with an Asyncify buffer you own.
    ///
    /// - Parameter asyncifyStack: The memory the fiber's frames are saved in. It must
    ///   outlive the fiber's use; the runtime never writes outside it.
    public func initialize(
        _ fiber: Fiber, argument: UnsafeMutableRawPointer? = nil, cStackSize: Int = 65536,
        asyncifyStack: UnsafeMutableRawBufferPointer, entry: @escaping FiberEntry
    ) throws(FiberError) {
        let index = try reusableIndex(fiber)
        let low = core.pointee.simulatedCStack(size: cStackSize)
        let id = core.pointee.register(entry)
        let record = core.pointee.records + index
        record.pointee.cStackLimit = low
        record.pointee.cStackBase = low &+ UInt64(max(cStackSize, 0))
        record.pointee.cStackPointer = record.pointee.cStackBase
        record.pointee.entry = id
        record.pointee.userData = argument
        record.pointee.data = AsyncifyDataStack(area: asyncifyStack)
        record.pointee.rewindID = -1
        record.pointee.status = .ready
        record.pointee.hasEntry = true
    }

    /// Initialises `fiber` as the context that is running when it is first swapped
    /// out of.
    ///
    /// Mirrors `emscripten_fiber_init_from_current_context`: the C stack fields
    /// are the runtime's current ones. The fiber is valid only as the `from` of a
    /// ``FiberContext/swap(from:to:)``, which completes it; until then swapping
    /// into it throws ``FiberError/Reason/swapIntoUninitializedFiber``. When its
    /// export later returns normally the fiber is finished (no error).
    ///
    /// - Parameters:
    ///   - fiber: A fiber of this runtime that is not running or suspended.
    ///   - asyncifyStackSize: The bytes of its Asyncify buffer.
    public func initializeFromCurrentContext(_ fiber: Fiber, asyncifyStackSize: Int = 4096) throws(FiberError)
    {
        let area = UnsafeMutableRawBufferPointer.allocate(byteCount: max(asyncifyStackSize, 1), alignment: 16)
        do {
            try initializeFromCurrentContext(
                fiber,
                asyncifyStack: UnsafeMutableRawBufferPointer(rebasing: area[..<max(asyncifyStackSize, 0)]))
        } catch {
            area.deallocate()
            throw error
        }
        core.pointee.records[Int(fiber.index)].ownsData = true
    }

    /// Initialises `fiber` from the current context with an Asyncify buffer you own.
    ///
    /// - Parameter asyncifyStack: The memory the context's frames are saved in.
    public func initializeFromCurrentContext(
        _ fiber: Fiber, asyncifyStack: UnsafeMutableRawBufferPointer
    ) throws(FiberError) {
        let index = try reusableIndex(fiber)
        let record = core.pointee.records + index
        (record.pointee.cStackBase, record.pointee.cStackLimit, record.pointee.cStackPointer) =
            core.pointee.cStackGlobals
        record.pointee.entry = -1
        record.pointee.userData = nil
        record.pointee.data = AsyncifyDataStack(area: asyncifyStack)
        record.pointee.rewindID = -1
        record.pointee.status = .currentContext
        record.pointee.hasEntry = false
    }

    /// Allocates and initialises a fiber that starts in `entry` with a C `void *`
    /// argument, as `emscripten_fiber_init` does.
    ///
    /// Most code wants ``makeFiber(name:cStackSize:asyncifyStackSize:entry:)``,
    /// whose entry receives its own ``Fiber`` instead.
    ///
    /// - Parameters:
    ///   - name: A name for error messages.
    ///   - cStackSize: The size of the simulated C stack.
    ///   - asyncifyStackSize: The bytes of the fiber's Asyncify buffer.
    ///   - argument: The user data passed to `entry`.
    ///   - entry: The function the fiber starts in; it must swap away, never return.
    /// - Returns: The fiber, ready to be swapped into.
    public func makeFiber(
        name: String? = nil, cStackSize: Int = 65536, asyncifyStackSize: Int = 4096,
        argument: UnsafeMutableRawPointer?, entry: @escaping FiberEntry
    ) -> Fiber {
        let fiber = allocateFiber(name: name)
        // Cannot fail: the fiber is new and belongs to this runtime.
        try? initialize(
            fiber, argument: argument, cStackSize: cStackSize, asyncifyStackSize: asyncifyStackSize,
            entry: entry)
        return fiber
    }

    /// Allocates a fiber and initialises it from the current context (for a main
    /// function that swaps out of itself).
    ///
    /// - Parameters:
    ///   - name: A name for error messages.
    ///   - asyncifyStackSize: The bytes of its Asyncify buffer.
    /// - Returns: The fiber, usable as the `from` of a swap.
    public func makeFiberFromCurrentContext(name: String? = nil, asyncifyStackSize: Int = 4096) -> Fiber {
        let fiber = allocateFiber(name: name)
        try? initializeFromCurrentContext(fiber, asyncifyStackSize: asyncifyStackSize)
        return fiber
    }

    private func indexOf(_ fiber: Fiber) -> Int? {
        guard fiber.runtimeID == core.pointee.runtimeID, Int(fiber.index) < core.pointee.recordCount else {
            return nil
        }
        return Int(fiber.index)
    }

    /// The index of a fiber that may be (re)initialised, freeing a buffer it owned.
    private func reusableIndex(_ fiber: Fiber) throws(FiberError) -> Int {
        guard let index = indexOf(fiber) else {
            throw FiberError(
                .swapIntoForeignFiber, "\(fiber) is not a fiber of runtime \(core.pointee.runtimeID)",
                fiber: fiber)
        }
        let record = core.pointee.records + index
        switch record.pointee.status {
        case .running, .suspended, .sleeping:
            throw FiberError(
                .swapIntoRunningFiber,
                "cannot initialise \(record.pointee.name): it is \(record.pointee.status)", fiber: fiber)
        case .uninitialized, .currentContext, .ready, .finished, .failed:
            break
        }
        core.pointee.detachCStack(from: index)
        if record.pointee.ownsData {
            record.pointee.data.start.deallocate()
            record.pointee.ownsData = false
        }
        return index
    }
}
