// The one error type of the binary decoder. Every malformed input ends here,
// never in a crash: the decoder checks each length against the bytes left
// before it reads or allocates anything.

/// Why and where a byte sequence is not a well-formed WebAssembly binary.
///
/// ``reason`` is a small extensible set of causes whose ``Reason/specText``
/// is the message the WebAssembly specification's reference interpreter uses
/// (so a spec-suite runner can compare it with `assert_malformed` texts);
/// ``offset`` is the byte offset in the input where the problem was found;
/// ``section`` names the section being decoded, and ``detail`` says what was
/// expected there.
///
/// ```swift
/// do {
///     let module = try Module(decoding: bytes)
/// } catch {
///     print(error)  // "malformed module at offset 0x1c (code section): integer too large: ..."
/// }
/// ```
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cause of a decode error, named after the specification's message.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// The specification's wording, e.g. `"integer too large"`.
        public let specText: String

        /// Creates a reason with the specification's wording.
        public init(_ specText: String) { self.specText = specText }

        /// The specification's wording.
        public var description: String { specText }

        /// The input ended in the middle of a construct.
        public static let unexpectedEnd = Reason("unexpected end")
        /// A section or function body ended in the middle of a construct.
        public static let unexpectedEndOfSection = Reason("unexpected end of section or function")
        /// A length field points past the end of the input or its section.
        public static let lengthOutOfBounds = Reason("length out of bounds")
        /// The first four bytes are not `\0asm`.
        public static let magicHeaderNotDetected = Reason("magic header not detected")
        /// The version field is not 1.
        public static let unknownBinaryVersion = Reason("unknown binary version")
        /// A section id above 12.
        public static let malformedSectionID = Reason("malformed section id")
        /// A section's contents are shorter or longer than its size field.
        public static let sectionSizeMismatch = Reason("section size mismatch")
        /// A known section out of order, or twice.
        public static let unexpectedContentAfterLastSection = Reason("unexpected content after last section")
        /// A LEB128 integer uses more bytes than its width allows.
        public static let integerRepresentationTooLong = Reason("integer representation too long")
        /// A LEB128 integer's last byte sets bits beyond its width.
        public static let integerTooLarge = Reason("integer too large")
        /// A name is not valid UTF-8.
        public static let malformedUTF8 = Reason("malformed UTF-8 encoding")
        /// A byte that must be zero (memory index of `memory.size` and friends) is not.
        public static let zeroByteExpected = Reason("zero byte expected")
        /// The function and code sections disagree on the number of functions.
        public static let functionAndCodeInconsistent = Reason(
            "function and code section have inconsistent lengths")
        /// The data count section disagrees with the data section.
        public static let dataCountInconsistent = Reason(
            "data count and data section have inconsistent lengths")
        /// `memory.init` or `data.drop` without a data count section.
        public static let dataCountRequired = Reason("data count section required")
        /// A function declares more than 2^32 - 1 locals.
        public static let tooManyLocals = Reason("too many locals")
        /// A global's mutability byte is neither 0 nor 1.
        public static let malformedMutability = Reason("malformed mutability")
        /// A limits flags byte with unknown bits.
        public static let malformedLimitsFlags = Reason("malformed limits flags")
        /// An import kind byte above 3.
        public static let malformedImportKind = Reason("malformed import kind")
        /// An export kind byte above 3.
        public static let malformedExportKind = Reason("malformed export kind")
        /// A byte that should be a value type is not one.
        public static let malformedValueType = Reason("malformed value type")
        /// A byte that should be a reference type is not one.
        public static let malformedReferenceType = Reason("malformed reference type")
        /// A type section entry that does not start with 0x60.
        public static let malformedFunctionType = Reason("malformed function type")
        /// An element segment flags value above 7.
        public static let malformedElementsSegmentKind = Reason("malformed elements segment kind")
        /// An element kind byte other than 0 (funcref).
        public static let malformedElementKind = Reason("malformed element kind")
        /// A data segment flags value above 2.
        public static let malformedDataSegmentKind = Reason("malformed data segment kind")
        /// A block type that is neither 0x40, a value type nor a non-negative type index.
        public static let malformedBlockType = Reason("malformed block type")
        /// An unknown opcode.
        public static let illegalOpcode = Reason("illegal opcode")
        /// A function body's instructions did not finish with `end` where the body ends.
        public static let endOpcodeExpected = Reason("END opcode expected")
        /// A feature this package does not implement (SIMD).
        public static let unsupportedFeature = Reason("unsupported feature")
    }

    /// What went wrong.
    public var reason: Reason
    /// The byte offset in the input at which the problem was detected.
    public var offset: Int
    /// The section being decoded, or `nil` for the module header and section framing.
    public var section: SectionID?
    /// What was expected or found, for humans.
    public var detail: String

    /// Creates a decode error.
    public init(_ reason: Reason, offset: Int, section: SectionID? = nil, detail: String = "") {
        self.reason = reason
        self.offset = offset
        self.section = section
        self.detail = detail
    }

    /// A one-line message: position, section, the specification's wording and the detail.
    public var description: String {
        var text = "malformed module at offset 0x\(String(offset, radix: 16))"
        if let section { text += " (\(section.name) section)" }
        text += ": \(reason.specText)"
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}

extension SectionID {
    /// The section's name as used in messages, e.g. `"data count"`.
    public var name: String {
        switch self {
        case .custom: "custom"
        case .type: "type"
        case .import: "import"
        case .function: "function"
        case .table: "table"
        case .memory: "memory"
        case .global: "global"
        case .export: "export"
        case .start: "start"
        case .element: "element"
        case .code: "code"
        case .data: "data"
        case .dataCount: "data count"
        }
    }
}
