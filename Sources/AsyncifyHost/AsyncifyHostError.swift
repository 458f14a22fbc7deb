/// Everything that can go wrong while the host drives an Asyncify-instrumented
/// module: the misuses Emscripten's JS glue reports, and the cases Emscripten
/// leaves undefined.
public struct AsyncifyHostError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// An import started a sleep while another one was in flight
        /// (Emscripten: "invalid state" / "Cannot have multiple async operations in flight").
        case sleepInFlight
        /// An import that was not declared async changed the Asyncify state
        /// (Emscripten: "import X was not in ASYNCIFY_IMPORTS, but changed the state").
        case importChangedState
        /// A wake-up tried to start a rewind while Wasm code was on the stack
        /// (Emscripten: "Waking up (starting to rewind) must be done from JS, without
        /// compiled code on the stack").
        case rewindWithWasmOnStack
        /// Unwinding a fiber or a sleep wrote past the end of its Asyncify data buffer.
        case asyncifyStackOverflow
        /// A fiber's entry function returned (undefined in Emscripten).
        case fiberEntryReturned
        /// A swap or sleep was asked for in a state where it cannot happen.
        case invalidState
        /// A rewind id in a data header names no export the host knows.
        case unknownRewindID
        /// The module lacks an export the host needs (`asyncify_start_unwind`, `malloc`...).
        case missingExport
        /// A fiber record or data header lies outside linear memory.
        case badPointer
        /// The wake-up handle was already used.
        case wakeUpReused
    }

    /// What went wrong.
    public var reason: Reason
    /// What was wrong and where (fiber address, sizes, import name).
    public var message: String
    /// The fiber record involved, if any.
    public var fiber: UInt64?
    /// The size in bytes of the Asyncify stack involved, if any.
    public var stackSize: UInt64?

    /// Creates an error.
    public init(_ reason: Reason, _ message: String, fiber: UInt64? = nil, stackSize: UInt64? = nil) {
        self.reason = reason
        self.message = message
        self.fiber = fiber
        self.stackSize = stackSize
    }

    /// The message.
    public var description: String { message }
}

/// Thrown through the interpreter when the program calls WASI `proc_exit`; the
/// host turns it into the exit code of ``AsyncifyInstance/runStart()``.
public struct ProgramExit: Error, Equatable, CustomStringConvertible {
    /// The code passed to `proc_exit`.
    public var code: Int32

    /// Creates an exit with a code.
    public init(code: Int32) { self.code = code }

    /// `exit code N`.
    public var description: String { "exit code \(code)" }
}
