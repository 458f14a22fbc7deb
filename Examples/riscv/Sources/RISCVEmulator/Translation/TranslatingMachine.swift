import Asyncify
import TBCodegen
import TBRuntime
import WasmInterpreter

/// Runs a guest program by translating its blocks into TBs and running them on
/// the TB runtime (``TBRuntime``): each guest block is translated on the first
/// miss for its pc and installed; the runtime runs it on the TB IR interpreter
/// and, as its ``Compilation`` says, as Wasm (on the engine ``engine`` names) once it is hot,
/// following `goto_tb` chains itself. With ``Compilation/off`` it is the IR-only
/// engine.
///
/// Every hart is a fiber with its own ``TBCPU`` (context record, register
/// file, CPU state ``RISCVCPUState`` and software TLB); a scheduler context
/// picks the next runnable hart round-robin. The `riscv_ecall` helper is where
/// fibers switch, in the middle of a TB (the runtime's per-fiber resumption
/// mode keeps each hart's place even when several are suspended inside the
/// same TB):
///
/// * a `write` to fd 1 or 2 swaps to the console device fiber, which appends
///   the bytes to the output and swaps back (``consoleSwaps`` counts them);
/// * after every system call the hart yields to the scheduler when another
///   hart can run, so harts interleave at `ecall`s as in ``ReferenceInterpreter``.
///
/// Guest RAM lives in the runtime's shared linear memory, so the Wasm TBs, the
/// IR interpreter and the system calls see the same bytes. Self-modifying code:
/// the translated code range is write-protected in the software TLB
/// (``TBSoftMMU/writeProtected``), so a store into it takes the slow path,
/// which retranslates the blocks whose instructions changed.
///
/// Blocks are translated with `exitingSelfLoops` and each hart's loop deadline
/// is the instruction limit: a loop that stays in one block keeps running
/// inside its TB until the hart's `instret` reaches the limit, then leaves it
/// for the host, which stops the run; loops over several blocks pass through
/// the runtime's cpu loop (bounded by `maximumTBsPerExecution`). So no guest
/// loop hangs the host, even once its TB runs as Wasm (which has no step limit).
public final class TranslatingMachine {
    /// When a translated block is compiled to Wasm.
    public enum Compilation: Sendable, Hashable, CustomStringConvertible {
        /// Never: every TB runs on the TB IR interpreter.
        case off
        /// After a TB ran this many times on the IR interpreter (0: at once).
        case afterRuns(Int)

        /// The runtime's tiering: IR for a TB's first 1500 runs, then Wasm.
        public static let `default` = Compilation.afterRuns(1500)
        /// Every TB runs as Wasm from its first run.
        public static let always = Compilation.afterRuns(0)

        /// The runtime's compile threshold for this policy.
        var threshold: Int {
            switch self {
            case .off: return .max
            case .afterRuns(let runs): return max(runs, 0)
            }
        }

        /// `off`, or `after N runs`.
        public var description: String {
            switch self {
            case .off: return "off"
            case .afterRuns(let runs): return "after \(runs) runs"
            }
        }
    }

    /// The program being run.
    public let image: ELFImage
    /// Number of harts.
    public let hartCount: Int
    /// When blocks are compiled to Wasm.
    public let compilation: Compilation
    /// The engine that runs the Wasm TBs (see ``TBRuntimeConfiguration/engine``).
    public var engine: Store.Engine { runtime.configuration.engine }
    /// The TB runtime the blocks run on.
    public let runtime: TBRuntime
    /// How many blocks have been translated and installed.
    public internal(set) var translationCount = 0
    /// How many times a hart swapped to the console fiber (one per console `write`).
    public internal(set) var consoleSwaps = 0
    /// How many times a hart yielded to the scheduler in the middle of a TB.
    public internal(set) var hartSwaps = 0
    /// Whether blocks are superblocks: they continue through direct jumps and
    /// past conditional branches, which become side exits (see ``GuestBasicBlock``).
    public let buildsSuperblocks: Bool

    /// Everything the program wrote to fd 1.
    public var standardOutput: [UInt8] { process.standardOutput }
    /// Everything the program wrote to fd 2.
    public var standardError: [UInt8] { process.standardError }
    /// Called with (fd, bytes) on every successful `write` (from the console fiber).
    public var onWrite: ((Int, [UInt8]) -> Void)? {
        get { process.onWrite }
        set { process.onWrite = newValue }
    }

    /// Guest memory, viewing guest RAM in the runtime's memory.
    let layout: GuestMemory
    /// The translated code range: write-protected in every hart's TLB.
    let codeRange: Range<UInt64>
    /// Guest RAM in the runtime's memory, with ``codeRange`` write-protected.
    let mmu: TBSoftMMU
    var process: LinuxProcess
    private(set) var cpus: [TBCPU] = []
    private var nextPC: [UInt64]
    private(set) var blocks: [UInt64: GuestBasicBlock] = [:]
    var fault: GuestFault?
    var instructionLimit: UInt64 = .max
    private let fibers = FiberRuntime()
    var scheduler: Fiber?
    var console: Fiber?
    private var hartFibers: [Fiber] = []
    var consoleRequest: (client: Fiber, hart: Int, fd: UInt64, address: UInt64, count: UInt64)?
    var consoleResult: UInt64 = 0

    /// Lays out guest memory for `image` in a new TB runtime with `hartCount`
    /// CPUs, each hart starting like in ``ReferenceInterpreter`` (pc = entry,
    /// sp = its stack top, a0 = hart id, a1 = hart count).
    /// - Parameters:
    ///   - compilation: when a TB is compiled to Wasm (``Compilation/off``: the
    ///     IR-only engine; ``Compilation/always``: every TB as Wasm).
    ///   - mode: where suspended TBs keep their state; only ``TBResumptionMode/perFiber``
    ///     is correct once several harts are suspended in one TB.
    ///   - buildsSuperblocks: scan blocks through `jal` and `auipc`+`jalr` and
    ///     past conditional branches (side exits), see
    ///     ``GuestBasicBlock/scan(at:memory:code:maximumLength:followingDirectJumps:followingBranches:)``,
    ///     so fewer TBs run per guest instruction.
    ///   - engine: what runs the Wasm TBs: ``Store/Engine/automatic`` (the
    ///     native tier where the host has it), or a pinned engine.
    ///   - stateLayout: where the Wasm TBs keep TB registers while they run (``TBEmitter/StateLayout``).
    /// - Throws: ``MachineSetupError`` if the program, stacks or harts do not fit.
    public init(
        image: ELFImage, hartCount: Int = 1, stackSize: Int = 256 * 1024,
        memoryLimit: UInt64 = 512 << 20, compilation: Compilation = .default,
        mode: TBResumptionMode = .perFiber, buildsSuperblocks: Bool = true, engine: Store.Engine = .automatic,
        stateLayout: TBEmitter.StateLayout = TBEmitter.defaultLayout
    ) throws(MachineSetupError) {
        self.image = image
        self.compilation = compilation
        self.buildsSuperblocks = buildsSuperblocks
        guard hartCount >= 1, hartCount <= GuestMemory.maximumHarts else { throw .badHartCount(hartCount) }
        let initial = try GuestMemory(
            image: image, hartCount: hartCount, stackSize: stackSize, sizeLimit: memoryLimit)
        var configuration = TBRuntimeConfiguration()
        configuration.compileThreshold = compilation.threshold
        configuration.mode = mode
        configuration.engine = engine
        configuration.layout = stateLayout
        // Every loop inside a TB checks the loop deadline (`exitingSelfLoops`),
        // so fuel would bound nothing more; without it the Wasm TBs count no
        // loop iterations and their runs skip the fuel bookkeeping.
        configuration.wasmFuelPerTB = nil
        configuration.maximumCPUs = hartCount
        configuration.guestBase = initial.baseAddress
        configuration.guestRAMSize = UInt64(initial.size)
        let runtime: TBRuntime
        do {
            runtime = try TBRuntime(configuration: configuration)
        } catch {
            throw .imageTooLarge(bytes: UInt64(initial.size), limit: memoryLimit)
        }
        self.runtime = runtime
        let ram = runtime.tbMemory.base + Int(configuration.guestRAMHostBase)
        ram.copyMemory(from: initial.bytes, byteCount: initial.size)
        layout = GuestMemory(viewing: ram, of: initial)
        self.hartCount = hartCount
        codeRange = try DecodedCode(image: image).range
        var mmu = runtime.softMMU
        mmu.writeProtected = codeRange
        self.mmu = mmu
        process = LinuxProcess(hartCount: hartCount)
        nextPC = Array(repeating: image.entry, count: hartCount)
        for hart in 0..<hartCount {
            // Cannot fail: maximumCPUs is hartCount.
            guard let cpu = try? runtime.makeCPU() else { throw .badHartCount(hartCount) }
            cpus.append(cpu)
            setRegister(2, layout.stackTop(hart: hart), hart: hart)
            setRegister(10, UInt64(hart), hart: hart)
            setRegister(11, UInt64(hartCount), hart: hart)
            setPC(image.entry, hart: hart)
        }
        registerHelpers()
    }

    // MARK: Guest state

    private func envAddress(_ hart: Int, _ offset: Int32) -> UnsafeMutableRawPointer {
        runtime.tbMemory.base + Int(cpus[hart].env) + Int(offset)
    }

    /// Register `x[index]` of `hart` (x0 reads 0).
    public func register(_ index: Int, hart: Int) -> UInt64 {
        precondition(
            (0..<32).contains(index) && (0..<hartCount).contains(hart),
            "no register x\(index) on hart \(hart)")
        if index == 0 { return 0 }
        return envAddress(hart, RISCVCPUState.offset(ofRegister: index)).loadUnaligned(as: UInt64.self)
    }
    func setRegister(_ index: Int, _ value: UInt64, hart: Int) {
        if index != 0 {
            envAddress(hart, RISCVCPUState.offset(ofRegister: index)).storeBytes(of: value, as: UInt64.self)
        }
    }
    /// The pc stored in `hart`'s CPU state (exact whenever the hart is stopped).
    public func pc(hart: Int) -> UInt64 {
        precondition((0..<hartCount).contains(hart), "no hart \(hart)")
        return envAddress(hart, RISCVCPUState.pcOffset).loadUnaligned(as: UInt64.self)
    }
    private func setPC(_ value: UInt64, hart: Int) {
        envAddress(hart, RISCVCPUState.pcOffset).storeBytes(of: value, as: UInt64.self)
    }

    /// Instructions retired by all harts so far (the sum of their `instret`).
    public var retiredInstructions: UInt64 {
        (0..<hartCount).reduce(0) {
            $0 &+ envAddress($1, RISCVCPUState.instructionCountOffset).loadUnaligned(as: UInt64.self)
        }
    }

    /// Copies `count` guest bytes at `address`, or nil if any is outside guest memory.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? { layout.read(address, count: count) }

    // MARK: Running

    /// Runs until every hart has exited.
    /// - Parameter instructionLimit: stop with ``GuestFault/instructionLimitReached(limit:)``
    ///   once about this many guest instructions have run (checked at every
    ///   system call and TB cache miss, and by the runtime's per-run TB limit).
    /// - Throws: ``GuestFault`` if a hart faults.
    public func run(instructionLimit: UInt64 = 10_000_000_000) throws(GuestFault) -> GuestExit {
        self.instructionLimit = instructionLimit
        runtime.configuration.maximumTBsPerExecution = Int(clamping: instructionLimit)
        // A TB that loops on itself on the IR interpreter takes per pass one
        // step at each side exit it stays in (each after a segment of at least
        // one instruction), a taken branch, the loop-deadline branch and a
        // goto_tb: at most four steps per instruction retired.
        runtime.configuration.interpreterStepLimit = Int(clamping: min(instructionLimit, 1 << 60) * 4 + 4)
        setLoopDeadlines(instructionLimit)
        if hartFibers.isEmpty { makeFibers() }
        guard let scheduler else { throw .internalError("no scheduler fiber") }
        do {
            try fibers.initializeFromCurrentContext(scheduler, asyncifyStackSize: 256)
            try fibers.run { [unowned self] cx, _ in try self.schedule(cx) }
        } catch {
            throw fault ?? .internalError("fibers: \(error)")
        }
        if let fault { throw fault }
        return GuestExit(code: process.exitCode, instructions: retiredInstructions)
    }

    /// Self-loops stay inside their TB until the hart's instret reaches `limit`.
    func setLoopDeadlines(_ limit: UInt64) {
        for hart in 0..<hartCount { setLoopDeadline(limit, hart: hart) }
    }

    private func setLoopDeadline(_ limit: UInt64, hart: Int) {
        envAddress(hart, RISCVCPUState.loopDeadlineOffset).storeBytes(of: limit, as: UInt64.self)
    }

    private func makeFibers() {
        scheduler = fibers.allocateFiber(name: "scheduler")
        console = fibers.makeFiber(name: "console", asyncifyStackSize: 256) { [unowned self] cx, _ in
            try self.consoleLoop(cx)
        }
        for hart in 0..<hartCount {
            hartFibers.append(
                fibers.makeFiber(name: "hart \(hart)", asyncifyStackSize: 4096) { [unowned self] cx, _ in
                    try self.hartLoop(cx, hart: hart)
                })
        }
    }

    /// The scheduler: swaps to the next runnable hart, round-robin, until none is left.
    private func schedule(_ cx: FiberContext) throws {
        var hart = 0
        var frame = cx.enter()
        if frame.isRewinding { hart = try frame.restore() }
        while true {
            if frame.isNormal {
                guard fault == nil, let next = process.nextRunnable(from: hart) else { return }
                hart = next
            }
            guard let scheduler else { return }
            try cx.swap(from: scheduler, to: hartFibers[hart])
            if try frame.unwinding(at: 1, saving: hart) { return }
            hart += 1
        }
    }

    /// A hart: runs TB chains from its pc, translating on each miss, until it
    /// exits or faults; then parks in the scheduler.
    private func hartLoop(_ cx: FiberContext, hart: Int) throws {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        let cpu = cpus[hart]
        while frame.isRewinding ? frame.resumePoint == 1 : (process.isRunning[hart] && fault == nil) {
            let result: UInt64
            do {
                result = try runtime.execute(cx, cpu: cpu, pc: nextPC[hart])
            } catch {
                if let error = error as? TBRuntimeError, case .noTranslationBlock(let pc) = error.reason {
                    do {
                        try translate(at: pc, hart: hart)
                        nextPC[hart] = pc
                        continue
                    } catch {
                        fault = error
                        break
                    }
                }
                fault = fault ?? runtimeFault(error)
                break
            }
            if try frame.unwinding(at: 1) { return }
            exited(with: result, hart: hart)
        }
        guard let scheduler, let me = cx.currentFiber else { return }
        while true {
            try cx.swap(from: me, to: scheduler)
            if try frame.unwinding(at: 2) { return }
        }
    }

    /// What a TB chain's final `exit_tb` means for the hart.
    private func exited(with result: UInt64, hart: Int) {
        let pc = self.pc(hart: hart)
        nextPC[hart] = pc
        switch RISCVTBExit(rawValue: result) {
        case .stopped: break  // exited, or another hart called exit_group
        case .resume:  // a pass through a self-looping block
            setLoopDeadline(instructionLimit, hart: hart)
        case .breakpoint: fault = .breakpoint(pc: pc, hart: hart)
        case .flushCode: retranslateChangedBlocks()
        case nil:
            // goto_ptr to guest address 0 looks like exit_tb 0.
            fault = .memoryAccess(address: 0, size: 4, kind: .fetch, pc: 0, hart: hart)
        }
        if fault == nil, retiredInstructions > instructionLimit {
            fault = .instructionLimitReached(limit: instructionLimit)
        }
    }

    private func runtimeFault(_ error: any Error) -> GuestFault {
        if let fault = error as? GuestFault { return fault }
        if let error = error as? TBRuntimeError {
            switch error.reason {
            case .tbLimitExceeded: return .instructionLimitReached(limit: instructionLimit)
            case .interpreter(_, let e):
                if case .stepLimitExceeded = e.reason {
                    return .instructionLimitReached(limit: instructionLimit)
                }
            default: break
            }
        }
        return .internalError("\(error)")
    }

    // MARK: Translation

    private func translate(at pc: UInt64, hart: Int) throws(GuestFault) {
        if retiredInstructions > instructionLimit { throw .instructionLimitReached(limit: instructionLimit) }
        let block: GuestBasicBlock
        do {
            block = try GuestBasicBlock.scan(
                at: pc, memory: layout, code: codeRange, followingDirectJumps: buildsSuperblocks,
                followingBranches: buildsSuperblocks)
        } catch {
            throw error.onHart(hart)
        }
        try install(block)
    }

    private func install(_ block: GuestBasicBlock) throws(GuestFault) {
        do {
            runtime.install(try RISCVTranslator.translate(block, exitingSelfLoops: true))
        } catch {
            throw .internalError("translating the block at 0x\(hex(block.startAddress)): \(error)")
        }
        blocks[block.startAddress] = block
        translationCount += 1
    }

    /// Retranslates the installed blocks whose instructions changed: the one
    /// self-modifying-code rule (a store into the write-protected code range,
    /// or `fence.i`).
    func retranslateChangedBlocks() {
        var changed = false
        for (pc, old) in blocks {
            // A block whose first word no longer decodes keeps its old TB: the
            // runtime cannot uninstall one (a known limit of this engine).
            guard
                let now = try? GuestBasicBlock.scan(
                    at: pc, memory: layout, code: codeRange, followingDirectJumps: buildsSuperblocks,
                    followingBranches: buildsSuperblocks),
                now != old
            else { continue }
            do { try install(now) } catch { fault = fault ?? error }
            changed = true
        }
        // A TB looping on itself (maybe the one whose store got here) would
        // run its old translation on: every hart leaves its self-loop at the
        // next pass (`RISCVTBExit.resume`, which restores its deadline), and
        // the host enters the new TB.
        if changed { setLoopDeadlines(0) }
    }
}
