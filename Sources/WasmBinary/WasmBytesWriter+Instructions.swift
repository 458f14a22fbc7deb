// Instruction encoding (core spec 5.4): the exact inverse of
// ModuleDecoder+Instructions.swift, plus shorthands for code generators.

extension WasmBytesWriter {
    /// Appends one instruction with its immediates.
    public mutating func emit(_ instruction: Instruction) {
        switch instruction {
        case .unreachable: append(0x00)
        case .nop: append(0x01)
        case .block(let type): emitBlockStart(0x02, type)
        case .loop(let type): emitBlockStart(0x03, type)
        case .if(let type): emitBlockStart(0x04, type)
        case .else: append(0x05)
        case .end: append(0x0B)
        case .br(let depth): emitU32(0x0C, depth)
        case .brIf(let depth): emitU32(0x0D, depth)
        case .brTable(let targets, let defaultTarget):
            append(0x0E)
            appendULEB128(UInt64(targets.count))
            for target in targets { appendULEB128(UInt64(target)) }
            appendULEB128(UInt64(defaultTarget))
        case .return: append(0x0F)
        case .call(let function): emitU32(0x10, function)
        case .callIndirect(let type, let table):
            emitU32(0x11, type)
            appendULEB128(UInt64(table))
        case .drop: append(0x1A)
        case .select: append(0x1B)
        case .selectTyped(let types):
            append(0x1C)
            appendULEB128(UInt64(types.count))
            for type in types { append(type.rawValue) }
        case .localGet(let index): emitU32(0x20, index)
        case .localSet(let index): emitU32(0x21, index)
        case .localTee(let index): emitU32(0x22, index)
        case .globalGet(let index): emitU32(0x23, index)
        case .globalSet(let index): emitU32(0x24, index)
        case .tableGet(let index): emitU32(0x25, index)
        case .tableSet(let index): emitU32(0x26, index)
        case .tableInit(let element, let table):
            emitFC(12, element)
            appendULEB128(UInt64(table))
        case .elemDrop(let element): emitFC(13, element)
        case .tableCopy(let destination, let source):
            emitFC(14, destination)
            appendULEB128(UInt64(source))
        case .tableGrow(let table): emitFC(15, table)
        case .tableSize(let table): emitFC(16, table)
        case .tableFill(let table): emitFC(17, table)
        case .load(let op, let memArg):
            append(op.rawValue)
            appendMemArg(memArg)
        case .store(let op, let memArg):
            append(op.rawValue)
            appendMemArg(memArg)
        case .memorySize(let memory): emitU32(0x3F, memory)
        case .memoryGrow(let memory): emitU32(0x40, memory)
        case .memoryInit(let data, let memory):
            emitFC(8, data)
            appendULEB128(UInt64(memory))
        case .dataDrop(let data): emitFC(9, data)
        case .memoryCopy(let destination, let source):
            emitFC(10, destination)
            appendULEB128(UInt64(source))
        case .memoryFill(let memory): emitFC(11, memory)
        case .i32Const(let value):
            append(0x41)
            appendSLEB128(Int64(value))
        case .i64Const(let value):
            append(0x42)
            appendSLEB128(value)
        case .f32Const(let bits):
            append(0x43)
            appendLittleEndian(bits)
        case .f64Const(let bits):
            append(0x44)
            appendLittleEndian(bits)
        case .numeric(let op): emit(op)
        case .refNull(let type):
            append(0xD0)
            append(type.rawValue)
        case .refIsNull: append(0xD1)
        case .refFunc(let function): emitU32(0xD2, function)
        case .atomicNotify(let memArg): emitFE(0x00, memArg)
        case .atomicWait32(let memArg): emitFE(0x01, memArg)
        case .atomicWait64(let memArg): emitFE(0x02, memArg)
        case .atomicFence:
            append(0xFE)
            append(0x03)
            append(0x00)
        case .atomic(let op, let memArg): emitFE(op.rawValue, memArg)
        }
    }

    /// Appends instructions in order.
    public mutating func emit(contentsOf instructions: [Instruction]) {
        for instruction in instructions { emit(instruction) }
    }

    /// Appends a numeric instruction without immediates, e.g. `emit(.i64Add)`.
    public mutating func emit(_ op: NumericOp) {
        if op.rawValue >= 0xFC00 {
            append(0xFC)
            appendULEB128(UInt64(op.rawValue & 0xFF))
        } else {
            append(UInt8(op.rawValue))
        }
    }

    /// Appends a load, by default with its natural alignment, e.g. `emit(.i64Load, offset: 8)`.
    public mutating func emit(_ op: LoadOp, offset: UInt64 = 0, alignment: UInt32? = nil) {
        append(op.rawValue)
        appendMemArg(MemArg(align: alignment ?? Self.log2(op.byteWidth), offset: offset))
    }

    /// Appends a store, by default with its natural alignment, e.g. `emit(.i32Store8, offset: 3)`.
    public mutating func emit(_ op: StoreOp, offset: UInt64 = 0, alignment: UInt32? = nil) {
        append(op.rawValue)
        appendMemArg(MemArg(align: alignment ?? Self.log2(op.byteWidth), offset: offset))
    }

    /// Appends an atomic access with its required (natural) alignment.
    public mutating func emit(_ op: AtomicOp, offset: UInt64 = 0) {
        emitFE(op.rawValue, MemArg(align: Self.log2(op.byteWidth), offset: offset))
    }

    /// Appends a memory immediate: alignment (log2) then offset.
    public mutating func appendMemArg(_ memArg: MemArg) {
        appendULEB128(UInt64(memArg.align))
        appendULEB128(memArg.offset)
    }

    /// Appends a block type: 0x40, a value type, or a type index as s33.
    public mutating func appendBlockType(_ type: BlockType) {
        switch type {
        case .empty: append(0x40)
        case .value(let valueType): append(valueType.rawValue)
        case .typeIndex(let index): appendSLEB128(Int64(index))
        }
    }

    private mutating func emitBlockStart(_ opcode: UInt8, _ type: BlockType) {
        append(opcode)
        appendBlockType(type)
    }

    private mutating func emitU32(_ opcode: UInt8, _ immediate: UInt32) {
        append(opcode)
        appendULEB128(UInt64(immediate))
    }

    private mutating func emitFC(_ sub: UInt8, _ immediate: UInt32) {
        append(0xFC)
        append(sub)
        appendULEB128(UInt64(immediate))
    }

    private mutating func emitFE(_ sub: UInt8, _ memArg: MemArg) {
        append(0xFE)
        append(sub)
        appendMemArg(memArg)
    }

    private static func log2(_ width: Int) -> UInt32 {
        UInt32(width.trailingZeroBitCount)
    }
}
