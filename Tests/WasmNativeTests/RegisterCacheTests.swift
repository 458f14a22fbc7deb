import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// The native tier's write-back register cache: locals updated in a loop
/// live in registers, and their frame copies are stale until written back.
/// Whatever reads the frame must see the current values: a host function's
/// arguments, `memory.fill`'s operands and a Wasm callee's arguments. A Swift
/// model of the loop gives every expected value.
@Suite struct RegisterCacheTests {
    final class Log: @unchecked Sendable { var calls: [[UInt32]] = [] }

    @Test(arguments: [Store.Engine.interpreter, .native])
    func frameReadersSeeCachedLocals(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        let pair = FunctionType(parameters: [.i32, .i32])
        // run(n): locals i, x, acc. Each round: i += 1; x = (x * 3 + i) & 0xFFF;
        // h(i, x); memory.fill(x, i, 1); acc += mix(i, x); loop while i < n.
        // Result: acc + memory[x].
        let run: [Instruction] = [
            .loop(.empty),
            .localGet(1), .i32Const(1), .numeric(.i32Add), .localSet(1),
            .localGet(2), .i32Const(3), .numeric(.i32Mul), .localGet(1), .numeric(.i32Add),
            .i32Const(0xFFF), .numeric(.i32And), .localSet(2),
            .localGet(1), .localGet(2), .call(functionIndex: 0),
            .localGet(2), .localGet(1), .i32Const(1), .memoryFill(0),
            .localGet(3), .localGet(1), .localGet(2), .call(functionIndex: 2), .numeric(.i32Add),
            .localSet(3),
            .localGet(1), .localGet(0), .numeric(.i32LtU), .brIf(depth: 0),
            .end,
            .localGet(3), .localGet(2), .load(.i32Load8U, MemArg(align: 0, offset: 0)), .numeric(.i32Add),
        ]
        // mix(a, b) = a * 31 ^ b
        let mix: [Instruction] = [
            .localGet(0), .i32Const(31), .numeric(.i32Mul), .localGet(1), .numeric(.i32Xor),
        ]
        let module = makeModule(
            [
                ("run", FunctionType(parameters: [.i32], results: [.i32]), [.i32, .i32, .i32], run),
                ("mix", FunctionType(parameters: [.i32, .i32], results: [.i32]), [], mix),
            ], memory: MemoryType(min: 1, max: 1),
            imports: [Import(module: "env", name: "h", descriptor: .function(typeIndex: 0))], types: [pair])
        let store = Store(configuration: .init(engine: engine))
        let log = Log()
        let h = Function(store: store, type: pair) { _, arguments in
            log.calls.append(arguments.map { if case .i32(let v) = $0 { v } else { 0 } })
            return []
        }
        var imports = Imports()
        imports.define(module: "env", name: "h", .function(h))
        let instance = try Instance(module: module, store: store, imports: imports)
        let n: UInt32 = 300
        let result = try instance.exportedFunction("run").call([.i32(n)])

        var i: UInt32 = 0
        var x: UInt32 = 0
        var acc: UInt32 = 0
        var calls: [[UInt32]] = []
        var memory = [UInt8](repeating: 0, count: 4096)
        repeat {
            i &+= 1
            x = (x &* 3 &+ i) & 0xFFF
            calls.append([i, x])
            memory[Int(x)] = UInt8(truncatingIfNeeded: i)
            acc &+= (i &* 31) ^ x
        } while i < n
        #expect(log.calls == calls, "\(engine)")
        #expect(try instance.exportedMemory().read(at: 0, count: 4096) == memory, "\(engine)")
        #expect(result == [.i32(acc &+ UInt32(memory[Int(x)]))], "\(engine)")
    }
}
