// The calls most programs need: a fiber whose entry knows its own handle, a
// `run` whose body can swap without making a context fiber first, and a swap
// that takes the running fiber as its `from`. They are built on the calls that
// mirror Emscripten (`allocateFiber` + `initialize`, `swap(from:to:)`), which
// stay for code ported from C.

extension FiberRuntime {
    /// Allocates a fiber that starts in `entry`, which receives the fiber's own
    /// handle (to swap back to, or to name in messages).
    ///
    /// ```swift
    /// let worker = runtime.makeFiber(name: "worker") { cx, me in
    ///     var frame = cx.enter()
    ///     if frame.isRewinding { try frame.restore() }
    ///     while true {
    ///         try cx.swap(to: main)
    ///         if try frame.unwinding(at: 1) { return }
    ///     }
    /// }
    /// ```
    ///
    /// It is ``allocateFiber(name:)`` followed by
    /// ``initialize(_:argument:cStackSize:asyncifyStackSize:entry:)``.
    ///
    /// - Parameters:
    ///   - name: A name for error messages (default `fiber #index`).
    ///   - cStackSize: The size of the simulated C stack.
    ///   - asyncifyStackSize: The bytes of the fiber's Asyncify buffer: the sum of
    ///     the frames saved when it is suspended at its deepest.
    ///   - entry: The function the fiber starts in, called again on every rewind.
    ///     It must swap away, never return (a return throws
    ///     ``FiberError/Reason/entryReturned`` from the switch that ran it). An
    ///     error it throws other than a ``FiberError`` reaches the caller of
    ///     ``run(_:)`` as ``FiberError/Reason/fiberThrew``.
    /// - Returns: The fiber, ready to be swapped into.
    public func makeFiber<Failure: Error>(
        name: String? = nil, cStackSize: Int = 65536, asyncifyStackSize: Int = 4096,
        entry: @escaping (FiberContext, Fiber) throws(Failure) -> Void
    ) -> Fiber {
        let fiber = allocateFiber(name: name)
        // Cannot fail: the fiber is new and belongs to this runtime.
        try? initialize(fiber, cStackSize: cStackSize, asyncifyStackSize: asyncifyStackSize) { cx, _ in
            try entry(cx, fiber)
        }
        return fiber
    }

    /// The fiber that ``run(_:)``'s body runs as: the `from` of a
    /// ``FiberContext/swap(to:)`` made there, and what other fibers swap to in
    /// order to continue it. Allocated on first use, named `main`.
    public var mainFiber: Fiber {
        if core.pointee.mainFiber < 0 {
            core.pointee.mainFiber = Int32(allocateFiber(name: "main").index)
        }
        return Fiber(runtimeID: runtimeID, index: UInt32(core.pointee.mainFiber))
    }

    /// Calls `main` as an export running as ``mainFiber``, and runs fibers until
    /// none is left to switch to.
    ///
    /// ```swift
    /// let runtime = FiberRuntime()
    /// let main = runtime.mainFiber
    /// let worker = runtime.makeFiber(name: "worker") { cx, me in ... try cx.swap(to: main) ... }
    /// try runtime.run { cx in ... try cx.swap(to: worker) ... }
    /// ```
    ///
    /// Like ``run(_:argument:)``, with ``mainFiber`` initialised from the current
    /// context first, so that `main` can swap out with ``FiberContext/swap(to:)``
    /// and be swapped back into. `run` returns when `main` returns, or when no
    /// fiber is left to switch to (everything suspended, or a sleep in flight).
    ///
    /// - Parameter main: The export, a participating function.
    /// - Throws: ``FiberError/Reason/swapIntoRunningFiber`` when ``mainFiber`` is
    ///   still suspended in an earlier `run` (continue it with ``resume(_:)``), and
    ///   the first error any fiber raised, as ``run(_:argument:)``; an error of
    ///   another type that `main` throws becomes ``FiberError/Reason/fiberThrew``.
    public func run<Failure: Error>(_ main: @escaping (FiberContext) throws(Failure) -> Void)
        throws(FiberError)
    {
        let fiber = mainFiber
        switch status(of: fiber) {
        case .suspended?, .sleeping?, .running?:
            throw FiberError(
                .swapIntoRunningFiber,
                "run { cx in ... } while the main fiber is still \(status(of: fiber)!) from an earlier run: "
                    + "continue it with resume(runtime.mainFiber) instead", fiber: fiber)
        default:
            try initializeFromCurrentContext(fiber)
        }
        try run({ cx, _ in try main(cx) }, argument: nil)
    }
}

extension FiberContext {
    /// Switches from the running fiber to `new`.
    ///
    /// ``swap(from:to:)`` with the running fiber as `from`: the fiber whose entry
    /// is running, or ``FiberRuntime/mainFiber`` in the body of
    /// ``FiberRuntime/run(_:)``. As there, in state normal it starts the unwind:
    /// the caller must then save its frame and return
    /// (`if try frame.unwinding(at: n) { return }`); reached again by the rewind,
    /// it stops the rewind and returns.
    ///
    /// - Parameter new: A fiber that is ready (entry not yet called) or suspended.
    /// - Throws: ``FiberError`` if `new` cannot be switched into, if no export is
    ///   running, or if the export runs outside any fiber (a ``FiberRuntime/run(_:argument:)``
    ///   body: use ``FiberRuntime/run(_:)``, or ``swap(from:to:)`` with a fiber made
    ///   by ``FiberRuntime/makeFiberFromCurrentContext(name:asyncifyStackSize:)``).
    @inlinable
    @inline(__always)
    public func swap(to new: Fiber) throws(FiberError) {
        if core.pointee.state == .rewinding {
            try FiberCore.stopRewind(core)
            return
        }
        // Non-zero exactly when a fiber runs in state normal inside its export.
        let running = core.pointee.swappable
        if running != 0 {
            try FiberCore.startSwap(core, from: Fiber(bits: running), to: new)
        } else {
            try FiberCore.startSwapFromRunning(core, to: new)
        }
    }
}

extension FiberCore {
    /// The slow path of ``FiberContext/swap(to:)``: works out the running context
    /// (the current fiber, or the main fiber of `run { cx in }`), or says why
    /// there is none.
    @usableFromInline
    @inline(never)
    static func startSwapFromRunning(_ core: Core, to new: Fiber) throws(FiberError) {
        guard core.pointee.exportDepth > 0 else {
            throw FiberError(
                .swapOutsideTrampoline, "swap(to: \(new)) outside any export: there is no stack to unwind",
                fiber: new)
        }
        guard core.pointee.state == .normal else {
            throw FiberError.invalidTransition(.startUnwind, in: core.pointee.state)
        }
        let current = core.pointee.current
        if let running = core.pointee.handle(current) {
            try startSwapChecked(core, from: running, to: new)
            return
        }
        let main = core.pointee.mainFiber
        if main >= 0, core.pointee.records[Int(main)].status == .currentContext,
            let running = core.pointee.handle(main)
        {
            try startSwapChecked(core, from: running, to: new)
            return
        }
        throw FiberError(
            .swapFromNonCurrentFiber,
            "swap(to: \(new)) in an export that runs outside any fiber: call it in the body of "
                + "run { cx in ... } (which runs as runtime.mainFiber), or make the context a fiber with "
                + "makeFiberFromCurrentContext and use swap(from:to:)", fiber: new)
    }
}
