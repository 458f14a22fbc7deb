import Asyncify
import TBCodegen
import TBRuntime
import Testing

/// Cache, engine threshold, chaining, the instance cap and errors.
@Suite struct TBRuntimeBehaviourTests {
    /// env[0] += r0; r1 = env[0]; then goto_tb next (or exit_tb 9 when next is 0).
    static func counterTB(pc: UInt64, next: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.loadEnv(.u64, .r1, offset: 0)
        b.add(.r1, .r1, .r0)
        b.storeEnv(.u64, .r1, offset: 0)
        if next == 0 { b.exitTB(9) } else { b.gotoTB(next) }
        return try b.finish()
    }

    @Test func aTBRunsOnTheInterpreterUntilTheThresholdThenAsWasm() throws {
        let h = try Harness(threshold: 3)
        h.runtime.install(try Self.counterTB(pc: 0x100, next: 0))
        var regs = TBRegisters()
        regs[.r0] = 7
        h.runtime.setRegisters(regs, of: h.cpu)
        for run in 1...5 {
            #expect(try h.run(pc: 0x100) == 9)
            #expect(h.runtime.registers(of: h.cpu)[.r1] == 7 * UInt64(run))
            #expect(h.runtime.hasInstance(at: 0x100) == (run > 3))
        }
        #expect(h.runtime.statistics.interpretedRuns == 3)
        #expect(h.runtime.statistics.wasmRuns == 2)
        #expect(h.runtime.statistics.compilations == 1)
        #expect(h.runtime.runCount(at: 0x100) == 5)
    }

    @Test func gotoTBChainsThroughTheCacheUntilExit() throws {
        for threshold in [0, Int.max] {
            let h = try Harness(threshold: threshold)
            h.runtime.install(try Self.counterTB(pc: 0x100, next: 0x200))
            h.runtime.install(try Self.counterTB(pc: 0x200, next: 0x300))
            h.runtime.install(try Self.counterTB(pc: 0x300, next: 0))
            var regs = TBRegisters()
            regs[.r0] = 5
            h.runtime.setRegisters(regs, of: h.cpu)
            #expect(try h.run(pc: 0x100) == 9)
            #expect(h.runtime.registers(of: h.cpu)[.r1] == 15)
            #expect(h.runtime.statistics.compilations == (threshold == 0 ? 3 : 0))
        }
    }

    @Test func theInstanceCapEvictsTheLeastRecentlyUsedInstance() throws {
        let h = try Harness(threshold: 0)
        h.runtime.configuration.instanceCap = 2
        h.runtime.install(try Self.counterTB(pc: 0x100, next: 0x200))
        h.runtime.install(try Self.counterTB(pc: 0x200, next: 0x300))
        h.runtime.install(try Self.counterTB(pc: 0x300, next: 0))
        #expect(try h.run(pc: 0x100) == 9)
        #expect(h.runtime.instanceCount == 2)
        #expect(h.runtime.statistics.evictions == 1)
        #expect(!h.runtime.hasInstance(at: 0x100))
        #expect(h.runtime.hasInstance(at: 0x300))
        #expect(try h.run(pc: 0x100) == 9)
        #expect(h.runtime.statistics.compilations == 6)
    }

    /// A fiber suspended inside TB A while the other fiber's TB evicts A's
    /// instance: per-fiber mode re-instantiates A and writes the saved state
    /// back; instance-globals mode pins A instead (the cap is exceeded).
    @Test(arguments: [TBResumptionMode.perFiber, .instanceGlobals])
    func evictionWhileSuspendedIsSafe(mode: TBResumptionMode) throws {
        var c = TBRuntimeConfiguration()
        c.compileThreshold = 0
        c.instanceCap = 1
        c.mode = mode
        let runtime = try TBRuntime(configuration: c)
        let cpuA = try runtime.makeCPU()
        let cpuB = try runtime.makeCPU()
        var a = TBBuilder(pc: 0xA00)
        a.movi(.r1, 40)
        a.callHelper("h_pause", args: [])
        a.movi(.r2, 2)
        a.add(.r1, .r1, .r2)
        a.exitTB(1)
        runtime.install(try a.finish())
        runtime.install(try Self.counterTB(pc: 0xB00, next: 0))
        let fibers = FiberRuntime()
        let main = fibers.makeFiberFromCurrentContext(name: "main")
        let worker = fibers.allocateFiber(name: "worker")
        let finished = Box(false)
        runtime.registerHelper("h_pause") { call, _ in
            var frame = call.fibers.enter()
            if frame.isRewinding { try frame.restore() }
            try call.fibers.swap(from: worker, to: main)
            if try frame.unwinding(at: 1) { return 0 }
            return 0
        }
        try fibers.initialize(worker) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.calls(1) {
                _ = try runtime.execute(cx, cpu: cpuA, pc: 0xA00)
                if try frame.unwinding(at: 1) { return }
                finished.value = true
            }
            while true {
                try cx.swap(from: worker, to: main)
                if try frame.unwinding(at: 2) { return }
            }
        }
        let instancesWhileSuspended = Box(0)
        try fibers.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.calls(1) {
                try cx.swap(from: main, to: worker)  // worker suspends inside TB A
                if try frame.unwinding(at: 1) { return }
            }
            if frame.calls(2) {
                _ = try runtime.execute(cx, cpu: cpuB, pc: 0xB00)  // needs an instance: evicts A (per-fiber)
                if try frame.unwinding(at: 2) { return }
                instancesWhileSuspended.value = runtime.instanceCount
            }
            try cx.swap(from: main, to: worker)  // resume A
            if try frame.unwinding(at: 3) { return }
        }
        #expect(finished.value)
        #expect(runtime.registers(of: cpuA)[.r1] == 42)
        switch mode {
        case .perFiber:
            #expect(runtime.statistics.evictions == 2)
            #expect(runtime.statistics.compilations == 3)
            #expect(instancesWhileSuspended.value == 1)
        case .instanceGlobals:
            #expect(runtime.statistics.compilations == 2)
            #expect(instancesWhileSuspended.value == 2)
        }
    }

    /// Bad runs give typed errors and leave the runtime usable.
    @Test(arguments: [0, Int.max])
    func errorsAreTypedAndTheRuntimeStaysUsable(threshold: Int) throws {
        let h = try Harness(threshold: threshold)
        func runtimeError(_ pc: UInt64) -> TBRuntimeError? {
            do {
                _ = try h.run(pc: pc)
                return nil
            } catch let error as FiberError {
                return error.underlying as? TBRuntimeError
            } catch {
                return nil
            }
        }
        // No TB at the pc.
        guard case .noTranslationBlock(pc: 0x999) = runtimeError(0x999)?.reason else {
            Issue.record("expected noTranslationBlock")
            return
        }
        // A helper nobody registered.
        var b = TBBuilder(pc: 0x100)
        b.callHelper("nobody", args: [])
        b.exitTB(0)
        h.runtime.install(try b.finish())
        guard case .missingHelper(name: "nobody", pc: 0x100) = runtimeError(0x100)?.reason else {
            Issue.record("expected missingHelper")
            return
        }
        // An env access far outside the memory traps.
        var t = TBBuilder(pc: 0x200)
        t.loadEnv(.u64, .r1, offset: 0x7FFF_0000)
        t.exitTB(0)
        h.runtime.install(try t.finish())
        let trap = runtimeError(0x200)
        switch trap?.reason {
        case .interpreter?, .wasm?: break
        default: Issue.record("expected a trap, got \(String(describing: trap))")
        }
        // A guest access outside guest RAM faults in the slow path.
        var f = TBBuilder(pc: 0x300)
        f.movi(.r1, 0x10)
        f.guestLoad(.u64, .r2, address: .r1)
        f.exitTB(0)
        h.runtime.install(try f.finish())
        do {
            _ = try h.run(pc: 0x300)
            Issue.record("expected a guest fault")
        } catch let error as FiberError {
            let fault =
                (error.underlying as? TBRuntimeError).map { "\($0)" }
                ?? "\(error.underlying.map { "\($0)" } ?? "")"
            #expect(fault.contains("outside guest RAM"), "\(error)")
        }
        // Still usable.
        h.runtime.install(try Self.counterTB(pc: 0x400, next: 0))
        #expect(try h.run(pc: 0x400) == 9)
    }
}
