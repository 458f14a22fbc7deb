/// One activation of a participating Swift function: how it saves its live
/// values when a callee unwinds and restores them when the export is rewound.
///
/// This is the Swift form of what Binaryen's Asyncify pass adds to every
/// instrumented function. The ceremony is four lines:
///
/// ```swift
/// func countUp(_ cx: FiberContext, from start: Int) throws(FiberError) {
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
/// - After every call that may unwind, `if try frame.unwinding(...) { return }`.
///
/// The frame is written as `[Int32 call site][values at natural size]`.
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
    ///   - values: The live values to keep, each bitwise-copyable.
    /// - Returns: Whether the function must return now.
    /// - Throws: ``FiberError/Code/asyncifyStackOverflow`` when the frame does not
    ///   fit; nothing is written then.
    @inlinable
    public func unwinding<each Value: BitwiseCopyable>(
        at callSite: Int32, saving values: repeat each Value
    ) throws(FiberError) -> Bool {
        guard core.pointee.state == .unwinding else { return false }
        var size = MemoryLayout<Int32>.size
        for value in repeat each values { size &+= MemoryLayout.size(ofValue: value) }
        guard let at = core.pointee.data.push(byteCount: size) else {
            throw FiberCore.overflow(core, needed: size)
        }
        at.storeBytes(of: callSite, as: Int32.self)
        var offset = MemoryLayout<Int32>.size
        for value in repeat each values {
            at.storeBytes(of: value, toByteOffset: offset, as: type(of: value))
            offset &+= MemoryLayout.size(ofValue: value)
        }
        return true
    }

    /// Pops this frame while rewinding: returns the saved values (in the order
    /// they were saved) and sets ``resumePoint`` to the saved call site.
    ///
    /// - Returns: The values, as a tuple when there are several.
    /// - Throws: ``FiberError/Code/asyncifyStackUnderflow`` when the buffer holds
    ///   less than the frame's size (the frame was saved with other types).
    @inlinable
    public mutating func restore<each Value: BitwiseCopyable>() throws(FiberError) -> (repeat each Value) {
        var size = MemoryLayout<Int32>.size
        for valueSize in repeat MemoryLayout<each Value>.size { size &+= valueSize }
        guard let at = core.pointee.data.pop(byteCount: size) else {
            throw FiberCore.underflow(core, needed: size)
        }
        _resumePoint = at.loadUnaligned(as: Int32.self)
        var offset = MemoryLayout<Int32>.size
        return (repeat Self.load((each Value).self, from: at, offset: &offset))
    }

    @inlinable
    static func load<Value: BitwiseCopyable>(
        _ type: Value.Type, from base: UnsafeMutableRawPointer, offset: inout Int
    ) -> Value {
        let value = base.loadUnaligned(fromByteOffset: offset, as: Value.self)
        offset &+= MemoryLayout<Value>.size
        return value
    }
}

extension FiberCore {
    /// The overflow error for a push of `needed` bytes into the current buffer.
    @usableFromInline
    @inline(never)
    static func overflow(_ core: Core, needed: Int) -> FiberError {
        let owner = core.pointee.dataOwner
        let free = core.pointee.data.bytesFree
        let total = core.pointee.data.end - core.pointee.data.start
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
        let used = core.pointee.data.bytesUsed
        return FiberError(
            .asyncifyStackUnderflow,
            "Asyncify stack underflow in \(core.pointee.ownerName(owner)): a frame needs \(needed) bytes, "
                + "only \(used) are saved", fiber: core.pointee.handle(owner), bytesNeeded: needed,
            bytesAvailable: used)
    }
}
