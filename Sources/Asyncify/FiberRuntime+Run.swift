extension FiberRuntime {
    /// Calls `main` as an export and runs fibers until none is left to switch to.
    ///
    /// Mirrors JS calling a wrapped Wasm export: `main` is pushed on the export
    /// call stack; when it unwinds (it swapped out of a context fiber, or slept)
    /// the trampoline runs the next fibers. `run` returns when the trampoline has
    /// no next fiber: `main`'s context finished, or everything is suspended, or
    /// an export sleeps (``isSleeping``).
    ///
    /// - Parameters:
    ///   - main: The export, a participating function.
    ///   - argument: The argument `main` receives (on first call and on rewinds).
    /// - Throws: The first ``FiberError`` any fiber raised; the failing fiber is
    ///   marked failed and the others stay as they were, ready to be resumed.
    public func run(_ main: @escaping FiberEntry, argument: UnsafeMutableRawPointer? = nil)
        throws(FiberError)
    {
        let id = core.pointee.register(main)
        defer { core.pointee.unregisterIfUnused(id) }
        try FiberCore.drive(core) { core throws(FiberError) in
            try FiberCore.callExport(core, id, argument)
        }
    }

    /// Switches into `fiber` from the host (no fiber is unwound) and runs fibers
    /// until none is left to switch to.
    ///
    /// Emscripten has no direct counterpart; it is what the trampoline does with a
    /// next fiber. Use it to continue a suspended fiber after ``run(_:argument:)``
    /// returned or threw.
    ///
    /// - Parameter fiber: A ready or suspended fiber.
    /// - Throws: ``FiberError`` as for a swap into `fiber`, or raised while running.
    public func resume(_ fiber: Fiber) throws(FiberError) {
        try FiberCore.drive(core) { core throws(FiberError) in
            let index = try FiberCore.validateTarget(core, fiber)
            try FiberCore.finishContextSwitch(core, into: index)
        }
    }

    /// Wakes the export sleeping in ``FiberContext/handleSleep(_:)``: rewinds it
    /// so that `handleSleep` returns `value`, then runs fibers until none is left.
    ///
    /// Mirrors the `wakeUp` callback of `Asyncify.handleSleep`.
    ///
    /// - Parameter value: What the sleeping `handleSleep` returns.
    /// - Throws: ``FiberError/Reason/noSleepInFlight`` if nothing sleeps,
    ///   ``FiberError/Reason/runtimeBusy`` when called from inside a fiber.
    public func wakeUp(with value: Int) throws(FiberError) {
        guard core.pointee.sleepPending else {
            throw FiberError(.noSleepInFlight, "wakeUp(with: \(value)) while no sleep is in flight")
        }
        try FiberCore.drive(core) { core throws(FiberError) in
            core.pointee.sleepValue = value
            let fiber = core.pointee.sleepFiber
            var argument: UnsafeMutableRawPointer?
            if fiber >= 0 {
                core.pointee.current = fiber
                // The swap fast path assumes the fiber's record holds the C stack
                // globals; when another fiber's do, its swaps take the slow path.
                if core.pointee.stackOwner == fiber {
                    core.pointee.swappable = core.pointee.records[Int(fiber)].handle
                }
                core.pointee.records[Int(fiber)].status = .running
                argument = core.pointee.records[Int(fiber)].userData
            }
            core.pointee.state = .rewinding
            core.pointee.data = core.pointee.sleepData
            try FiberCore.callExport(core, core.pointee.sleepRewindID, argument)
            if fiber >= 0 { try FiberCore.exportReturned(core, from: fiber) }
        }
    }
}
