// The module-level half of the ABI: the two globals every instrumented
// function reads, the five exports, and the instruction sequences for the
// data header that both use.

import WasmBinary

struct RuntimeLayout {
    /// `__asyncify_state` (i32).
    let stateGlobal: UInt32
    /// `__asyncify_data` (pointer).
    let dataGlobal: UInt32
    /// i32, or i64 for a memory64 memory 0.
    let pointer: ValueType
    /// Offset of the end field in the header (4, or 8 on memory64).
    var endOffset: UInt64 { pointer == .i64 ? 8 : 4 }

    /// Adds the globals to `module`.
    init(module: inout Module) throws(AsyncifyTransformError) {
        var memory: MemoryType?
        var importedGlobals = 0
        for entry in module.imports {
            switch entry.descriptor {
            case .memory(let type): if memory == nil { memory = type }
            case .global: importedGlobals += 1
            default: break
            }
        }
        if memory == nil { memory = module.memories.first }
        guard let memory else {
            throw AsyncifyTransformError(
                .noMemory, "the module has no linear memory for the Asyncify data; add or import one")
        }
        pointer = memory.is64 ? .i64 : .i32
        stateGlobal = UInt32(importedGlobals + module.globals.count)
        dataGlobal = stateGlobal + 1
        module.globals.append(
            Global(type: GlobalType(valueType: .i32, isMutable: true), initializer: [.i32Const(0), .end]))
        module.globals.append(
            Global(type: GlobalType(valueType: pointer, isMutable: true), initializer: [constant(0), .end]))
    }

    func constant(_ value: Int64) -> Instruction {
        pointer == .i64 ? .i64Const(value) : .i32Const(Int32(truncatingIfNeeded: value))
    }

    var pointerLoad: Instruction {
        pointer == .i64
            ? .load(.i64Load, MemArg(align: 3, offset: 0)) : .load(.i32Load, MemArg(align: 2, offset: 0))
    }

    func pointerLoad(offset: UInt64) -> Instruction {
        pointer == .i64
            ? .load(.i64Load, MemArg(align: 3, offset: offset))
            : .load(.i32Load, MemArg(align: 2, offset: offset))
    }

    var pointerStore: Instruction {
        pointer == .i64
            ? .store(.i64Store, MemArg(align: 3, offset: 0)) : .store(.i32Store, MemArg(align: 2, offset: 0))
    }

    var add: Instruction { .numeric(pointer == .i64 ? .i64Add : .i32Add) }
    var sub: Instruction { .numeric(pointer == .i64 ? .i64Sub : .i32Sub) }
    var greaterThan: Instruction { .numeric(pointer == .i64 ? .i64GtU : .i32GtU) }

    /// Appends Binaryen's five functions (bodies instruction for instruction as Binaryen
    /// emits them, which the host recognises) and their exports.
    func addExports(to module: inout Module) {
        var types = TypeTable(module.types)
        func typeIndex(_ type: FunctionType) -> UInt32 {
            if let i = types.types.firstIndex(of: type) { return UInt32(i) }
            types.types.append(type)
            return UInt32(types.types.count - 1)
        }
        let importedFunctions = module.imports.count {
            if case .function = $0.descriptor { true } else { false }
        }
        func add(_ name: String, _ type: FunctionType, _ body: [Instruction]) {
            let index = UInt32(importedFunctions + module.functions.count)
            module.functions.append(typeIndex(type))
            module.codes.append(FunctionBody(locals: [], body: body + [.end]))
            module.exports.append(Export(name: name, descriptor: .function(index)))
        }
        func control(state: Int32, setsData: Bool) -> [Instruction] {
            var body: [Instruction] = [.i32Const(state), .globalSet(stateGlobal)]
            if setsData { body += [.localGet(0), .globalSet(dataGlobal)] }
            body += [
                .globalGet(dataGlobal), pointerLoad(offset: 0), .globalGet(dataGlobal),
                pointerLoad(offset: endOffset),
                greaterThan, .if(.empty), .unreachable, .end,
            ]
            return body
        }
        let withData = FunctionType(parameters: [pointer], results: [])
        let without = FunctionType(parameters: [], results: [])
        add("asyncify_start_unwind", withData, control(state: 1, setsData: true))
        add("asyncify_stop_unwind", without, control(state: 0, setsData: false))
        add("asyncify_start_rewind", withData, control(state: 2, setsData: true))
        add("asyncify_stop_rewind", without, control(state: 0, setsData: false))
        add("asyncify_get_state", FunctionType(parameters: [], results: [.i32]), [.globalGet(stateGlobal)])
        module.types = types.types
    }
}
