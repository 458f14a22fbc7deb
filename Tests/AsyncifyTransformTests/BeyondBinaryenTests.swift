// What the pass does beyond Binaryen 108: overflow caught before a frame is
// written, memory64 modules, and typed errors for everything it refuses.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// `run(x) = x * 10 + yield_value(x)`, with `yield_value` imported (async in the tests).
func yieldModule(is64: Bool = false) -> Module {
    var module = Module()
    let yieldValue = module.addImportedFunction(
        module: "env", name: "yield_value", type: FunctionType(parameters: [.i32], results: [.i32]))
    module.memories.append(Limits(min: 1, is64: is64))
    module.addExport("memory", .memory(0))
    let run = module.addFunction(
        type: FunctionType(parameters: [.i32], results: [.i32]),
        body: FunctionBody(body: [
            .localGet(0), .i32Const(10), .numeric(.i32Mul), .localGet(0), .call(functionIndex: yieldValue),
            .numeric(.i32Add), .end,
        ]))
    module.addExport("run", .function(run))
    return module
}

/// An async `yield_value` that sleeps and keeps the wake-up in `pending`.
final class Sleeper {
    var pending: WakeUp?
    var calls = 0

    var yieldValue: HostImport {
        HostImport(name: "yield_value", isAsync: true) { [self] host, slots in
            calls += 1
            let woken = try host.handleSleep { pending = $0 }
            slots.setI32(0, UInt32(truncatingIfNeeded: woken))
        }
    }
}

@Suite struct BeyondBinaryenTests {
    @Test(arguments: [false, true])
    func instrumentsAndRunsOnTheHost(is64: Bool) throws {
        let sleeper = Sleeper()
        let host = try AsyncifyInstance(instrumenting: yieldModule(is64: is64), imports: [sleeper.yieldValue])
        #expect(host.is64 == is64)
        #expect(host.isInstrumented)
        let area: UInt64 = 1024
        host.sleepDataArea = (area, 256)
        #expect(try host.invoke("run", [Value(Int32(4))]) == .suspended)
        let header = host.dataHeaderSize
        let memory = try host.memory
        let position =
            is64 ? try memory.load(UInt64.self, at: area) : UInt64(try memory.load(UInt32.self, at: area))
        // One frame: the call index, the spilled 4 * 10, and the argument x (the rewind
        // calls the import again with the same arguments, as Binaryen's output does).
        #expect(position == area + header + 12)
        let wakeUp = try #require(sleeper.pending)
        #expect(try wakeUp.resume(with: 7) == .returned([.i32(47)]))
        let after =
            is64 ? try memory.load(UInt64.self, at: area) : UInt64(try memory.load(UInt32.self, at: area))
        #expect(after == area + header)
        #expect(host.state == .normal)
    }

    /// Binaryen writes the frame and traps only in `asyncify_stop_unwind`; ours checks first.
    @Test(arguments: [false, true])
    func overflowIsCaughtBeforeAnyByteIsWritten(is64: Bool) throws {
        let sleeper = Sleeper()
        let host = try AsyncifyInstance(instrumenting: yieldModule(is64: is64), imports: [sleeper.yieldValue])
        let area: UInt64 = 1024
        let header = host.dataHeaderSize
        host.sleepDataArea = (area, header + 8)  // the 12-byte frame does not fit
        let memory = try host.memory
        let canary = area + header
        for k in 0..<UInt64(64) { try memory.store(UInt8(0xA5), at: canary + k) }
        #expect {
            try host.invoke("run", [Value(Int32(1))])
        } throws: { error in
            guard let error = error as? AsyncifyHostError else { return false }
            return error.reason == .asyncifyStackOverflow && error.stackSize == 8
                && error.description.contains("need 12 bytes")
        }
        for k in 0..<UInt64(64) { #expect(try memory.load(UInt8.self, at: canary + k) == 0xA5) }
        #expect(host.state == .normal)
    }

    @Test func binaryenWritesPastTheEndOnOverflow() throws {
        // The same overflow with wasm-opt's instrumentation: the frame lands past the buffer.
        guard let wasmOpt = ExternalTool.find("wasm-opt") else {
            print("skipped: wasm-opt not installed")
            return
        }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(yieldModule().encoded()).write(to: dir.appendingPathComponent("in.wasm"))
        let result = try ExternalTool.run(
            wasmOpt,
            [
                dir.appendingPathComponent("in.wasm").path, "--asyncify",
                "--pass-arg=asyncify-imports@env.yield_value", "-o",
                dir.appendingPathComponent("out.wasm").path,
            ])
        #expect(result.status == 0, "\(result.text)")
        let module = try Module(decoding: Inputs.bytes(dir.appendingPathComponent("out.wasm")))
        let sleeper = Sleeper()
        let host = try AsyncifyInstance(module: module, imports: [sleeper.yieldValue])
        let area: UInt64 = 1024
        host.sleepDataArea = (area, host.dataHeaderSize + 4)
        let memory = try host.memory
        let canary = area + host.dataHeaderSize
        for k in 0..<UInt64(64) { try memory.store(UInt8(0xA5), at: canary + k) }
        #expect(throws: AsyncifyHostError.self) { try host.invoke("run", [Value(Int32(1))]) }
        let clobbered = try (0..<UInt64(64)).contains { try memory.load(UInt8.self, at: canary + $0) != 0xA5 }
        #expect(clobbered)
    }

    @Test func referenceLocalLiveAcrossACallIsATypedError() throws {
        var module = yieldModule()
        // f(x): keep an externref in local 1 across the async call, then use it.
        let f = module.addFunction(
            type: FunctionType(parameters: [.i32], results: [.i32]),
            body: FunctionBody(
                locals: [LocalGroup(count: 1, type: .externref)],
                body: [
                    .refNull(.externref), .localSet(1), .localGet(0), .call(functionIndex: 0), .drop,
                    .localGet(1), .refIsNull, .end,
                ]))
        module.customSections.append(CustomSection(name: "name", bytes: nameSection([f: "keeps_ref"])))
        var options = AsyncifyTransform.Options()
        options.asyncImports = ["env.yield_value"]
        #expect {
            try AsyncifyTransform.instrument(module, options: options)
        } throws: { error in
            guard let error = error as? AsyncifyTransformError else { return false }
            return error.reason == .referenceLiveAcrossCall && error.function == f
                && error.description.contains("$keeps_ref") && error.description.contains("local 1")
        }
    }

    @Test func misusesAreTypedErrors() throws {
        func reason(_ module: Module, _ options: AsyncifyTransform.Options) -> AsyncifyTransformError.Reason?
        {
            do {
                _ = try AsyncifyTransform.instrument(module, options: options)
                return nil
            } catch {
                return error.reason
            }
        }
        var options = AsyncifyTransform.Options()
        options.asyncImports = ["env.nothing_like_this"]
        #expect(reason(yieldModule(), options) == .importListMatchesNothing)
        options.asyncImports = ["env.yield_*"]
        #expect(reason(yieldModule(), options) == nil)
        options.onlyList = ["run"]
        options.removeList = ["x"]
        #expect(reason(yieldModule(), options) == .conflictingLists)
        options = AsyncifyTransform.Options()
        options.removeList = ["no_such_function"]
        #expect(reason(yieldModule(), options) == .listEntryMatchesNothing)
        options = AsyncifyTransform.Options()
        options.maximumLocals = 2
        #expect(reason(yieldModule(), options) == .functionTooLarge)
        options = AsyncifyTransform.Options()
        options.maximumFrameSize = 4
        #expect(reason(yieldModule(), options) == .functionTooLarge)
        let instrumented = try AsyncifyTransform.instrument(yieldModule())
        #expect(reason(instrumented, AsyncifyTransform.Options()) == .alreadyInstrumented)
        var noMemory = yieldModule()
        noMemory.memories = []
        noMemory.exports.removeAll { $0.name == "memory" }
        #expect(reason(noMemory, AsyncifyTransform.Options()) == .noMemory)
        var invalid = yieldModule()
        invalid.codes[0].body = [.numeric(.i32Add), .end]
        #expect(reason(invalid, AsyncifyTransform.Options()) == .invalidModule)
        // A start function that may unwind: nothing could resume the instantiation.
        var start = yieldModule()
        let starter = start.addFunction(
            type: FunctionType(parameters: [], results: []),
            body: FunctionBody(body: [.i32Const(1), .call(functionIndex: 0), .drop, .end]))
        start.start = starter
        #expect(reason(start, AsyncifyTransform.Options()) == .unsupportedFeature)
        #expect(reason(start, AsyncifyTransform.Options(removeList: ["\(starter)"])) == nil)
        #expect(throws: AsyncifyTransformError.self) { try AsyncifyTransform.instrument(bytes: [0, 1, 2]) }
    }
}

/// A `name` section payload with function names.
func nameSection(_ names: [UInt32: String]) -> [UInt8] {
    func leb(_ value: Int) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }
    var payload = leb(names.count)
    for (index, name) in names.sorted(by: { $0.key < $1.key }) {
        payload += leb(Int(index)) + leb(name.utf8.count) + Array(name.utf8)
    }
    return [1] + leb(payload.count) + payload
}
