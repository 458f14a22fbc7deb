import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmNative

@testable import WasmInterpreter

/// Compiled code is freed with its store, and a host that refuses
/// executable memory gets the interpreter (`.automatic`) or a clear error (`.native`).
@Suite struct NativeResourceTests {
    /// Several functions, so each instance's code spans more than one page.
    static let module: Module = {
        var functions: [(String, FunctionType, [ValueType], [Instruction])] = [
            ("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody)
        ]
        for k in 0..<24 {
            var body: [Instruction] = [.localGet(0)]
            for n in 0..<20 {
                body += [.i64Const(Int64(k * 100 + n)), .numeric(n % 2 == 0 ? .i64Add : .i64Xor)]
            }
            functions.append(("g\(k)", FunctionType(parameters: [.i64], results: [.i64]), [], body))
        }
        return makeModule(functions)
    }()

    /// One store, instance and compiled call; returns the weak references to its code.
    static func cycle(_ engine: Store.Engine = .native) throws -> (AnyObject?, AnyObject?) {
        let store = Store(configuration: .init(valueStackSlots: 4096, engine: engine))
        let instance = try Instance(module: module, store: store)
        #expect(try instance.exportedFunction("fib")(.i64(10)) == [.i64(55)])
        return (store.instances.first?.value.native?.memory, store.nativeEngine?.trampoline)
    }

    /// The instance's code block and the store's trampoline are unmapped when the store goes.
    @Test func codeIsFreedWithItsStore() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        weak var code: AnyObject?
        weak var trampoline: AnyObject?
        do {
            let (c, t) = try Self.cycle()
            code = c
            trampoline = t
            // Still alive: something was compiled, and the check below means something.
            #expect(c != nil && t != nil)
        }
        #expect(code == nil)
        #expect(trampoline == nil)
    }

    /// 10,000 stores (fewer under the sanitizers), each compiling an instance of 25 functions and calling it:
    /// the mapped code blocks and resident memory stay flat.
    @Test func tenThousandCompiledInstancesLeaveMemoryFlat() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        for _ in 0..<200 { _ = try Self.cycle() }
        let blocksBefore = CodeMemory.liveBlocks.load(ordering: .relaxed)
        let before = ResidentMemory.bytes()
        // ASYNCIFY_NATIVE_RESOURCE_CYCLES: the sanitizer runs ask for fewer
        // (each cycle costs ~50 ms there); the block count still catches a
        // block leaked per cycle at 2,000.
        let cycles = TestEnvironment.integer("ASYNCIFY_NATIVE_RESOURCE_CYCLES", default: 10_000)
        for _ in 0..<cycles { _ = try Self.cycle() }
        let blocksAfter = CodeMemory.liveBlocks.load(ordering: .relaxed)
        let after = ResidentMemory.bytes()
        print(
            "native resources: \(cycles) compile cycles; live code blocks \(blocksBefore) -> \(blocksAfter);",
            "resident \(before.map { "\($0 >> 10) KiB" } ?? "?") -> \(after.map { "\($0 >> 10) KiB" } ?? "?")"
        )
        // Each cycle maps two blocks (trampoline and code, 2 pages). Other suites
        // running beside this one keep a few stores alive, never thousands.
        #expect(blocksAfter - blocksBefore < 1000)
        // A leaked block per cycle would add 80 MB; other suites allocate too (see SoakTests).
        if let before, let after { #expect(after - before <= ResidentMemory.allowedGrowth) }
    }

    /// Runs `body` as if the host refused executable memory (mmap or mprotect failing).
    static func refusing<T>(_ reason: CodeMemoryError.Reason, _ body: () throws -> T) rethrows -> T {
        try CodeMemory.$simulatedRefusal.withValue(reason, operation: body)
    }

    @Test(arguments: [CodeMemoryError.Reason.protectFailed, .mapFailed])
    func automaticFallsBackToTheInterpreter(_ reason: CodeMemoryError.Reason) throws {
        guard nativeAvailable, Store.nativeHost else {
            print("skipped: needs an x86-64 Linux host with the native tier's processor extensions")
            return
        }
        // A fresh store: refused before anything was compiled.
        try Self.refusing(reason) {
            let store = Store(configuration: .init(engine: .automatic))
            #expect(store.usesNativeEngine)
            let fib = try Instance(module: Self.module, store: store).exportedFunction("fib")
            #expect(try fib(.i64(20)) == [.i64(6765)])
            #expect(!store.usesNativeEngine)
            #expect(store.nativeEngine == nil)
        }
        // A store already running native code; a second instance cannot be compiled.
        let store = Store(configuration: .init(engine: .automatic))
        let first = try Instance(module: Self.module, store: store).exportedFunction("fib")
        #expect(try first(.i64(20)) == [.i64(6765)])
        #expect(store.nativeEngine != nil)
        try Self.refusing(reason) {
            let second = try Instance(module: Self.module, store: store).exportedFunction("fib")
            #expect(try second(.i64(21)) == [.i64(10946)])
        }
        #expect(!store.usesNativeEngine)
        // Both instances keep working (on the interpreter now).
        #expect(try first(.i64(22)) == [.i64(17711)])
    }

    @Test(arguments: [CodeMemoryError.Reason.protectFailed, .mapFailed])
    func nativeThrowsATypedErrorThatSaysWhatToDo(_ reason: CodeMemoryError.Reason) throws {
        guard nativeAvailable, Store.nativeHost else {
            print("skipped: needs an x86-64 Linux host with the native tier's processor extensions")
            return
        }
        func expectRefusal(_ call: () throws -> [Value]) {
            do {
                _ = try call()
                Issue.record("expected a NativeEngineError")
            } catch let error as NativeEngineError {
                guard case .executableMemory(let message) = error.reason else {
                    Issue.record("wrong reason \(error.reason)")
                    return
                }
                #expect(error.description == message)
                #expect(message.contains(reason == .mapFailed ? "cannot map" : "executable"))
                #expect(message.contains("interpreter"))
            } catch {
                Issue.record("expected a NativeEngineError, got \(error)")
            }
        }
        // Refused at the first call (the store's trampoline).
        try Self.refusing(reason) {
            let store = Store(configuration: .init(engine: .native))
            let fib = try Instance(module: Self.module, store: store).exportedFunction("fib")
            expectRefusal { try fib(.i64(5)) }
            #expect(store.usesNativeEngine)
        }
        // Refused for a second instance; the first keeps running natively.
        let store = Store(configuration: .init(engine: .native))
        let first = try Instance(module: Self.module, store: store).exportedFunction("fib")
        #expect(try first(.i64(20)) == [.i64(6765)])
        try Self.refusing(reason) {
            let second = try Instance(module: Self.module, store: store).exportedFunction("fib")
            expectRefusal { try second(.i64(5)) }
        }
        #expect(try first(.i64(21)) == [.i64(10946)])
        #expect(store.usesNativeEngine)
    }
}
