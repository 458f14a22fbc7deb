/// Everything that can go wrong in the fiber core, as one error type.
///
/// Modelled on swift-nio's and swift-system's error structs: a ``reason`` to match
/// on, a human ``message`` that says what was wrong and where (which fiber, how
/// many bytes), and the fields a program may want to inspect.
public struct FiberError: Error, CustomStringConvertible {
    /// What kind of error this is.
    public enum Reason: Hashable, Sendable {
        /// A push would write past the end of a fiber's Asyncify data buffer.
        case asyncifyStackOverflow
        /// A pop would read below the start of the Asyncify data buffer.
        case asyncifyStackUnderflow
        /// A state transition was requested from the wrong state.
        case invalidStateTransition
        /// `swap` targeted a fiber whose entry returned or that failed.
        case swapIntoFinishedFiber
        /// `swap` targeted the fiber that is running.
        case swapIntoRunningFiber
        /// `swap` targeted a fiber that was never initialised, or one made by
        /// `initializeFromCurrentContext` that no swap has completed yet.
        case swapIntoUninitializedFiber
        /// `swap` named a fiber of another runtime, or one that does not exist.
        case swapIntoForeignFiber
        /// `swap(from:to:)` named as `from` a fiber that is not the running context.
        case swapFromNonCurrentFiber
        /// A fiber's entry function returned (undefined behaviour in Emscripten).
        case entryReturned
        /// `swap` or `handleSleep` was called while no export is running.
        case swapOutsideTrampoline
        /// `handleSleep` was called while another sleep is in flight.
        case sleepInFlight
        /// `wakeUp(with:)` was called while no sleep is in flight.
        case noSleepInFlight
        /// A rewind stopped with the data position not back at its unwind start, or an
        /// export returned while still rewinding: some frame saved and restored
        /// different things.
        case rewindMismatch
        /// Exports nested deeper than the export call stack holds.
        case exportCallStackOverflow
        /// `run`, `resume` or `wakeUp` was called while the runtime is busy.
        case runtimeBusy
        /// A fiber's function threw an error of its own (see ``FiberError/underlying``).
        case fiberThrew
    }

    /// The payload, boxed so that a `FiberError` is one pointer: typed throws then
    /// return it in a register and the hot path reserves no stack for it.
    final class Storage: Sendable {
        let reason: Reason
        let message: String
        let fiber: Fiber?
        let bytesNeeded: Int?
        let bytesAvailable: Int?
        let state: AsyncifyState?
        let underlying: (any Error)?

        init(
            reason: Reason, message: String, fiber: Fiber?, bytesNeeded: Int?, bytesAvailable: Int?,
            state: AsyncifyState?, underlying: (any Error)?
        ) {
            self.reason = reason
            self.message = message
            self.fiber = fiber
            self.bytesNeeded = bytesNeeded
            self.bytesAvailable = bytesAvailable
            self.state = state
            self.underlying = underlying
        }
    }

    let storage: Storage

    /// What kind of error this is.
    public var reason: Reason { storage.reason }
    /// A sentence saying what was wrong and where.
    public var message: String { storage.message }
    /// The fiber the error concerns, if any.
    public var fiber: Fiber? { storage.fiber }
    /// For overflow: the bytes the push needed; for underflow: the bytes the pop needed.
    public var bytesNeeded: Int? { storage.bytesNeeded }
    /// For overflow and underflow: the bytes that were available.
    public var bytesAvailable: Int? { storage.bytesAvailable }
    /// For an invalid transition: the state the machine was in.
    public var state: AsyncifyState? { storage.state }
    /// The error a fiber's function threw, for ``Reason/fiberThrew``.
    public var underlying: (any Error)? { storage.underlying }

    /// Makes an error.
    ///
    /// - Parameters:
    ///   - reason: What kind of error it is.
    ///   - message: A sentence saying what was wrong and where.
    ///   - fiber: The fiber concerned.
    ///   - bytesNeeded: For overflow and underflow, the bytes a push or pop needed.
    ///   - bytesAvailable: For overflow and underflow, the bytes available.
    ///   - state: For an invalid transition, the state the machine was in.
    ///   - underlying: The error a fiber's function threw.
    public init(
        _ reason: Reason, _ message: String, fiber: Fiber? = nil, bytesNeeded: Int? = nil,
        bytesAvailable: Int? = nil, state: AsyncifyState? = nil, underlying: (any Error)? = nil
    ) {
        storage = Storage(
            reason: reason, message: message, fiber: fiber, bytesNeeded: bytesNeeded,
            bytesAvailable: bytesAvailable,
            state: state, underlying: underlying)
    }

    /// `reason: message`.
    public var description: String { "\(reason): \(message)" }

    /// An illegal transition attempted in `state`.
    @usableFromInline
    @inline(never)
    static func invalidTransition(_ transition: AsyncifyTransition, in state: AsyncifyState) -> FiberError {
        // Starting an unwind while one is under way is what a participating
        // function does when a call it made unwound and it went on running
        // instead of saving its frame and returning: name that likely cause.
        let hint =
            transition == .startUnwind && state == .unwinding
            ? "; likely cause: a call that swapped or slept returned to a caller that did not check "
                + "`if try frame.unwinding(at:) { return }` (or `isUnwinding`) and kept running until "
                + "the next swap or sleep" : ""
        return FiberError(
            .invalidStateTransition,
            "invalid Asyncify state transition \(transition) (\(transition.from) -> \(transition.to)) "
                + "in state \(state)" + hint, state: state)
    }
}
