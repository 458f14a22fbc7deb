/// What a participating Swift function receives: access to the running
/// runtime's Asyncify state, fiber switching, and sleeping.
///
/// A `FiberContext` is a plain pointer-sized value (no reference counting). It is
/// valid while the ``FiberRuntime`` that handed it out is alive; do not keep it
/// beyond the call it was passed to.
@frozen
public struct FiberContext {
    @usableFromInline let core: UnsafeMutablePointer<FiberCore>

    @inlinable
    init(core: UnsafeMutablePointer<FiberCore>) { self.core = core }

    /// The Asyncify state. Mirrors `asyncify_get_state`.
    @inlinable
    public var state: AsyncifyState { core.pointee.state }

    /// Whether code runs as usual: the guard Binaryen puts around code before a call,
    /// so that a rewind does not run it again.
    @inlinable
    public var isNormal: Bool { core.pointee.state == .normal }

    /// Whether a callee started an unwind: the caller must save its frame and return.
    @inlinable
    public var isUnwinding: Bool { core.pointee.state == .unwinding }

    /// Whether the export is being rewound: the caller must restore its frame.
    @inlinable
    public var isRewinding: Bool { core.pointee.state == .rewinding }

    /// The fiber running now, or nil in an export that runs outside any fiber.
    public var currentFiber: Fiber? { core.pointee.handle(core.pointee.current) }

    /// Begins a participating function's activation: see ``AsyncifyFrame``.
    ///
    /// - Returns: The function's frame. When ``isRewinding``, call
    ///   ``AsyncifyFrame/restore()`` on it before anything else.
    @inlinable
    public func enter() -> AsyncifyFrame { AsyncifyFrame(core: core) }

    /// Switches from the running context `old` to the fiber `new`.
    ///
    /// Mirrors `emscripten_fiber_swap`. In state normal it starts unwinding into
    /// `old`'s Asyncify buffer, records the rewind id (the bottom export of the
    /// export call stack), saves the C stack pointer into `old`, sets the next
    /// fiber to `new` and returns: the caller sees ``isUnwinding`` and must save
    /// its frame and return, and so must every participating caller above it.
    /// When the trampoline later rewinds `old`, the call is reached again in state
    /// rewinding; it then stops the rewind and returns (its arguments are ignored).
    ///
    /// - Parameters:
    ///   - old: The running context: the current fiber, or a fiber just made with
    ///     ``FiberRuntime/initializeFromCurrentContext(_:asyncifyStackSize:)``.
    ///   - new: A fiber that is ready (entry not yet called) or suspended.
    /// - Throws: ``FiberError`` if `new` is finished, running, uninitialised or
    ///   foreign, if `old` is not the running context, or if no export is running.
    @inlinable
    @inline(__always)
    public func swap(from old: Fiber, to new: Fiber) throws(FiberError) {
        if core.pointee.state == .rewinding {
            try FiberCore.stopRewind(core)
        } else {
            try FiberCore.startSwap(core, from: old, to: new)
        }
    }
}

extension FiberCore {
    /// The rewinding branch of a swap or sleep: `asyncify_stop_rewind`, after
    /// checking that every frame popped exactly what it pushed.
    @inlinable
    @inline(__always)
    static func stopRewind(_ core: Core) throws(FiberError) {
        core.pointee.state = .normal
        let data = core.pointee.data
        guard data.pointee.position == data.pointee.start else {
            throw rewindMismatch(core)
        }
    }

    /// The error for a rewind that stopped with bytes left in the buffer.
    @usableFromInline
    @inline(never)
    static func rewindMismatch(_ core: Core) -> FiberError {
        let owner = core.pointee.dataOwner
        let left = core.pointee.data.pointee.bytesUsed
        return FiberError(
            .rewindMismatch,
            "the rewind of \(core.pointee.ownerName(owner)) stopped with \(left) bytes still in its "
                + "Asyncify buffer: some frame restored less than it saved",
            fiber: core.pointee.handle(owner), bytesNeeded: 0, bytesAvailable: left)
    }

    /// The normal branch of `emscripten_fiber_swap`, with every check Emscripten
    /// leaves out. The common case (the running fiber swaps into a ready or
    /// suspended one) is inlined into the caller and costs two compares and a
    /// status test: `old` must equal ``FiberCore/swappable``, which only the
    /// running fiber's handle does, and only in state normal inside its export;
    /// `new` must be a fiber of this runtime that is ready or suspended. Anything
    /// else goes to ``startSwapChecked(_:from:to:)``, which completes a
    /// current-context fiber or throws the precise error.
    @inlinable
    @inline(__always)
    static func startSwap(_ core: Core, from old: Fiber, to new: Fiber) throws(FiberError) {
        // One compare for "same runtime and a record that exists": rotated, the
        // runtime ids' difference lands in the high half, so any mismatch is too big.
        let mixed = new.bits ^ UInt64(core.pointee.runtimeID)
        let key = mixed &>> 32 | mixed &<< 32
        if old.bits == core.pointee.swappable, key < UInt64(truncatingIfNeeded: core.pointee.recordCount),
            core.pointee.records[Int(truncatingIfNeeded: key)]._status.canBeSwappedInto
        {
            beginUnwind(
                core, from: Int(truncatingIfNeeded: old.bits &>> 32), to: Int32(truncatingIfNeeded: key))
        } else {
            try startSwapChecked(core, from: old, to: new)
        }
    }

    /// `asyncify_start_unwind` into `from`'s area, with `to` as the next fiber.
    ///
    /// When `from` is ``FiberCore/swappable`` its record already holds what the swap
    /// would save: the C stack pointer (`stackSave`; see ``FiberCore/stackOwner``)
    /// and the rewind id, the bottom export, which is the export the trampoline
    /// called for it (``FiberCore/enterFiber(_:_:)`` records an entry's id). The
    /// slow path saves both otherwise.
    @inlinable
    @inline(__always)
    static func beginUnwind(_ core: Core, from: Int, to: Int32) {
        let record = core.pointee.records + from
        assert(record.pointee._rewindID == core.pointee.exportStack[0], "rewind id is not the bottom export")
        record.pointee._status = .suspended
        core.pointee.data = FiberRecord.data(record)
        core.pointee.swappable = 0
        core.pointee.next = to
        // Last, so that the caller's `unwinding(at:)` test right after is known true.
        core.pointee.state = .unwinding
    }

    /// Copies the C stack pointer global into fiber `from`'s record (the first swap
    /// out of a current-context fiber, or out of a fiber woken from a sleep).
    @usableFromInline
    @inline(never)
    static func saveCStackPointer(_ core: Core, into from: Int) {
        core.pointee.records[from].cStackPointer = core.pointee.cStackGlobals.pointer
    }

    /// The slow path of ``startSwap(_:from:to:)``: every check, one at a time.
    @usableFromInline
    @inline(never)
    static func startSwapChecked(_ core: Core, from old: Fiber, to new: Fiber) throws(FiberError) {
        guard core.pointee.exportDepth > 0 else {
            throw FiberError(
                .swapOutsideTrampoline,
                "swap from \(old) to \(new) outside any export: there is no stack to unwind", fiber: new)
        }
        guard core.pointee.state == .normal else {
            throw FiberError.invalidTransition(.startUnwind, in: core.pointee.state)
        }
        let target = try validateTarget(core, new)
        guard old.runtimeID == core.pointee.runtimeID, Int(old.index) < core.pointee.recordCount else {
            throw FiberError(
                .swapFromNonCurrentFiber, "swap from \(old), which is not a fiber of this runtime", fiber: old
            )
        }
        let from = Int32(old.index)
        let record = core.pointee.records + Int(from)
        let current = core.pointee.current
        if current != from {
            guard current < 0, record.pointee.status == .currentContext else {
                throw FiberError(
                    .swapFromNonCurrentFiber,
                    "swap from \(record.pointee.name) (\(record.pointee.status)), but "
                        + "\(core.pointee.ownerName(current)) is the running context", fiber: old)
            }
            // The swap completes the current-context fiber: it is now the running one.
            core.pointee.current = from
        }
        // `stackSave`: the fast path's fiber owns the globals; this one may not.
        if core.pointee.stackOwner != from { saveCStackPointer(core, into: Int(from)) }
        // The rewind id: the bottom export (for a current-context fiber, the export
        // it runs in; the fast path's fiber has it recorded already).
        record.pointee.rewindID = core.pointee.exportStack[0]
        beginUnwind(core, from: Int(from), to: target)
    }

    /// Checks that `fiber` can be switched into and returns its index.
    @usableFromInline
    @inline(__always)
    static func validateTarget(_ core: Core, _ fiber: Fiber) throws(FiberError) -> Int32 {
        if fiber.runtimeID == core.pointee.runtimeID, Int(fiber.index) < core.pointee.recordCount,
            core.pointee.records[Int(fiber.index)].status.canBeSwappedInto
        {
            return Int32(fiber.index)
        }
        throw targetError(core, fiber)
    }

    /// Why `fiber` cannot be switched into.
    @usableFromInline
    @inline(never)
    static func targetError(_ core: Core, _ fiber: Fiber) -> FiberError {
        guard fiber.runtimeID == core.pointee.runtimeID, Int(fiber.index) < core.pointee.recordCount else {
            return FiberError(
                .swapIntoForeignFiber,
                "swap into \(fiber) of runtime \(fiber.runtimeID), which is not a fiber of runtime "
                    + "\(core.pointee.runtimeID)", fiber: fiber)
        }
        let record = core.pointee.records + Int(fiber.index)
        let name = record.pointee.name
        let status = record.pointee.status
        switch status {
        case .finished, .failed:
            return FiberError(.swapIntoFinishedFiber, "swap into \(name), which has \(status)", fiber: fiber)
        case .running, .sleeping:
            return FiberError(.swapIntoRunningFiber, "swap into \(name), which is \(status)", fiber: fiber)
        case .uninitialized, .currentContext, .ready, .suspended:
            return FiberError(
                .swapIntoUninitializedFiber,
                "swap into \(name), which is \(status): only a swap out of it completes it", fiber: fiber)
        }
    }
}
