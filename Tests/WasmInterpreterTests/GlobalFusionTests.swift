import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

// The translator folds a `global.get` into the instruction that consumes it
// (the shapes Binaryen's Asyncify pass emits around every call: tests of
// `__asyncify_state`, loads through `__asyncify_data` and its bump). These
// tests run each shape for values where the fused and the plain code could
// differ (wrong comparison, 32 vs 64 bits, bounds at the memory's end) and
// check the translated shape, so a fusion that silently stopped applying or
// applied where it must not shows up.

/// A module with an exported mutable global "g" (type `global`, initially
/// `initial`), a one-page memory of the given kind and the given functions.
func globalModule(
    _ functions: [(String, FunctionType, [ValueType], [Instruction])], global: ValueType = .i32,
    initial: Instruction = .i32Const(0), memory64: Bool = false, types: [FunctionType] = []
) -> Module {
    var module = makeModule(functions, memory: Limits(min: 1, max: 1, is64: memory64), types: types)
    module.globals = [
        Global(type: GlobalType(valueType: global, isMutable: true), initializer: [initial, .end])
    ]
    module.exports.append(Export(name: "g", descriptor: .global(0)))
    return module
}

let ifThenOneElseZero: [Instruction] = [.if(.value(.i32)), .i32Const(1), .else, .i32Const(0), .end]

@Test func branchesOnAGlobalComparedWithAConstantFuseAndAgreeWithTheModel() throws {
    let shapes: [(String, [Instruction], @Sendable (UInt32) -> Bool, Op)] = [
        (
            "eq2", [.globalGet(0), .i32Const(2), .numeric(.i32Eq)] + ifThenOneElseZero, { $0 == 2 },
            .brIfGlobalI32NeImm
        ),
        (
            "ne1", [.globalGet(0), .i32Const(1), .numeric(.i32Ne)] + ifThenOneElseZero, { $0 != 1 },
            .brIfGlobalI32EqImm
        ),
        ("eqz", [.globalGet(0), .numeric(.i32Eqz)] + ifThenOneElseZero, { $0 == 0 }, .brIfGlobalI32NeImm),
        ("nonzero", [.globalGet(0)] + ifThenOneElseZero, { $0 != 0 }, .brIfGlobalI32EqImm),
        (
            "brIfEq1",
            [
                .block(.value(.i32)), .i32Const(1), .globalGet(0), .i32Const(1), .numeric(.i32Eq),
                .brIf(depth: 0),
                .drop, .i32Const(0), .end,
            ], { $0 == 1 }, .brIfGlobalI32EqImm
        ),
        (
            "brIfNonzero",
            [.block(.value(.i32)), .i32Const(1), .globalGet(0), .brIf(depth: 0), .drop, .i32Const(0), .end],
            { $0 != 0 }, .brIfGlobalI32NeImm
        ),
        (
            "brIfMinus1",
            [
                .block(.value(.i32)), .i32Const(1), .globalGet(0), .i32Const(-1), .numeric(.i32Eq),
                .brIf(depth: 0), .drop, .i32Const(0), .end,
            ], { $0 == 0xFFFF_FFFF }, .brIfGlobalI32EqImm
        ),
    ]
    for (name, body, model, op) in shapes {
        let module = globalModule([("f", FunctionType(results: [.i32]), [], body)])
        let code = try translatedCode(module)
        #expect(code.contains { $0.op == op }, "\(name)")
        #expect(!code.contains { $0.op == .globalGet }, "\(name)")
        let instance = try Instance(module: module, store: Store())
        let g = try instance.exportedGlobal("g")
        for value: UInt32 in [0, 1, 2, 3, 0x8000_0000, 0xFFFF_FFFF] {
            try g.set(.i32(value))
            #expect(try instance.call("f") == [.i32(model(value) ? 1 : 0)], "\(name) g=\(value)")
        }
    }
}

@Test func i64GlobalTestedByI64EqzIsNotTreatedAsI32() throws {
    // i64.eqz on 2^32 is false; a 32-bit test of the cell would say true.
    let body: [Instruction] = [.globalGet(0), .numeric(.i64Eqz)] + ifThenOneElseZero
    let module = globalModule(
        [("f", FunctionType(results: [.i32]), [], body)], global: .i64, initial: .i64Const(1 << 32))
    #expect(
        !(try translatedCode(module).contains { $0.op == .brIfGlobalI32NeImm || $0.op == .brIfGlobalI32EqImm })
    )
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("f") == [.i32(0)])
    try instance.exportedGlobal("g").set(.i64(0))
    #expect(try instance.call("f") == [.i32(1)])
}

@Test func selectOnAGlobalFusesAndPicksByItsValue() throws {
    let body: [Instruction] = [.localGet(0), .localGet(1), .globalGet(0), .select]
    let module = globalModule([("f", FunctionType(parameters: [.i32, .i32], results: [.i32]), [], body)])
    let code = try translatedCode(module)
    #expect(code.contains { $0.op == .selectGlobal })
    #expect(!code.contains { $0.op == .globalGet })
    let instance = try Instance(module: module, store: Store())
    let g = try instance.exportedGlobal("g")
    for value: UInt32 in [0, 1, 2, 0x8000_0000] {
        try g.set(.i32(value))
        #expect(try instance.call("f", [.i32(10), .i32(20)]) == [.i32(value != 0 ? 10 : 20)])
    }
}

@Test func loadThroughAGlobalAddressFusesAndChecksBounds() throws {
    let body: [Instruction] = [.globalGet(0), .load(.i32Load, MemArg(align: 2, offset: 4))]
    let store: [Instruction] = [.localGet(0), .localGet(1), .store(.i32Store, MemArg(align: 2, offset: 0))]
    let module = globalModule([
        ("f", FunctionType(results: [.i32]), [], body),
        ("put", FunctionType(parameters: [.i32, .i32]), [], store),
    ])
    #expect(try translatedCode(module).map(\.op).first == .i32LoadGlobal)
    let instance = try Instance(module: module, store: Store())
    let g = try instance.exportedGlobal("g")
    _ = try instance.call("put", [.i32(104), .i32(0xDEAD_BEEF)])
    _ = try instance.call("put", [.i32(65532), .i32(77)])
    try g.set(.i32(100))
    #expect(try instance.call("f") == [.i32(0xDEAD_BEEF)])
    try g.set(.i32(65528))  // the last four bytes
    #expect(try instance.call("f") == [.i32(77)])
    for address: UInt32 in [65529, 65532, 0xFFFF_FFFC, 0xFFFF_FFFF] {
        try g.set(.i32(address))
        #expect(throws: Trap(.outOfBoundsMemoryAccess), "address \(address)") { try instance.call("f") }
    }
    // The instance stays usable after a trap.
    try g.set(.i32(100))
    #expect(try instance.call("f") == [.i32(0xDEAD_BEEF)])
}

// memory64 forms are not fused (the opcode must fit in one byte): the plain
// instructions must still see the whole 64-bit address.
@Test func memory64LoadThroughAnI64GlobalUsesTheWholeAddress() throws {
    let body: [Instruction] = [.globalGet(0), .load(.i64Load, MemArg(align: 3, offset: 8))]
    let module = globalModule(
        [("f", FunctionType(results: [.i64]), [], body)], global: .i64, initial: .i64Const(0), memory64: true)
    #expect(try translatedCode(module).map(\.op).first == .globalGet)
    let instance = try Instance(module: module, store: Store())
    try instance.exportedMemory().store(UInt64(0x0102_0304_0506_0708), at: 24)
    let g = try instance.exportedGlobal("g")
    try g.set(.i64(16))
    #expect(try instance.call("f") == [.i64(0x0102_0304_0506_0708)])
    // 2^32 + 16 would be 16 if only the low 32 bits counted.
    for address: UInt64 in [(1 << 32) + 16, 65529, UInt64.max - 4] {
        try g.set(.i64(address))
        #expect(throws: Trap(.outOfBoundsMemoryAccess), "address \(address)") { try instance.call("f") }
    }
}

/// `mem[g + offset] = mem[g + offset] + k` the way Asyncify bumps its data pointer.
func bumpBody(
    _ k: Int32, subtract: Bool = false, i64: Bool = false, loadOffset: UInt64 = 0, storeOffset: UInt64 = 0
)
    -> [Instruction]
{
    let constant: Instruction = i64 ? .i64Const(Int64(k)) : .i32Const(k)
    let arithmetic: NumericOp = i64 ? (subtract ? .i64Sub : .i64Add) : (subtract ? .i32Sub : .i32Add)
    return [
        .globalGet(0), .globalGet(0), .load(i64 ? .i64Load : .i32Load, MemArg(align: 2, offset: loadOffset)),
        constant, .numeric(arithmetic),
        .store(i64 ? .i64Store : .i32Store, MemArg(align: 2, offset: storeOffset)),
    ]
}

@Test func dataPointerBumpIsOneInstructionAndWraps() throws {
    let module = globalModule([
        ("add8", FunctionType(), [], bumpBody(8)),
        ("sub4", FunctionType(), [], bumpBody(4, subtract: true)),
    ])
    for index in 0..<2 {
        let code = try translatedCode(module, function: index)
        #expect(code.map(\.op) == [.i32AddImmAtGlobal, .ret], "function \(index)")
    }
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    try instance.exportedGlobal("g").set(.i32(200))
    try memory.store(UInt32(1000), at: 200)
    _ = try instance.call("add8")
    #expect(try memory.load(UInt32.self, at: 200) == 1008)
    _ = try instance.call("sub4")
    _ = try instance.call("sub4")
    #expect(try memory.load(UInt32.self, at: 200) == 1000)
    try memory.store(UInt32(2), at: 200)
    _ = try instance.call("sub4")
    #expect(try memory.load(UInt32.self, at: 200) == 0xFFFF_FFFE)
    // Neighbouring bytes are untouched.
    #expect(try memory.load(UInt32.self, at: 196) == 0)
    #expect(try memory.load(UInt32.self, at: 204) == 0)
}

@Test func dataPointerBumpTrapsOutOfBoundsWithoutWriting() throws {
    let module = globalModule([("add8", FunctionType(), [], bumpBody(8))])
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    let g = try instance.exportedGlobal("g")
    try memory.store(UInt32(0x0102_0304), at: 65532)
    for address: UInt32 in [65533, 65536, 0xFFFF_FFFE] {
        try g.set(.i32(address))
        #expect(throws: Trap(.outOfBoundsMemoryAccess), "address \(address)") { try instance.call("add8") }
    }
    #expect(try memory.load(UInt32.self, at: 65532) == 0x0102_0304)
    try g.set(.i32(65532))
    _ = try instance.call("add8")
    #expect(try memory.load(UInt32.self, at: 65532) == 0x0102_030C)
}

@Test func memory64DataPointerBumpUsesI64Arithmetic() throws {
    let module = globalModule(
        [("sub8", FunctionType(), [], bumpBody(8, subtract: true, i64: true))], global: .i64,
        initial: .i64Const(64), memory64: true)
    #expect(!(try translatedCode(module).contains { $0.op == .i32AddImmAtGlobal }))
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    try memory.store(UInt64(4), at: 64)
    _ = try instance.call("sub8")
    #expect(try memory.load(UInt64.self, at: 64) == UInt64.max - 3)
    try instance.exportedGlobal("g").set(.i64(1 << 32 | 64))
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("sub8") }
}

@Test func bumpWithDifferentLoadAndStoreOffsetsIsNotFusedAndStillCorrect() throws {
    let module = globalModule([("f", FunctionType(), [], bumpBody(1, loadOffset: 0, storeOffset: 4))])
    #expect(!(try translatedCode(module).contains { $0.op == .i32AddImmAtGlobal }))
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    try instance.exportedGlobal("g").set(.i32(100))
    try memory.store(UInt32(41), at: 100)
    _ = try instance.call("f")
    #expect(try memory.load(UInt32.self, at: 104) == 42)
    #expect(try memory.load(UInt32.self, at: 100) == 41)
}

@Test func fusedInstructionsReadAnImportedGlobalsCell() throws {
    let store = Store()
    let shared = try Global(store: store, type: GlobalType(valueType: .i32, isMutable: true), value: .i32(2))
    var module = makeModule([
        (
            "f", FunctionType(parameters: [.i32, .i32], results: [.i32]), [],
            [.localGet(0), .localGet(1), .globalGet(0), .i32Const(2), .numeric(.i32Eq), .select]
        )
    ])
    module.imports = [
        Import(
            module: "env", name: "state", descriptor: .global(GlobalType(valueType: .i32, isMutable: true)))
    ]
    var imports = Imports()
    imports.define(module: "env", name: "state", .global(shared))
    let instance = try Instance(module: module, store: store, imports: imports)
    #expect(try instance.call("f", [.i32(5), .i32(6)]) == [.i32(5)])
    try shared.set(.i32(3))
    #expect(try instance.call("f", [.i32(5), .i32(6)]) == [.i32(6)])
}

@Test func globalGetFollowedByABranchTargetIsNotFused() throws {
    // block { g; loop (param i32) { br_if 1 (eqz v); n += 1; br_if 1 (n >= 10);
    //   v = x; x = 0; br 0 (v) } }: the back edge lands between the
    // `global.get` and the test, so the test must read the loop parameter,
    // not the global. With g != 0 and x = 0 the loop runs once.
    let loopType = FunctionType(parameters: [.i32])
    let body: [Instruction] = [
        .block(.empty),
        .globalGet(0),
        .loop(.typeIndex(0)),
        .numeric(.i32Eqz), .brIf(depth: 1),
        .localGet(1), .i32Const(1), .numeric(.i32Add), .localTee(1), .i32Const(10), .numeric(.i32GeU),
        .brIf(depth: 1),
        .localGet(0), .i32Const(0), .localSet(0),
        .br(depth: 0),
        .end,
        .end,
        .localGet(1),
    ]
    let module = globalModule(
        [("f", FunctionType(parameters: [.i32], results: [.i32]), [.i32], body)], types: [loopType])
    let code = try translatedCode(module)
    #expect(code.contains { $0.op == .globalGet })
    let instance = try Instance(module: module, store: Store())
    try instance.exportedGlobal("g").set(.i32(7))
    #expect(try instance.call("f", [.i32(0)]) == [.i32(1)])
    #expect(try instance.call("f", [.i32(5)]) == [.i32(2)])
    try instance.exportedGlobal("g").set(.i32(0))
    #expect(try instance.call("f", [.i32(5)]) == [.i32(0)])
}

@Test func globalAddressFollowedByABranchTargetIsNotFusedIntoTheLoad() throws {
    // g; loop (param i32) (result i32) { v = load; if (n == 0) { n = 1; br 0 (x) }; v }:
    // the second iteration loads from x, not from g.
    let loopType = FunctionType(parameters: [.i32], results: [.i32])
    let body: [Instruction] = [
        .globalGet(0),
        .loop(.typeIndex(0)),
        .load(.i32Load, MemArg(align: 2, offset: 0)), .localSet(2),
        .localGet(1), .numeric(.i32Eqz),
        .if(.empty), .i32Const(1), .localSet(1), .localGet(0), .br(depth: 1), .end,
        .localGet(2),
        .end,
    ]
    let store: [Instruction] = [.localGet(0), .localGet(1), .store(.i32Store, MemArg(align: 2, offset: 0))]
    let module = globalModule(
        [
            ("f", FunctionType(parameters: [.i32], results: [.i32]), [.i32, .i32], body),
            ("put", FunctionType(parameters: [.i32, .i32]), [], store),
        ], types: [loopType])
    #expect(!(try translatedCode(module).contains { $0.op == .i32LoadGlobal }))
    let instance = try Instance(module: module, store: Store())
    _ = try instance.call("put", [.i32(16), .i32(111)])
    _ = try instance.call("put", [.i32(32), .i32(222)])
    try instance.exportedGlobal("g").set(.i32(16))
    #expect(try instance.call("f", [.i32(32)]) == [.i32(222)])
}

/// `get`: `i32.load offset=4 (i32.load (global.get g))`; `put(v)`:
/// `i32.store offset=8 (i32.load (global.get g)) v` (Asyncify's call index),
/// with the pointer `i64` wide in memory64.
func indirectModule(memory64: Bool) -> Module {
    let pointerLoad: Instruction =
        memory64 ? .load(.i64Load, MemArg(align: 3, offset: 0)) : .load(.i32Load, MemArg(align: 2, offset: 0))
    return globalModule(
        [
            (
                "get", FunctionType(results: [.i32]), [],
                [.globalGet(0), pointerLoad, .load(.i32Load, MemArg(align: 2, offset: 4))]
            ),
            (
                "put", FunctionType(parameters: [.i32]), [],
                [.globalGet(0), pointerLoad, .localGet(0), .store(.i32Store, MemArg(align: 2, offset: 8))]
            ),
        ], global: memory64 ? .i64 : .i32, initial: memory64 ? .i64Const(100) : .i32Const(100),
        memory64: memory64)
}

@Test func loadAndStoreThroughAPointerAtAGlobalAddressFuseAndCheckBothBounds() throws {
    let module = indirectModule(memory64: false)
    #expect(try translatedCode(module, function: 0).map(\.op) == [.i32LoadIndirect32, .ret1])
    #expect(try translatedCode(module, function: 1).map(\.op) == [.i32StoreIndirect32, .ret])
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    try memory.store(UInt32(200), at: 100)
    try memory.store(UInt32(0xCAFE), at: 204)
    #expect(try instance.call("get") == [.i32(0xCAFE)])
    _ = try instance.call("put", [.i32(0xBEEF)])
    #expect(try memory.load(UInt32.self, at: 208) == 0xBEEF)
    // The pointer itself out of bounds, then the address it holds.
    let g = try instance.exportedGlobal("g")
    try g.set(.i32(65533))
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("get") }
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("put", [.i32(1)]) }
    try g.set(.i32(100))
    try memory.store(UInt32(65528), at: 100)  // 65528 + 8 + 4 is past the end; + 4 + 4 is not
    _ = try instance.call("get")
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("put", [.i32(1)]) }
    try memory.store(UInt32(0xFFFF_FFFC), at: 100)
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("get") }
    #expect(try memory.load(UInt32.self, at: 208) == 0xBEEF)
}

@Test func memory64PointerLoadedThroughAGlobalIsEightBytesWide() throws {
    let module = indirectModule(memory64: true)
    #expect(!(try translatedCode(module, function: 0).contains { $0.op == .i32LoadIndirect32 }))
    #expect(!(try translatedCode(module, function: 1).contains { $0.op == .i32StoreIndirect32 }))
    let instance = try Instance(module: module, store: Store())
    let memory = try instance.exportedMemory()
    try memory.store(UInt64(300), at: 100)
    try memory.store(UInt32(41), at: 304)
    #expect(try instance.call("get") == [.i32(41)])
    _ = try instance.call("put", [.i32(42)])
    #expect(try memory.load(UInt32.self, at: 308) == 42)
    // 2^32 + 300 would be 300 if only four bytes of the pointer counted.
    try memory.store(UInt64(1 << 32 | 300), at: 100)
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("get") }
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("put", [.i32(7)]) }
    #expect(try memory.load(UInt32.self, at: 308) == 42)
}

@Test func globalComparedWithAConstantAsAValueFuses() throws {
    // (x | g == 2) and (g != 5) as values; `local.tee` of the comparison
    // before an `if` keeps the stored value right.
    let or: [Instruction] = [.localGet(0), .globalGet(0), .i32Const(2), .numeric(.i32Eq), .numeric(.i32Or)]
    let ne: [Instruction] = [.globalGet(0), .i32Const(5), .numeric(.i32Ne)]
    let tee: [Instruction] =
        [.globalGet(0), .i32Const(2), .numeric(.i32Eq), .localTee(1)] + ifThenOneElseZero + [
            .localGet(1), .i32Const(2), .numeric(.i32Mul), .numeric(.i32Add),
        ]
    let module = globalModule([
        ("or", FunctionType(parameters: [.i32], results: [.i32]), [], or),
        ("ne", FunctionType(results: [.i32]), [], ne),
        ("tee", FunctionType(parameters: [.i32], results: [.i32]), [.i32], tee),
    ])
    #expect(try translatedCode(module, function: 0).contains { $0.op == .i32EqImmGlobal })
    #expect(try translatedCode(module, function: 1).map(\.op) == [.i32NeImmGlobal, .ret1])
    let instance = try Instance(module: module, store: Store())
    let g = try instance.exportedGlobal("g")
    for value: UInt32 in [0, 2, 5, 0x1_0002 & 0xFFFF_FFFF, 0xFFFF_FFFF] {
        try g.set(.i32(value))
        #expect(try instance.call("or", [.i32(4)]) == [.i32(4 | (value == 2 ? 1 : 0))], "g=\(value)")
        #expect(try instance.call("ne") == [.i32(value != 5 ? 1 : 0)], "g=\(value)")
        #expect(try instance.call("tee", [.i32(0)]) == [.i32(value == 2 ? 3 : 0)], "g=\(value)")
    }
}

@Test func roundingInstructionsSharingOneOpcodeRoundByTheirOwnRule() throws {
    // f32/f64 ceil, floor, trunc and nearest on values where the rules differ.
    let ops: [(NumericOp, FloatingPointRoundingRule)] = [
        (.f32Ceil, .up), (.f32Floor, .down), (.f32Trunc, .towardZero), (.f32Nearest, .toNearestOrEven),
        (.f64Ceil, .up), (.f64Floor, .down), (.f64Trunc, .towardZero), (.f64Nearest, .toNearestOrEven),
    ]
    let inputs: [Double] = [2.5, -2.5, 3.5, -0.25, 0.75, 1e30, -7.0]
    for (op, rule) in ops {
        let isF32 = [.f32Ceil, .f32Floor, .f32Trunc, .f32Nearest].contains(op)
        let type: ValueType = isF32 ? .f32 : .f64
        let module = makeModule([
            ("f", FunctionType(parameters: [type], results: [type]), [], [.localGet(0), .numeric(op)])
        ])
        #expect(try translatedCode(module).first?.op == .floatRound)
        let f = try Instance(module: module, store: Store()).exportedFunction("f")
        for x in inputs {
            if isF32 {
                let expected = Float(x).rounded(rule)
                #expect(try f(.f32(Float(x).bitPattern)) == [.f32(expected.bitPattern)], "\(op) \(x)")
            } else {
                #expect(try f(.f64(x.bitPattern)) == [.f64(x.rounded(rule).bitPattern)], "\(op) \(x)")
            }
        }
        // -0.25 rounds to -0 under ceil, trunc and nearest: the sign survives.
        if isF32 {
            let r = try f(.f32(Float(-0.25).bitPattern))
            #expect(rule == .down || r == [.f32(Float(-0.0).bitPattern)], "\(op)")
        }
    }
}

@Test func opcodeStillFitsInOneByteWithTheGlobalForms() {
    // The dispatch loads the opcode as one byte; the global forms and the
    // shared rounding opcode keep the count within 256.
    #expect(MemoryLayout<Op>.size == 1)
}
