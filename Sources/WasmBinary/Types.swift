// The type vocabulary of a WebAssembly module (core spec, section 2.3 / 5.3).
// Everything here is plain data: Equatable, Hashable and Sendable, so that
// decoders, validators, interpreters and code generators can share it freely.

/// A value type: the four numeric types and the two reference types.
///
/// The raw value is the type's binary encoding, so decoders and encoders can
/// use `ValueType(rawValue:)` and `.rawValue` directly. `v128` (SIMD) is not
/// part of this package's feature set and is rejected by the decoder.
public enum ValueType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A 32-bit integer.
    case i32 = 0x7F
    /// A 64-bit integer.
    case i64 = 0x7E
    /// An IEEE 754 single-precision float.
    case f32 = 0x7D
    /// An IEEE 754 double-precision float.
    case f64 = 0x7C
    /// A reference to a function, or null.
    case funcref = 0x70
    /// A reference the host owns, opaque to Wasm, or null.
    case externref = 0x6F

    /// Whether this is a reference type (`funcref` or `externref`).
    public var isReference: Bool { self == .funcref || self == .externref }

    /// The type's name as it appears in the text format.
    public var description: String {
        switch self {
        case .i32: "i32"
        case .i64: "i64"
        case .f32: "f32"
        case .f64: "f64"
        case .funcref: "funcref"
        case .externref: "externref"
        }
    }
}

/// A reference type: the element type of a table or of a `ref.null`.
public enum ReferenceType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A reference to a function, or null.
    case funcref = 0x70
    /// A reference the host owns, opaque to Wasm, or null.
    case externref = 0x6F

    /// The same type viewed as a value type.
    public var valueType: ValueType { self == .funcref ? .funcref : .externref }

    /// The type's name as it appears in the text format.
    public var description: String { valueType.description }
}

/// A function signature: parameter types and result types (multi-value allowed).
public struct FunctionType: Sendable, Hashable, CustomStringConvertible {
    /// The parameter types, in order.
    public var parameters: [ValueType]
    /// The result types, in order.
    public var results: [ValueType]

    /// Creates a function type from its parameter and result types.
    public init(parameters: [ValueType] = [], results: [ValueType] = []) {
        self.parameters = parameters
        self.results = results
    }

    /// The type in text-format style, e.g. `(i32 i64) -> (f64)`.
    public var description: String {
        "(\(parameters.map(\.description).joined(separator: " "))) -> (\(results.map(\.description).joined(separator: " ")))"
    }
}

/// Size limits of a memory (in 64 KiB pages) or a table (in elements).
///
/// The binary encoding packs `hasMaximum` (0x01), ``isShared`` (0x02) and
/// ``is64`` (0x04, memory64) into one flags byte; the TB modules import
/// `env.memory` with flags 0x07 (shared 64-bit memory with a maximum).
public struct Limits: Sendable, Hashable {
    /// The initial size.
    public var min: UInt64
    /// The maximum size, if any.
    public var max: UInt64?
    /// Whether the memory is shared between threads (threads proposal).
    public var isShared: Bool
    /// Whether addresses are 64-bit (memory64 proposal).
    public var is64: Bool

    /// Creates limits. Sizes are in pages for memories and elements for tables.
    public init(min: UInt64, max: UInt64? = nil, isShared: Bool = false, is64: Bool = false) {
        self.min = min
        self.max = max
        self.isShared = isShared
        self.is64 = is64
    }

    /// The flags byte of the binary encoding.
    public var flags: UInt8 {
        (max != nil ? 0x01 : 0) | (isShared ? 0x02 : 0) | (is64 ? 0x04 : 0)
    }
}

/// The type of a linear memory: its limits in 64 KiB pages.
public typealias MemoryType = Limits

/// The type of a table: its element type and limits.
public struct TableType: Sendable, Hashable {
    /// The type of the references the table holds.
    public var elementType: ReferenceType
    /// The table's size limits, in elements.
    public var limits: Limits

    /// Creates a table type.
    public init(elementType: ReferenceType, limits: Limits) {
        self.elementType = elementType
        self.limits = limits
    }
}

/// The type of a global variable.
public struct GlobalType: Sendable, Hashable {
    /// The type of the value the global holds.
    public var valueType: ValueType
    /// Whether `global.set` may change it.
    public var isMutable: Bool

    /// Creates a global type.
    public init(valueType: ValueType, isMutable: Bool) {
        self.valueType = valueType
        self.isMutable = isMutable
    }
}

/// The signature of a `block`, `loop` or `if`.
public enum BlockType: Sendable, Hashable {
    /// No parameters, no results (encoded as 0x40).
    case empty
    /// No parameters, one result.
    case value(ValueType)
    /// Parameters and results given by a type index (multi-value).
    case typeIndex(UInt32)
}

/// The immediate of a memory access: alignment hint (log2 of bytes) and a static offset.
///
/// The offset is 64-bit so that memory64 modules can be represented; for
/// 32-bit memories the validator requires it to fit in 32 bits.
public struct MemArg: Sendable, Hashable {
    /// log2 of the alignment hint in bytes.
    public var align: UInt32
    /// The static offset added to the dynamic address.
    public var offset: UInt64

    /// Creates a memory immediate.
    public init(align: UInt32, offset: UInt64) {
        self.align = align
        self.offset = offset
    }
}
