import Asyncify
import TBCodegen
import TBRuntime
import TestSupport
import WasmInterpreter

/// A mutable box fibers and helpers share.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A TB that adds r0 to r1 and calls `h_yield` ``iterations`` times, counting
/// in r3: a helper that yields suspends every fiber running it inside the loop
/// while the others run the same TB instance.
enum LoopingTB {
    static let iterations: UInt64 = 4
    static let pc: UInt64 = 0x2000

    /// The TB, passing `yieldArguments` to `h_yield`.
    static func make(yieldArguments: [TBReg]) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.movi(.r1, 0)
        b.movi(.r3, 0)
        let loop = b.newLabel()
        b.setLabel(loop)
        b.add(.r1, .r1, .r0)
        b.callHelper("h_yield", args: yieldArguments)
        b.movi(.r2, 1)
        b.add(.r3, .r3, .r2)
        b.movi(.r2, iterations)
        b.brcond(.ltu, .r3, .r2, loop)
        b.exitTB(0)
        return try b.finish()
    }

    /// `count` CPUs of `runtime`, CPU `i` with r0 = i + 1, so that each adds its
    /// own number and their results tell them apart.
    static func makeCPUs(_ runtime: TBRuntime, count: Int) throws -> [TBCPU] {
        try (0..<count).map { i in
            let cpu = try runtime.makeCPU()
            var registers = TBRegisters()
            registers[.r0] = UInt64(i + 1)
            runtime.setRegisters(registers, of: cpu)
            return cpu
        }
    }
}

/// Makes `peer` a fiber that swaps straight back to `main` each time it runs:
/// the partner for helpers that swap out and back.
func initializeBouncingPeer(_ peer: Fiber, backTo main: Fiber, in fibers: FiberRuntime) throws {
    try fibers.initialize(peer, asyncifyStackSize: 64) { cx, _ in
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        while true {
            try cx.swap(from: peer, to: main)
            if try frame.unwinding(at: 1) { return }
        }
    }
}

/// One recorded helper call: its name and arguments (recorded in state normal only,
/// so a re-executed call would show up twice).
struct HelperCall: Hashable, CustomStringConvertible {
    var name: String
    var args: [UInt64]
    var description: String {
        "\(name)(\(args.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")))"
    }
}

/// What a run leaves behind, compared across engines.
struct RunOutcome: Equatable, CustomStringConvertible {
    var result: UInt64
    var registers: TBRegisters
    var env: [UInt8]
    var guestRAM: [UInt8]
    var calls: [HelperCall]
    var description: String { "result 0x\(String(result, radix: 16)) \(registers) calls \(calls)" }
}

/// A runtime for the random TBs: guest RAM where the generator expects it,
/// the generator's helpers (logging), and exit stubs at every pc a random TB may
/// leave to (each `exit_tb 0x77`).
final class RandomTBRig {
    static let stubResult: UInt64 = 0x77
    let generatorConfiguration: RandomTBGenerator.Configuration
    let runtime: TBRuntime
    let fibers = FiberRuntime()
    let cpu: TBCPU
    let log = Box<[HelperCall]>([])
    /// Called before every helper (after logging) in state normal: return true to swap out and back.
    var swapDecision: (HelperCall) -> Bool = { _ in false }
    let main: Fiber
    let peer: Fiber
    var swaps = 0

    init(mode: TBResumptionMode = .perFiber, addressing: TBEmitter.Addressing = .memory64, opCount: Int = 24)
        throws
    {
        var g = RandomTBGenerator.Configuration()
        g.targetOpCount = opCount
        generatorConfiguration = g
        var c = TBRuntimeConfiguration()
        c.maximumCPUs = 1
        c.guestBase = g.guestBase
        c.guestRAMSize = g.guestSize
        c.mode = mode
        c.addressing = addressing
        c.interpreterStepLimit = 1_000_000
        runtime = try TBRuntime(configuration: c)
        cpu = try runtime.makeCPU()
        main = fibers.allocateFiber(name: "main")
        peer = fibers.allocateFiber(name: "peer")
        let (fibers, main, peer) = (fibers, main, peer)
        try initializeBouncingPeer(peer, backTo: main, in: fibers)
        let mmu = runtime.softMMU
        for signature in RandomTBGenerator.helperSignatures + [.guestLoadSlowPath, .guestStoreSlowPath] {
            let name = signature.name
            runtime.registerHelper(name) { [unowned self] call, args in
                var frame = call.fibers.enter()
                if frame.isRewinding { try frame.restore() }
                if frame.isNormal {
                    let record = HelperCall(name: name, args: args.array)
                    self.log.value.append(record)
                    if !self.swapDecision(record) { return try Self.evaluate(name, args, mmu) }
                    self.swaps += 1
                }
                try call.fibers.swap(from: main, to: peer)
                if try frame.unwinding(at: 1) { return 0 }
                return try Self.evaluate(name, args, mmu)
            }
        }
        for k in 1...8 { runtime.install(try Self.stub(at: g.pc &+ 0x40 &* UInt64(k))) }
        runtime.install(try Self.stub(at: g.pc &+ 4))
    }

    static func evaluate(_ name: String, _ args: TBHelperArguments, _ mmu: TBSoftMMU) throws -> UInt64 {
        switch name {
        case TBHelperSignature.guestLoadSlowPath.name: return try mmu.loadSlowPath(args)
        case TBHelperSignature.guestStoreSlowPath.name: return try mmu.storeSlowPath(args)
        default: return RandomTBGenerator.evaluateHelper(name, args)
        }
    }

    static func stub(at pc: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.exitTB(stubResult)
        return try b.finish()
    }

    /// The whole memory, to restore between engines.
    func snapshot() -> [UInt8] { runtime.memory.withUnsafeMutableBytes { Array($0) } }
    func restore(_ bytes: [UInt8]) { runtime.memory.withUnsafeMutableBytes { $0.copyBytes(from: bytes) } }

    /// Fills env (and the register save area after it) and guest RAM with
    /// random bytes from `seed` (``Mulberry32`` words, env first, then RAM;
    /// the node harness repeats exactly this), resetting the CPU first.
    func randomizeMemory(seed: UInt32) throws {
        var random = Mulberry32(seed)
        try runtime.reset(cpu)
        let envSize = generatorConfiguration.envSize + 8 * 16
        let ramBase = Int(runtime.configuration.guestRAMHostBase)
        let ramSize = Int(generatorConfiguration.guestSize)
        let envBase = Int(cpu.env)
        runtime.memory.withUnsafeMutableBytes { raw in
            for i in stride(from: 0, to: envSize, by: 4) {
                raw.storeBytes(of: random.next().littleEndian, toByteOffset: envBase + i, as: UInt32.self)
            }
            for i in stride(from: 0, to: ramSize, by: 4) {
                raw.storeBytes(of: random.next().littleEndian, toByteOffset: ramBase + i, as: UInt32.self)
            }
        }
    }

    func capture(result: UInt64, registers: TBRegisters) -> RunOutcome {
        let envSize = generatorConfiguration.envSize + 8 * 16
        let ramBase = Int(runtime.configuration.guestRAMHostBase)
        let ramSize = Int(generatorConfiguration.guestSize)
        let (env, ram) = runtime.memory.withUnsafeMutableBytes { raw in
            (Array(raw[Int(cpu.env)..<Int(cpu.env) + envSize]), Array(raw[ramBase..<ramBase + ramSize]))
        }
        return RunOutcome(result: result, registers: registers, env: env, guestRAM: ram, calls: log.value)
    }

    /// Runs `tb` through the runtime from `registers` in a fiber and returns what it left.
    func runRuntime(_ tb: TranslationBlock, registers: TBRegisters) throws -> RunOutcome {
        log.value = []
        runtime.setRegisters(registers, of: cpu)
        try fibers.initializeFromCurrentContext(main, asyncifyStackSize: 4096)
        let result = Box<UInt64>(0)
        let (runtime, cpu) = (runtime, cpu)
        try fibers.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            let r = try runtime.execute(cx, cpu: cpu, pc: tb.pc)
            if try frame.unwinding(at: 1) { return }
            result.value = r
        }
        return capture(result: result.value, registers: runtime.registers(of: cpu))
    }

    /// Runs `tb` on TBCodegen's reference interpreter (one TB, then the exit stub's value).
    func runReference(_ tb: TranslationBlock, registers: TBRegisters) throws -> RunOutcome {
        log.value = []
        var regs = registers
        let mmu = runtime.softMMU
        var helpers: [String: TBHelperFunction] = [:]
        for signature in RandomTBGenerator.helperSignatures + [.guestLoadSlowPath, .guestStoreSlowPath] {
            let name = signature.name
            helpers[name] = { [log] args in
                log.value.append(HelperCall(name: name, args: args.array))
                return try Self.evaluate(name, args, mmu)
            }
        }
        var result = try TBInterpreter.run(
            tb, memory: runtime.tbMemory, context: cpu.context, registers: &regs, helpers: helpers,
            stepLimit: 1_000_000)
        let next = try runtime.tbMemory.load(.u64, at: cpu.context, offset: TBContextLayout.nextTBOffset)
        if next != 0 { result = Self.stubResult }
        return capture(result: result, registers: regs)
    }
}

/// A TB instance did not run on the engine the configuration pinned.
struct UnpinnedEngine: Error {
    var pc: UInt64
    var engine: Store.Engine
}

/// The Wasm engines every TB differential test runs on: our interpreter, and
/// the native tier on hosts that have it (x86-64 Linux).
let wasmEngines: [Store.Engine] = Store.nativeEngineIsAvailable ? [.interpreter, .native] : [.interpreter]

extension RandomTBRig {
    /// What ``compareWithReference(_:registers:memorySeed:includingIR:)`` ran:
    /// the reference outcome and each engine's, by name (`ir`, `wasm-interpreter`, `wasm-native`).
    struct Comparison {
        var reference: RunOutcome
        var engines: [(name: String, outcome: RunOutcome)]
        /// The engines whose outcome differs from the reference.
        var mismatches: [String] { engines.filter { $0.outcome != reference }.map(\.name) }
        var description: String {
            "reference \(reference)\n" + engines.map { "\($0.name) \($0.outcome)" }.joined(separator: "\n")
        }
    }

    /// Runs `tb` from `registers` and the memory of `memorySeed` on TBCodegen's
    /// reference interpreter, on the runtime's IR interpreter (if
    /// `includingIR`) and as Wasm on every engine of ``wasmEngines``, each from
    /// the same memory image; the TB is installed afresh before each run, so
    /// each Wasm run compiles it for its own engine.
    func compareWithReference(
        _ tb: TranslationBlock, registers: TBRegisters, memorySeed: UInt32, includingIR: Bool = true
    ) throws -> Comparison {
        try randomizeMemory(seed: memorySeed)
        let image = snapshot()
        let reference = try runReference(tb, registers: registers)
        var engines: [(name: String, outcome: RunOutcome)] = []
        if includingIR {
            restore(image)
            runtime.install(tb)
            runtime.configuration.compileThreshold = .max
            engines.append(("ir", try runRuntime(tb, registers: registers)))
        }
        for engine in wasmEngines {
            restore(image)
            runtime.install(tb)
            runtime.configuration.compileThreshold = 0
            runtime.configuration.engine = engine
            let outcome = try runRuntime(tb, registers: registers)
            // The pin must hold: the instance that ran is the engine's.
            guard runtime.engine(at: tb.pc) == engine else { throw UnpinnedEngine(pc: tb.pc, engine: engine) }
            engines.append(("wasm-\(engine)", outcome))
        }
        return Comparison(reference: reference, engines: engines)
    }
}

/// Mulberry32: a 32-bit generator that JS computes bit-identically with
/// `Math.imul`, so node can rebuild a test's random memory from its seed.
struct Mulberry32 {
    var state: UInt32
    init(_ seed: UInt32) { state = seed }
    mutating func next() -> UInt32 {
        state &+= 0x6D2B_79F5
        var t = (state ^ (state >> 15)) &* (state | 1)
        t = (t &+ ((t ^ (t >> 7)) &* (t | 61))) ^ t
        return t ^ (t >> 14)
    }
}

/// FNV-1a over 32-bit little-endian words (a trailing partial word is zero
/// padded). For a fixed suffix each step is a bijection of the state, so two
/// inputs differing in one word always hash differently; node computes the same.
func wordHash(_ bytes: [UInt8], into h: inout UInt32) {
    var i = 0
    while i < bytes.count {
        var w: UInt32 = 0
        for k in 0..<4 where i + k < bytes.count { w |= UInt32(bytes[i + k]) << (8 * UInt32(k)) }
        h = (h ^ w) &* 0x0100_0193
        i += 4
    }
}
