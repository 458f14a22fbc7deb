import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

@Test func recursiveFibonacciComputesKnownValues() throws {
    let module = makeModule([("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody)])
    let instance = try Instance(module: module, store: Store())
    let fib = try instance.exportedFunction("fib")
    #expect(try fib(.i64(0)) == [.i64(0)])
    #expect(try fib(.i64(1)) == [.i64(1)])
    #expect(try fib(.i64(20)) == [.i64(6765)])
}

@Test func loopSumsIntegersWithLocals() throws {
    // sum = 0; i = n; loop { sum += i; i -= 1; br_if i != 0 }
    let body: [Instruction] = [
        .block(.empty),
        .localGet(0), .numeric(.i32Eqz), .brIf(depth: 0),
        .loop(.empty),
        .localGet(1), .localGet(0), .numeric(.i32Add), .localSet(1),
        .localGet(0), .i32Const(1), .numeric(.i32Sub), .localTee(0),
        .brIf(depth: 0),
        .end,
        .end,
        .localGet(1),
    ]
    let module = makeModule([("sum", FunctionType(parameters: [.i32], results: [.i32]), [.i32], body)])
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("sum", [.i32(100)]) == [.i32(5050)])
    #expect(try instance.call("sum", [.i32(0)]) == [.i32(0)])
}

@Test func divisionTrapsAndStoreStaysUsable() throws {
    let module = makeModule([
        (
            "div", FunctionType(parameters: [.i32, .i32], results: [.i32]), [],
            [.localGet(0), .localGet(1), .numeric(.i32DivS)]
        ),
        (
            "rem", FunctionType(parameters: [.i32, .i32], results: [.i32]), [],
            [.localGet(0), .localGet(1), .numeric(.i32RemS)]
        ),
    ])
    let instance = try Instance(module: module, store: Store())
    #expect(throws: Trap(.integerDivideByZero)) { try instance.call("div", [.i32(1), .i32(0)]) }
    #expect(throws: Trap(.integerOverflow)) {
        try instance.call("div", [Value(Int32.min), Value(Int32(-1))])
    }
    #expect(try instance.call("rem", [Value(Int32.min), Value(Int32(-1))]) == [.i32(0)])
    #expect(try instance.call("div", [Value(Int32(-7)), .i32(2)]) == [Value(Int32(-3))])
    #expect(try instance.call("rem", [Value(Int32(-7)), .i32(2)]) == [Value(Int32(-1))])
}

@Test func infiniteRecursionTrapsWithExhaustionNotACrash() throws {
    let module = makeModule([("f", FunctionType(parameters: [], results: []), [], [.call(functionIndex: 0)])])
    let store = Store(configuration: .init(maximumCallDepth: 500))
    let instance = try Instance(module: module, store: store)
    #expect(throws: Trap(.callStackExhausted)) { try instance.call("f") }
    #expect(throws: Trap(.callStackExhausted)) { try instance.call("f") }
    #expect(store.exec.pointee.frameCount == 0)
}

@Test func memoryLoadsStoresAndBoundsChecks() throws {
    let module = makeModule(
        [
            (
                "store", FunctionType(parameters: [.i32, .i64], results: []), [],
                [.localGet(0), .localGet(1), .store(.i64Store, MemArg(align: 3, offset: 0))]
            ),
            (
                "load8s", FunctionType(parameters: [.i32], results: [.i32]), [],
                [.localGet(0), .load(.i32Load8S, MemArg(align: 0, offset: 1))]
            ),
            ("grow", FunctionType(parameters: [.i32], results: [.i32]), [], [.localGet(0), .memoryGrow(0)]),
        ], memory: Limits(min: 1, max: 2))
    let instance = try Instance(module: module, store: Store())
    _ = try instance.call("store", [.i32(8), .i64(0xFF80)])
    #expect(try instance.call("load8s", [.i32(7)]) == [.i32(0xFFFF_FF80)])
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("store", [.i32(65529), .i64(0)]) }
    #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.call("load8s", [.i32(65535)]) }
    #expect(try instance.call("grow", [.i32(1)]) == [.i32(1)])
    #expect(try instance.call("grow", [.i32(1)]) == [.i32(UInt32.max)])
    _ = try instance.call("store", [.i32(65536), .i64(7)])
    let memory = try instance.exportedMemory()
    #expect(try memory.load(UInt64.self, at: 65536) == 7)
}

@Test func hostFunctionsReceiveArgumentsAndCallerMemory() throws {
    let store = Store()
    var seen: [UInt32] = []
    let log = Function(store: store, type: FunctionType(parameters: [.i32], results: [.i32])) {
        caller, args in
        guard case .i32(let v) = args[0] else { return [.i32(0)] }
        seen.append(v)
        let byte = try caller.memory?.load(UInt8.self, at: 0) ?? 0
        return [.i32(v * 2 + UInt32(byte))]
    }
    var imports = Imports()
    imports.define(module: "env", name: "log", .function(log))
    let module = makeModule(
        [
            (
                "run", FunctionType(parameters: [.i32], results: [.i32]), [],
                [
                    .i32Const(0), .i32Const(3), .store(.i32Store8, MemArg(align: 0, offset: 0)),
                    .localGet(0), .call(functionIndex: 0),
                ]
            )
        ],
        memory: Limits(min: 1),
        imports: [Import(module: "env", name: "log", descriptor: .function(typeIndex: 0))],
        types: [FunctionType(parameters: [.i32], results: [.i32])])
    let instance = try Instance(module: module, store: store, imports: imports)
    #expect(try instance.call("run", [.i32(20)]) == [.i32(43)])
    #expect(seen == [20])
}

@Test func missingImportIsALinkError() throws {
    let module = makeModule(
        [], imports: [Import(module: "env", name: "nope", descriptor: .function(typeIndex: 0))],
        types: [FunctionType()])
    #expect(throws: LinkError.self) { try Instance(module: module, store: Store()) }
}

@Test func floatMinMaxAndTruncationFollowWasmRules() throws {
    let module = makeModule([
        (
            "min", FunctionType(parameters: [.f32, .f32], results: [.f32]), [],
            [.localGet(0), .localGet(1), .numeric(.f32Min)]
        ),
        (
            "trunc", FunctionType(parameters: [.f64], results: [.i32]), [],
            [.localGet(0), .numeric(.i32TruncF64S)]
        ),
        (
            "sat", FunctionType(parameters: [.f64], results: [.i32]), [],
            [.localGet(0), .numeric(.i32TruncSatF64U)]
        ),
    ])
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("min", [Value(Float(0)), Value(-Float(0))]) == [Value(-Float(0))])
    let r = try instance.call("min", [Value(Float.nan), Value(Float(1))])
    if case .f32(let bits) = r[0] { #expect(Float(bitPattern: bits).isNaN) } else { Issue.record("not f32") }
    #expect(try instance.call("trunc", [Value(-2147483648.9)]) == [Value(Int32.min)])
    #expect(throws: Trap(.integerOverflow)) { try instance.call("trunc", [Value(2147483648.0)]) }
    #expect(throws: Trap(.invalidConversionToInteger)) { try instance.call("trunc", [Value(Double.nan)]) }
    #expect(try instance.call("sat", [Value(-5.0)]) == [.i32(0)])
    #expect(try instance.call("sat", [Value(1e20)]) == [.i32(UInt32.max)])
}

@Test func rawCallsPassSlotsBothWays() throws {
    let module = makeModule([("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody)])
    let fib = try Instance(module: module, store: Store()).exportedFunction("fib")
    var slots: [UInt64] = [20]
    try slots.withUnsafeMutableBufferPointer { try fib.callRaw($0) }
    #expect(slots == [6765])
    var empty: [UInt64] = []
    let error = #expect(throws: InvocationError.self) {
        try empty.withUnsafeMutableBufferPointer { try fib.callRaw($0) }
    }
    #expect(error?.reason == .argumentCount)
}

@Test func aSingleValueRawCallReturnsTheResultOnBothEngines() throws {
    let engines: [Store.Engine] = Store.nativeEngineIsAvailable ? [.interpreter, .native] : [.interpreter]
    let module = makeModule([
        ("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody),
        ("none", FunctionType(parameters: [], results: [.i64]), [], [.i64Const(1)]),
    ])
    for engine in engines {
        let instance = try Instance(module: module, store: Store(configuration: .init(engine: engine)))
        #expect(try instance.exportedFunction("fib").callRaw(single: 20) == 6765, "\(engine)")
        let error = #expect(throws: InvocationError.self) {
            try instance.exportedFunction("none").callRaw(single: 0)
        }
        #expect(error?.reason == .argumentCount)
    }
}

@Test func unexportedGlobalsAreReachableByIndexAndRawBitsRoundTrip() throws {
    // Two globals, neither exported: g0 (i64, mutable) is what `get` returns,
    // g1 (f32, immutable) holds 1.5. Raw writes must be seen by Wasm code and
    // Wasm writes by raw reads, without going through `Value`.
    var module = makeModule([
        ("get", FunctionType(parameters: [], results: [.i64]), [], [.globalGet(0)]),
        (
            "bump", FunctionType(parameters: [], results: []), [],
            [.globalGet(0), .i64Const(1), .numeric(.i64Add), .globalSet(0)]
        ),
    ])
    module.globals = [
        WasmBinary.Global(
            type: GlobalType(valueType: .i64, isMutable: true), initializer: [.i64Const(7), .end]),
        WasmBinary.Global(
            type: GlobalType(valueType: .f32, isMutable: false),
            initializer: [.f32Const(bits: Float(1.5).bitPattern), .end]),
    ]
    let instance = try Instance(module: module, store: Store())
    let g0 = try #require(instance.global(at: 0))
    let g1 = try #require(instance.global(at: 1))
    #expect(instance.global(at: 2) == nil)
    #expect(instance.global(at: -1) == nil)
    #expect(g0.rawBits == 7)
    #expect(g1.rawBits == UInt64(Float(1.5).bitPattern))
    g0.rawBits = 0xFFFF_FFFF_FFFF_FFFF
    #expect(try instance.call("get") == [.i64(UInt64.max)])
    _ = try instance.call("bump")
    #expect(g0.rawBits == 0)
    g0.rawStorage.pointee = 41
    _ = try instance.call("bump")
    #expect(g0.value == .i64(42))
}

@Test func unownedMemoryViewSeesWasmStoresAndFollowsGrowth() throws {
    // `put` stores an i32 at address 8 and grows the memory by one page; the
    // view, taken before, must read what Wasm wrote, write what Wasm reads,
    // bounds-check like Memory, and see the new size after the grow.
    var module = makeModule([
        (
            "put", FunctionType(parameters: [.i32], results: []), [],
            [
                .i32Const(8), .localGet(0), .store(.i32Store, MemArg(align: 2, offset: 0)), .i32Const(1),
                .memoryGrow(0), .drop,
            ]
        ),
        (
            "get", FunctionType(parameters: [], results: [.i32]), [],
            [.i32Const(8), .load(.i32Load, MemArg(align: 2, offset: 0))]
        ),
    ])
    module.memories = [MemoryType(min: 1, max: 4)]
    module.exports.append(Export(name: "memory", descriptor: .memory(0)))
    let instance = try Instance(module: module, store: Store())
    let view = try instance.exportedMemory().unownedView
    #expect(view.byteCount == 65536)
    _ = try instance.call("put", [.i32(0xDEAD_BEEF)])
    #expect(try view.load(UInt32.self, at: 8) == 0xDEAD_BEEF)
    #expect(view.byteCount == 2 * 65536)
    try view.store(UInt32(77), at: 8)
    #expect(try instance.call("get") == [.i32(77)])
    try view.store(UInt64(5), at: 2 * 65536 - 8)
    #expect(throws: Trap.self) { try view.load(UInt32.self, at: 2 * 65536 - 2) }
    #expect(throws: Trap.self) { try view.store(UInt64(1), at: UInt64.max - 3) }
}
