import Asyncify
import TBCodegen
import TBRuntime

/// Runs a guest program on the TB runtime (``TBRuntime``): each guest block is
/// translated on the first miss for its pc and installed; the runtime runs it
/// on the TB IR interpreter until it is hot, then as Wasm on our interpreter,
/// following `goto_tb` chains itself.
///
/// Every hart is a fiber with its own ``TBCPU``; a scheduler context picks the
/// next runnable hart round-robin. The `riscv_ecall` helper is where fibers
/// switch, in the middle of a TB (the runtime's per-fiber resumption mode keeps
/// each hart's place even when several are suspended inside the same TB):
///
/// * a `write` to fd 1 or 2 swaps to the console device fiber, which appends
///   the bytes to the output and swaps back (``consoleSwaps`` counts them);
/// * after every system call the hart yields to the scheduler when another
///   hart can run, so harts interleave at `ecall`s as in ``ReferenceInterpreter``.
///
/// Guest RAM lives in the runtime's shared linear memory, so the Wasm TBs, the
/// IR interpreter and the system calls see the same bytes. Pages holding code
/// are never writable through the software TLB; a store there goes through the
/// slow path, which retranslates the blocks whose instructions changed.
///
/// Blocks are translated with `exitingSelfLoops` and each hart's loop deadline
/// is the instruction limit: a loop that stays in one block keeps running
/// inside its TB until the hart's `instret` reaches the limit, then leaves it
/// for the host, which stops the run; loops over several blocks pass through
/// the runtime's cpu loop (bounded by `maximumTBsPerExecution`). So no guest
/// loop hangs the host, even once its TB runs as Wasm (which has no step limit).
public final class RuntimeMachine {
    /// The program being run.
    public let image: ELFImage
    /// Number of harts.
    public let hartCount: Int
    /// The TB runtime the blocks run on.
    public let runtime: TBRuntime
    /// How many blocks have been translated and installed.
    public private(set) var translationCount = 0
    /// How many times a hart swapped to the console fiber (one per console `write`).
    public private(set) var consoleSwaps = 0
    /// How many times a hart yielded to the scheduler in the middle of a TB.
    public private(set) var hartSwaps = 0
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

    let layout: GuestMemory
    let codeRange: Range<UInt64>
    /// Guest RAM in the runtime's memory, with the code write-protected.
    private let mmu: TBSoftMMU
    private var process: LinuxProcess
    private(set) var cpus: [TBCPU] = []
    private var nextPC: [UInt64]
    private(set) var blocks: [UInt64: GuestBasicBlock] = [:]
    private var fault: GuestFault?
    private var instructionLimit: UInt64 = .max
    private let fibers = FiberRuntime()
    private var scheduler: Fiber?
    private var console: Fiber?
    private var hartFibers: [Fiber] = []
    private var consoleRequest: (client: Fiber, hart: Int, fd: UInt64, address: UInt64, count: UInt64)?
    private var consoleResult: UInt64 = 0

    /// Lays out guest memory for `image` in a new TB runtime with `hartCount`
    /// CPUs, each hart starting like in ``ReferenceInterpreter`` (pc = entry,
    /// sp = its stack top, a0 = hart id, a1 = hart count).
    /// - Parameters:
    ///   - compileThreshold: runs of a TB on the IR interpreter before it runs
    ///     as Wasm (0: always Wasm; `Int.max`: never).
    ///   - mode: where suspended TBs keep their state; only ``TBResumptionMode/perFiber``
    ///     is correct once several harts are suspended in one TB.
    ///   - buildsSuperblocks: scan blocks through `jal` and `auipc`+`jalr` and
    ///     past conditional branches (side exits), see
    ///     ``GuestBasicBlock/scan(at:memory:code:maximumLength:followingDirectJumps:followingBranches:)``,
    ///     so fewer TBs run per guest instruction.
    /// - Throws: ``MachineSetupError`` if the program, stacks or harts do not fit.
    public init(
        image: ELFImage, hartCount: Int = 1, stackSize: Int = 256 * 1024,
        memoryLimit: UInt64 = 512 << 20, compileThreshold: Int = 1500, mode: TBResumptionMode = .perFiber,
        buildsSuperblocks: Bool = true
    ) throws(MachineSetupError) {
        self.image = image
        self.buildsSuperblocks = buildsSuperblocks
        guard hartCount >= 1, hartCount <= GuestMemory.maximumHarts else { throw .badHartCount(hartCount) }
        let initial = try GuestMemory(
            image: image, hartCount: hartCount, stackSize: stackSize, sizeLimit: memoryLimit)
        var configuration = TBRuntimeConfiguration()
        configuration.compileThreshold = compileThreshold
        configuration.mode = mode
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
        let hostBase = configuration.guestRAMHostBase
        let ram = runtime.tbMemory.base + Int(hostBase)
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
    private func setRegister(_ index: Int, _ value: UInt64, hart: Int) {
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
        for hart in 0..<hartCount {
            envAddress(hart, RISCVCPUState.loopDeadlineOffset).storeBytes(of: limit, as: UInt64.self)
        }
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
        case .resume: break  // a pass through a self-looping block
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

    /// Retranslates the installed blocks whose instructions changed.
    private func retranslateChangedBlocks() {
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
        }
    }

    // MARK: Helpers

    private func registerHelpers() {
        runtime.registerHelper(RISCVTranslator.ecallHelper) { [unowned self] call, _ in try self.ecall(call) }
        runtime.registerHelper(TBHelperSignature.guestLoadSlowPath.name) { [unowned self] call, args in
            try self.slowLoad(address: args[1], memop: args[2], hart: call.cpu.index)
        }
        runtime.registerHelper(TBHelperSignature.guestStoreSlowPath.name) { [unowned self] call, args in
            try self.slowStore(address: args[1], value: args[2], memop: args[3], hart: call.cpu.index)
            return 0
        }
    }

    /// `riscv_ecall`: services the system call (a console `write` on the
    /// console fiber), then yields to the scheduler if another hart can run.
    /// Returns 1 to stop the TB once this hart no longer runs.
    private func ecall(_ call: TBHelperCall) throws -> UInt64 {
        let cx = call.fibers
        let hart = call.cpu.index
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        var toConsole = false
        if frame.isNormal {
            if retiredInstructions > instructionLimit {
                fault = .instructionLimitReached(limit: instructionLimit)
                throw fault!
            }
            let number = register(17, hart: hart)
            let fd = register(10, hart: hart)
            if number == LinuxProcess.Number.write, fd == 1 || fd == 2, let me = cx.currentFiber {
                consoleRequest = (me, hart, fd, register(11, hart: hart), register(12, hart: hart))
                toConsole = true
            } else {
                let result = process.systemCall(
                    number, fd, register(11, hart: hart), register(12, hart: hart), hart: hart, memory: layout
                )
                setRegister(10, result, hart: hart)
            }
        }
        if frame.calls(1), frame.isRewinding || toConsole, let me = cx.currentFiber, let console {
            try cx.swap(from: me, to: console)
            if try frame.unwinding(at: 1) { return 0 }
            setRegister(10, consoleResult, hart: hart)
        }
        guard process.isRunning[hart] else { return 1 }
        let others = (0..<hartCount).contains { $0 != hart && process.isRunning[$0] }
        if frame.calls(2), frame.isRewinding || others, let me = cx.currentFiber, let scheduler {
            if frame.isNormal { hartSwaps += 1 }
            try cx.swap(from: me, to: scheduler)
            if try frame.unwinding(at: 2) { return 0 }
        }
        return process.isRunning[hart] ? 0 : 1
    }

    /// The console device: performs each pending `write` and swaps back to its client.
    private func consoleLoop(_ cx: FiberContext) throws {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        while true {
            var client = scheduler
            if frame.isNormal, let request = consoleRequest {
                consoleRequest = nil
                consoleSwaps += 1
                consoleResult = process.systemCall(
                    LinuxProcess.Number.write, request.fd, request.address, request.count, hart: request.hart,
                    memory: layout)
                client = request.client
            }
            guard let me = console, let client else { return }
            try cx.swap(from: me, to: client)
            if try frame.unwinding(at: 1) { return }
        }
    }

    private func access(_ memop: UInt64) throws(GuestFault) -> TBMemAccess {
        guard let access = TBMemAccess(memop: memop) else { throw .internalError("bad memop \(memop)") }
        return access
    }

    /// The access `memop` describes and its host address, once `address` is
    /// known to be guest RAM; otherwise records and throws the guest's memory fault.
    private func checkedAccess(
        _ memop: UInt64, at address: UInt64, kind: GuestFault.AccessKind, hart: Int
    ) throws(GuestFault) -> (TBMemAccess, host: UInt64) {
        let access = try access(memop)
        guard let host = mmu.hostAddress(of: address, byteCount: access.byteCount) else {
            let f = GuestFault.memoryAccess(
                address: address, size: access.byteCount, kind: kind, pc: pc(hart: hart), hart: hart)
            fault = f
            throw f
        }
        return (access, host)
    }

    private func slowLoad(address: UInt64, memop: UInt64, hart: Int) throws(GuestFault) -> UInt64 {
        let (access, host) = try checkedAccess(memop, at: address, kind: .load, hart: hart)
        try? mmu.fillTLB(at: cpus[hart].tlb, for: address)
        return (try? runtime.tbMemory.load(access, at: host)) ?? 0
    }

    /// Code pages are write-protected in the TLB, so every store into the
    /// translated code comes here.
    private func slowStore(address: UInt64, value: UInt64, memop: UInt64, hart: Int) throws(GuestFault) {
        let (access, host) = try checkedAccess(memop, at: address, kind: .store, hart: hart)
        try? mmu.fillTLB(at: cpus[hart].tlb, for: address)
        try? runtime.tbMemory.store(access, value, at: host)
        if address < codeRange.upperBound, address &+ UInt64(access.byteCount) > codeRange.lowerBound {
            // The guest rewrites its code: the running TB finishes as
            // translated, the next one entered sees the new instructions.
            retranslateChangedBlocks()
        }
    }
}
