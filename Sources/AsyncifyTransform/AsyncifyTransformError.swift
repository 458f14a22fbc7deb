/// Why ``AsyncifyTransform`` refused a module: what was wrong, where, and
/// what to do about it.
public struct AsyncifyTransformError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The input module does not decode or validate.
        case invalidModule
        /// The list of async imports is not empty but names no function import of the module.
        case importListMatchesNothing
        /// An entry of the only-, add- or remove-list names no defined function.
        case listEntryMatchesNothing
        /// The only-list was combined with the add- or remove-list (Binaryen refuses this too).
        case conflictingLists
        /// A function is both in the add-list and in the remove-list.
        case functionInAddAndRemoveList
        /// The module has no linear memory to keep Asyncify data in.
        case noMemory
        /// The module already has Asyncify's exports or imports Binaryen's `asyncify.*` runtime functions.
        case alreadyInstrumented
        /// The module uses a construct the pass does not handle (named in the message): a start
        /// function that may unwind (nothing can resume a module during instantiation).
        case unsupportedFeature
        /// A list argument `@file` names a file that cannot be read.
        case listFileUnreadable
        /// A reference-typed local (or operand stack value) is live across a call that may unwind;
        /// its value cannot be written to linear memory.
        case referenceLiveAcrossCall
        /// An instrumented function would exceed the configured limits (locals or frame size).
        case functionTooLarge
    }

    /// What went wrong.
    public var reason: Reason
    /// What was wrong, where, and what to do.
    public var message: String
    /// The defined-function index space position (imports first) of the function concerned, if any.
    public var function: UInt32?

    /// Creates an error.
    public init(_ reason: Reason, _ message: String, function: UInt32? = nil) {
        self.reason = reason
        self.message = message
        self.function = function
    }

    /// The message.
    public var description: String { message }
}
