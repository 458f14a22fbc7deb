/// Why an ELF file could not be loaded as a static RV64 executable.
///
/// Every case names the field or structure at fault and, where it helps, the
/// file offset or value, so a user can find the problem with `readelf`.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ends before a structure that should be there.
    case truncated(what: String, offset: UInt64, needed: UInt64, fileSize: Int)
    /// The first four bytes are not `\x7fELF`.
    case notELF
    /// A header field has a value this loader does not accept.
    case unsupported(field: String, value: UInt64, expected: String)
    /// The program has a `PT_INTERP` or `PT_DYNAMIC` header: it needs a dynamic linker.
    case dynamicallyLinked
    /// A `PT_LOAD` segment is inconsistent (file size above memory size, or its
    /// address range wraps around).
    case badSegment(index: Int, detail: String)
    /// Two `PT_LOAD` segments claim the same guest addresses.
    case overlappingSegments(first: Int, second: Int)
    /// The file has no `PT_LOAD` segment at all.
    case noLoadableSegments
    /// The entry point is not inside an executable segment.
    case entryOutsideCode(entry: UInt64)
    /// The symbol table or its string table is malformed.
    case badSymbolTable(detail: String)

    /// A one-line explanation naming what was wrong and where.
    public var description: String {
        switch self {
        case .truncated(let what, let offset, let needed, let fileSize):
            return "ELF truncated: \(what) needs \(needed) bytes at offset \(offset), file has \(fileSize)"
        case .notELF:
            return "not an ELF file (bad magic)"
        case .unsupported(let field, let value, let expected):
            return "unsupported ELF \(field) = \(value) (expected \(expected))"
        case .dynamicallyLinked:
            return "the ELF file is dynamically linked; only static executables are supported"
        case .badSegment(let index, let detail):
            return "program header \(index): \(detail)"
        case .overlappingSegments(let first, let second):
            return "PT_LOAD segments \(first) and \(second) overlap"
        case .noLoadableSegments:
            return "the ELF file has no PT_LOAD segment"
        case .entryOutsideCode(let entry):
            return "entry point 0x\(String(entry, radix: 16)) is not in an executable segment"
        case .badSymbolTable(let detail):
            return "symbol table: \(detail)"
        }
    }
}
