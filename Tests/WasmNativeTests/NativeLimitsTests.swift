import Foundation
import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// Host calls, traps, limits and memory growth on the native engine, each
/// also run on the interpreter where the outcome is comparable.
@Suite struct NativeLimitsTests {
    struct HostFailure: Error, Equatable { var code: Int }

    final class Box: @unchecked Sendable { var function: Function? }

    let unary = FunctionType(parameters: [.i32], results: [.i32])
    let engines: [Store.Engine] = [.interpreter, .native]

    /// Wasm `f(n) = h(n) + 1`, where the host `h(n)` calls Wasm `g(n) = 2n`,
    /// or throws when n is 13: the Swift error comes out of the outer call unchanged.
    @Test func hostReentryAndHostErrors() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        for engine in engines {
            let store = Store(configuration: .init(engine: engine))
            let box = Box()
            let h = Function(store: store, type: unary) { _, arguments in
                guard case .i32(let n) = arguments[0] else { return [.i32(0)] }
                if n == 13 { throw HostFailure(code: 13) }
                return try box.function!.call([.i32(n)])
            }
            let module = makeModule(
                [
                    (
                        "f", unary, [],
                        [.localGet(0), .call(functionIndex: 0), .i32Const(1), .numeric(.i32Add)]
                    ),
                    ("g", unary, [], [.localGet(0), .i32Const(2), .numeric(.i32Mul)]),
                ], imports: [Import(module: "env", name: "h", descriptor: .function(typeIndex: 0))])
            var m = module
            m.types.insert(unary, at: 0)
            m.functions = m.functions.map { $0 + 1 }
            var imports = Imports()
            imports.define(module: "env", name: "h", .function(h))
            let instance = try Instance(module: m, store: store, imports: imports)
            box.function = try instance.exportedFunction("g")
            let f = try instance.exportedFunction("f")
            #expect(try f(.i32(20)) == [.i32(41)], "\(engine)")
            #expect(throws: HostFailure(code: 13)) { try f(.i32(13)) }
            // Usable afterwards.
            #expect(try f(.i32(5)) == [.i32(11)], "\(engine)")
        }
    }

    /// Unbounded recursion on a thread with a small stack: with a call-depth
    /// limit far above what fits, the native tier must trap on its stack
    /// check (`call stack exhausted`) instead of overflowing the thread's stack.
    @Test func deepRecursionTrapsOnASmallThread() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        let module = makeModule([
            ("rec", unary, [], [.localGet(0), .i32Const(1), .numeric(.i32Add), .call(functionIndex: 0)]),
            ("id", unary, [], [.localGet(0)]),
        ])
        final class Outcome: @unchecked Sendable {
            var error: (any Error)?
            var after: [Value] = []
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                let store = Store(
                    configuration: .init(
                        maximumCallDepth: 50_000_000, valueStackSlots: 64 << 20, engine: .native))
                let instance = try Instance(module: module, store: store)
                do {
                    _ = try instance.exportedFunction("rec").call([.i32(0)])
                } catch {
                    outcome.error = error
                }
                outcome.after = try instance.exportedFunction("id").call([.i32(7)])
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        #expect(outcome.error as? Trap == Trap(.callStackExhausted))
        #expect(outcome.after == [.i32(7)])
    }

    /// The call-depth limit: the same depth traps on both engines.
    @Test func callDepthLimit() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        // down(n) = n == 0 ? 0 : down(n - 1)
        let body: [Instruction] = [
            .localGet(0), .numeric(.i32Eqz), .if(.value(.i32)), .i32Const(0), .else,
            .localGet(0), .i32Const(1), .numeric(.i32Sub), .call(functionIndex: 0), .end,
        ]
        let module = makeModule([("down", unary, [], body)])
        for engine in engines {
            let store = Store(configuration: .init(maximumCallDepth: 1000, engine: engine))
            let down = try Instance(module: module, store: store).exportedFunction("down")
            #expect(try down(.i32(900)) == [.i32(0)], "\(engine)")
            #expect(throws: Trap(.callStackExhausted)) { try down(.i32(5000)) }
            #expect(try down(.i32(10)) == [.i32(0)], "\(engine)")
        }
    }

    /// `memory.grow` moves the memory (realloc): stores after growing land in
    /// the new memory, and a load past the end traps.
    @Test func memoryGrowthIsSeenByCompiledCode() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        // f(pages): grow by `pages`, store 0x5a5a at (new size - 4), load it back plus the old size.
        let arg = MemArg(align: 2, offset: 0)
        let body: [Instruction] = [
            .localGet(0), .memoryGrow(0), .localSet(1),
            .memorySize(0), .i32Const(65536), .numeric(.i32Mul), .i32Const(4), .numeric(.i32Sub),
            .localSet(2),
            .localGet(2), .i32Const(0x5A5A), .store(.i32Store, arg),
            .localGet(2), .load(.i32Load, arg), .localGet(1), .numeric(.i32Add),
        ]
        let outOfRange: [Instruction] = [
            .memorySize(0), .i32Const(65536), .numeric(.i32Mul), .load(.i32Load, arg),
        ]
        let module = makeModule(
            [("f", unary, [.i32, .i32], body), ("past", FunctionType(results: [.i32]), [], outOfRange)],
            memory: MemoryType(min: 1, max: 100))
        for engine in engines {
            let store = Store(configuration: .init(engine: engine))
            let instance = try Instance(module: module, store: store)
            let f = try instance.exportedFunction("f")
            #expect(try f(.i32(3)) == [.i32(0x5A5A + 1)], "\(engine)")
            #expect(try f(.i32(50)) == [.i32(0x5A5A + 4)], "\(engine)")
            #expect(throws: Trap(.outOfBoundsMemoryAccess)) { try instance.exportedFunction("past").call([]) }
            #expect(try instance.exportedMemory().pageCount == 54)
        }
    }

    /// Fuel: an endless loop stops with `fuel exhausted` after exactly the
    /// units the interpreter would use; more fuel lets the store run again.
    @Test func fuelStopsEndlessLoops() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        let module = makeModule([
            ("spin", FunctionType(), [], [.loop(.empty), .br(depth: 0), .end]),
            (
                "count", unary, [],
                [
                    .block(.empty), .loop(.empty),
                    .localGet(0), .numeric(.i32Eqz), .brIf(depth: 1),
                    .localGet(0), .i32Const(1), .numeric(.i32Sub), .localSet(0), .br(depth: 0),
                    .end, .end, .localGet(0),
                ]
            ),
        ])
        var left: [UInt64?] = []
        for engine in engines {
            let store = Store(configuration: .init(fuelMetering: true, engine: engine))
            let instance = try Instance(module: module, store: store)
            store.fuel = 10_000
            #expect(throws: Trap(.fuelExhausted)) { try instance.exportedFunction("spin").call([]) }
            #expect(store.fuel == 0)
            store.fuel = 1000
            #expect(try instance.exportedFunction("count").call([.i32(100)]) == [.i32(0)])
            left.append(store.fuel)
        }
        #expect(left[0] == left[1])
        #expect(left[0] != nil && left[0]! < 1000)
    }
}
