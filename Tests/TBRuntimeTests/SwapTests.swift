import Asyncify
import TBCodegen
import TBRuntime
import TestSupport
import Testing
import WasmInterpreter

/// Helpers that swap to another fiber in the middle of a TB.
@Suite struct SwapTests {
    /// The TB IR interpreter, or Wasm on one of our engines (the native tier
    /// only where the host has it: on other hosts it runs on the interpreter).
    enum Engine: String, CaseIterable, CustomStringConvertible {
        case ir, wasmInterpreter, wasmNative
        var threshold: Int { self == .ir ? .max : 0 }
        var wasmEngine: Store.Engine {
            self == .wasmNative && Store.nativeEngineIsAvailable ? .native : .interpreter
        }
        var description: String { rawValue }
    }

    /// Random TBs whose helpers (including the TLB slow paths) swap out and back
    /// at random calls end exactly as without swaps: same registers, env, guest
    /// RAM, result, and the same helper calls, each once - so no code before an
    /// interrupted call ran twice.
    @Test(arguments: [
        (Engine.ir, TBResumptionMode.perFiber), (.wasmInterpreter, .perFiber),
        (.wasmInterpreter, .instanceGlobals),
        (.wasmNative, .perFiber), (.wasmNative, .instanceGlobals),
    ])
    func randomSwapsChangeNothing(engine: Engine, mode: TBResumptionMode) throws {
        try Self.checkRandomSwaps(engine: engine, mode: mode, layout: TBEmitter.defaultLayout)
    }

    /// The same with the modules in the other state layout than the default
    /// (registers in globals throughout, or in locals between helper calls).
    @Test(arguments: [
        (Engine.wasmInterpreter, TBResumptionMode.perFiber), (.wasmNative, .perFiber),
        (.wasmNative, .instanceGlobals),
    ])
    func randomSwapsChangeNothingInTheOtherLayout(engine: Engine, mode: TBResumptionMode) throws {
        let other = TBEmitter.StateLayout.allCases.first { $0 != TBEmitter.defaultLayout }!
        try Self.checkRandomSwaps(engine: engine, mode: mode, layout: other)
    }

    static func checkRandomSwaps(engine: Engine, mode: TBResumptionMode, layout: TBEmitter.StateLayout) throws
    {
        let rig = try RandomTBRig(mode: mode, opCount: 20)
        rig.runtime.configuration.layout = layout
        rig.runtime.configuration.compileThreshold = engine.threshold
        rig.runtime.configuration.engine = engine.wasmEngine
        var generator = RandomTBGenerator(seed: 0x5A_0000, configuration: rig.generatorConfiguration)
        var random = SplitMix64(seed: 42)
        for i in 0..<300 {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            rig.runtime.install(tb)
            try rig.randomizeMemory(seed: UInt32(i))
            let image = rig.snapshot()
            rig.swapDecision = { _ in false }
            let plain = try rig.runRuntime(tb, registers: registers)
            rig.restore(image)
            let before = rig.swaps
            rig.swapDecision = { _ in random.next() % 2 == 0 }
            let swapped = try rig.runRuntime(tb, registers: registers)
            try #require(swapped == plain, "TB \(i) after \(rig.swaps - before) swaps:\n\(tb.text)")
        }
        #expect(rig.swaps > 500)
        #expect(rig.runtime.statistics.resumptions == rig.swaps)
    }

    /// A TB with counters before and after a swapping helper: the rewind (with
    /// do_init = 0) skips exactly the blocks before the call, re-enters the call
    /// (which completes the swap) and runs the rest once.
    @Test(arguments: Engine.allCases)
    func rewindSkipsExactlyTheBlocksBeforeTheCall(engine: Engine) throws {
        var b = TBBuilder(pc: 0x3000)
        let one = TBReg.r9
        b.movi(one, 1)
        b.loadEnv(.u64, .r1, offset: 0)
        b.add(.r1, .r1, one)
        b.storeEnv(.u64, .r1, offset: 0)  // block 0: pre-call counter
        b.callHelper("h_note", args: [.r1], result: .r4)  // a call before: must not be re-run
        b.movi(.r5, 0x55)
        b.callHelper("h_swap", args: [.r5], result: .r6)  // the interrupted call
        b.loadEnv(.u64, .r2, offset: 8)
        b.add(.r2, .r2, one)
        b.storeEnv(.u64, .r2, offset: 8)  // post-call counter
        b.exitTB(5)
        let tb = try b.finish()
        let h = try Harness(threshold: engine.threshold, engine: engine.wasmEngine)
        h.runtime.install(tb)
        let notes = Box(0)
        let swapEntries = Box(0)
        h.runtime.registerHelper("h_note") { call, args in
            if call.fibers.isNormal { notes.value += 1 }
            return args[0] &+ 100
        }
        h.registerSwapHelper("h_swap") { args in
            swapEntries.value += 1
            return args[0] &* 2
        }
        let result = try h.run(pc: tb.pc)
        let env = h.runtime.tbMemory
        #expect(result == 5)
        #expect(try env.load(.u64, at: h.cpu.env) == 1)
        #expect(try env.load(.u64, at: h.cpu.env, offset: 8) == 1)
        #expect(notes.value == 1)
        #expect(swapEntries.value == 1)
        #expect(h.swaps.value == 1)
        #expect(h.runtime.statistics.resumptions == 1)
        let regs = h.runtime.registers(of: h.cpu)
        #expect(regs[.r4] == 101)  // set before the swap, kept across it
        #expect(regs[.r6] == 0xAA)  // the swapped helper's result after the rewind
        #expect(h.runtime.engine(at: tb.pc) == (engine == .ir ? nil : engine.wasmEngine))
    }

    /// A guest load misses the TLB; its slow path swaps out before doing the
    /// access. After the rewind the TB re-enters the slow path (not the lookup),
    /// the access completes once, fills the TLB, and a second run hits.
    @Test(arguments: Engine.allCases)
    func swapFromInsideTheTLBSlowPath(engine: Engine) throws {
        let h = try Harness(threshold: engine.threshold, engine: engine.wasmEngine)
        let base = h.runtime.configuration.guestBase
        var b = TBBuilder(pc: 0x4000)
        b.movi(.r1, base + 0x108)
        b.guestLoad(.u64, .r2, address: .r1)
        b.movi(.r3, 0xC0FFEE)
        b.guestStore(.u32, .r3, address: .r1, offset: 0x1000)
        b.exitTB(1)
        let tb = try b.finish()
        h.runtime.install(tb)
        let slowLoads = Box(0)
        let slowStores = Box(0)
        let mmu = h.runtime.softMMU
        h.registerSwapHelper("qemu_ld") { args in
            slowLoads.value += 1
            return try mmu.loadSlowPath(args)
        }
        h.registerSwapHelper("qemu_st") { args in
            slowStores.value += 1
            return try mmu.storeSlowPath(args)
        }
        let ram = h.runtime.configuration.guestRAMHostBase
        try h.runtime.tbMemory.store(.u64, 0x1122_3344_5566_7788, at: ram + 0x108)
        #expect(try h.run(pc: tb.pc) == 1)
        #expect(h.runtime.registers(of: h.cpu)[.r2] == 0x1122_3344_5566_7788)
        #expect(try h.runtime.tbMemory.load(.u32, at: ram + 0x1108) == 0xC0FFEE)
        #expect(slowLoads.value == 1)
        #expect(slowStores.value == 1)
        #expect(h.swaps.value == 2)
        // The TLB now maps both pages: a second run takes the fast paths.
        h.runtime.setRegisters(TBRegisters(), of: h.cpu)
        #expect(try h.run(pc: tb.pc) == 1)
        #expect(h.runtime.registers(of: h.cpu)[.r2] == 0x1122_3344_5566_7788)
        #expect(slowLoads.value == 1)
        #expect(h.swaps.value == 2)
        #expect(h.runtime.engine(at: tb.pc) == (engine == .ir ? nil : engine.wasmEngine))
    }
}

/// One CPU, one main context and a peer fiber that always swaps straight back.
final class Harness {
    let runtime: TBRuntime
    let fibers = FiberRuntime()
    let cpu: TBCPU
    let main: Fiber
    let peer: Fiber
    let swaps = Box(0)

    init(threshold: Int, mode: TBResumptionMode = .perFiber, engine: Store.Engine = .automatic) throws {
        var c = TBRuntimeConfiguration()
        c.maximumCPUs = 2
        c.compileThreshold = threshold
        c.mode = mode
        c.engine = engine
        runtime = try TBRuntime(configuration: c)
        cpu = try runtime.makeCPU()
        main = fibers.allocateFiber(name: "main")
        peer = fibers.allocateFiber(name: "peer")
        try initializeBouncingPeer(peer, backTo: main, in: fibers)
    }

    /// Registers a helper that swaps to the peer and back, then runs `body` once.
    func registerSwapHelper(_ name: String, _ body: @escaping (TBHelperArguments) throws -> UInt64) {
        let (main, peer, swaps) = (main, peer, swaps)
        runtime.registerHelper(name) { call, args in
            var frame = call.fibers.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.isNormal { swaps.value += 1 }
            try call.fibers.swap(from: main, to: peer)
            if try frame.unwinding(at: 1) { return 0 }
            return try body(args)
        }
    }

    func run(pc: UInt64) throws -> UInt64 {
        try fibers.initializeFromCurrentContext(main, asyncifyStackSize: 4096)
        let result = Box<UInt64>(0)
        let (runtime, cpu) = (runtime, cpu)
        try fibers.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            let r = try runtime.execute(cx, cpu: cpu, pc: pc)
            if try frame.unwinding(at: 1) { return }
            result.value = r
        }
        return result.value
    }
}
