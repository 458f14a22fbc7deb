// The frame of one instrumented function, `[i32 call index][saved locals in
// ascending index]`, and the code around the body that moves it: the prelude
// pops and loads it when rewinding, the unwind path pushes and fills it. Both
// call the module's push/pop helpers (RuntimeLayout.helpers), which move the
// data position, check the end and store the call index.

import WasmBinary

struct FrameLayout {
    /// The saved locals, ascending, and their types.
    let locals: [Int]
    let types: [ValueType]
    /// Byte offset of each saved local in the frame.
    let offsets: [UInt64]
    /// The frame's size in bytes, call index included.
    let size: UInt64

    /// Lays out `locals` (numeric types only: the caller refuses references first).
    init(locals: [Int], localTypes: [ValueType]) {
        self.locals = locals
        types = locals.map { localTypes[$0] }
        var offsets: [UInt64] = []
        var size: UInt64 = 4
        for type in types {
            offsets.append(size)
            size += Self.byteSize(type) ?? 0
        }
        self.offsets = offsets
        self.size = size
    }

    /// When rewinding: pop the frame, load the call index into `index` and the saved locals.
    func appendPrelude(to code: inout [Instruction], runtime: RuntimeLayout, index: UInt32, pointer: UInt32) {
        code.append(.globalGet(runtime.stateGlobal))
        code.append(.i32Const(2))
        code.append(.numeric(.i32Eq))
        code.append(.if(.empty))
        code.append(runtime.constant(Int64(size)))
        code.append(.call(functionIndex: runtime.popFunction))
        if !locals.isEmpty { code.append(.localTee(pointer)) }
        code.append(.load(.i32Load, MemArg(align: 2, offset: 0)))
        code.append(.localSet(index))
        for k in locals.indices {
            code.append(.localGet(pointer))
            code.append(Self.load(types[k], offsets[k]))
            code.append(.localSet(UInt32(locals[k])))
        }
        code.append(.end)
    }

    /// The unwind path, entered with the call index on the stack: push the frame (the helper
    /// checks the end and stores the index), fill it, and return zeros.
    func appendEpilogue(
        to code: inout [Instruction], runtime: RuntimeLayout, pointer: UInt32, results: [ValueType]
    ) {
        code.append(runtime.constant(Int64(size)))
        code.append(.call(functionIndex: runtime.pushFunction))
        code.append(locals.isEmpty ? .drop : .localSet(pointer))
        for k in locals.indices {
            code.append(.localGet(pointer))
            code.append(.localGet(UInt32(locals[k])))
            code.append(Self.store(types[k], offsets[k]))
        }
        for type in results { code.append(Self.zero(type)) }
        code.append(.end)
    }

    static func byteSize(_ type: ValueType) -> UInt64? {
        switch type {
        case .i32, .f32: 4
        case .i64, .f64: 8
        case .funcref, .externref: nil
        }
    }

    static func load(_ type: ValueType, _ offset: UInt64) -> Instruction {
        switch type {
        case .i64: .load(.i64Load, MemArg(align: 2, offset: offset))
        case .f32: .load(.f32Load, MemArg(align: 2, offset: offset))
        case .f64: .load(.f64Load, MemArg(align: 2, offset: offset))
        default: .load(.i32Load, MemArg(align: 2, offset: offset))
        }
    }

    static func store(_ type: ValueType, _ offset: UInt64) -> Instruction {
        switch type {
        case .i64: .store(.i64Store, MemArg(align: 2, offset: offset))
        case .f32: .store(.f32Store, MemArg(align: 2, offset: offset))
        case .f64: .store(.f64Store, MemArg(align: 2, offset: offset))
        default: .store(.i32Store, MemArg(align: 2, offset: offset))
        }
    }

    static func zero(_ type: ValueType) -> Instruction {
        switch type {
        case .i32: .i32Const(0)
        case .i64: .i64Const(0)
        case .f32: .f32Const(bits: 0)
        case .f64: .f64Const(bits: 0)
        case .funcref: .refNull(.funcref)
        case .externref: .refNull(.externref)
        }
    }
}
