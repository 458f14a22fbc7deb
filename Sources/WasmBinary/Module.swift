// The in-memory model of a WebAssembly module: one field per section, in the
// binary format's own terms (indices, not names). The decoder produces it,
// the encoder writes it back, the validator checks it and the interpreter
// instantiates it.

/// A decoded (or generated) WebAssembly module.
///
/// Function bodies and constant expressions include their terminating
/// `end`. Functions are split as in the binary format: ``functions`` holds the
/// type index of each defined function (function section) and ``codes`` its
/// body (code section), with matching positions.
public struct Module: Sendable, Hashable {
    /// The type section: every function signature.
    public var types: [FunctionType] = []
    /// The import section.
    public var imports: [Import] = []
    /// The function section: the type index of each defined function.
    public var functions: [UInt32] = []
    /// The table section: tables defined by the module.
    public var tables: [TableType] = []
    /// The memory section: memories defined by the module.
    public var memories: [MemoryType] = []
    /// The global section.
    public var globals: [Global] = []
    /// The export section.
    public var exports: [Export] = []
    /// The start section: a function called at instantiation.
    public var start: UInt32?
    /// The element section.
    public var elements: [ElementSegment] = []
    /// The data count section (bulk memory), if present.
    public var dataCount: UInt32?
    /// The code section: one body per defined function.
    public var codes: [FunctionBody] = []
    /// The data section.
    public var data: [DataSegment] = []
    /// Custom sections, each remembering where it stood so re-encoding keeps its place.
    public var customSections: [CustomSection] = []
    /// Known sections that were present in the binary although empty.
    ///
    /// A module may carry, say, an empty type section; keeping that fact lets
    /// `encode(decode(bytes)) == bytes`. Code generators leave it empty.
    public var emptySectionsPresent: Set<SectionID> = []

    /// Creates an empty module.
    public init() {}
}

/// The identifier byte of a section.
public enum SectionID: UInt8, Sendable, Hashable, Comparable, CaseIterable {
    /// Custom data (the `name` section, producers...), ignored by validation.
    case custom = 0
    /// Function types.
    case type = 1
    /// Imports.
    case `import` = 2
    /// The type index of each defined function.
    case function = 3
    /// Tables.
    case table = 4
    /// Memories.
    case memory = 5
    /// Globals with their initialisers.
    case global = 6
    /// Exports.
    case export = 7
    /// The start function.
    case start = 8
    /// Element segments.
    case element = 9
    /// Function bodies: locals and instructions.
    case code = 10
    /// Data segments.
    case data = 11
    /// The number of data segments (needed by `memory.init` and `data.drop`).
    case dataCount = 12

    /// Position in the mandatory section order (data count sits between element and code).
    public var orderRank: Int {
        switch self {
        case .custom: 0
        case .type: 1
        case .import: 2
        case .function: 3
        case .table: 4
        case .memory: 5
        case .global: 6
        case .export: 7
        case .start: 8
        case .element: 9
        case .dataCount: 10
        case .code: 11
        case .data: 12
        }
    }

    /// Whether `lhs` must come before `rhs` in a module (``orderRank``).
    public static func < (lhs: SectionID, rhs: SectionID) -> Bool { lhs.orderRank < rhs.orderRank }
}

/// An imported function, table, memory or global.
public struct Import: Sendable, Hashable {
    /// The module name, e.g. `env`.
    public var module: String
    /// The field name, e.g. `memory`.
    public var name: String
    /// What is imported, with its type.
    public var descriptor: ImportDescriptor

    /// Creates an import.
    public init(module: String, name: String, descriptor: ImportDescriptor) {
        self.module = module
        self.name = name
        self.descriptor = descriptor
    }
}

/// The kind and type of an import.
public enum ImportDescriptor: Sendable, Hashable {
    /// A function with the given type index.
    case function(typeIndex: UInt32)
    /// A table.
    case table(TableType)
    /// A linear memory.
    case memory(MemoryType)
    /// A global.
    case global(GlobalType)
}

/// An exported entity.
public struct Export: Sendable, Hashable {
    /// The export name (unique within the module).
    public var name: String
    /// What is exported.
    public var descriptor: ExportDescriptor

    /// Creates an export.
    public init(name: String, descriptor: ExportDescriptor) {
        self.name = name
        self.descriptor = descriptor
    }
}

/// The kind and index of an export.
public enum ExportDescriptor: Sendable, Hashable {
    /// A function index (imports first, then defined functions).
    case function(UInt32)
    /// A table index.
    case table(UInt32)
    /// A memory index.
    case memory(UInt32)
    /// A global index.
    case global(UInt32)
}

/// A global defined by the module.
public struct Global: Sendable, Hashable {
    /// Its type.
    public var type: GlobalType
    /// The constant expression giving its initial value, including the final `end`.
    public var initializer: [Instruction]

    /// Creates a global.
    public init(type: GlobalType, initializer: [Instruction]) {
        self.type = type
        self.initializer = initializer
    }
}

/// The body of a defined function: its local declarations and its code.
public struct FunctionBody: Sendable, Hashable {
    /// Local declarations as (count, type) runs, as in the binary format.
    public var locals: [LocalGroup]
    /// The instructions, including the final `end`.
    public var body: [Instruction]

    /// Creates a function body.
    public init(locals: [LocalGroup] = [], body: [Instruction]) {
        self.locals = locals
        self.body = body
    }
}

/// A run of `count` locals of one type.
public struct LocalGroup: Sendable, Hashable {
    /// How many locals.
    public var count: UInt32
    /// Their type.
    public var type: ValueType

    /// Creates a run of locals.
    public init(count: UInt32, type: ValueType) {
        self.count = count
        self.type = type
    }
}

/// An element segment (tables' initial contents).
public struct ElementSegment: Sendable, Hashable {
    /// How and when the segment is used.
    public enum Mode: Sendable, Hashable {
        /// Available to `table.init` only.
        case passive
        /// Copied into a table at instantiation, at the given offset.
        case active(tableIndex: UInt32, offset: [Instruction])
        /// Only declares functions referenced by `ref.func`.
        case declarative
    }

    /// The segment's contents.
    public enum Initializers: Sendable, Hashable {
        /// A vector of function indices (flags 0-3).
        case functionIndices([UInt32])
        /// A vector of constant expressions, each with its final `end` (flags 4-7).
        case expressions([[Instruction]])
    }

    /// Passive, active or declarative.
    public var mode: Mode
    /// The reference type of the elements.
    public var type: ReferenceType
    /// The elements.
    public var initializers: Initializers
    /// Whether an active segment spelled out its table index and element kind
    /// (flags 2 and 6); kept so that re-encoding is byte-exact.
    public var hasExplicitTableIndex: Bool

    /// Creates an element segment.
    public init(
        mode: Mode, type: ReferenceType, initializers: Initializers, hasExplicitTableIndex: Bool = false
    ) {
        self.mode = mode
        self.type = type
        self.initializers = initializers
        self.hasExplicitTableIndex = hasExplicitTableIndex
    }

    /// The number of elements.
    public var count: Int {
        switch initializers {
        case .functionIndices(let a): a.count
        case .expressions(let a): a.count
        }
    }
}

/// A data segment (memory's initial contents).
public struct DataSegment: Sendable, Hashable {
    /// How and when the segment is used.
    public enum Mode: Sendable, Hashable {
        /// Available to `memory.init` only.
        case passive
        /// Copied into memory at instantiation, at the given offset.
        case active(memoryIndex: UInt32, offset: [Instruction])
    }

    /// Passive or active.
    public var mode: Mode
    /// The bytes.
    public var bytes: [UInt8]
    /// Whether an active segment spelled out its memory index (flags 2).
    public var hasExplicitMemoryIndex: Bool

    /// Creates a data segment.
    public init(mode: Mode, bytes: [UInt8], hasExplicitMemoryIndex: Bool = false) {
        self.mode = mode
        self.bytes = bytes
        self.hasExplicitMemoryIndex = hasExplicitMemoryIndex
    }
}

/// A custom section and its position among the known sections.
public struct CustomSection: Sendable, Hashable {
    /// The section's name.
    public var name: String
    /// The payload after the name.
    public var bytes: [UInt8]
    /// The known section it followed in the binary, or `nil` if it came before all of them.
    public var after: SectionID?

    /// Creates a custom section.
    public init(name: String, bytes: [UInt8], after: SectionID? = nil) {
        self.name = name
        self.bytes = bytes
        self.after = after
    }
}
