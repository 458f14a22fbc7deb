// The binary decoder: module header, section framing and every section's
// contents (core spec 5.5). Instructions are decoded in
// ModuleDecoder+Instructions.swift.
//
// Rules that are easy to miss, all exercised by the spec suite's
// assert_malformed cases:
// * known sections appear at most once, in the order of `SectionID.orderRank`
//   (data count between element and code); custom sections anywhere;
// * a section must use exactly its declared size;
// * limits flags and mutability are single bytes, not LEB128 integers;
// * `memory.size`/`memory.grow`/bulk-memory memory indices are single zero bytes;
// * `memory.init`/`data.drop` need a data count section;
// * the function and code sections must have the same length, and the data
//   count (if present) must match the data section.

/// Decodes one module from a buffer; used through ``Module/init(decoding:)-([UInt8])``.
struct ModuleDecoder {
    var reader: ByteReader
    var module = Module()
    /// Whether the module's first memory (imported or defined) is 64-bit:
    /// decides whether memory immediates carry u64 or u32 offsets.
    var firstMemoryIs64: Bool?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        reader = ByteReader(bytes)
    }

    mutating func decodeModule() throws(DecodeError) -> Module {
        try decodeHeader()
        var lastRank = 0
        var lastKnown: SectionID?
        let total = reader.bytes.count
        while reader.position < total {
            let sectionStart = reader.position
            let idByte = try reader.readByte("a section id")
            guard let id = SectionID(rawValue: idByte) else {
                throw reader.error(.malformedSectionID, at: sectionStart, "unknown section id \(idByte)")
            }
            let sizeStart = reader.position
            let size = Int(try reader.readU32("section size"))
            guard size <= reader.remaining else {
                throw reader.error(
                    .lengthOutOfBounds, at: sizeStart,
                    "\(id.name) section of \(size) bytes exceeds the \(reader.remaining) bytes left")
            }
            if id != .custom {
                guard id.orderRank > lastRank else {
                    let problem = id.orderRank == lastRank ? "a second" : "out of order:"
                    throw reader.error(
                        .unexpectedContentAfterLastSection, at: sectionStart,
                        "\(problem) \(id.name) section after the \(lastKnown?.name ?? "") section")
                }
                lastRank = id.orderRank
            }
            let end = reader.position + size
            reader.limit = end
            reader.section = id
            try decodeSection(id, after: lastKnown)
            guard reader.position == end else {
                throw reader.error(
                    .sectionSizeMismatch,
                    "\(id.name) section declared \(size) bytes but its contents end \(end - reader.position) bytes early"
                )
            }
            if id != .custom { lastKnown = id }
            reader.limit = total
            reader.section = nil
        }
        guard module.functions.count == module.codes.count else {
            throw reader.error(
                .functionAndCodeInconsistent,
                "\(module.functions.count) functions declared but \(module.codes.count) bodies given")
        }
        if let dataCount = module.dataCount, Int(dataCount) != module.data.count {
            throw reader.error(
                .dataCountInconsistent,
                "data count is \(dataCount) but there are \(module.data.count) data segments")
        }
        // Move the module out instead of copying it (saves a retain and release per field).
        var result = Module()
        swap(&result, &module)
        return result
    }

    private mutating func decodeHeader() throws(DecodeError) {
        guard reader.remaining >= 4 else { throw reader.endError("the magic number \\0asm") }
        let magic = try reader.readFixed32()
        guard magic == 0x6D73_6100 else {
            throw reader.error(.magicHeaderNotDetected, at: 0, "expected \\0asm")
        }
        guard reader.remaining >= 4 else { throw reader.endError("the version number") }
        let version = try reader.readFixed32()
        guard version == 1 else {
            throw reader.error(.unknownBinaryVersion, at: 4, "expected version 1, found \(version)")
        }
    }

    private mutating func decodeSection(_ id: SectionID, after lastKnown: SectionID?) throws(DecodeError) {
        switch id {
        case .custom:
            let name = try reader.readName("custom section name")
            let payload = try reader.readBytes(reader.remaining, "custom section payload")
            module.customSections.append(CustomSection(name: name, bytes: payload, after: lastKnown))
        case .type:
            module.types = try readVector(id, "types") { (d) throws(DecodeError) in
                try d.readFunctionType()
            }
        case .import:
            module.imports = try readVector(id, "imports") { (d) throws(DecodeError) in
                try d.readImport()
            }
        case .function:
            module.functions = try readVector(id, "functions") { (d) throws(DecodeError) in
                try d.reader.readU32("type index")
            }
        case .table:
            module.tables = try readVector(id, "tables") { (d) throws(DecodeError) in
                try d.readTableType()
            }
        case .memory:
            module.memories = try readVector(id, "memories") { (d) throws(DecodeError) in
                try d.readMemoryType()
            }
        case .global:
            module.globals = try readVector(id, "globals") { (d) throws(DecodeError) in
                let type = try d.readGlobalType()
                let initializer = try d.readExpression(isFunctionBody: false)
                return Global(type: type, initializer: initializer)
            }
        case .export:
            module.exports = try readVector(id, "exports") { (d) throws(DecodeError) in
                try d.readExport()
            }
        case .start:
            module.start = try reader.readU32("start function index")
        case .element:
            module.elements = try readVector(id, "element segments") {
                (d) throws(DecodeError) in
                try d.readElementSegment()
            }
        case .dataCount:
            module.dataCount = try reader.readU32("data count")
        case .code:
            module.codes = try readVector(id, "function bodies") { (d) throws(DecodeError) in
                try d.readFunctionBody()
            }
        case .data:
            module.data = try readVector(id, "data segments") { (d) throws(DecodeError) in
                try d.readDataSegment()
            }
        }
    }

    /// Reads a vector, reserving no more than the bytes left can hold, and
    /// remembers a present-but-empty section.
    private mutating func readVector<T>(
        _ id: SectionID, _ what: String,
        _ element: (inout ModuleDecoder) throws(DecodeError) -> T
    ) throws(DecodeError) -> [T] {
        // Every entry takes at least one byte, so a larger count fails at once.
        let count = try reader.readCount(what)
        if count == 0 { module.emptySectionsPresent.insert(id) }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    // MARK: Types

    mutating func readValueType() throws(DecodeError) -> ValueType {
        let start = reader.position
        let b = try reader.readByte("a value type")
        if let type = ValueType(rawValue: b) { return type }
        if b == 0x7B { throw reader.error(.unsupportedFeature, at: start, "SIMD (v128)") }
        throw reader.error(.malformedValueType, at: start, "0x\(String(b, radix: 16)) is not a value type")
    }

    mutating func readReferenceType() throws(DecodeError) -> ReferenceType {
        let start = reader.position
        let b = try reader.readByte("a reference type")
        if let type = ReferenceType(rawValue: b) { return type }
        throw reader.error(
            .malformedReferenceType, at: start,
            "0x\(String(b, radix: 16)) is not funcref (0x70) or externref (0x6f)")
    }

    private mutating func readValueTypes(_ what: String) throws(DecodeError) -> [ValueType] {
        let count = try reader.readCount(what)
        var types: [ValueType] = []
        types.reserveCapacity(count)
        for _ in 0..<count { types.append(try readValueType()) }
        return types
    }

    private mutating func readFunctionType() throws(DecodeError) -> FunctionType {
        let start = reader.position
        let form = try reader.readByte("a function type (0x60)")
        guard form == 0x60 else {
            throw reader.error(
                .malformedFunctionType, at: start, "expected 0x60, found 0x\(String(form, radix: 16))")
        }
        let parameters = try readValueTypes("parameter types")
        let results = try readValueTypes("result types")
        return FunctionType(parameters: parameters, results: results)
    }

    /// Reads limits. Tables allow only the max flag; memories also allow shared and 64-bit.
    private mutating func readLimits(allowedFlags: UInt8, _ what: String) throws(DecodeError) -> Limits {
        let start = reader.position
        let flags = try reader.readByte("\(what) limits flags")
        guard flags & ~allowedFlags == 0 else {
            throw reader.error(
                .malformedLimitsFlags, at: start, "\(what) limits flags 0x\(String(flags, radix: 16))")
        }
        // A shared memory must have a maximum. The threads proposal checks that
        // during validation, but Wasm 2.0 (core/binary.wast) rejects flags 0x02
        // while decoding, and no valid module is lost by doing so here.
        guard flags & 0x03 != 0x02 else {
            throw reader.error(
                .malformedLimitsFlags, at: start,
                "a shared \(what) needs a maximum (flags 0x\(String(flags, radix: 16)))")
        }
        let is64 = flags & 0x04 != 0
        let bits = is64 ? 64 : 32
        let min = try reader.readUnsigned(bits: bits, "\(what) minimum")
        let max = flags & 0x01 != 0 ? try reader.readUnsigned(bits: bits, "\(what) maximum") : nil
        return Limits(min: min, max: max, isShared: flags & 0x02 != 0, is64: is64)
    }

    private mutating func readTableType() throws(DecodeError) -> TableType {
        let elementType = try readReferenceType()
        let limits = try readLimits(allowedFlags: 0x01, "table")
        return TableType(elementType: elementType, limits: limits)
    }

    private mutating func readMemoryType() throws(DecodeError) -> MemoryType {
        let limits = try readLimits(allowedFlags: 0x07, "memory")
        if firstMemoryIs64 == nil { firstMemoryIs64 = limits.is64 }
        return limits
    }

    private mutating func readGlobalType() throws(DecodeError) -> GlobalType {
        let valueType = try readValueType()
        let start = reader.position
        let mutability = try reader.readByte("global mutability")
        guard mutability <= 1 else {
            throw reader.error(
                .malformedMutability, at: start, "expected 0 or 1, found 0x\(String(mutability, radix: 16))")
        }
        return GlobalType(valueType: valueType, isMutable: mutability == 1)
    }

    // MARK: Imports and exports

    private mutating func readImport() throws(DecodeError) -> Import {
        let moduleName = try reader.readName("import module name")
        let name = try reader.readName("import field name")
        let start = reader.position
        let kind = try reader.readByte("an import kind")
        let descriptor: ImportDescriptor
        switch kind {
        case 0: descriptor = .function(typeIndex: try reader.readU32("type index"))
        case 1: descriptor = .table(try readTableType())
        case 2: descriptor = .memory(try readMemoryType())
        case 3: descriptor = .global(try readGlobalType())
        default:
            throw reader.error(.malformedImportKind, at: start, "import kind \(kind) (expected 0...3)")
        }
        return Import(module: moduleName, name: name, descriptor: descriptor)
    }

    private mutating func readExport() throws(DecodeError) -> Export {
        let name = try reader.readName("export name")
        let start = reader.position
        let kind = try reader.readByte("an export kind")
        let index = try reader.readU32("export index")
        let descriptor: ExportDescriptor
        switch kind {
        case 0: descriptor = .function(index)
        case 1: descriptor = .table(index)
        case 2: descriptor = .memory(index)
        case 3: descriptor = .global(index)
        default:
            throw reader.error(.malformedExportKind, at: start, "export kind \(kind) (expected 0...3)")
        }
        return Export(name: name, descriptor: descriptor)
    }

    // MARK: Segments and code

    private mutating func readElementKind() throws(DecodeError) -> ReferenceType {
        let start = reader.position
        let kind = try reader.readByte("an element kind")
        guard kind == 0 else {
            throw reader.error(.malformedElementKind, at: start, "element kind \(kind) (expected 0, funcref)")
        }
        return .funcref
    }

    private mutating func readFunctionIndices() throws(DecodeError) -> ElementSegment.Initializers {
        let count = try reader.readCount("element function indices")
        return .functionIndices(try reader.readU32Array(count: count, "function index"))
    }

    private mutating func readElementExpressions() throws(DecodeError) -> ElementSegment.Initializers {
        let count = try reader.readCount("element expressions")
        var expressions: [[Instruction]] = []
        expressions.reserveCapacity(count)
        for _ in 0..<count { expressions.append(try readExpression(isFunctionBody: false)) }
        return .expressions(expressions)
    }

    private mutating func readElementSegment() throws(DecodeError) -> ElementSegment {
        let start = reader.position
        let flags = try reader.readU32("element segment flags")
        switch flags {
        case 0:
            let offset = try readExpression(isFunctionBody: false)
            return ElementSegment(
                mode: .active(tableIndex: 0, offset: offset), type: .funcref,
                initializers: try readFunctionIndices())
        case 1:
            let type = try readElementKind()
            return ElementSegment(mode: .passive, type: type, initializers: try readFunctionIndices())
        case 2:
            let table = try reader.readU32("table index")
            let offset = try readExpression(isFunctionBody: false)
            let type = try readElementKind()
            return ElementSegment(
                mode: .active(tableIndex: table, offset: offset), type: type,
                initializers: try readFunctionIndices(), hasExplicitTableIndex: true)
        case 3:
            let type = try readElementKind()
            return ElementSegment(mode: .declarative, type: type, initializers: try readFunctionIndices())
        case 4:
            let offset = try readExpression(isFunctionBody: false)
            return ElementSegment(
                mode: .active(tableIndex: 0, offset: offset), type: .funcref,
                initializers: try readElementExpressions())
        case 5:
            let type = try readReferenceType()
            return ElementSegment(mode: .passive, type: type, initializers: try readElementExpressions())
        case 6:
            let table = try reader.readU32("table index")
            let offset = try readExpression(isFunctionBody: false)
            let type = try readReferenceType()
            return ElementSegment(
                mode: .active(tableIndex: table, offset: offset), type: type,
                initializers: try readElementExpressions(), hasExplicitTableIndex: true)
        case 7:
            let type = try readReferenceType()
            return ElementSegment(mode: .declarative, type: type, initializers: try readElementExpressions())
        default:
            throw reader.error(
                .malformedElementsSegmentKind, at: start, "element segment flags \(flags) (expected 0...7)")
        }
    }

    private mutating func readDataBytes() throws(DecodeError) -> [UInt8] {
        let start = reader.position
        let length = Int(try reader.readU32("data segment length"))
        guard length <= reader.remaining else {
            throw reader.error(
                .unexpectedEndOfSectionOrEnd(limit: reader.limit, total: reader.bytes.count), at: start,
                "data segment of \(length) bytes exceeds the \(reader.remaining) bytes left")
        }
        return try reader.readBytes(length, "data segment")
    }

    private mutating func readDataSegment() throws(DecodeError) -> DataSegment {
        let start = reader.position
        let flags = try reader.readU32("data segment flags")
        switch flags {
        case 0:
            let offset = try readExpression(isFunctionBody: false)
            return DataSegment(mode: .active(memoryIndex: 0, offset: offset), bytes: try readDataBytes())
        case 1:
            return DataSegment(mode: .passive, bytes: try readDataBytes())
        case 2:
            let memory = try reader.readU32("memory index")
            let offset = try readExpression(isFunctionBody: false)
            return DataSegment(
                mode: .active(memoryIndex: memory, offset: offset), bytes: try readDataBytes(),
                hasExplicitMemoryIndex: true)
        default:
            throw reader.error(
                .malformedDataSegmentKind, at: start, "data segment flags \(flags) (expected 0...2)")
        }
    }

    private mutating func readFunctionBody() throws(DecodeError) -> FunctionBody {
        let sizeStart = reader.position
        let size = Int(try reader.readU32("function body size"))
        guard size <= reader.remaining else {
            throw reader.error(
                .unexpectedEndOfSectionOrEnd(limit: reader.limit, total: reader.bytes.count), at: sizeStart,
                "function body of \(size) bytes exceeds the \(reader.remaining) bytes left")
        }
        let sectionLimit = reader.limit
        let end = reader.position + size
        reader.limit = end
        let groupCount = try reader.readCount("local groups")
        var locals: [LocalGroup] = []
        locals.reserveCapacity(groupCount)
        var total: UInt64 = 0
        for _ in 0..<groupCount {
            let countStart = reader.position
            let count = try reader.readU32("local count")
            total += UInt64(count)
            guard total <= UInt64(UInt32.max) else {
                throw reader.error(
                    .tooManyLocals, at: countStart, "more than 2^32 - 1 locals in one function")
            }
            locals.append(LocalGroup(count: count, type: try readValueType()))
        }
        let body = try readExpression(isFunctionBody: true)
        guard reader.position == end else {
            throw reader.error(
                .sectionSizeMismatch,
                "function body declared \(size) bytes but ends \(end - reader.position) bytes early")
        }
        reader.limit = sectionLimit
        return FunctionBody(locals: locals, body: body)
    }
}
