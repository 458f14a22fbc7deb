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
    /// `push(index: i32, size) -> frame`, which every instrumented function's unwind path calls
    /// (see ``helpers(checksOverflow:)``).
    let pushFunction: UInt32
    /// `pop(size) -> frame`, which every instrumented function's rewind path calls.
    var popFunction: UInt32 { pushFunction + 1 }

    /// Adds the globals to `module`.
    init(module: inout Module) throws(AsyncifyTransformError) {
        var memory: MemoryType?
        var importedGlobals = 0
        var importedFunctions = 0
        for entry in module.imports {
            switch entry.descriptor {
            case .memory(let type): if memory == nil { memory = type }
            case .global: importedGlobals += 1
            case .function: importedFunctions += 1
            default: break
            }
        }
        if memory == nil { memory = module.memories.first }
        guard let memory else {
            throw AsyncifyTransformError(
                .noMemory, "the module has no linear memory for the Asyncify data; add or import one")
        }
        pointer = memory.is64 ? .i64 : .i32
        // The helpers come right after the module's own functions.
        pushFunction = UInt32(importedFunctions + module.functions.count)
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

    /// The frame push and pop every instrumented function calls, in this order, to be appended
    /// right after the module's own functions. One copy of each instead of the same sequence
    /// inlined in every function: Binaryen's optimizer gets its output smaller by other means
    /// (inlining, whole-function cleanups), and the push is where the overflow check lives.
    ///
    /// - push(index: i32, size) -> frame: takes `size` bytes at the data position, checks them
    ///   against the end first (on overflow it stores the position the frame would reach,
    ///   writes nothing else, and traps), stores the call index at the frame's start, and
    ///   returns the frame's address.
    /// - pop(size) -> frame: gives `size` bytes back and returns the frame's address.
    func helpers(checksOverflow: Bool) -> [(type: FunctionType, body: FunctionBody)] {
        let data = dataGlobal
        // push: locals 0 index, 1 size, 2 frame.
        var push: [Instruction] = [.globalGet(data), pointerLoad, .localSet(2)]
        if checksOverflow {
            push += [
                .localGet(2), .localGet(1), add, .globalGet(data), pointerLoad(offset: endOffset),
                greaterThan,
                .if(.empty), .globalGet(data), .localGet(2), .localGet(1), add, pointerStore, .unreachable,
                .end,
            ]
        }
        push += [
            .localGet(2), .localGet(0), .store(.i32Store, MemArg(align: 2, offset: 0)),
            .globalGet(data), .localGet(2), .localGet(1), add, pointerStore,
            .localGet(2), .end,
        ]
        // pop: locals 0 size, 1 frame.
        let pop: [Instruction] = [
            .globalGet(data), .globalGet(data), pointerLoad, .localGet(0), sub, .localTee(1), pointerStore,
            .localGet(1), .end,
        ]
        return [
            (
                FunctionType(parameters: [.i32, pointer], results: [pointer]),
                FunctionBody(locals: [LocalGroup(count: 1, type: pointer)], body: push)
            ),
            (
                FunctionType(parameters: [pointer], results: [pointer]),
                FunctionBody(locals: [LocalGroup(count: 1, type: pointer)], body: pop)
            ),
        ]
    }

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
