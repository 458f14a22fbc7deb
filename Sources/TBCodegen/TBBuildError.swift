/// Why a ``TBBuilder`` refused to finish a translation block.
public struct TBBuildError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// A branch names a label that is never set.
        case undefinedLabel
        /// A label is set twice.
        case duplicateLabel
        /// A label that this builder did not create.
        case unknownLabel
        /// A helper call passes more than ``TBCallArguments/maxCount`` arguments.
        case tooManyHelperArguments
        /// A helper is called with two different signatures.
        case helperSignatureMismatch
        /// A helper name that is not an identifier, or is reserved (`qemu_ld`, `qemu_st`).
        case invalidHelperName
        /// An `extract`/`sextract` bit range outside 0...63 or of length 0.
        case invalidBitRange
        /// More than 65536 distinct helpers.
        case tooManyHelpers
    }

    /// What was wrong.
    public var reason: Reason
    /// The index of the offending op in the op list.
    public var opIndex: Int
    /// A human explanation.
    public var message: String

    /// Creates an error.
    public init(_ reason: Reason, opIndex: Int, _ message: String) {
        self.reason = reason
        self.opIndex = opIndex
        self.message = message
    }

    /// `op <index>: <message>`.
    public var description: String { "op \(opIndex): \(message)" }
}
