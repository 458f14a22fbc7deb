import Asyncify
import TBCodegen
import TBRuntime
import Testing

/// A guest program that never exits is stopped by the runtime's dispatch loop
/// after `maximumTBsPerExecution` TBs, on either engine, with a typed error.
@Suite struct TBLimitTests {
    /// A: r0 += 1, goto_tb B. B: goto_tb A. Never exits.
    static func endlessChain(_ runtime: TBRuntime) throws {
        var a = TBBuilder(pc: 0x100)
        a.movi(.r9, 1)
        a.add(.r0, .r0, .r9)
        a.gotoTB(0x200)
        runtime.install(try a.finish())
        var b = TBBuilder(pc: 0x200)
        b.gotoTB(0x100)
        runtime.install(try b.finish())
    }

    /// Runs the guest at `pc` and returns the runtime error it fails with
    /// (nil if it finishes).
    static func runtimeError(running h: Harness, at pc: UInt64) throws -> TBRuntimeError? {
        do {
            _ = try h.run(pc: pc)
            return nil
        } catch let error as FiberError {
            return error.underlying as? TBRuntimeError
        }
    }

    /// After a stopped guest the runtime still runs a fresh TB on the same
    /// engine: it sets r1 to `marker` and exits with `exitValue`.
    static func expectUsable(_ h: Harness, marker: UInt64, exitValue: UInt64) throws {
        var exit = TBBuilder(pc: 0x300)
        exit.movi(.r1, marker)
        exit.exitTB(exitValue)
        h.runtime.install(try exit.finish())
        #expect(try h.run(pc: 0x300) == exitValue)
        #expect(h.runtime.registers(of: h.cpu)[.r1] == marker)
    }

    @Test(arguments: [0, Int.max])
    func anEndlessChainOfTBsStopsAtTheLimit(threshold: Int) throws {
        let h = try Harness(threshold: threshold)
        h.runtime.configuration.maximumTBsPerExecution = 1000
        try Self.endlessChain(h.runtime)
        let caught = try Self.runtimeError(running: h, at: 0x100)
        guard case .tbLimitExceeded(1000)? = caught?.reason else {
            Issue.record("expected tbLimitExceeded(1000), got \(String(describing: caught))")
            return
        }
        #expect("\(caught!)" == "more than 1000 TBs ran in one execute call")
        // Exactly 1000 TBs ran, half of them A, each leaving its registers behind.
        #expect(h.runtime.registers(of: h.cpu)[.r0] == 500)
        let s = h.runtime.statistics
        #expect(s.wasmRuns + s.interpretedRuns == 1000)
        #expect(threshold == 0 ? s.wasmRuns == 1000 : s.interpretedRuns == 1000)
        try Self.expectUsable(h, marker: 0x33, exitValue: 4)
    }

    /// r0 += 1 forever inside one TB: only a per-run bound can stop it.
    static func endlessLoop(_ runtime: TBRuntime) throws {
        var t = TBBuilder(pc: 0x400)
        t.movi(.r9, 1)
        let top = t.newLabel()
        t.setLabel(top)
        t.add(.r0, .r0, .r9)
        t.br(top)
        t.exitTB(0)
        runtime.install(try t.finish())
    }

    @Test(arguments: [0, Int.max])
    func aLoopInsideOneTBStopsAtTheEnginesBound(threshold: Int) throws {
        let h = try Harness(threshold: threshold)
        h.runtime.configuration.wasmFuelPerTB = 10_000
        h.runtime.configuration.interpreterStepLimit = 10_000
        try Self.endlessLoop(h.runtime)
        let caught = try Self.runtimeError(running: h, at: 0x400)
        switch caught?.reason {
        case .wasm(let pc, let reason)? where threshold == 0:
            #expect(pc == 0x400)
            #expect(reason.contains("fuel exhausted"))
        case .interpreter(let pc, _)? where threshold != 0:
            #expect(pc == 0x400)
        default:
            Issue.record("expected the engine's bound to stop the loop, got \(String(describing: caught))")
        }
        try Self.expectUsable(h, marker: 0x44, exitValue: 5)
    }
}
