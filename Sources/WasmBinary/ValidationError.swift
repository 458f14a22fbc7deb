// The one error type of the validator. A decoded module that breaks a typing
// or module rule ends here, never in a crash, with the rule's wording from the
// specification and the place (function and instruction, segment, export...)
// where it was found.

/// Why and where a well-formed module is not valid (core spec chapter 3).
///
/// ``reason`` carries the wording the specification's reference interpreter
/// uses (the `text` of `assert_invalid` in the spec suite, e.g. `"type
/// mismatch"`), ``location`` says where, and ``detail`` what exactly was
/// wrong.
///
/// ```swift
/// do {
///     try module.validate()
/// } catch {
///     print(error)  // "invalid module: function 3, instruction 7 (i32.add): type mismatch: expected i32, found f64"
/// }
/// ```
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cause of a validation error, named after the specification's message.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// The specification's wording, e.g. `"type mismatch"`.
        public let specText: String

        /// Creates a reason with the specification's wording.
        public init(_ specText: String) { self.specText = specText }

        /// The specification's wording.
        public var description: String { specText }

        /// An operand, result or immediate has the wrong type (or is missing).
        public static let typeMismatch = Reason("type mismatch")
        /// A local index past the function's parameters and locals.
        public static let unknownLocal = Reason("unknown local")
        /// A global index past the globals visible at that point.
        public static let unknownGlobal = Reason("unknown global")
        /// A function index past the module's functions.
        public static let unknownFunction = Reason("unknown function")
        /// A table index past the module's tables.
        public static let unknownTable = Reason("unknown table")
        /// A memory index past the module's memories.
        public static let unknownMemory = Reason("unknown memory")
        /// A type index past the type section.
        public static let unknownType = Reason("unknown type")
        /// A branch depth past the enclosing blocks.
        public static let unknownLabel = Reason("unknown label")
        /// A data segment index past the data count.
        public static let unknownDataSegment = Reason("unknown data segment")
        /// An element segment index past the element section.
        public static let unknownElementSegment = Reason("unknown elem segment")
        /// `global.set` of an immutable global.
        public static let globalIsImmutable = Reason("global is immutable")
        /// A typed `select` without exactly one type.
        public static let invalidResultArity = Reason("invalid result arity")
        /// A memory access whose alignment exceeds its width.
        public static let alignmentTooLarge = Reason("alignment must not be larger than natural")
        /// An atomic access whose alignment is not exactly its width.
        public static let atomicAlignment = Reason("alignment must be exactly natural")
        /// A memory access offset that does not fit the memory's address type.
        public static let offsetOutOfRange = Reason("offset out of range")
        /// A non-constant instruction (or mutable/defined global) in a constant expression.
        public static let constantExpressionRequired = Reason("constant expression required")
        /// Two exports with the same name.
        public static let duplicateExportName = Reason("duplicate export name")
        /// A 32-bit memory above 65536 pages.
        public static let memorySizeTooLarge = Reason("memory size must be at most 65536 pages (4GiB)")
        /// A 64-bit memory above 2^48 pages.
        public static let memory64SizeTooLarge = Reason("memory size must be at most 2^48 pages")
        /// Limits whose minimum exceeds their maximum.
        public static let minimumGreaterThanMaximum = Reason("size minimum must not be greater than maximum")
        /// A table above 2^32 - 1 elements.
        public static let tableSizeTooLarge = Reason("table size must be at most 2^32-1")
        /// More than one memory (imported plus defined).
        public static let multipleMemories = Reason("multiple memories")
        /// A shared memory without a maximum.
        public static let sharedMemoryNeedsMaximum = Reason("shared memory must have maximum")
        /// A start function whose type is not `() -> ()`.
        public static let startFunction = Reason("start function")
        /// `ref.func` of a function not referenced outside function bodies.
        public static let undeclaredFunctionReference = Reason("undeclared function reference")
        /// `else` or `end` that does not match the enclosing structure.
        public static let unexpectedEnd = Reason("unexpected end")
    }

    /// Where in the module a validation error was found.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        /// The module as a whole (e.g. too many memories).
        case module
        /// An import, by its position in the import section.
        case `import`(Int)
        /// An instruction in a function body: the function index (imports
        /// count first) and the instruction's position in the body.
        case function(index: UInt32, instruction: Int)
        /// A function's declaration (its type index), by function index.
        case functionDeclaration(UInt32)
        /// A table defined by the module, by table index.
        case table(Int)
        /// A memory defined by the module, by memory index.
        case memory(Int)
        /// A global defined by the module, by global index.
        case global(Int)
        /// An export, by its position in the export section.
        case export(Int)
        /// The start section.
        case start
        /// An element segment, by index.
        case element(Int)
        /// A data segment, by index.
        case data(Int)

        /// Where, in words.
        public var description: String {
            switch self {
            case .module: "module"
            case .import(let i): "import \(i)"
            case .function(let f, let i): "function \(f), instruction \(i)"
            case .functionDeclaration(let f): "function \(f)"
            case .table(let i): "table \(i)"
            case .memory(let i): "memory \(i)"
            case .global(let i): "global \(i)"
            case .export(let i): "export \(i)"
            case .start: "start section"
            case .element(let i): "element segment \(i)"
            case .data(let i): "data segment \(i)"
            }
        }
    }

    /// The rule that was broken.
    public var reason: Reason
    /// Where it was broken.
    public var location: Location
    /// What exactly was wrong, e.g. `"expected i32, found f64"`.
    public var detail: String

    /// Creates a validation error.
    public init(_ reason: Reason, at location: Location, _ detail: String = "") {
        self.reason = reason
        self.location = location
        self.detail = detail
    }

    /// `invalid module: <location>: <reason>: <detail>`.
    public var description: String {
        detail.isEmpty
            ? "invalid module: \(location): \(reason)"
            : "invalid module: \(location): \(reason): \(detail)"
    }
}
