import Asyncify
import TBCodegen
import TBRuntime
import TestSupport
import Testing

/// Generated TBs (loops, branches, helper calls, env and guest memory traffic)
/// run four ways from the same memory image: TBCodegen's reference
/// interpreter, the runtime's own (resumable) IR interpreter, and the emitted
/// Wasm on our interpreter and on our native tier (where the host has it).
/// Registers, env, guest RAM, the result and the helper call sequence must
/// agree. 10 shards x 1000 TBs = 10,000 TBs. `NodeDifferentialTests` runs
/// the same 10,000 TBs from the same states on node.
@Suite struct RandomTBDifferentialTests {
    static let shards = 10
    static let perShard = 1000

    /// The generator seed of a shard.
    static func generatorSeed(shard: Int) -> UInt64 { 0x7B_0000 + UInt64(shard) }

    /// The memory seed of TB `index` of `shard` (``RandomTBRig/randomizeMemory(seed:)``).
    static func memorySeed(shard: Int, index: Int) -> UInt32 { UInt32(shard * 1_000_003 + index) }

    /// Runs `count` TBs of `generator` on every engine against the reference
    /// (``RandomTBRig/compareWithReference(_:registers:memorySeed:includingIR:)``),
    /// recording the first three that differ; returns how many differed.
    static func compare(
        _ rig: RandomTBRig, _ generator: inout RandomTBGenerator, count: Int, label: String,
        includingIR: Bool = true, memorySeed: (Int) -> UInt32
    ) throws -> Int {
        var mismatches = 0
        for i in 0..<count {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            let comparison = try rig.compareWithReference(
                tb, registers: registers, memorySeed: memorySeed(i), includingIR: includingIR)
            if !comparison.mismatches.isEmpty {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        "TB \(label)/\(i) differs on \(comparison.mismatches):\n\(tb.text)\n\(comparison.description)"
                    )
                }
            }
        }
        return mismatches
    }

    @Test(arguments: 0..<shards)
    func irInterpreterAndWasmAgreeWithTheReference(shard: Int) throws {
        let rig = try RandomTBRig(opCount: 20)
        var generator = RandomTBGenerator(
            seed: Self.generatorSeed(shard: shard), configuration: rig.generatorConfiguration)
        let mismatches = try Self.compare(rig, &generator, count: Self.perShard, label: "\(shard)") {
            Self.memorySeed(shard: shard, index: $0)
        }
        #expect(mismatches == 0)
        #expect(rig.runtime.statistics.compilations >= Self.perShard * wasmEngines.count)
    }

    /// The same with the 32-bit-address module variant (fewer TBs, Wasm only).
    @Test func memory32VariantAgreesWithTheReference() throws {
        let rig = try RandomTBRig(addressing: .memory32, opCount: 20)
        var generator = RandomTBGenerator(seed: 0x32_0000, configuration: rig.generatorConfiguration)
        let mismatches = try Self.compare(rig, &generator, count: 200, label: "memory32", includingIR: false)
        {
            UInt32($0)
        }
        #expect(mismatches == 0)
    }

    /// The same with the modules in the layout that is not the default
    /// (``TBEmitter/StateLayout``): both layouts stay correct on every engine.
    @Test func otherStateLayoutAgreesWithTheReference() throws {
        let rig = try RandomTBRig(addressing: .memory64, opCount: 20)
        rig.runtime.configuration.layout = TBEmitter.StateLayout.allCases.first {
            $0 != TBEmitter.defaultLayout
        }!
        var generator = RandomTBGenerator(seed: 0x1A_0000, configuration: rig.generatorConfiguration)
        let mismatches = try Self.compare(rig, &generator, count: 300, label: "layout", includingIR: false) {
            UInt32($0)
        }
        #expect(mismatches == 0)
        #expect(rig.runtime.statistics.compilations >= 300 * wasmEngines.count)
    }

    /// With ``TBRuntimeConfiguration/validatesEmittedModules`` off (the
    /// release default), emitted modules go straight to instantiation; they
    /// must still run like the reference.
    @Test func unvalidatedModulesAgreeWithTheReference() throws {
        let rig = try RandomTBRig(addressing: .memory64, opCount: 20)
        rig.runtime.configuration.validatesEmittedModules = false
        var generator = RandomTBGenerator(seed: 0x5A_0000, configuration: rig.generatorConfiguration)
        let mismatches = try Self.compare(
            rig, &generator, count: 200, label: "unvalidated", includingIR: false
        ) { UInt32($0) }
        #expect(mismatches == 0)
        #expect(rig.runtime.statistics.compilations >= 200 * wasmEngines.count)
    }
}
