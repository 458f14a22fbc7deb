import TBCodegen
import TBRuntime
import Testing
import WasmInterpreter

/// The cpu loop's dispatch: the jump cache in front of the TB dictionary and
/// which registers a run copies between the register file and the TB.
@Suite struct TBDispatchTests {
    /// Every way a TB can run: IR only, and Wasm from the first run on each engine.
    static let runs: [(threshold: Int, engine: Store.Engine)] =
        [(Int.max, .automatic)] + wasmEngines.map { (0, $0) }

    /// `exit_tb value`.
    static func exitTB(pc: UInt64, value: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.exitTB(value)
        return try b.finish()
    }

    /// A TB installed over one that already ran (and sits in the jump cache) runs instead of it.
    @Test func aReplacedTBRunsInsteadOfTheCachedOne() throws {
        for (threshold, engine) in Self.runs {
            let h = try Harness(threshold: threshold, engine: engine)
            h.runtime.install(try Self.exitTB(pc: 0x100, value: 1))
            #expect(try h.run(pc: 0x100) == 1)
            #expect(try h.run(pc: 0x100) == 1)
            h.runtime.install(try Self.exitTB(pc: 0x100, value: 2))
            #expect(try h.run(pc: 0x100) == 2, "threshold \(threshold), \(engine)")
            #expect(try h.run(pc: 0x100) == 2, "threshold \(threshold), \(engine)")
        }
    }

    /// Two TBs whose pcs share a jump-cache slot, chained to each other, each
    /// run their own code: r1 counts P's runs, r2 Q's, and Q leaves after 5.
    @Test func pcsSharingAJumpCacheSlotRunTheirOwnTBs() throws {
        let p: UInt64 = 0x1_0100
        let q = p + (1 << 25)
        #expect(TBJumpCache.slot(p) == TBJumpCache.slot(q))
        for (threshold, engine) in Self.runs {
            let h = try Harness(threshold: threshold, engine: engine)
            h.runtime.configuration.maximumTBsPerExecution = 100
            var a = TBBuilder(pc: p)
            a.movi(.r0, 1)
            a.add(.r1, .r1, .r0)
            a.gotoTB(q)
            h.runtime.install(try a.finish())
            var b = TBBuilder(pc: q)
            b.movi(.r0, 1)
            b.add(.r2, .r2, .r0)
            b.movi(.r3, 5)
            let again = b.newLabel()
            b.brcond(.ltu, .r2, .r3, again)
            b.exitTB(3)
            b.setLabel(again)
            b.gotoTB(p)
            h.runtime.install(try b.finish())
            #expect(try h.run(pc: p) == 3, "threshold \(threshold), \(engine)")
            let registers = h.runtime.registers(of: h.cpu)
            #expect(
                registers[.r1] == 5 && registers[.r2] == 5, "threshold \(threshold), \(engine): \(registers)")
        }
    }

    /// A run writes back only the registers its TB mentions: one a helper set
    /// in the register file meanwhile keeps the helper's value, on every engine
    /// and in both state layouts, while the TB's own register gets the TB's.
    @Test(arguments: TBEmitter.StateLayout.allCases)
    func aRegisterTheTBDoesNotMentionKeepsWhatAHelperWrote(layout: TBEmitter.StateLayout) throws {
        for (threshold, engine) in Self.runs {
            let h = try Harness(threshold: threshold, engine: engine)
            h.runtime.configuration.layout = layout
            let (runtime, cpu) = (h.runtime, h.cpu)
            runtime.registerHelper("poke") { _, _ in
                var registers = runtime.registers(of: cpu)
                registers[.r7] = 0x77
                runtime.setRegisters(registers, of: cpu)
                return 0
            }
            var b = TBBuilder(pc: 0x100)
            b.movi(.r1, 5)
            b.callHelper("poke", args: [])
            b.movi(.r2, 6)
            b.exitTB(0)
            h.runtime.install(try b.finish())
            #expect(try h.run(pc: 0x100) == 0)
            let registers = runtime.registers(of: cpu)
            #expect(
                registers[.r7] == 0x77 && registers[.r1] == 5 && registers[.r2] == 6,
                "threshold \(threshold), \(engine), \(layout): \(registers)")
        }
    }
}
