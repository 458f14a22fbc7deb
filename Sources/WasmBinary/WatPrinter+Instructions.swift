// One instruction in the flat text format, with its immediates.

extension WatPrinter {
    /// The instruction in the flat text format, e.g. `i32.load offset=8 align=4`
    /// or `f64.const -nan:0x1`.
    public static func text(of instruction: Instruction) -> String {
        let name = instruction.mnemonic
        switch instruction {
        case .block(let type), .loop(let type), .if(let type):
            return name + blockType(type)
        case .br(let depth), .brIf(let depth):
            return "\(name) \(depth)"
        case .brTable(let targets, let defaultTarget):
            return "\(name) \(targets.map { "\($0) " }.joined())\(defaultTarget)"
        case .call(let f):
            return "\(name) \(f)"
        case .callIndirect(let typeIndex, let tableIndex):
            return "\(name) \(tableIndex) (type \(typeIndex))"
        case .selectTyped(let types):
            return "\(name) (result\(types.map { " \($0)" }.joined()))"
        case .localGet(let x), .localSet(let x), .localTee(let x), .globalGet(let x), .globalSet(let x),
            .tableGet(let x), .tableSet(let x), .elemDrop(let x), .tableGrow(let x), .tableSize(let x),
            .tableFill(let x), .dataDrop(let x), .refFunc(let x):
            return "\(name) \(x)"
        case .tableInit(let element, let table):
            return "\(name) \(table) \(element)"
        case .tableCopy(let destination, let source):
            return "\(name) \(destination) \(source)"
        case .memoryInit(let data, _):
            return "\(name) \(data)"
        case .load(_, let arg), .store(_, let arg), .atomic(_, let arg), .atomicNotify(let arg),
            .atomicWait32(let arg), .atomicWait64(let arg):
            return name + memArg(arg)
        case .i32Const(let v):
            return "\(name) \(v)"
        case .i64Const(let v):
            return "\(name) \(v)"
        case .f32Const(let bits):
            return "\(name) \(WatLiteral.f32(bits: bits))"
        case .f64Const(let bits):
            return "\(name) \(WatLiteral.f64(bits: bits))"
        case .refNull(let type):
            return "\(name) \(type == .funcref ? "func" : "extern")"
        case .unreachable, .nop, .else, .end, .return, .drop, .select, .memorySize, .memoryGrow, .memoryCopy,
            .memoryFill, .numeric, .refIsNull, .atomicFence:
            return name
        }
    }

    private static func blockType(_ type: BlockType) -> String {
        switch type {
        case .empty: ""
        case .value(let t): " (result \(t))"
        case .typeIndex(let x): " (type \(x))"
        }
    }

    /// ` offset=N align=M`, leaving out a zero offset; the alignment is always
    /// given (in bytes) so that a non-natural one survives.
    private static func memArg(_ arg: MemArg) -> String {
        let offset = arg.offset == 0 ? "" : " offset=\(arg.offset)"
        let align = arg.align < 64 ? "\(UInt64(1) << UInt64(arg.align))" : "18446744073709551616"
        return "\(offset) align=\(align)"
    }
}
