// The text-format name of each instruction, used by the printer and in
// validation error messages.

extension Instruction {
    /// The instruction's name in the text format, without immediates, e.g. `i32.add` or `br_table`.
    public var mnemonic: String {
        switch self {
        case .unreachable: "unreachable"
        case .nop: "nop"
        case .block: "block"
        case .loop: "loop"
        case .if: "if"
        case .else: "else"
        case .end: "end"
        case .br: "br"
        case .brIf: "br_if"
        case .brTable: "br_table"
        case .return: "return"
        case .call: "call"
        case .callIndirect: "call_indirect"
        case .drop: "drop"
        case .select, .selectTyped: "select"
        case .localGet: "local.get"
        case .localSet: "local.set"
        case .localTee: "local.tee"
        case .globalGet: "global.get"
        case .globalSet: "global.set"
        case .tableGet: "table.get"
        case .tableSet: "table.set"
        case .tableInit: "table.init"
        case .elemDrop: "elem.drop"
        case .tableCopy: "table.copy"
        case .tableGrow: "table.grow"
        case .tableSize: "table.size"
        case .tableFill: "table.fill"
        case .load(let op, _): op.name
        case .store(let op, _): op.name
        case .memorySize: "memory.size"
        case .memoryGrow: "memory.grow"
        case .memoryInit: "memory.init"
        case .dataDrop: "data.drop"
        case .memoryCopy: "memory.copy"
        case .memoryFill: "memory.fill"
        case .i32Const: "i32.const"
        case .i64Const: "i64.const"
        case .f32Const: "f32.const"
        case .f64Const: "f64.const"
        case .numeric(let op): op.name
        case .refNull: "ref.null"
        case .refIsNull: "ref.is_null"
        case .refFunc: "ref.func"
        case .atomicNotify: "memory.atomic.notify"
        case .atomicWait32: "memory.atomic.wait32"
        case .atomicWait64: "memory.atomic.wait64"
        case .atomicFence: "atomic.fence"
        case .atomic(let op, _): op.name
        }
    }
}
