/// A static RV64 executable, parsed from an ELF64 file: its loadable segments,
/// entry point and (if present) the addresses of its symbols.
///
/// Parsing checks every offset and size against the file before reading, so a
/// malformed file throws an ``ELFError`` and never traps.
///
/// ```swift
/// let image = try ELFImage(bytes: Array(data))
/// print(image.entry, image.segments.count)
/// ```
public struct ELFImage: Sendable {
    /// One `PT_LOAD` program header with its file contents.
    public struct Segment: Sendable, Equatable {
        /// Guest address of the segment's first byte (`p_vaddr`).
        public var virtualAddress: UInt64
        /// Size in guest memory (`p_memsz`); bytes past `contents` are zero (`.bss`).
        public var memorySize: UInt64
        /// The bytes taken from the file (`p_filesz` of them).
        public var contents: [UInt8]
        /// Whether the segment may be executed (`PF_X`).
        public var isExecutable: Bool
        /// Whether the segment may be written (`PF_W`).
        public var isWritable: Bool

        /// A segment at `virtualAddress` holding `contents`, zero-filled up to
        /// `memorySize` (at least the size of `contents`; checked by ``ELFImage``).
        public init(
            virtualAddress: UInt64, memorySize: UInt64? = nil, contents: [UInt8], isExecutable: Bool,
            isWritable: Bool
        ) {
            self.virtualAddress = virtualAddress
            self.memorySize = memorySize ?? UInt64(contents.count)
            self.contents = contents
            self.isExecutable = isExecutable
            self.isWritable = isWritable
        }

        /// One past the last guest address of the segment.
        public var endAddress: UInt64 { virtualAddress &+ memorySize }
    }

    /// Guest address of the first instruction (`e_entry`).
    public let entry: UInt64
    /// The `PT_LOAD` segments, in file order (never empty, never overlapping).
    public let segments: [Segment]
    /// Defined symbols from `.symtab` by name (empty for a stripped file).
    public let symbols: [String: UInt64]

    /// `EM_RISCV`.
    static let machineRISCV: UInt64 = 243
    /// `EF_RISCV_RVC`: the file may contain compressed (16-bit) instructions.
    static let flagCompressed: UInt64 = 0x1

    /// Parses an ELF64 little-endian RISC-V static executable.
    /// - Parameter bytes: the whole file.
    /// - Throws: ``ELFError`` describing the first problem found.
    public init(bytes: [UInt8]) throws(ELFError) {
        let file = ByteReader(bytes: bytes)
        guard bytes.count >= 4, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw .notELF
        }
        try file.require(0, 64, "ELF header")
        try Self.expect("EI_CLASS", UInt64(bytes[4]), 2, "2 (ELFCLASS64)")
        try Self.expect("EI_DATA", UInt64(bytes[5]), 1, "1 (little-endian)")
        try Self.expect("EI_VERSION", UInt64(bytes[6]), 1, "1")
        let type = file.u16(16)
        if type == 3 { throw .unsupported(field: "e_type", value: 3, expected: "2 (ET_EXEC, not a PIE)") }
        try Self.expect("e_type", type, 2, "2 (ET_EXEC)")
        try Self.expect("e_machine", file.u16(18), Self.machineRISCV, "243 (EM_RISCV)")
        try Self.expect("e_version", file.u32(20), 1, "1")
        let flags = file.u32(48)
        if flags & Self.flagCompressed != 0 {
            throw .unsupported(
                field: "e_flags", value: flags, expected: "no EF_RISCV_RVC (compressed instructions)")
        }
        let entry = file.u64(24)
        let programHeaders = file.u64(32)
        let headerSize = file.u16(54)
        let headerCount = file.u16(56)
        if headerCount > 0 { try Self.expect("e_phentsize", headerSize, 56, "56") }

        var segments: [Segment] = []
        for index in 0..<Int(headerCount) {
            let at = programHeaders &+ UInt64(index) &* 56
            try file.require(at, 56, "program header \(index)")
            let kind = file.u32(at)
            if kind == 2 || kind == 3 { throw .dynamicallyLinked }
            guard kind == 1 else { continue }
            let permissions = file.u32(at + 4)
            let offset = file.u64(at + 8)
            let address = file.u64(at + 16)
            let fileSize = file.u64(at + 32)
            let memorySize = file.u64(at + 40)
            guard fileSize <= memorySize else {
                throw .badSegment(index: index, detail: "p_filesz \(fileSize) exceeds p_memsz \(memorySize)")
            }
            guard address.addingReportingOverflow(memorySize).overflow == false else {
                throw .badSegment(index: index, detail: "address range wraps around")
            }
            try file.require(offset, fileSize, "segment \(index) contents")
            segments.append(
                Segment(
                    virtualAddress: address, memorySize: memorySize,
                    contents: Array(bytes[Int(offset)..<Int(offset + fileSize)]),
                    isExecutable: permissions & 1 != 0, isWritable: permissions & 2 != 0))
        }
        try self.init(entry: entry, segments: segments, symbols: Self.readSymbols(file))
    }

    /// Makes an image from parts (for programs assembled in memory), with the
    /// same checks as parsing: at least one segment, no overlaps, the entry in
    /// an executable segment, `contents` no longer than `memorySize`.
    public init(entry: UInt64, segments: [Segment], symbols: [String: UInt64] = [:]) throws(ELFError) {
        guard !segments.isEmpty else { throw .noLoadableSegments }
        for (index, segment) in segments.enumerated() {
            guard UInt64(segment.contents.count) <= segment.memorySize else {
                throw .badSegment(index: index, detail: "contents exceed the memory size")
            }
            guard segment.virtualAddress.addingReportingOverflow(segment.memorySize).overflow == false else {
                throw .badSegment(index: index, detail: "address range wraps around")
            }
        }
        for i in segments.indices {
            for j in segments.indices where j > i {
                let a = segments[i]
                let b = segments[j]
                if a.memorySize > 0, b.memorySize > 0, a.virtualAddress < b.endAddress,
                    b.virtualAddress < a.endAddress
                {
                    throw .overlappingSegments(first: i, second: j)
                }
            }
        }
        let entryPoint = entry
        guard
            segments.contains(where: {
                $0.isExecutable && entryPoint >= $0.virtualAddress && entryPoint < $0.endAddress
            })
        else { throw .entryOutsideCode(entry: entryPoint) }
        self.entry = entry
        self.segments = segments
        self.symbols = symbols
    }

    private static func expect(_ field: String, _ value: UInt64, _ wanted: UInt64, _ text: String)
        throws(ELFError)
    {
        if value != wanted { throw .unsupported(field: field, value: value, expected: text) }
    }

    /// Reads `.symtab` (section type `SHT_SYMTAB`) and its linked string table.
    private static func readSymbols(_ file: ByteReader) throws(ELFError) -> [String: UInt64] {
        let sectionHeaders = file.u64(40)
        let entrySize = file.u16(58)
        let count = file.u16(60)
        guard count > 0 else { return [:] }
        guard entrySize == 64 else { throw .badSymbolTable(detail: "e_shentsize \(entrySize), expected 64") }
        func header(_ index: UInt64) throws(ELFError) -> UInt64 {
            guard index < count else { throw .badSymbolTable(detail: "section index \(index) out of range") }
            let at = sectionHeaders &+ index &* 64
            try file.require(at, 64, "section header \(index)")
            return at
        }
        var symbols: [String: UInt64] = [:]
        for index in 0..<count {
            let section = try header(index)
            guard file.u32(section + 4) == 2 else { continue }  // SHT_SYMTAB
            let offset = file.u64(section + 24)
            let size = file.u64(section + 32)
            let entryStride = file.u64(section + 56)
            guard entryStride == 24 else {
                throw .badSymbolTable(detail: "sh_entsize \(entryStride), expected 24")
            }
            try file.require(offset, size, "symbol table")
            let strings = try header(file.u32(section + 40))
            let stringsOffset = file.u64(strings + 24)
            let stringsSize = file.u64(strings + 32)
            try file.require(stringsOffset, stringsSize, "string table")
            for symbol in stride(from: offset, to: offset + size / 24 * 24, by: 24) {
                let name = file.u32(symbol)
                let sectionIndex = file.u16(symbol + 6)
                guard name != 0, sectionIndex != 0 else { continue }  // unnamed or undefined
                guard name < stringsSize else {
                    throw .badSymbolTable(detail: "name offset \(name) past the string table")
                }
                guard let text = file.cString(from: stringsOffset + name, limit: stringsOffset + stringsSize)
                else { throw .badSymbolTable(detail: "unterminated name at offset \(name)") }
                symbols[text] = file.u64(symbol + 8)
            }
        }
        return symbols
    }
}

/// Little-endian field reads over the file bytes; callers check ranges with
/// `require` first, and reads past the end return 0 rather than trap.
private struct ByteReader {
    let bytes: [UInt8]

    func require(_ offset: UInt64, _ size: UInt64, _ what: String) throws(ELFError) {
        let (end, overflow) = offset.addingReportingOverflow(size)
        if overflow || end > UInt64(bytes.count) {
            throw .truncated(what: what, offset: offset, needed: size, fileSize: bytes.count)
        }
    }

    func u8(_ offset: UInt64) -> UInt64 {
        offset < UInt64(bytes.count) ? UInt64(bytes[Int(offset)]) : 0
    }
    func u16(_ offset: UInt64) -> UInt64 { u8(offset) | u8(offset &+ 1) << 8 }
    func u32(_ offset: UInt64) -> UInt64 { u16(offset) | u16(offset &+ 2) << 16 }
    func u64(_ offset: UInt64) -> UInt64 { u32(offset) | u32(offset &+ 4) << 32 }

    /// The NUL-terminated string at `offset`, or nil if no NUL comes before `limit`.
    func cString(from offset: UInt64, limit: UInt64) -> String? {
        var end = offset
        while end < limit, end < UInt64(bytes.count) {
            if bytes[Int(end)] == 0 {
                return String(decoding: bytes[Int(offset)..<Int(end)], as: UTF8.self)
            }
            end += 1
        }
        return nil
    }
}
