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
        core.pointee.exportStack[depth] = id
        core.pointee.exportDepth = depth &+ 1
        do {
            // The box stays alive in the table for the runtime's life: no retain needed.
            try core.pointee.exports[Int(id)]._withUnsafeGuaranteedRef { box in
                try box.function(FiberContext(core: core), argument)
            }
        } catch let error as FiberError {
            fail(core, exportDepth: depth)
            throw error
        } catch {
            let name = core.pointee.ownerName(core.pointee.current)
            let fiber = core.pointee.handle(core.pointee.current)
            fail(core, exportDepth: depth)
            throw FiberError(.fiberThrew, "\(name) threw: \(error)", fiber: fiber, underlying: error)
        }
        core.pointee.exportDepth = depth
        try maybeStopUnwind(core)
    }

    /// Mirrors `Asyncify.maybeStopUnwind`: once the last export has returned
    /// during an unwind, stop it (`asyncify_stop_unwind`) and run the trampoline.
    @usableFromInline
    @inline(__always)
    static func maybeStopUnwind(_ core: Core) throws(FiberError) {
        guard core.pointee.state == .unwinding, core.pointee.exportDepth == 0 else { return }
        core.pointee.state = .normal
        storeDataPosition(core)
        // Inside the trampoline's loop (every fiber switch) there is nothing to call.
        if !core.pointee.trampolineRunning { try trampoline(core) }
    }

    /// Writes the position of `data` back into its owner's header
    /// (`asyncify_stop_unwind` / `asyncify_stop_rewind` leave it there).
    @usableFromInline
    @inline(__always)
    static func storeDataPosition(_ core: Core) {
        let owner = core.pointee.dataOwner
        if owner >= 0 {
            core.pointee.records[Int(owner)].data.position = core.pointee.data.position
        } else if owner == sleepOwner {
            core.pointee.sleepData.position = core.pointee.data.position
        }
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
        while true {
            let next = core.pointee.next
            if next < 0 { return }
            core.pointee.next = -1
            try finishContextSwitch(core, into: next)
        }
    }

    /// Mirrors `Fibers.finishContextSwitch`: load the fiber's C stack, then call its
    /// entry (first entry) or rewind its recorded export.
    @usableFromInline
    @inline(__always)
    static func finishContextSwitch(_ core: Core, into fiber: Int32) throws(FiberError) {
        let record = core.pointee.records + Int(fiber)
        core.pointee.stackBase = record.pointee.cStackBase
        core.pointee.stackLimit = record.pointee.cStackLimit
        core.pointee.stackPointer = record.pointee.cStackPointer
        core.pointee.current = fiber
        record.pointee.status = .running
        let entry = record.pointee.entry
        let argument = record.pointee.userData
        if entry >= 0 {
            record.pointee.entry = -1
            try callExport(core, entry, argument)
        } else {
            guard core.pointee.state == .normal else {
                throw FiberError.invalidTransition(.startRewind, in: core.pointee.state)
            }
            core.pointee.state = .rewinding
            core.pointee.data = record.pointee.data
            core.pointee.dataOwner = fiber
            try callExport(core, record.pointee.rewindID, argument)
        }
        try exportReturned(core, from: fiber)
    }

    /// Checks what happened when a fiber's export returned: it suspended (fine),
    /// it returned for good (an entry returning is an error), or it left a rewind
    /// unfinished (a frame did not resume its call).
    @usableFromInline
    @inline(__always)
    static func exportReturned(_ core: Core, from fiber: Int32) throws(FiberError) {
        if core.pointee.state == .rewinding {
            let name = core.pointee.ownerName(fiber)
            fail(core, exportDepth: core.pointee.exportDepth)
            throw FiberError(
                .rewindMismatch,
                "\(name)'s export returned while rewinding: no frame re-reached the suspending call",
                fiber: core.pointee.handle(fiber))
        }
        let record = core.pointee.records + Int(fiber)
        guard record.pointee.status == .running, core.pointee.state == .normal else { return }
        record.pointee.status = .finished
        if core.pointee.current == fiber { core.pointee.current = -1 }
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
        if core.pointee.dataOwner == sleepOwner, core.pointee.sleepPending == false {
            core.pointee.sleepData.position = core.pointee.sleepData.start
        }
        core.pointee.dataOwner = noOwner
    }

    /// Runs `first` with the trampoline marked running, then the trampoline loop.
    /// Used by the host entry points (`run`, `resume`, `wakeUp`).
    @usableFromInline
    static func drive(_ core: Core, _ first: (Core) throws(FiberError) -> Void) throws(FiberError) {
        guard !core.pointee.trampolineRunning, core.pointee.exportDepth == 0 else {
            throw FiberError(.runtimeBusy, "the runtime is already running fibers")
        }
        core.pointee.trampolineRunning = true
        defer { core.pointee.trampolineRunning = false }
        try first(core)
        try runNextFibers(core)
    }
}
