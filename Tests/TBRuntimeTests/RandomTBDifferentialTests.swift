import Asyncify
import TBCodegen
import TBRuntime
import TestSupport
import Testing

/// Generated TBs (loops, branches, helper calls, env and guest memory traffic)
/// run three ways from the same memory image: TBCodegen's reference
/// interpreter, the runtime's own (resumable) IR interpreter, and the emitted
/// Wasm on our interpreter. Registers, env, guest RAM, the result and the
/// helper call sequence must agree. 10 shards x 1000 TBs = 10,000 TBs.
/// `NodeDifferentialTests` runs the same 10,000 TBs from the same states on node.
@Suite struct RandomTBDifferentialTests {
    static let shards = 10
    static let perShard = 1000

    /// The generator seed of a shard.
    static func generatorSeed(shard: Int) -> UInt64 { 0x7B_0000 + UInt64(shard) }

    /// The memory seed of TB `index` of `shard` (``RandomTBRig/randomizeMemory(seed:)``).
    static func memorySeed(shard: Int, index: Int) -> UInt32 { UInt32(shard * 1_000_003 + index) }

    @Test(arguments: 0..<shards)
    func irInterpreterAndWasmAgreeWithTheReference(shard: Int) throws {
        let rig = try RandomTBRig(opCount: 20)
        var generator = RandomTBGenerator(
            seed: Self.generatorSeed(shard: shard), configuration: rig.generatorConfiguration)
        var mismatches = 0
        for i in 0..<Self.perShard {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            try rig.randomizeMemory(seed: RandomTBDifferentialTests.memorySeed(shard: shard, index: i))
            let image = rig.snapshot()
            let reference = try rig.runReference(tb, registers: registers)
            rig.restore(image)
            rig.runtime.install(tb)
            rig.runtime.configuration.compileThreshold = .max
            let ir = try rig.runRuntime(tb, registers: registers)
            rig.restore(image)
            rig.runtime.configuration.compileThreshold = 0
            let wasm = try rig.runRuntime(tb, registers: registers)
            if ir != reference || wasm != reference {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        "TB \(shard)/\(i) differs:\n\(tb.text)\nreference \(reference)\nIR \(ir)\nwasm \(wasm)"
                    )
                }
            }
        }
        #expect(mismatches == 0)
        #expect(rig.runtime.statistics.compilations >= Self.perShard)
    }

    /// The same with the 32-bit-address module variant (fewer TBs).
    @Test func memory32VariantAgreesWithTheReference() throws {
        let rig = try RandomTBRig(addressing: .memory32, opCount: 20)
        var generator = RandomTBGenerator(seed: 0x32_0000, configuration: rig.generatorConfiguration)
        for i in 0..<200 {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            try rig.randomizeMemory(seed: UInt32(i))
            let image = rig.snapshot()
            let reference = try rig.runReference(tb, registers: registers)
            rig.restore(image)
            rig.runtime.install(tb)
            rig.runtime.configuration.compileThreshold = 0
            let wasm = try rig.runRuntime(tb, registers: registers)
            try #require(wasm == reference, "TB \(i):\n\(tb.text)")
        }
    }

    /// With ``TBRuntimeConfiguration/validatesEmittedModules`` off (the
    /// release default), emitted modules go straight to instantiation; they
    /// must still run like the reference.
    @Test func unvalidatedModulesAgreeWithTheReference() throws {
        let rig = try RandomTBRig(addressing: .memory64, opCount: 20)
        rig.runtime.configuration.validatesEmittedModules = false
        var generator = RandomTBGenerator(seed: 0x5A_0000, configuration: rig.generatorConfiguration)
        for i in 0..<200 {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            try rig.randomizeMemory(seed: UInt32(i))
            let image = rig.snapshot()
            let reference = try rig.runReference(tb, registers: registers)
            rig.restore(image)
            rig.runtime.install(tb)
            rig.runtime.configuration.compileThreshold = 0
            let wasm = try rig.runRuntime(tb, registers: registers)
            try #require(wasm == reference, "TB \(i):\n\(tb.text)")
        }
        #expect(rig.runtime.statistics.compilations >= 200)
    }
}
