/// A syntax or validity error in the text form of a TB, with its position.
public struct TBParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// A mnemonic that names no op (the message names the closest one).
        case unknownOp
        /// A character that starts no token.
        case unexpectedCharacter
        /// A required token (a register, an integer, a name, `,`, `]`, `env`) is
        /// missing or something else stands in its place.
        case expectedToken
        /// Tokens left over after a complete op.
        case trailingOperands
        /// A word where a register `r0`...`r15` belongs.
        case invalidRegister
        /// An integer outside its range: not 64-bit, an offset outside Int32, a bit
        /// position or length outside 0...63 / 1...64.
        case integerOutOfRange
        /// A condition name that is not one of ``TBCond``'s.
        case unknownCondition
        /// A label name that is not an identifier.
        case invalidLabelName
        /// `.pc` given twice, or after an op.
        case misplacedPC
        /// A call of a helper not among those given to
        /// ``TranslationBlock/init(parsing:helpers:)`` (the message lists them).
        case unregisteredHelper
        /// A call whose argument count or result does not match the helper given to
        /// ``TranslationBlock/init(parsing:helpers:)``.
        case helperCallMismatch
        /// The text parses, but the TB it describes is inconsistent: the
        /// ``TBBuilder`` refused it for this reason (a label used but never set, set
        /// twice, too many helper arguments, ...), reported at the text's position.
        case build(TBBuildError.Reason)
    }

    /// What was wrong.
    public var reason: Reason
    /// The 1-based line.
    public var line: Int
    /// The 1-based column (in characters) where the problem starts.
    public var column: Int
    /// What was wrong, in words (with the closest valid name where there is one).
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - reason: What was wrong.
    ///   - line: The 1-based line.
    ///   - column: The 1-based column where the problem starts.
    ///   - message: What was wrong, in words.
    public init(_ reason: Reason, line: Int, column: Int, message: String) {
        self.reason = reason
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line:column: message`.
    public var description: String { "\(line):\(column): \(message)" }
}
