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

    final class Outcome: @unchecked Sendable {
        var error: (any Error)?
        var after: [Value] = []
        var depth = 0
        var stop = false
    }

    /// Runs `body` on a new thread with a `stackSize`-byte stack and waits for it.
    static func onThread(stackSize: Int, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
    }

    /// Unbounded Wasm recursion on a thread with a small stack: with a
    /// call-depth limit far above what fits, each engine must trap with
    /// `call stack exhausted` (the native tier on its stack check, the
    /// interpreter, whose Wasm calls take no native stack, when its value
    /// stack is full) instead of overflowing the thread's stack, and the
    /// store must still run code afterwards. A crash here is the failure.
    @Test(arguments: [256 * 1024, 512 * 1024])
    func deepRecursionTrapsOnASmallThread(stackSize: Int) throws {
        let unary = unary
        let module = makeModule([
            ("rec", unary, [], [.localGet(0), .i32Const(1), .numeric(.i32Add), .call(functionIndex: 0)]),
            ("id", unary, [], [.localGet(0)]),
        ])
        for engine in engines {
            if nativeSkipped(engine) { continue }
            let outcome = Outcome()
            Self.onThread(stackSize: stackSize) {
                do {
                    let store = Store(
                        configuration: .init(
                            maximumCallDepth: 50_000_000, valueStackSlots: 8 << 20, engine: engine))
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
            }
            #expect(outcome.error as? Trap == Trap(.callStackExhausted), "\(engine)")
            #expect(outcome.after == [.i32(7)], "\(engine)")
        }
    }

    /// Unbounded Wasm -> host -> Wasm recursion on a 2 MiB thread, with a
    /// re-entry limit far above what fits: both engines stop it with `call
    /// stack exhausted` before the native stack runs out, after some levels,
    /// and the store is usable afterwards. 2 MiB rather than 512 KiB because
    /// under AddressSanitizer's larger frames a 512 KiB thread once left room
    /// for a single level, which cannot show that re-entry works before the
    /// limit.
    @Test func deepHostRecursionTrapsOnASmallThread() throws {
        let unary = unary
        // f(n) = h(n + 1), where the host h(n) calls f(n) until told to stop.
        let module = makeModule(
            [("f", unary, [], [.localGet(0), .i32Const(1), .numeric(.i32Add), .call(functionIndex: 0)])],
            imports: [Import(module: "env", name: "h", descriptor: .function(typeIndex: 0))],
            types: [unary])
        for engine in engines {
            if nativeSkipped(engine) { continue }
            let outcome = Outcome()
            Self.onThread(stackSize: 2 * 1024 * 1024) {
                do {
                    let store = Store(configuration: .init(maximumHostReentry: 1_000_000, engine: engine))
                    let box = Box()
                    let h = Function(store: store, type: unary) { _, arguments in
                        if outcome.stop { return arguments }
                        outcome.depth += 1
                        return try box.function!.call(arguments)
                    }
                    var imports = Imports()
                    imports.define(module: "env", name: "h", .function(h))
                    let instance = try Instance(module: module, store: store, imports: imports)
                    box.function = try instance.exportedFunction("f")
                    do {
                        _ = try instance.exportedFunction("f").call([.i32(0)])
                    } catch {
                        outcome.error = error
                    }
                    outcome.stop = true
                    outcome.after = try instance.exportedFunction("f").call([.i32(5)])
                } catch {
                    if outcome.error == nil { outcome.error = error }
                }
            }
            #expect(outcome.error as? Trap == Trap(.callStackExhausted), "\(engine)")
            #expect(outcome.depth > 2, "\(engine): \(outcome.depth) levels")
            #expect(outcome.after == [.i32(6)], "\(engine)")
        }
    }

    /// `maximumCallDepth` is the number of nested Wasm-to-Wasm calls a call
    /// from Swift may make (the entry from Swift is not a call: see
    /// `Store.Configuration`): down(N) makes exactly N nested calls and
    /// returns, down(N + 1) traps, on both engines, and the limit holds again
    /// after the trap.
    @Test(arguments: [1, 2, 3, 1000])
    func callDepthLimitIsExact(limit: Int) throws {
        // down(n) = n == 0 ? 0 : down(n - 1)
        let body: [Instruction] = [
            .localGet(0), .numeric(.i32Eqz), .if(.value(.i32)), .i32Const(0), .else,
            .localGet(0), .i32Const(1), .numeric(.i32Sub), .call(functionIndex: 0), .end,
        ]
        let module = makeModule([("down", unary, [], body)])
        for engine in engines {
            if nativeSkipped(engine) { continue }
            let store = Store(configuration: .init(maximumCallDepth: limit, engine: engine))
            let down = try Instance(module: module, store: store).exportedFunction("down")
            #expect(try down(.i32(UInt32(limit))) == [.i32(0)], "\(engine)")
            #expect(throws: Trap(.callStackExhausted), "\(engine)") { try down(.i32(UInt32(limit + 1))) }
            #expect(try down(.i32(UInt32(limit))) == [.i32(0)], "\(engine)")
            #expect(throws: Trap(.callStackExhausted), "\(engine)") { try down(.i32(UInt32(limit + 1))) }
        }
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
