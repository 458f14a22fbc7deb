import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// Random valid modules (Tests/Support/RandomWasmModules.swift) run on both
/// engines: results, trap reasons, memory, globals and table must agree.
/// `NATIVE_DIFFERENTIAL_MODULES` sets how many (default 1,000); a failure
/// names the seed, and `NATIVE_DIFFERENTIAL_SEED` replays one seed and prints its module.
@Suite struct DifferentialTests {
    static func setting(_ name: String) -> UInt64? {
        ProcessInfo.processInfo.environment[name].flatMap { UInt64($0) }
    }

    @Test func randomModulesAgreeOnBothEngines() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        let count = Self.setting("NATIVE_DIFFERENTIAL_MODULES") ?? 1000
        let seeds: [UInt64] = Self.setting("NATIVE_DIFFERENTIAL_SEED").map { [$0] } ?? Array(1...count)
        var failures = 0
        var instantiated = 0
        var traps: [String: Int] = [:]
        var results = 0
        for seed in seeds {
            if ProcessInfo.processInfo.environment["NATIVE_DIFFERENTIAL_TRACE"] != nil {
                FileHandle.standardError.write(Data("seed \(seed)\n".utf8))
            }
            var generator = RandomWasmModuleGenerator(random: SplitMix64(seed: seed))
            let testCase = DifferentialCase.random(&generator)
            do {
                try Validator.validate(testCase.module)
            } catch {
                Issue.record("seed \(seed): the generator made an invalid module: \(error)")
                failures += 1
                continue
            }
            if seeds.count == 1 {
                print(testCase.module.wat)
                print(
                    "fuel \(testCase.fuel.map(String.init) ?? "off"), depth \(testCase.maximumCallDepth), budget \(testCase.budget)"
                )
                print("interpreter:\n\(EngineDifferential.observe(testCase, engine: .interpreter))")
                print("native:\n\(EngineDifferential.observe(testCase, engine: .native))")
            }
            let (observation, difference) = EngineDifferential.compare(testCase)
            if observation.events.first == "instantiated" { instantiated += 1 }
            for event in observation.events.dropFirst() {
                if let range = event.range(of: "trap ") {
                    traps[String(event[range.upperBound...]), default: 0] += 1
                } else {
                    results += 1
                }
            }
            if let difference {
                Issue.record("seed \(seed): \(difference)")
                failures += 1
                if failures >= 5 { break }
            }
        }
        print(
            "differential: \(seeds.count) modules, \(instantiated) instantiated, \(results) calls returned;",
            "traps: \(traps.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
        )
        // The generator must reach the interesting outcomes, or the comparison proves little.
        if seeds.count >= 1000 {
            #expect(instantiated > seeds.count * 9 / 10)
            #expect(results > seeds.count)
            for reason in [
                "outOfBoundsMemoryAccess", "integerDivideByZero", "unreachable", "callStackExhausted",
                "indirectCallTypeMismatch", "invalidConversionToInteger",
            ] {
                #expect(traps.keys.contains { $0.hasPrefix(reason) }, "no \(reason) trap seen")
            }
        }
    }
}
