/// A handle to a fiber of one ``FiberRuntime``: a plain value you can store,
/// compare, and save in an Asyncify frame.
///
/// Mirrors a pointer to an `emscripten_fiber_t`. The handle remembers which
/// runtime made it, so using it with another runtime is a typed error
/// (``FiberError/Reason/swapIntoForeignFiber``) rather than undefined behaviour.
@frozen
public struct Fiber: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The handle as one word: the runtime id in the low half, the index in the
    /// high half. One word travels in one register and compares in one
    /// instruction, which the swap's fast path relies on.
    @usableFromInline let bits: UInt64

    /// The identity of the runtime that made the fiber.
    @inlinable
    public var runtimeID: UInt32 { UInt32(truncatingIfNeeded: bits) }

    /// The fiber's index in its runtime, from 0 in creation order.
    @inlinable
    public var index: UInt32 { UInt32(truncatingIfNeeded: bits &>> 32) }

    @inlinable
    init(bits: UInt64) { self.bits = bits }

    @inlinable
    init(runtimeID: UInt32, index: UInt32) {
        bits = UInt64(runtimeID) | UInt64(index) &<< 32
    }

    /// `fiber #index`.
    public var description: String { "fiber #\(index)" }
}

/// Where a fiber is in its life.
public enum FiberStatus: UInt8, Sendable, CustomStringConvertible {
    /// Allocated by ``FiberRuntime/allocateFiber(name:)``, not yet initialised.
    case uninitialized
    /// Made by `initializeFromCurrentContext`: usable only as the `from` of a swap,
    /// which completes it.
    case currentContext
    /// Initialised with an entry function that has not been called yet.
    case ready
    /// The fiber whose code is running (or unwinding) now.
    case running
    /// Unwound by a swap; its frames wait in its Asyncify buffer to be rewound.
    case suspended
    /// Unwound by `handleSleep`; waits for ``FiberRuntime/wakeUp(with:)``.
    case sleeping
    /// Its entry returned, or its main context returned.
    case finished
    /// Its code threw (overflow, a user error, ...); it cannot run again.
    case failed

    /// Whether a swap may switch into a fiber in this status (ready or suspended).
    @inlinable
    var canBeSwappedInto: Bool { self == .ready || self == .suspended }

    /// The status's name.
    public var description: String {
        switch self {
        case .uninitialized: "uninitialized"
        case .currentContext: "current context"
        case .ready: "ready"
        case .running: "running"
        case .suspended: "suspended"
        case .sleeping: "sleeping"
        case .finished: "finished"
        case .failed: "failed"
        }
    }
}

/// A fiber's record, field for field the `emscripten_fiber_t` of
/// emscripten/fiber.h in its wasm64 layout (C stack base at +0, limit at +8,
/// saved pointer at +16, entry at +24, user data at +32, Asyncify header at
/// +40: position, end, rewind id), followed by the Swift-side bookkeeping.
///
/// The C stack fields are simulated integers (Swift fibers need no C stack)
/// kept so that the record and its updates mirror Emscripten's.
public struct FiberRecord {
    /// The high end of the fiber's C stack (`stack_base`).
    public internal(set) var cStackBase: UInt64
    /// The low end of the fiber's C stack (`stack_limit`).
    public internal(set) var cStackLimit: UInt64
    /// The C stack pointer saved by the last swap out of the fiber (`stack_ptr`).
    public internal(set) var cStackPointer: UInt64
    /// The export index of the entry function still to be called, or -1 once called
    /// (`entry`, cleared by the trampoline before the call).
    public internal(set) var entry: Int32
    /// The argument the entry function receives (`user_data`).
    public internal(set) var userData: UnsafeMutableRawPointer?
    /// The fiber's Asyncify data header: the area and its current position
    /// (`asyncify_data.stack_ptr`, `asyncify_data.stack_limit`).
    @usableFromInline package internal(set) var data: AsyncifyDataStack
    /// The export to call again when rewinding (`asyncify_data.rewind_id`): the
    /// fiber's bottom export, recorded when the trampoline calls its entry or when
    /// its first swap (or one after a wake-up) saves it; -1 before that.
    package internal(set) var rewindID: Int32 {
        get { _rewindID }
        set { _rewindID = newValue }
    }

    /// The fiber's status.
    public internal(set) var status: FiberStatus {
        get { _status }
        set { _status = newValue }
    }
    /// A name for messages; defaults to `fiber #index`.
    public internal(set) var name: String
    /// Whether the runtime allocated `data`'s memory (and frees it).
    var ownsData: Bool
    /// Whether the fiber started from an entry function (an entry that returns is an
    /// error) rather than from a current context (whose return finishes it).
    var hasEntry: Bool
    /// The fiber's handle as ``Fiber/bits`` (what ``FiberCore/swappable`` is set to).
    @usableFromInline var handle: UInt64
    /// Storage of ``rewindID`` and ``status``, which a swap's inlined fast path sets.
    @usableFromInline var _rewindID: Int32
    @usableFromInline var _status: FiberStatus
}

extension FiberRecord {
    /// The byte offset of ``data`` in a record (a constant once optimised).
    @inlinable
    static var dataOffset: Int { MemoryLayout<FiberRecord>.offset(of: \FiberRecord.data)! }

    /// The address of `record`'s Asyncify header (what ``FiberCore/data`` points at).
    @inlinable
    @inline(__always)
    static func data(_ record: UnsafeMutablePointer<FiberRecord>) -> UnsafeMutablePointer<AsyncifyDataStack> {
        UnsafeMutableRawPointer(record).advanced(by: dataOffset).assumingMemoryBound(
            to: AsyncifyDataStack.self)
    }
}
