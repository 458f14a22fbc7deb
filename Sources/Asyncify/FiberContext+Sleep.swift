extension FiberContext {
    /// Suspends the whole running export until a wake-up value arrives.
    ///
    /// Mirrors `Asyncify.handleSleep`. In state normal it calls `startAsync`; if
    /// that returns a value (a synchronous wake-up) the value is returned at once
    /// and nothing unwinds. If it returns nil, an unwind starts into the runtime's
    /// sleep buffer, 0 is returned, and the caller must save its frame and return
    /// (``AsyncifyFrame/unwinding(at:saving:)``); ``FiberRuntime/run(_:argument:)``
    /// then returns with ``FiberRuntime/isSleeping`` set. A later
    /// ``FiberRuntime/wakeUp(with:)`` rewinds the export; this call is reached
    /// again in state rewinding, stops the rewind and returns the wake-up value.
    ///
    /// - Parameter startAsync: Starts the operation; returns the result if it is
    ///   already available, nil to sleep.
    /// - Returns: The wake-up value (0 while unwinding).
    /// - Throws: ``FiberError/Reason/sleepInFlight`` if a sleep is already in flight,
    ///   ``FiberError/Reason/swapOutsideTrampoline`` outside any export,
    ///   ``FiberError/Reason/invalidStateTransition`` while unwinding or when a rewind
    ///   reaches this call without a sleep to finish.
    public func handleSleep(_ startAsync: () -> Int?) throws(FiberError) -> Int {
        switch core.pointee.state {
        case .normal:
            guard core.pointee.exportDepth > 0 else {
                throw FiberError(.swapOutsideTrampoline, "handleSleep outside any export: nothing to unwind")
            }
            guard !core.pointee.sleepPending else {
                throw FiberError(
                    .sleepInFlight,
                    "handleSleep while another sleep (of \(core.pointee.ownerName(core.pointee.sleepFiber))) "
                        + "is in flight", fiber: currentFiber)
            }
            if let value = startAsync() { return value }
            core.pointee.state = .unwinding
            let sleepData = core.pointee.sleepData
            sleepData.pointee.position = sleepData.pointee.start
            core.pointee.data = sleepData
            core.pointee.swappable = 0
            core.pointee.sleepRewindID = core.pointee.exportStack[0]
            core.pointee.sleepPending = true
            let current = core.pointee.current
            core.pointee.sleepFiber = current
            if current >= 0 { core.pointee.records[Int(current)].status = .sleeping }
            return 0
        case .rewinding:
            guard core.pointee.sleepPending, core.pointee.data == core.pointee.sleepData else {
                throw FiberError.invalidTransition(.stopRewind, in: .rewinding)
            }
            try FiberCore.stopRewind(core)
            core.pointee.sleepPending = false
            core.pointee.sleepFiber = -1
            return core.pointee.sleepValue
        case .unwinding:
            throw FiberError.invalidTransition(.startUnwind, in: .unwinding)
        }
    }
}
