/// One activation of a participating Swift function: how it saves its live
/// values when a callee unwinds and restores them when the export is rewound.
///
/// This is the Swift form of what Binaryen's Asyncify pass adds to every
/// instrumented function. The ceremony is four lines:
///
/// ```swift
/// func countUp(_ cx: FiberContext, from start: Int, me: Fiber, other: Fiber) throws(FiberError) {
///     var i = start
///     var frame = cx.enter()
///     if frame.isRewinding { i = try frame.restore() }  // pop [call site][i]
///     while i < start + 10 {
///         if frame.isNormal { print(i) }                 // not re-run on rewind
///         try cx.swap(from: me, to: other)               // call site 1
///         if try frame.unwinding(at: 1, saving: i) { return }
///         i += 1
///     }
/// }
/// ```
///
/// Rules (the same Binaryen's output follows):
/// - Save every value still needed after the call; restore them, in the same
///   order and types, first thing on entry when ``isRewinding``.
/// - Guard code before a call with ``isNormal`` (or ``calls(_:)`` for the
///   call itself when a function has several call sites), so a rewind runs
///   none of it; branch conditions on the way to the call must depend only on
///   restored values.
/// - Parameters need no saving unless the function changes them: a rewinding
///   caller calls again with arguments computed from its own restored values
///   (and the trampoline passes an entry its argument again).
/// - After every call that may unwind, `if try frame.unwinding(...) { return }`.
///
/// The frame is written as `[Int32 call site][saved values]`.
@frozen
public struct AsyncifyFrame: ~Copyable {
    @usableFromInline let core: UnsafeMutablePointer<FiberCore>
    @usableFromInline var _resumePoint: Int32

    /// The call site being resumed while rewinding (set by ``restore()``), 0 otherwise.
    @inlinable
    public var resumePoint: Int32 { _resumePoint }

    @inlinable
    init(core: UnsafeMutablePointer<FiberCore>) {
        self.core = core
        _resumePoint = 0
    }

    /// Whether code runs as usual (state normal). Guard code before a call with it.
    @inlinable
    public var isNormal: Bool { core.pointee.state == .normal }

    /// Whether the function is being re-entered by a rewind.
    @inlinable
    public var isRewinding: Bool { core.pointee.state == .rewinding }

    /// Whether a callee is unwinding.
    @inlinable
    public var isUnwinding: Bool { core.pointee.state == .unwinding }

    /// Whether call site `callSite` should be executed: in state normal, or when
    /// rewinding to exactly this call site. Mirrors Binaryen's
    /// `if (state == normal || callIndex == N)` around each call.
    @inlinable
    public func calls(_ callSite: Int32) -> Bool {
        let state = core.pointee.state
        return state == .normal || (state == .rewinding && _resumePoint == callSite)
    }

    /// If a callee is unwinding, pushes this frame - the call site, then `values`
    /// - onto the fiber's Asyncify buffer and returns `true`: the caller must then
    /// return at once. Otherwise returns `false` and does nothing.
    ///
    /// - Parameters:
    ///   - callSite: The number of the call that just returned (any value but 0,
    ///     distinct per call in the function).
    ///   - values: The live values to keep: one bitwise-copyable value, or a tuple
    ///     of them. They are stored as one unaligned block of
    ///     `MemoryLayout<Saved>.size` bytes (a tuple keeps Swift's padding).
    /// - Returns: Whether the function must return now.
    /// - Throws: ``FiberError/Reason/asyncifyStackOverflow`` when the frame does not
    ///   fit; nothing is written then.
    @inlinable @inline(__always)
    public func unwinding<Saved: BitwiseCopyable>(
        at callSite: Int32, saving values: Saved
    ) throws(FiberError) -> Bool {
        guard core.pointee.state == .unwinding else { return false }
        let size = MemoryLayout<Int32>.size &+ MemoryLayout<Saved>.size
        guard let at = core.pointee.data.pointee.push(byteCount: size) else {
            throw FiberCore.overflow(core, needed: size)
        }
        at.storeBytes(of: callSite, as: Int32.self)
        at.storeBytes(of: values, toByteOffset: MemoryLayout<Int32>.size, as: Saved.self)
        return true
    }

    /// If a callee is unwinding, pushes a frame holding only the call site and
    /// returns `true`; otherwise returns `false`.
    ///
    /// - Parameter callSite: The number of the call that just returned.
    /// - Returns: Whether the function must return now.
    /// - Throws: ``FiberError/Reason/asyncifyStackOverflow`` when 4 bytes do not fit.
    @inlinable @inline(__always)
    public func unwinding(at callSite: Int32) throws(FiberError) -> Bool {
        guard core.pointee.state == .unwinding else { return false }
        let size = MemoryLayout<Int32>.size
        guard let at = core.pointee.data.pointee.push(byteCount: size) else {
            throw FiberCore.overflow(core, needed: size)
        }
        at.storeBytes(of: callSite, as: Int32.self)
        return true
    }

    /// Pops this frame while rewinding: returns the saved values and sets
    /// ``resumePoint`` to the saved call site.
    ///
    /// - Returns: The value (or tuple) given to ``unwinding(at:saving:)``; its type
    ///   must be the saved one.
    /// - Throws: ``FiberError/Reason/asyncifyStackUnderflow`` when the buffer holds
    ///   less than the frame's size.
    @inlinable @inline(__always)
    public mutating func restore<Saved: BitwiseCopyable>() throws(FiberError) -> Saved {
        let size = MemoryLayout<Int32>.size &+ MemoryLayout<Saved>.size
        guard let at = core.pointee.data.pointee.pop(byteCount: size) else {
            throw FiberCore.underflow(core, needed: size)
        }
        _resumePoint = at.loadUnaligned(as: Int32.self)
        return at.loadUnaligned(fromByteOffset: MemoryLayout<Int32>.size, as: Saved.self)
    }

    /// Pops a frame that saved no values, setting ``resumePoint`` to its call site.
    ///
    /// - Throws: ``FiberError/Reason/asyncifyStackUnderflow`` when the buffer is empty.
    @inlinable @inline(__always)
    public mutating func restore() throws(FiberError) {
        let size = MemoryLayout<Int32>.size
        guard let at = core.pointee.data.pointee.pop(byteCount: size) else {
            throw FiberCore.underflow(core, needed: size)
        }
        _resumePoint = at.loadUnaligned(as: Int32.self)
    }
}

extension FiberCore {
    /// The overflow error for a push of `needed` bytes into the current buffer.
    @usableFromInline
    @inline(never)
    static func overflow(_ core: Core, needed: Int) -> FiberError {
        let owner = core.pointee.dataOwner
        let free = core.pointee.data.pointee.bytesFree
        let total = core.pointee.data.pointee.end - core.pointee.data.pointee.start
        return FiberError(
            .asyncifyStackOverflow,
            "Asyncify stack overflow in \(core.pointee.ownerName(owner)): a frame needs \(needed) bytes, "
                + "\(free) of \(total) are free", fiber: core.pointee.handle(owner), bytesNeeded: needed,
            bytesAvailable: free)
    }

    /// The underflow error for a pop of `needed` bytes from the current buffer.
    @usableFromInline
    @inline(never)
    static func underflow(_ core: Core, needed: Int) -> FiberError {
        let owner = core.pointee.dataOwner
        let used = core.pointee.data.pointee.bytesUsed
        return FiberError(
            .asyncifyStackUnderflow,
            "Asyncify stack underflow in \(core.pointee.ownerName(owner)): a frame needs \(needed) bytes, "
                + "only \(used) are saved; likely cause: a frame restores what it never saved, because a call "
                + "that swapped or slept returned to a caller that did not check "
                + "`if try frame.unwinding(at:) { return }` (its frame was not pushed)",
            fiber: core.pointee.handle(owner), bytesNeeded: needed,
            bytesAvailable: used)
    }
}
