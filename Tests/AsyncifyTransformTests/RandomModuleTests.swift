// Random modules (RandomModules.swift), suspended and resumed at random calls
// of their async import: our instrumentation computes exactly what the
// uninstrumented module computes with a synchronous import, and so does
// Binaryen's (`wasm-opt --asyncify`) on the same module and schedule.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// Runs `run(depth, a, b)` with `env.sleep(x) = 3x + 1`; when `suspending`, the
/// import suspends at the calls a seeded coin picks and the driver resumes it.
func runRandomModule(_ module: Module, instrumentedBy transform: Bool, suspending: Bool, seed: UInt64)
    throws -> (results: [Value], sleeps: Int, suspensions: Int)
{
    var coin = SplitMix64(seed: seed)
    var pending: WakeUp?
    var pendingValue: UInt64 = 0
    var sleeps = 0
    var suspensions = 0
    let sleep = HostImport(name: "sleep", isAsync: suspending) { host, slots in
        if host.state == .rewinding {
            _ = try host.handleSleep { _ in }
            slots.setI32(0, UInt32(truncatingIfNeeded: pendingValue))
            return
        }
        sleeps += 1
        let value = slots.i32(0) &* 3 &+ 1
        if suspending && coin.next() % 3 == 0 {
            pendingValue = UInt64(value)
            suspensions += 1
            let woken = try host.handleSleep { pending = $0 }
            slots.setI32(0, UInt32(truncatingIfNeeded: woken))
        } else {
            slots.setI32(0, value)
        }
    }
    let host =
        transform
        ? try AsyncifyInstance(instrumenting: module, asyncImports: ["env.sleep"], imports: [sleep])
        : try AsyncifyInstance(module: module, imports: [sleep])
    host.sleepDataArea = (32768, 16384)
    var result = try host.invoke("run", [.i32(2), .i64(5), .f64(Double(1.5).bitPattern)])
    while result == .suspended {
        let wakeUp = try #require(pending)
        pending = nil
        result = try #require(try wakeUp.resume(with: pendingValue))
    }
    return (try #require(result.results), sleeps, suspensions)
}

@Suite struct RandomModuleTests {
    @Test(arguments: 0..<40)
    func suspendedRunsComputeWhatTheUninstrumentedModuleComputes(seed: Int) throws {
        var generator = RandomModuleGenerator(seed: UInt64(seed) &+ 0x5EED)
        let module = generator.module()
        try module.validate()
        let expected = try runRandomModule(module, instrumentedBy: false, suspending: false, seed: 1)
        let instrumented = try AsyncifyTransform.instrument(
            module, options: .init(asyncImports: ["env.sleep"]))
        try instrumented.validate()
        for schedule in 0..<UInt64(3) {
            let ours = try runRandomModule(module, instrumentedBy: true, suspending: true, seed: schedule)
            #expect(ours.results == expected.results, "seed \(seed), schedule \(schedule)")
            #expect(ours.sleeps == expected.sleeps)
        }
    }

    /// Loops and blocks with parameters around unwinding calls (Binaryen 108 cannot read them).
    @Test(arguments: 0..<24)
    func loopsAndBlocksWithParametersResumeCorrectly(seed: Int) throws {
        var generator = RandomModuleGenerator(seed: UInt64(seed) &+ 0x1009, structuredParameters: true)
        let module = generator.module()
        try module.validate()
        let expected = try runRandomModule(module, instrumentedBy: false, suspending: false, seed: 1)
        for schedule in 0..<UInt64(3) {
            let ours = try runRandomModule(module, instrumentedBy: true, suspending: true, seed: schedule)
            #expect(ours.results == expected.results, "seed \(seed), schedule \(schedule)")
            #expect(ours.sleeps == expected.sleeps)
        }
    }

    @Test(arguments: 0..<12)
    func binaryensInstrumentationAgrees(seed: Int) throws {
        guard let wasmOpt = ExternalTool.find("wasm-opt") else {
            print("skipped: wasm-opt not installed")
            return
        }
        var generator = RandomModuleGenerator(seed: UInt64(seed) &+ 0x5EED)
        let module = generator.module()
        let dir = try ExternalTool.temporaryDirectory("AsyncifyTransformTests")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.wasm")
        let output = dir.appendingPathComponent("out.wasm")
        try Data(module.encoded()).write(to: input)
        let result = try ExternalTool.run(
            wasmOpt,
            [
                input.path, "--enable-multivalue", "--enable-reference-types", "--enable-bulk-memory",
                "--asyncify",
                "--pass-arg=asyncify-imports@env.sleep", "-o", output.path,
            ])
        try #require(result.status == 0, "\(result.text)")
        let binaryen = try Module(decoding: Inputs.bytes(output))
        let expected = try runRandomModule(module, instrumentedBy: false, suspending: false, seed: 1)
        for schedule in 0..<UInt64(2) {
            let theirs = try runRandomModule(
                binaryen, instrumentedBy: false, suspending: true, seed: schedule)
            let ours = try runRandomModule(module, instrumentedBy: true, suspending: true, seed: schedule)
            #expect(theirs.results == expected.results, "Binaryen, seed \(seed)")
            #expect(ours.results == theirs.results, "seed \(seed), schedule \(schedule)")
            #expect(ours.suspensions == theirs.suspensions)
        }
    }
}
