/// Everything that can go wrong in the fiber core, as one extensible error type.
///
/// Modelled on swift-nio's and swift-system's error structs: a ``code`` to match
/// on, a human ``message`` that says what was wrong and where (which fiber, how
/// many bytes), and the fields a program may want to inspect.
public struct FiberError: Error, CustomStringConvertible {
    /// What kind of error this is. Compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        @usableFromInline
        enum Raw: Hashable, Sendable {
            case asyncifyStackOverflow, asyncifyStackUnderflow, invalidStateTransition
            case swapIntoFinishedFiber, swapIntoRunningFiber, swapIntoUninitializedFiber
            case swapIntoForeignFiber, swapFromNonCurrentFiber, entryReturned
            case swapOutsideTrampoline, sleepInFlight, noSleepInFlight, rewindMismatch
            case exportCallStackOverflow, runtimeBusy, fiberThrew
        }
        @usableFromInline let raw: Raw
        @usableFromInline init(_ raw: Raw) { self.raw = raw }

        /// A push would write past the end of a fiber's Asyncify data buffer.
        public static let asyncifyStackOverflow = Code(.asyncifyStackOverflow)
        /// A pop would read below the start of the Asyncify data buffer.
        public static let asyncifyStackUnderflow = Code(.asyncifyStackUnderflow)
        /// A state transition was requested from the wrong state.
        public static let invalidStateTransition = Code(.invalidStateTransition)
        /// `swap` targeted a fiber whose entry returned or that failed.
        public static let swapIntoFinishedFiber = Code(.swapIntoFinishedFiber)
        /// `swap` targeted the fiber that is running.
        public static let swapIntoRunningFiber = Code(.swapIntoRunningFiber)
        /// `swap` targeted a fiber that was never initialised, or one made by
        /// `initializeFromCurrentContext` that no swap has completed yet.
        public static let swapIntoUninitializedFiber = Code(.swapIntoUninitializedFiber)
        /// `swap` named a fiber of another runtime, or one that does not exist.
        public static let swapIntoForeignFiber = Code(.swapIntoForeignFiber)
        /// `swap(from:to:)` named as `from` a fiber that is not the running context.
        public static let swapFromNonCurrentFiber = Code(.swapFromNonCurrentFiber)
        /// A fiber's entry function returned (undefined behaviour in Emscripten).
        public static let entryReturned = Code(.entryReturned)
        /// `swap` or `handleSleep` was called while no export is running.
        public static let swapOutsideTrampoline = Code(.swapOutsideTrampoline)
        /// `handleSleep` was called while another sleep is in flight.
        public static let sleepInFlight = Code(.sleepInFlight)
        /// `wakeUp(with:)` was called while no sleep is in flight.
        public static let noSleepInFlight = Code(.noSleepInFlight)
        /// A rewind stopped with the data position not back at its unwind start, or an
        /// export returned while still rewinding: some frame saved and restored
        /// different things.
        public static let rewindMismatch = Code(.rewindMismatch)
        /// Exports nested deeper than the export call stack holds.
        public static let exportCallStackOverflow = Code(.exportCallStackOverflow)
        /// `run`, `resume` or `wakeUp` was called while the runtime is busy.
        public static let runtimeBusy = Code(.runtimeBusy)
        /// A fiber's function threw an error of its own (see ``FiberError/underlying``).
        public static let fiberThrew = Code(.fiberThrew)

        /// The code's name.
        public var description: String { "\(raw)" }
    }

    /// The payload, boxed so that a `FiberError` is one pointer: typed throws then
    /// return it in a register and the hot path reserves no stack for it.
    final class Storage: Sendable {
        let code: Code
        let message: String
        let fiber: Fiber?
        let bytesNeeded: Int?
        let bytesAvailable: Int?
        let state: AsyncifyState?
        let underlying: (any Error)?

        init(
            code: Code, message: String, fiber: Fiber?, bytesNeeded: Int?, bytesAvailable: Int?,
            state: AsyncifyState?, underlying: (any Error)?
        ) {
            self.code = code
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
    public var code: Code { storage.code }
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
    /// The error a fiber's function threw, for ``Code/fiberThrew``.
    public var underlying: (any Error)? { storage.underlying }

    /// Makes an error.
    ///
    /// - Parameters:
    ///   - code: What kind of error it is.
    ///   - message: A sentence saying what was wrong and where.
    ///   - fiber: The fiber concerned.
    ///   - bytesNeeded: For overflow and underflow, the bytes a push or pop needed.
    ///   - bytesAvailable: For overflow and underflow, the bytes available.
    ///   - state: For an invalid transition, the state the machine was in.
    ///   - underlying: The error a fiber's function threw.
    public init(
        _ code: Code, _ message: String, fiber: Fiber? = nil, bytesNeeded: Int? = nil,
        bytesAvailable: Int? = nil, state: AsyncifyState? = nil, underlying: (any Error)? = nil
    ) {
        storage = Storage(
            code: code, message: message, fiber: fiber, bytesNeeded: bytesNeeded,
            bytesAvailable: bytesAvailable,
            state: state, underlying: underlying)
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

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
