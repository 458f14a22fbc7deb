// Traps: the ways Wasm execution can fail at run time. Each reason's
// description is the message the spec test suite uses for it, so a runner can
// compare them directly.

/// A Wasm trap: execution stopped because an instruction could not complete.
///
/// After a trap the ``Store`` is usable again: its value and call stacks are
/// reset to where they were before the failed call.
public struct Trap: Error, Equatable, CustomStringConvertible {
    /// Why execution trapped.
    public enum Reason: Equatable, Sendable {
        /// `unreachable` was executed.
        case unreachable
        /// Signed division overflowed, or a float-to-int conversion was out of range.
        case integerOverflow
        /// Integer division or remainder by zero.
        case integerDivideByZero
        /// A float-to-int conversion of a NaN.
        case invalidConversionToInteger
        /// A memory access, `memory.init`/`copy`/`fill` or data segment outside the memory.
        case outOfBoundsMemoryAccess
        /// A table access, `table.init`/`copy`/`fill` or element segment outside the table.
        case outOfBoundsTableAccess
        /// `call_indirect` found a function of another type.
        case indirectCallTypeMismatch
        /// `call_indirect` with an index past the end of the table.
        case undefinedElement
        /// `call_indirect` through a null table entry.
        case uninitializedElement
        /// The call depth limit or the value stack was exhausted.
        case callStackExhausted
        /// An atomic access at a misaligned address.
        case unalignedAtomic
        /// `memory.atomic.wait` on a memory that is not shared.
        case expectedSharedMemory
        /// `memory.atomic.wait` would block forever: no other thread can notify it.
        case waitWouldBlockForever
        /// The store's ``Store/fuel`` ran out (only in a store created with
        /// ``Store/Configuration/fuelMetering``).
        case fuelExhausted
    }

    /// Why execution trapped.
    public var reason: Reason

    /// Creates a trap for a reason.
    public init(_ reason: Reason) { self.reason = reason }

    /// The spec's message for the trap, e.g. `integer divide by zero`.
    public var description: String {
        switch reason {
        case .unreachable: "unreachable"
        case .integerOverflow: "integer overflow"
        case .integerDivideByZero: "integer divide by zero"
        case .invalidConversionToInteger: "invalid conversion to integer"
        case .outOfBoundsMemoryAccess: "out of bounds memory access"
        case .outOfBoundsTableAccess: "out of bounds table access"
        case .indirectCallTypeMismatch: "indirect call type mismatch"
        case .undefinedElement: "undefined element"
        case .uninitializedElement: "uninitialized element"
        case .callStackExhausted: "call stack exhausted"
        case .unalignedAtomic: "unaligned atomic"
        case .expectedSharedMemory: "expected shared memory"
        case .waitWouldBlockForever: "wait on a single thread would block forever"
        case .fuelExhausted: "fuel exhausted: the store's fuel budget ran out (set Store.fuel to continue)"
        }
    }

    // Out-of-line constructors keep the trap paths out of the interpreter loop.
    @inline(never) static func outOfBoundsMemory() -> Trap { Trap(.outOfBoundsMemoryAccess) }
    @inline(never) static func make(_ reason: Reason) -> Trap { Trap(reason) }
}
