import Foundation
import NativeSwitch
import Testing
import WasmInterpreter

@testable import SwitchBench

// Serialized: the native baselines keep their contexts in C per-thread state,
// and one test at a time keeps the timing loops from fighting over 2 cores.
@Suite(.serialized) struct BaselineTests {
    @Test(arguments: [1, 4, 64])
    func assemblySwitchReallyPingPongs(depth: Int) throws {
        try #require(native_asm_switch_available() != 0)
        #expect(native_asm_switch_ns(Int32(depth), 1000) >= 0)
        // One switch back for the warm-up, then one per round trip.
        #expect(native_last_worker_switches() == 1001)
    }

    @Test(arguments: [1, 16])
    func ucontextSwitchReallyPingPongs(depth: Int) {
        #expect(native_ucontext_switch_ns(Int32(depth), 200) >= 0)
        #expect(native_last_worker_switches() == 201)
    }

    @Test func nativeBaselinesRejectBadDepths() {
        #expect(native_asm_switch_ns(0, 10) == -1)
        #expect(native_ucontext_switch_ns(5000, 10) == -1)
    }

    @Test func idleContextsAreCreatedAndFreed() throws {
        try #require(native_asm_switch_available() != 0)
        let handle = try #require(native_asm_idle_contexts_create(100, 16 * 1024))
        native_asm_idle_contexts_destroy(handle)
        #expect(native_asm_idle_contexts_create(10, 100) == nil)  // stack too small
    }

    @Test(arguments: [1, 3, 16])
    func fiberPingPongHoldsTwelveBytesPerFrame(depth: Int) throws {
        // Each frame is [Int32 call site][one Int] = 4 + 8 bytes (docs/Asyncify.md).
        let result = try FiberSwitch.pingPong(depth: depth, roundTrips: 20)
        #expect(result.bytesSuspended == 12 * depth)
        #expect(result.nanoseconds > 0)
    }

    @Test func asyncHandoffCompletesItsRoundTrips() async {
        let ns = await AsyncHandoff.pingPongNanoseconds(depth: 4, roundTrips: 100)
        #expect(ns > 0)
    }

    @Test func plainCallChainIsNotOptimisedAway() {
        #expect(opaqueCallee(41) == 42)
    }

    @Test func emscriptenFibersRunUnderNode() throws {
        guard let emcc = findExecutable("emcc"), findExecutable("node") != nil else {
            print("skipped: emcc not installed")
            return
        }
        let source = try #require(EmscriptenFibers.locateSource())
        let script = try EmscriptenFibers.build(source: source, emcc: emcc)
        let node = try #require(findExecutable("node"))
        let output = try runProcess(node, ["--no-experimental-fetch", script.path, "1", "1", "1", "8"])
        let rows = try EmscriptenFibers.parse(output)
        #expect(rows.map(\.depth) == [1, 8])
        #expect(rows.allSatisfy { $0.samples.count == 1 && $0.median > 0 })
        // Asyncify saves every extra frame: the unwound stack grows with depth.
        let bytes = rows.compactMap(\.asyncifyBytes)
        #expect(bytes.count == 2 && bytes[1] > bytes[0])
        // D:N runs exactly N round trips (two swaps each) without calibrating.
        let fixed = try EmscriptenFibers.parseLines(
            runProcess(node, ["--no-experimental-fetch", script.path, "2", "1", "4:100"]))
        #expect(fixed.map(\.swaps) == [200, 200])
        #expect(fixed.map(\.depth) == [4, 4])
    }

    @Test(arguments: [Store.Engine.interpreter, .automatic])
    func instrumentedModuleRunsOnOurHost(engine: Store.Engine) throws {
        guard let emcc = findExecutable("emcc") else {
            print("skipped: emcc not installed")
            return
        }
        let source = try #require(EmscriptenFibers.locateSource())
        let wasm = try EmscriptenFibers.buildStandalone(source: source, emcc: emcc)
        let output = try InstrumentedModule.runProgram(
            [UInt8](Data(contentsOf: wasm)), arguments: ["2", "1", "warmup=0", "1:20", "6:30"], engine: engine
        )
        let lines = try EmscriptenFibers.parseLines(output)
        // Exactly the round trips asked for (two swaps each), twice per depth.
        #expect(lines.map(\.depth) == [1, 1, 6, 6])
        #expect(lines.map(\.swaps) == [40, 40, 60, 60])
        #expect(lines.allSatisfy { $0.nanosecondsPerSwap > 0 })
        // Five more frames, each saved by the instrumented code: the unwound stack grows.
        #expect(lines[2].asyncifyBytes > lines[0].asyncifyBytes)
    }

    @Test func sameProgramSavesSameBytesPerFrameUnderNodeAndOurHost() throws {
        guard let emcc = findExecutable("emcc"), let node = findExecutable("node") else {
            print("skipped: emcc not installed")
            return
        }
        let source = try #require(EmscriptenFibers.locateSource())
        let script = try EmscriptenFibers.build(source: source, emcc: emcc)
        let wasm = try EmscriptenFibers.buildStandalone(source: source, emcc: emcc)
        let underNode = try EmscriptenFibers.parseLines(
            runProcess(node, ["--no-experimental-fetch", script.path, "1", "1", "warmup=0", "2:10", "9:10"]))
        let onOurHost = try EmscriptenFibers.parseLines(
            InstrumentedModule.runProgram(
                [UInt8](Data(contentsOf: wasm)), arguments: ["1", "1", "warmup=0", "2:10", "9:10"]))
        // The recursion's frames are instrumented identically in both builds, so
        // seven more frames cost the same Asyncify bytes under V8 and on our host.
        let nodeGrowth = underNode[1].asyncifyBytes - underNode[0].asyncifyBytes
        let hostGrowth = onOurHost[1].asyncifyBytes - onOurHost[0].asyncifyBytes
        #expect(nodeGrowth > 0)
        #expect(nodeGrowth == hostGrowth)
    }

    @Test(arguments: [HostRows.implementation, HostRows.interpreterImplementation])
    func hostRowsRunTheCommittedSwapbenchModule(row: String) async throws {
        let producer = try #require(Producers.all.first { $0.name == row })
        guard case .probes(let make) = producer.kind else {
            Issue.record("asyncify-host should be in-process probes")
            return
        }
        let config = BenchConfig(depths: [1, 4], runs: 1, minRunNanoseconds: 1, idleFiberCount: 1)
        let probes = try make(config)
        #expect(probes.map(\.depth) == [1, 4])
        // HostBenchmarks checks that the program reports exactly the swaps asked for.
        let ns = try await probes[1].run(50)
        #expect(ns != nil && ns! >= 0)
    }
}
