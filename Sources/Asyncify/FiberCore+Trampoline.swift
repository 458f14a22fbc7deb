// The host side of the protocol: the export call wrapper, "maybe stop unwind",
// the trampoline and finishing a context switch. Everything here takes the core
// by pointer and touches it in short accesses, because the exports it calls
// reach the same core through their `FiberContext`.

extension FiberCore {
    @usableFromInline typealias Core = UnsafeMutablePointer<FiberCore>

    /// Calls export `id` the way Emscripten's export wrappers do: push it on the
    /// export call stack, call it, pop it, then "maybe stop unwind".
    ///
    /// Mirrors the wrappers `Asyncify.instrumentWasmExports` installs. When the
    /// export throws, the runtime is put back in a usable state (see ``fail``).
    @usableFromInline
    @inline(__always)
    static func callExport(_ core: Core, _ id: Int32, _ argument: UnsafeMutableRawPointer?)
        throws(FiberError)
    {
        let depth = core.pointee.exportDepth
        guard depth < core.pointee.exportStackCapacity else {
            throw FiberError(
                .exportCallStackOverflow,
                "exports nested deeper than the export call stack's \(depth) entries")
        }
        try invoke(core, id, argument, depth: depth)
        try maybeStopUnwind(core)
    }

    /// The export wrapper's core: push `id` at `depth` of the export call stack
    /// (which has room), call it, pop it. A throwing export leaves the runtime
    /// usable (see ``exportThrew(_:depth:_:)``).
    @usableFromInline
    @inline(__always)
    static func invoke(_ core: Core, _ id: Int32, _ argument: UnsafeMutableRawPointer?, depth: Int)
        throws(FiberError)
    {
        core.pointee.exportStack[depth] = id
        core.pointee.exportDepth = depth &+ 1
        do {
            // The box stays alive in the table for the runtime's life: no retain needed.
            try core.pointee.exports[Int(id)]._withUnsafeGuaranteedRef { box in
                try box.function(FiberContext(core: core), argument)
            }
        } catch {
            throw exportThrew(core, depth: depth, error)
        }
        core.pointee.exportDepth = depth
    }

    /// Cleans up after an export threw (see ``fail``) and returns the error to
    /// throw: a ``FiberError`` as it is, anything else wrapped as
    /// ``FiberError/Reason/fiberThrew``.
    @usableFromInline
    @inline(never)
    static func exportThrew(_ core: Core, depth: Int, _ error: any Error) -> FiberError {
        if let error = error as? FiberError {
            fail(core, exportDepth: depth)
            return error
        }
        let name = core.pointee.ownerName(core.pointee.current)
        let fiber = core.pointee.handle(core.pointee.current)
        fail(core, exportDepth: depth)
        return FiberError(.fiberThrew, "\(name) threw: \(error)", fiber: fiber, underlying: error)
    }

    /// Mirrors `Asyncify.maybeStopUnwind`: once the last export has returned
    /// during an unwind, stop it (`asyncify_stop_unwind`) and run the trampoline.
    /// The frames were written straight into their owner's buffer (``data`` points
    /// at its header), so there is no position to copy back.
    @usableFromInline
    @inline(__always)
    static func maybeStopUnwind(_ core: Core) throws(FiberError) {
        guard core.pointee.state == .unwinding, core.pointee.exportDepth == 0 else { return }
        core.pointee.state = .normal
        // Inside the trampoline's loop (every fiber switch) there is nothing to call.
        if !core.pointee.trampolineRunning { try trampoline(core) }
    }

    /// Mirrors `Fibers.trampoline`: unless it is already running, finish the switch
    /// into the next fiber for as long as one is set.
    @usableFromInline
    static func trampoline(_ core: Core) throws(FiberError) {
        guard !core.pointee.trampolineRunning else { return }
        core.pointee.trampolineRunning = true
        defer { core.pointee.trampolineRunning = false }
        try runNextFibers(core)
    }

    /// The trampoline's loop; the caller has set `trampolineRunning`.
    @usableFromInline
    static func runNextFibers(_ core: Core) throws(FiberError) {
        var fiber = core.pointee.next
        if fiber < 0 { return }
        try checkSwitchState(core)
        repeat {
            core.pointee.next = -1
            // Leaves the state normal, ready for the next switch.
            try enterFiber(core, fiber)
            fiber = core.pointee.next
        } while fiber >= 0
    }

    /// A switch happens in state normal only (`asyncify_start_rewind` needs it).
    @usableFromInline
    @inline(__always)
    static func checkSwitchState(_ core: Core) throws(FiberError) {
        guard core.pointee.state == .normal else {
            throw FiberError.invalidTransition(.startRewind, in: core.pointee.state)
        }
    }

    /// Mirrors `Fibers.finishContextSwitch`: load the fiber's C stack, then call its
    /// entry (first entry) or rewind its recorded export.
    ///
    /// Only the trampoline's loop and ``FiberRuntime/resume(_:)`` switch, both with
    /// the trampoline running and no export on the export call stack: the export
    /// goes to slot 0, and when it returns unwinding the unwind is stopped here
    /// (the loop then takes the next fiber) without "maybe stop unwind"'s checks.
    @usableFromInline
    @inline(__always)
    static func finishContextSwitch(_ core: Core, into fiber: Int32) throws(FiberError) {
        try checkSwitchState(core)
        try enterFiber(core, fiber)
    }

    /// ``finishContextSwitch(_:into:)`` once the state is known to be normal; returns
    /// with the state normal again (or throws).
    @usableFromInline
    @inline(__always)
    static func enterFiber(_ core: Core, _ fiber: Int32) throws(FiberError) {
        assert(
            core.pointee.exportDepth == 0 && core.pointee.trampolineRunning && core.pointee.state == .normal)
        let record = core.pointee.records + Int(fiber)
        // `emscripten_stack_set_limits` + `stackRestore`: the globals are now the record's.
        core.pointee.stackOwner = fiber
        core.pointee.current = fiber
        core.pointee.swappable = record.pointee.handle
        record.pointee.status = .running
        var export = record.pointee.entry
        if export >= 0 {
            record.pointee.entry = -1
            // The bottom export while the fiber runs: what a swap records as its
            // rewind id (done here once instead of at every swap).
            record.pointee.rewindID = export
        } else {
            core.pointee.state = .rewinding
            core.pointee.data = FiberRecord.data(record)
            export = record.pointee.rewindID
        }
        try invoke(core, export, record.pointee.userData, depth: 0)
        if core.pointee.state == .unwinding {
            // The fiber swapped or slept: `asyncify_stop_unwind`. Its status says which.
            core.pointee.state = .normal
            return
        }
        try exportReturned(core, from: fiber)
    }

    /// Checks what happened when a fiber's export returned: it suspended (fine),
    /// it returned for good (an entry returning is an error), or it left a rewind
    /// unfinished (a frame did not resume its call).
    @usableFromInline
    @inline(__always)
    static func exportReturned(_ core: Core, from fiber: Int32) throws(FiberError) {
        let record = core.pointee.records + Int(fiber)
        let state = core.pointee.state
        if state == .rewinding {
            let name = core.pointee.ownerName(fiber)
            fail(core, exportDepth: core.pointee.exportDepth)
            throw FiberError(
                .rewindMismatch,
                "\(name)'s export returned while rewinding: no frame re-reached the suspending call",
                fiber: core.pointee.handle(fiber))
        }
        guard record.pointee.status == .running, state == .normal else { return }
        record.pointee.status = .finished
        if core.pointee.current == fiber {
            core.pointee.current = -1
            core.pointee.swappable = 0
        }
        if record.pointee.hasEntry {
            throw FiberError(
                .entryReturned,
                "the entry function of \(record.pointee.name) returned; a fiber's entry must swap away "
                    + "instead", fiber: core.pointee.handle(fiber))
        }
    }

    /// Puts the runtime back in a usable state after an export threw: the export
    /// call stack is cut back to `exportDepth`, the state is normal, the failing
    /// fiber is marked failed, and no switch is pending. Other fibers' records
    /// and buffers are untouched, so they can still be resumed.
    @usableFromInline
    static func fail(_ core: Core, exportDepth: Int) {
        core.pointee.exportDepth = exportDepth
        core.pointee.state = .normal
        core.pointee.next = -1
        let current = core.pointee.current
        if current >= 0 {
            let record = core.pointee.records + Int(current)
            record.pointee.status = .failed
            record.pointee.data.position = record.pointee.data.start
            if core.pointee.sleepFiber == current { core.pointee.sleepPending = false }
            core.pointee.current = -1
        }
        core.pointee.swappable = 0
        let sleepData = core.pointee.sleepData
        if core.pointee.data == sleepData, core.pointee.sleepPending == false {
            sleepData.pointee.position = sleepData.pointee.start
        }
        core.pointee.data = core.pointee.noData
    }

    /// Runs `first` with the trampoline marked running, then the trampoline loop.
    /// Used by the host entry points (`run`, `resume`, `wakeUp`).
    @usableFromInline
    static func drive(_ core: Core, _ first: (Core) throws(FiberError) -> Void) throws(FiberError) {
        guard !core.pointee.trampolineRunning, core.pointee.exportDepth == 0 else {
            throw FiberError(.runtimeBusy, "the runtime is already running fibers")
        }
        core.pointee.trampolineRunning = true
        defer {
            core.pointee.trampolineRunning = false
            // No export runs once the host gets control back: no fiber may swap.
            core.pointee.swappable = 0
        }
        try first(core)
        try runNextFibers(core)
    }
}
