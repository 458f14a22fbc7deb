import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

// The native tier addresses global cells and the memory's state relative to
// the store's context (r14) when they are near it, and through a scratch
// register otherwise (`NativeCompiler.farAddresses` forces the second form);
// a function that keeps the memory registers current enters its callees past
// their memory-register load; cached locals start zeroed in their registers.
// Every expected value here comes from a Swift model of the module.
@Suite struct GlobalCellTests {
    /// Asyncify's shapes on globals: `__asyncify_state` (global 0) tested,
    /// compared and selected on, `__asyncify_data` (global 1) read as a
    /// pointer, bumped and loaded/stored through, plus an i64 and an f64 global.
    static func asyncifyShapes() -> Module {
        let i32 = FunctionType(parameters: [.i32], results: [.i32])
        // state(x): (state == 2 ? 100 : 0) + (state != 1 ? 10 : 0) + select(x, 7, state)
        let state: [Instruction] = [
            .globalGet(0), .i32Const(2), .numeric(.i32Eq),
            .if(.value(.i32)), .i32Const(100), .else, .i32Const(0), .end,
            .globalGet(0), .i32Const(1), .numeric(.i32Ne), .i32Const(10), .numeric(.i32Mul),
            .numeric(.i32Add),
            .localGet(0), .i32Const(7), .globalGet(0), .select, .numeric(.i32Add),
        ]
        // keep(x): x = select(x + 1, x, state) (the result slot is the first operand's local); x
        let keep: [Instruction] = [
            .localGet(0), .i32Const(1), .numeric(.i32Add), .localGet(0), .globalGet(0), .select, .localSet(0),
            .localGet(0),
        ]
        // push(v), the way Asyncify saves a local and moves on: p = mem[data];
        // mem[p + 4] = v; r = mem[mem[data] + 4]; mem[data] += 4; r
        let word = MemArg(align: 2, offset: 0)
        let plus4 = MemArg(align: 2, offset: 4)
        let push: [Instruction] = [
            .globalGet(1), .load(.i32Load, word), .localGet(0), .store(.i32Store, plus4),
            .globalGet(1), .load(.i32Load, word), .load(.i32Load, plus4),
            .globalGet(1), .globalGet(1), .load(.i32Load, word), .i32Const(4), .numeric(.i32Add),
            .store(.i32Store, word),
        ]
        // rewind(): Asyncify's rewind start: mem[data] -= 8; p = mem[data]; mem[p] + mem[data + 4]
        // (the load right after the bump reuses its checked address; the second one has
        // another offset, so it must not).
        let rewind: [Instruction] = [
            .globalGet(1), .globalGet(1), .load(.i32Load, word), .i32Const(8), .numeric(.i32Sub),
            .store(.i32Store, word),
            .globalGet(1), .load(.i32Load, word), .load(.i32Load, word),
            .globalGet(1), .load(.i32Load, plus4), .numeric(.i32Add),
        ]
        // wide(): g2 = g2 * 3 (i64), g3 = g3 + 0.5 (f64); i64 result g2 + trunc(g3)
        let wide: [Instruction] = [
            .globalGet(2), .i64Const(3), .numeric(.i64Mul), .globalSet(2),
            .globalGet(3), .f64Const(bits: 0.5.bitPattern), .numeric(.f64Add), .globalSet(3),
            .globalGet(2), .globalGet(3), .numeric(.i64TruncF64S), .numeric(.i64Add),
        ]
        var module = makeModule(
            [
                ("state", i32, [], state), ("keep", i32, [], keep), ("push", i32, [], push),
                ("wide", FunctionType(results: [.i64]), [], wide),
                ("rewind", FunctionType(results: [.i32]), [], rewind),
            ], memory: MemoryType(min: 1, max: 1))
        module.globals = [
            Global(type: GlobalType(valueType: .i32, isMutable: true), initializer: [.i32Const(0), .end]),
            Global(type: GlobalType(valueType: .i32, isMutable: true), initializer: [.i32Const(64), .end]),
            Global(type: GlobalType(valueType: .i64, isMutable: true), initializer: [.i64Const(5), .end]),
            Global(
                type: GlobalType(valueType: .f64, isMutable: true),
                initializer: [.f64Const(bits: 1.0.bitPattern), .end]),
        ]
        for (index, name) in ["state", "data", "wide", "float"].enumerated() {
            module.exports.append(Export(name: "g_\(name)", descriptor: .global(UInt32(index))))
        }
        return module
    }

    /// Runs the shapes on `instance`: (what, what ran, what the model expects).
    static func exercise(_ instance: Instance) throws -> [(String, String, String)] {
        var outcomes: [(String, String, String)] = []
        func call(_ name: String, _ arguments: [Value] = []) -> String {
            do { return "\(try instance.call(name, arguments))" } catch { return "\(error)" }
        }
        let stateGlobal = try instance.exportedGlobal("g_state")
        for s: UInt32 in [0, 1, 2, 0xFFFF_FFFF] {
            try stateGlobal.set(.i32(s))
            let expected = (s == 2 ? 100 : 0) + (s != 1 ? 10 : 0) + (s != 0 ? 1234 : 7)
            outcomes.append(("state s=\(s)", call("state", [.i32(1234)]), "\([Value.i32(UInt32(expected))])"))
            outcomes.append(("keep s=\(s)", call("keep", [.i32(41)]), "\([Value.i32(s != 0 ? 42 : 41)])"))
        }
        let data = try instance.exportedGlobal("g_data")
        let memory = try instance.exportedMemory()
        try memory.store(UInt32(1000), at: 64)
        for v: UInt32 in [5, 0xFFFF_FFFF, 9] {
            let at = try memory.load(UInt32.self, at: 64)
            outcomes.append(("push \(v)", call("push", [.i32(v)]), "\([Value.i32(v)])"))
            outcomes.append(("pushed \(v)", "\(try memory.load(UInt32.self, at: UInt64(at) + 4))", "\(v)"))
            outcomes.append(("bumped \(v)", "\(try memory.load(UInt32.self, at: 64))", "\(at + 4)"))
        }
        // The data pointer's own address, or the pointer in it, past the memory's end: traps
        // (65532 reads the pointer 0, whose slot 4 is in bounds).
        let trap = "\(Trap(.outOfBoundsMemoryAccess))"
        for (address, pointer, expected): (UInt32, UInt32, String) in [
            (65533, 0, trap), (0xFFFF_FFFC, 0, trap), (64, 65529, trap), (64, 0xFFFF_FFFC, trap),
            (64, 65524, "\([Value.i32(1)])"),
        ] {
            try data.set(.i32(address))
            if address == 64 { try memory.store(pointer, at: 64) }
            outcomes.append(("data \(address), pointer \(pointer)", call("push", [.i32(1)]), expected))
        }
        // rewind: data at 64 again, holding 2008; mem[2000] = 70, mem[68] = 3 -> 73 and mem[64] = 2000.
        try data.set(.i32(64))
        try memory.store(UInt32(2008), at: 64)
        try memory.store(UInt32(70), at: 2000)
        try memory.store(UInt32(3), at: 68)
        outcomes.append(("rewind", call("rewind"), "\([Value.i32(73)])"))
        outcomes.append(("rewound", "\(try memory.load(UInt32.self, at: 64))", "2000"))
        // The data pointer at the memory's end: the bump traps, and one past the last word.
        for address: UInt32 in [65533, 65532] {
            try data.set(.i32(address))
            try memory.store(UInt32(2008), at: 65532)
            // 65532: the bump and the pointer load pass, data + 4 does not.
            outcomes.append(("rewind at \(address)", call("rewind"), trap))
        }
        var g2: Int64 = 5
        var g3 = 1.0
        for round in 0..<3 {
            g2 &*= 3
            g3 += 0.5
            outcomes.append(
                ("wide \(round)", call("wide"), "\([Value.i64(UInt64(bitPattern: g2 &+ Int64(g3)))])"))
        }
        return outcomes
    }

    @Test(arguments: [Store.Engine.interpreter, .native], [false, true])
    func globalShapesMatchTheModel(engine: Store.Engine, far: Bool) throws {
        if nativeSkipped(engine) { return }
        if engine == .interpreter && far { return }
        try NativeCompiler.$farAddresses.withValue(far) {
            let instance = try Instance(
                module: GlobalCellTests.asyncifyShapes(), store: Store(configuration: .init(engine: engine)))
            for (name, got, expected) in try GlobalCellTests.exercise(instance) {
                #expect(got == expected, "\(name) on \(engine), far addresses: \(far)")
            }
        }
    }

    /// `main(a)`: stores at 0 (so it keeps r12/r13), calls `mid`, which uses no memory
    /// itself but calls a host function that grows the memory (it may move), then
    /// calls `read(a)` and `grow_read(a)`, which use memory and are entered past their
    /// memory-register load. A read of the new page sees the host's value only if
    /// every caller's memory registers were current at the call.
    @Test(arguments: [Store.Engine.interpreter, .native], [false, true])
    func calleesEnteredPastTheirMemoryLoadSeeAGrownMemory(engine: Store.Engine, far: Bool) throws {
        if nativeSkipped(engine) { return }
        if engine == .interpreter && far { return }
        let i32 = FunctionType(parameters: [.i32], results: [.i32])
        let main: [Instruction] = [
            .i32Const(0), .i32Const(11), .store(.i32Store, MemArg(align: 2, offset: 0)),
            .call(functionIndex: 2),
            .localGet(0), .call(functionIndex: 3),
            .localGet(0), .i32Const(4), .numeric(.i32Add), .call(functionIndex: 4), .numeric(.i32Add),
            .i32Const(0), .load(.i32Load, MemArg(align: 2, offset: 0)), .numeric(.i32Add),
        ]
        let mid: [Instruction] = [.call(functionIndex: 0)]
        let read: [Instruction] = [.localGet(0), .load(.i32Load, MemArg(align: 2, offset: 0))]
        // grow_read(a): memory.grow 1 (in Wasm), then mem[a]
        let growRead: [Instruction] = [
            .i32Const(1), .memoryGrow(0), .drop, .localGet(0), .load(.i32Load, MemArg(align: 2, offset: 0)),
        ]
        let module = makeModule(
            [
                ("main", i32, [], main), ("mid", FunctionType(), [], mid), ("read", i32, [], read),
                ("grow_read", i32, [], growRead),
            ], memory: MemoryType(min: 1, max: 8),
            imports: [Import(module: "env", name: "grow", descriptor: .function(typeIndex: 0))],
            types: [FunctionType()])
        try NativeCompiler.$farAddresses.withValue(far) {
            let store = Store(configuration: .init(engine: engine))
            let grow = Function(store: store, type: FunctionType()) { caller, _ in
                guard let memory = caller.memory, let old = memory.grow(by: 1) else {
                    throw Trap(.unreachable)
                }
                try memory.store(UInt32(1000 + old), at: old * 65536 + 8)
                return []
            }
            var imports = Imports()
            imports.define(module: "env", name: "grow", .function(grow))
            let instance = try Instance(module: module, store: store, imports: imports)
            // Page 1 (from the host), page 2 appears during grow_read: its value is 0.
            #expect(
                try instance.call("main", [.i32(65536 + 8)]) == [.i32(1001 + 0 + 11)], "\(engine) far: \(far)"
            )
            // Pages 3 (host) and 4 (Wasm); read(page 3) and grow_read(page 3 + 4 bytes, still 0).
            #expect(
                try instance.call("main", [.i32(3 * 65536 + 8)]) == [.i32(1003 + 0 + 11)],
                "\(engine) far: \(far)")
            #expect(try instance.exportedMemory().byteCount == 5 * 65536)
        }
    }

    /// Locals cached in registers start at zero in the register, and a callee's
    /// return reloads them from the frame: `f(n)` passes its local `d` (still 0) to
    /// `g`, reads it after the call, then sets it and calls `g` again. The second
    /// call of `f` finds the first one's `d` in the frame slot: a zeroed register
    /// that was not written back before the first call would be reloaded as that.
    @Test(arguments: [Store.Engine.interpreter, .native])
    func cachedLocalsStartAtZero(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        let i32 = FunctionType(parameters: [.i32], results: [.i32])
        let three = FunctionType(parameters: [.i32, .i32, .i32], results: [.i32])
        // f(n): g(n, d, 3) + d * 7 + (d = n + 1; g(d, d, n)), with g(x, y, z) = 100x + 10y + z
        let f: [Instruction] = [
            .localGet(0), .localGet(1), .i32Const(3), .call(functionIndex: 1),
            .localGet(1), .i32Const(7), .numeric(.i32Mul), .numeric(.i32Add),
            .localGet(0), .i32Const(1), .numeric(.i32Add), .localSet(1),
            .localGet(1), .localGet(1), .localGet(0), .call(functionIndex: 1), .numeric(.i32Add),
        ]
        let g: [Instruction] = [
            .localGet(0), .i32Const(100), .numeric(.i32Mul), .localGet(1), .i32Const(10), .numeric(.i32Mul),
            .numeric(.i32Add), .localGet(2), .numeric(.i32Add),
        ]
        let module = makeModule([("f", i32, [.i32], f), ("g", three, [], g)])
        let instance = try Instance(module: module, store: Store(configuration: .init(engine: engine)))
        for n: UInt32 in [4, 9, 1, 30] {
            let d = n + 1
            let expected = (100 * n + 3) + 0 * 7 + (100 * d + 10 * d + n)
            #expect(try instance.call("f", [.i32(n)]) == [.i32(expected)], "n = \(n) on \(engine)")
        }
    }
}
