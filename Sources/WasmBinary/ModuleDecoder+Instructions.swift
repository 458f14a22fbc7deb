// Instruction decoding (core spec 5.4): one opcode and its immediates at a
// time, into the flat `[Instruction]` form that keeps every `end`.

extension ModuleDecoder {
    /// Reads instructions up to and including the `end` that closes the expression.
    ///
    /// - Parameter isFunctionBody: a function body must finish exactly at its
    ///   declared size, so running out of bytes there means the `end` is missing.
    mutating func readExpression(isFunctionBody: Bool) throws(DecodeError) -> [Instruction] {
        var instructions: [Instruction] = []
        // Bodies average about two bytes per instruction; constant expressions
        // are nearly always one instruction and `end`.
        instructions.reserveCapacity(isFunctionBody ? min(reader.remaining / 2 + 1, 1 << 16) : 2)
        var depth = 0
        while true {
            if isFunctionBody && reader.isAtEnd {
                throw reader.error(.endOpcodeExpected, "the function body ends without its final end")
            }
            let instruction = try readInstruction()
            instructions.append(instruction)
            switch instruction {
            case .block, .loop, .if:
                depth += 1
            case .end:
                if depth == 0 { return instructions }
                depth -= 1
            default:
                break
            }
        }
    }

    private mutating func readBlockType() throws(DecodeError) -> BlockType {
        let start = reader.position
        guard let b = reader.peekByte() else { throw reader.endError("a block type") }
        if b == 0x40 {
            reader.position += 1
            return .empty
        }
        if let type = ValueType(rawValue: b) {
            reader.position += 1
            return .value(type)
        }
        if b == 0x7B { throw reader.error(.unsupportedFeature, at: start, "SIMD (v128)") }
        let index = try reader.readSigned(bits: 33, "block type index")
        guard index >= 0 else {
            throw reader.error(
                .malformedBlockType, at: start, "0x\(String(b, radix: 16)) is not a block type")
        }
        return .typeIndex(UInt32(truncatingIfNeeded: index))
    }

    private mutating func readMemArg() throws(DecodeError) -> MemArg {
        let align = try reader.readU32("alignment")
        let offset =
            firstMemoryIs64 == true
            ? try reader.readU64("memory offset")
            : UInt64(try reader.readU32("memory offset"))
        return MemArg(align: align, offset: offset)
    }

    /// Reads the reserved memory index byte of `memory.size` and friends.
    private mutating func readZeroByte(_ instruction: String) throws(DecodeError) -> UInt32 {
        let start = reader.position
        let b = try reader.readByte("the memory index byte of \(instruction)")
        guard b == 0 else {
            throw reader.error(
                .zeroByteExpected, at: start,
                "\(instruction) takes memory index byte 0x00, found 0x\(String(b, radix: 16))")
        }
        return 0
    }

    private func requireDataCount(_ instruction: String, at start: Int) throws(DecodeError) {
        guard module.dataCount != nil else {
            throw reader.error(.dataCountRequired, at: start, "\(instruction) needs a data count section")
        }
    }

    private mutating func readInstruction() throws(DecodeError) -> Instruction {
        let start = reader.position
        let opcode = try reader.readByte("an opcode")
        switch opcode {
        case 0x00: return .unreachable
        case 0x01: return .nop
        case 0x02: return .block(try readBlockType())
        case 0x03: return .loop(try readBlockType())
        case 0x04: return .if(try readBlockType())
        case 0x05: return .else
        case 0x0B: return .end
        case 0x0C: return .br(depth: try reader.readU32("label index"))
        case 0x0D: return .brIf(depth: try reader.readU32("label index"))
        case 0x0E:
            let count = try reader.readCount("br_table targets")
            let targets = try reader.readU32Array(count: count, "label index")
            return .brTable(targets: targets, defaultTarget: try reader.readU32("default label index"))
        case 0x0F: return .return
        case 0x10: return .call(functionIndex: try reader.readU32("function index"))
        case 0x11:
            let type = try reader.readU32("type index")
            return .callIndirect(typeIndex: type, tableIndex: try reader.readU32("table index"))
        case 0x1A: return .drop
        case 0x1B: return .select
        case 0x1C:
            let count = try reader.readCount("select types")
            var types: [ValueType] = []
            types.reserveCapacity(count)
            for _ in 0..<count { types.append(try readValueType()) }
            return .selectTyped(types)
        case 0x20: return .localGet(try reader.readU32("local index"))
        case 0x21: return .localSet(try reader.readU32("local index"))
        case 0x22: return .localTee(try reader.readU32("local index"))
        case 0x23: return .globalGet(try reader.readU32("global index"))
        case 0x24: return .globalSet(try reader.readU32("global index"))
        case 0x25: return .tableGet(try reader.readU32("table index"))
        case 0x26: return .tableSet(try reader.readU32("table index"))
        case 0x28...0x35:
            guard let op = LoadOp(rawValue: opcode) else { break }
            return .load(op, try readMemArg())
        case 0x36...0x3E:
            guard let op = StoreOp(rawValue: opcode) else { break }
            return .store(op, try readMemArg())
        case 0x3F: return .memorySize(try readZeroByte("memory.size"))
        case 0x40: return .memoryGrow(try readZeroByte("memory.grow"))
        case 0x41: return .i32Const(try reader.readS32("i32 constant"))
        case 0x42: return .i64Const(try reader.readS64("i64 constant"))
        case 0x43: return .f32Const(bits: try reader.readFixed32())
        case 0x44: return .f64Const(bits: try reader.readFixed64())
        case 0x45...0xC4:
            guard let op = NumericOp(rawValue: UInt16(opcode)) else { break }
            return .numeric(op)
        case 0xD0: return .refNull(try readReferenceType())
        case 0xD1: return .refIsNull
        case 0xD2: return .refFunc(try reader.readU32("function index"))
        case 0xFC: return try readPrefixedFC(start: start)
        case 0xFD: throw reader.error(.unsupportedFeature, at: start, "SIMD (0xfd prefix)")
        case 0xFE: return try readPrefixedFE(start: start)
        default: break
        }
        throw reader.error(.illegalOpcode, at: start, "opcode 0x\(String(opcode, radix: 16))")
    }

    private mutating func readPrefixedFC(start: Int) throws(DecodeError) -> Instruction {
        let sub = try reader.readU32("0xfc subopcode")
        switch sub {
        case 0...7:
            guard let op = NumericOp(rawValue: 0xFC00 | UInt16(sub)) else { break }
            return .numeric(op)
        case 8:
            try requireDataCount("memory.init", at: start)
            let data = try reader.readU32("data index")
            return .memoryInit(dataIndex: data, memoryIndex: try readZeroByte("memory.init"))
        case 9:
            try requireDataCount("data.drop", at: start)
            return .dataDrop(try reader.readU32("data index"))
        case 10:
            let destination = try readZeroByte("memory.copy")
            return .memoryCopy(destination: destination, source: try readZeroByte("memory.copy"))
        case 11: return .memoryFill(try readZeroByte("memory.fill"))
        case 12:
            let element = try reader.readU32("element index")
            return .tableInit(elementIndex: element, tableIndex: try reader.readU32("table index"))
        case 13: return .elemDrop(try reader.readU32("element index"))
        case 14:
            let destination = try reader.readU32("table index")
            return .tableCopy(destination: destination, source: try reader.readU32("table index"))
        case 15: return .tableGrow(try reader.readU32("table index"))
        case 16: return .tableSize(try reader.readU32("table index"))
        case 17: return .tableFill(try reader.readU32("table index"))
        default: break
        }
        throw reader.error(.illegalOpcode, at: start, "opcode 0xfc \(sub)")
    }

    private mutating func readPrefixedFE(start: Int) throws(DecodeError) -> Instruction {
        let sub = try reader.readU32("0xfe subopcode")
        switch sub {
        case 0x00: return .atomicNotify(try readMemArg())
        case 0x01: return .atomicWait32(try readMemArg())
        case 0x02: return .atomicWait64(try readMemArg())
        case 0x03:
            let flagStart = reader.position
            let b = try reader.readByte("the atomic.fence flags byte")
            guard b == 0 else {
                throw reader.error(.zeroByteExpected, at: flagStart, "atomic.fence takes a 0x00 byte")
            }
            return .atomicFence
        case 0x10...0x4E:
            guard let op = AtomicOp(rawValue: UInt8(sub)) else { break }
            return .atomic(op, try readMemArg())
        default: break
        }
        throw reader.error(.illegalOpcode, at: start, "opcode 0xfe \(sub)")
    }
}
