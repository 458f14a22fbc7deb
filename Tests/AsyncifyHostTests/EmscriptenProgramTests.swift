// The committed Emscripten programs (built with emcc -sASYNCIFY
// -sSTANDALONE_WASM) against what node printed for the JS build of the same
// source (Programs/<name>.node.out and .node.exit, recorded by build.sh).

import AsyncifyHost
import Foundation
import Testing
import WasmBinary
import WasmInterpreter

@Suite struct EmscriptenProgramTests {
    /// The programs whose behaviour Emscripten defines: output and exit code equal node's.
    @Test(arguments: ["fibers", "roundrobin", "deeprecursion", "sleep", "mallocprintf"], wasmEngines)
    func programMatchesNode(_ name: String, engine: Store.Engine) throws {
        let run = try runProgram(try Programs.module("\(name).wasm"), engine: engine)
        let expected = try Data(contentsOf: Programs.url("\(name).node.out"))
        let expectedExit = Int32(
            try Programs.text("\(name).node.exit").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(run.error == nil, "\(name) on \(engine): \(String(describing: run.error))")
        #expect(run.stdout == [UInt8](expected), "\(name) on \(engine): output differs from node's")
        #expect(run.exitCode == expectedExit)
    }

    @Test func twoFibersInterleaveFibonacciAndCounter() throws {
        // Independent of node: fibers.c alternates fib numbers and 100..109 between '*'s.
        var fib = [0, 1]
        while fib.count < 10 { fib.append(fib[fib.count - 1] + fib[fib.count - 2]) }
        let middle = (0..<10).map { "\(fib[$0])-\(100 + $0)-" }.joined()
        let run = try runProgram(try Programs.module("fibers.wasm"))
        #expect(String(decoding: run.stdout, as: UTF8.self) == "*" + middle + "*\n")
        #expect(run.exitCode == 0)
    }

    @Test func fiberEntryThatReturnsIsATypedError() throws {
        let run = try runProgram(try Programs.module("entryreturns.wasm"))
        // Up to the error, the output is what node prints.
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("entryreturns.node.out"))))
        let error = try #require(run.error as? AsyncifyHostError)
        #expect(error.reason == .fiberEntryReturned)
        #expect(error.fiber != nil)
        #expect(error.description.contains("returned"))
    }

    @Test func asyncifyStackOverflowNamesTheFiberAndItsStackSize() throws {
        let run = try runProgram(try Programs.module("overflow.wasm"))
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("overflow.node.out"))))
        let error = try #require(run.error as? AsyncifyHostError)
        #expect(error.reason == .asyncifyStackOverflow)
        #expect(error.stackSize == 32)  // overflow.c: char astack[32]
        let fiber = try #require(error.fiber)
        #expect(error.description.contains("fiber 0x" + String(fiber, radix: 16)))
        #expect(error.description.contains("32 bytes"))
    }

    @Test func swapIntoAnIncompleteContextIsATypedError() throws {
        let run = try runProgram(try Programs.module("badswap.wasm"))
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("badswap.node.out"))))
        let error = try #require(run.error as? AsyncifyHostError)
        #expect(error.reason == .invalidState)
        let fiber = try #require(error.fiber)
        #expect(error.description.contains("0x" + String(fiber, radix: 16)))
        #expect(error.description.contains("no swap has completed"))
    }

    @Test func storeStaysUsableAfterAFailedProgram() throws {
        let store = Store()
        let failed = try runProgram(try Programs.module("overflow.wasm"), store: store)
        #expect(failed.error is AsyncifyHostError)
        let run = try runProgram(try Programs.module("fibers.wasm"), store: store)
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("fibers.node.out"))))
        #expect(run.exitCode == 0)
    }

    @Test func sameInstanceRunsAgainAfterAnError() throws {
        let capture = OutputCapture()
        let host = try AsyncifyInstance(
            module: try Programs.module("entryreturns.wasm"), options: capture.options)
        #expect(throws: AsyncifyHostError.self) { try host.runStart() }
        #expect(host.state == .normal)
        #expect(!host.isSleeping)
    }

    @Test func sleepAdvancesSimulatedTimeOnly() throws {
        let capture = OutputCapture()
        let host = try AsyncifyInstance(module: try Programs.module("sleep.wasm"), options: capture.options)
        #expect(try host.runStart() == 29)  // sleep.c: exit(sum of i*i for i < 10 = 285) % 256
        #expect(host.currentTime == 50)  // ten sleeps of 5 ms
        #expect(capture.stdoutText.hasPrefix("tick 0 total 0\ntick 1 total 1\ntick 2 total 5\n"))
    }

    @Test func moduleWithoutAsyncifyRunsUntilItWouldSuspend() throws {
        // generator.wasm before instrumentation is not committed; strip the
        // asyncify exports from the instrumented one instead.
        var module = try Programs.module("clang/generator.wasm")
        module.exports.removeAll { $0.name.hasPrefix("asyncify_start") || $0.name.hasPrefix("asyncify_stop") }
        let imports = [
            HostImport(name: "yield_value", isAsync: true) { host, slots in
                slots.setI32(0, UInt32(truncatingIfNeeded: try host.handleSleep { _ in }))
            },
            HostImport(name: "emit") { _, _ in },
        ]
        let host = try AsyncifyInstance(module: module, imports: imports)
        #expect(!host.isInstrumented)
        #expect(try host.call("asyncify_area_size") == [.i32(4096)])
        host.sleepDataArea = (1024, 256)
        #expect {
            try host.call("run", [Value(Int32(0)), Value(Int32(1))])
        } throws: { error in
            (error as? AsyncifyHostError)?.reason == .missingExport
        }
        #expect(host.state == .normal)
    }
}

@Suite struct EnginePinTests {
    /// A host runs on the engine its store names: `.automatic` resolves to the
    /// native tier exactly where the host has it; a pin is kept.
    @Test func theStoresEngineIsTheHostsEngine() throws {
        let module = try Programs.module("fibers.wasm")
        for engine in wasmEngines {
            let host = try AsyncifyInstance(
                module: module, store: Store(configuration: .init(engine: engine)))
            #expect(host.engine == engine)
        }
        let automatic = try AsyncifyInstance(module: module)
        #expect(automatic.engine == (Store.nativeEngineIsAvailable ? .native : .interpreter))
        #if arch(x86_64) && os(Linux)
            // The supported host: the default engine is the native tier.
            #expect(automatic.engine == .native)
        #endif
    }
}
