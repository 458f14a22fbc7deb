import TBCodegen

/// Runs a guest program by translating its basic blocks into TBs and running
/// them on the TB IR reference interpreter (``TBInterpreter``), with guest
/// memory behind the TB software TLB - the shape the Wasm TB engine will take.
///
/// One linear memory holds everything the TBs touch: a context record, CPU
/// state (``RISCVCPUState``) and software TLB per hart, then guest RAM. The
/// slow-path helpers `qemu_ld`/`qemu_st` check each access against guest
/// memory, perform it and fill the TLB entry, so later accesses to the page
/// take the inline fast path. Pages holding code are never entered for
/// writing: a store there goes through the slow path, which drops the
/// translated code, so self-modifying code works as in the reference.
///
/// Harts run round-robin like in ``ReferenceInterpreter``: an `ecall` stops
/// the running TB when there is another hart to switch to.
public final class TranslatedMachine {
    /// The program being run.
    public let image: ELFImage
    /// Guest memory; its allocation is the TBs' linear memory (the hart
    /// records sit in front of the guest bytes).
    public let layout: GuestMemory
    /// Number of harts.
    public let hartCount: Int
    /// How many distinct blocks have been translated.
    public private(set) var translationCount = 0
    /// Whether blocks are superblocks: they continue through direct jumps and
    /// past conditional branches, which become side exits (see ``GuestBasicBlock``).
    public let buildsSuperblocks: Bool

    private var process: LinuxProcess
    private let linear: UnsafeMutableRawBufferPointer
    private let memory: TBMemory
    private let ramOffset: UInt64
    private let codeRange: Range<UInt64>
    /// Guest RAM in the linear memory, with the code write-protected.
    private let mmu: TBSoftMMU
    /// Translated blocks by pc: the TB, the instructions a pass surely retires
    /// (its first segment) and the most loop steps a pass takes.
    private var blocks: [UInt64: (tb: TranslationBlock, minimumPass: UInt64, stepsPerPass: Int)] = [:]
    private var registers = TBRegisters()
    private var currentHart = 0

    private static let hartAreaSize: UInt64 = 16384
    private static let envOffsetInArea: UInt64 = 64
    private static let tlbOffsetInArea: UInt64 = 1024

    /// Everything the program wrote to fd 1.
    public var standardOutput: [UInt8] { process.standardOutput }
    /// Everything the program wrote to fd 2.
    public var standardError: [UInt8] { process.standardError }
    /// Called with (fd, bytes) on every successful `write`.
    public var onWrite: ((Int, [UInt8]) -> Void)? {
        get { process.onWrite }
        set { process.onWrite = newValue }
    }

    /// Lays out the linear memory for `image` and `hartCount` harts, each
    /// starting like in ``ReferenceInterpreter`` (pc = entry, sp = its stack
    /// top, a0 = hart id, a1 = hart count). With `buildsSuperblocks`, blocks
    /// continue through `jal` and `auipc`+`jalr` calls and past conditional
    /// branches, as in ``RuntimeMachine``.
    public init(
        image: ELFImage, hartCount: Int = 1, stackSize: Int = 256 * 1024,
        memoryLimit: UInt64 = GuestMemory.maximumSize, buildsSuperblocks: Bool = true
    ) throws(MachineSetupError) {
        self.image = image
        self.buildsSuperblocks = buildsSuperblocks
        guard hartCount >= 1, hartCount <= GuestMemory.maximumHarts else { throw .badHartCount(hartCount) }
        let ramOffset = (64 + UInt64(hartCount) * Self.hartAreaSize + 4095) & ~4095
        let layout = try GuestMemory(
            image: image, hartCount: hartCount, stackSize: stackSize, sizeLimit: memoryLimit,
            leadingBytes: Int(ramOffset))
        self.layout = layout
        self.hartCount = hartCount
        codeRange = try DecodedCode(image: image).range
        process = LinuxProcess(hartCount: hartCount)
        self.ramOffset = ramOffset
        linear = UnsafeMutableRawBufferPointer(start: layout.allocation, count: Int(ramOffset) + layout.size)
        memory = TBMemory(linear)
        var mmu = TBSoftMMU(
            memory: memory, guestBase: layout.baseAddress, hostBase: ramOffset, byteCount: UInt64(layout.size)
        )
        mmu.writeProtected = codeRange
        self.mmu = mmu
        for hart in 0..<hartCount {
            let ctx = context(hart)
            store(ctx + TBContextLayout.envOffset, env(hart))
            store(ctx + TBContextLayout.tlbOffset, tlb(hart))
            flushTLB(hart)
            setRegister(2, layout.stackTop(hart: hart), hart: hart)
            setRegister(10, UInt64(hart), hart: hart)
            setRegister(11, UInt64(hartCount), hart: hart)
            setPC(image.entry, hart: hart)
        }
    }

    // MARK: Linear memory layout

    private func context(_ hart: Int) -> UInt64 { 64 + UInt64(hart) * Self.hartAreaSize }
    private func env(_ hart: Int) -> UInt64 { context(hart) + Self.envOffsetInArea }
    private func tlb(_ hart: Int) -> UInt64 { context(hart) + Self.tlbOffsetInArea }

    private func load(_ address: UInt64) -> UInt64 {
        linear.baseAddress!.loadUnaligned(fromByteOffset: Int(address), as: UInt64.self)
    }
    private func store(_ address: UInt64, _ value: UInt64) {
        linear.baseAddress!.storeBytes(of: value, toByteOffset: Int(address), as: UInt64.self)
    }

    /// Register `x[index]` of `hart` (x0 reads 0).
    public func register(_ index: Int, hart: Int) -> UInt64 {
        precondition(
            (0..<32).contains(index) && (0..<hartCount).contains(hart),
            "no register x\(index) on hart \(hart)")
        return index == 0 ? 0 : load(env(hart) + UInt64(RISCVCPUState.offset(ofRegister: index)))
    }
    private func setRegister(_ index: Int, _ value: UInt64, hart: Int) {
        store(env(hart) + UInt64(RISCVCPUState.offset(ofRegister: index)), value)
    }
    /// The pc stored in `hart`'s CPU state (exact whenever the hart is stopped).
    public func pc(hart: Int) -> UInt64 {
        precondition((0..<hartCount).contains(hart), "no hart \(hart)")
        return load(env(hart) + UInt64(RISCVCPUState.pcOffset))
    }
    private func setPC(_ value: UInt64, hart: Int) {
        store(env(hart) + UInt64(RISCVCPUState.pcOffset), value)
    }

    private func flushTLB(_ hart: Int) {
        for entry in 0..<TBSoftTLB.entryCount {
            let at = tlb(hart) + entry * TBSoftTLB.entrySize
            store(at + TBSoftTLB.addrReadOffset, TBSoftTLB.invalidTag)
            store(at + TBSoftTLB.addrWriteOffset, TBSoftTLB.invalidTag)
        }
    }

    /// Copies `count` guest bytes at `address`, or nil if any is outside guest memory.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? { layout.read(address, count: count) }

    // MARK: Running

    /// Runs until every hart has exited.
    /// - Parameter instructionLimit: stop with ``GuestFault/instructionLimitReached(limit:)``
    ///   once this many guest instructions have run (checked per block).
    /// - Throws: ``GuestFault`` if a hart faults.
    public func run(instructionLimit: UInt64 = 10_000_000_000) throws(GuestFault) -> GuestExit {
        var hart = 0
        while let next = process.nextRunnable(from: hart) {
            try runHart(next, limit: instructionLimit)
            hart = next + 1
        }
        return GuestExit(code: process.exitCode, instructions: retiredInstructions)
    }

    /// Instructions retired by all harts so far (the sum of their `instret`).
    public var retiredInstructions: UInt64 {
        (0..<hartCount).reduce(0) { $0 &+ load(env($1) + UInt64(RISCVCPUState.instructionCountOffset)) }
    }

    private func translation(at pc: UInt64, hart: Int) throws(GuestFault) -> (
        tb: TranslationBlock, minimumPass: UInt64, stepsPerPass: Int
    ) {
        if let cached = blocks[pc] { return cached }
        let block: GuestBasicBlock
        do {
            block = try GuestBasicBlock.scan(
                at: pc, memory: layout, code: codeRange, followingDirectJumps: buildsSuperblocks,
                followingBranches: buildsSuperblocks)
        } catch {
            throw error.onHart(hart)
        }
        let tb: TranslationBlock
        do {
            tb = try RISCVTranslator.translate(block)
        } catch {
            throw .internalError("translating the block at 0x\(hex(pc)): \(error)")
        }
        translationCount += 1
        // Per pass: a taken step at each side exit stayed in, then a taken
        // branch and a goto_tb back to the start at most.
        let segments = block.segmentLengths
        let entry = (tb, UInt64(max(segments[0], 1)), segments.count - 1 + 2)
        blocks[pc] = entry
        return entry
    }

    private func runHart(_ hart: Int, limit: UInt64) throws(GuestFault) {
        currentHart = hart
        let helpers = makeHelpers(hart: hart)
        let ctx = context(hart)
        var pc = self.pc(hart: hart)
        // Only this hart's counter moves while it runs.
        let counter = env(hart) + UInt64(RISCVCPUState.instructionCountOffset)
        let others = retiredInstructions &- load(counter)
        while true {
            let (tb, minimumPass, stepsPerPass) = try translation(at: pc, hart: hart)
            let retired = others &+ load(counter)
            if retired >= limit || limit - retired < minimumPass {
                throw .instructionLimitReached(limit: limit)
            }
            // A TB that loops on itself takes at most `stepsPerPass` steps per
            // pass and retires at least `minimumPass` instructions per pass:
            // this bound stops it near the instruction limit.
            let steps = Int(clamping: (limit - retired) / minimumPass &* UInt64(stepsPerPass) &+ 2)
            linear.baseAddress!.storeBytes(
                of: UInt32(1), toByteOffset: Int(ctx + TBContextLayout.doInitOffset), as: UInt32.self)
            let value: UInt64
            do {
                value = try TBInterpreter.run(
                    tb, memory: memory, context: ctx, registers: &registers, helpers: helpers,
                    stepLimit: steps)
            } catch let fault as GuestFault {
                throw fault
            } catch let error as TBInterpreterError {
                if case .stepLimitExceeded = error.reason { throw .instructionLimitReached(limit: limit) }
                throw .internalError("running the TB at 0x\(hex(pc)): \(error)")
            } catch {
                throw .internalError("running the TB at 0x\(hex(pc)): \(error)")
            }
            if others &+ load(counter) > limit { throw .instructionLimitReached(limit: limit) }
            let next = load(ctx + TBContextLayout.nextTBOffset)
            if next != 0 {
                pc = next
                setPC(pc, hart: hart)
                continue
            }
            switch RISCVTBExit(rawValue: value) {
            case .stopped:
                return
            case .breakpoint:
                throw .breakpoint(pc: self.pc(hart: hart), hart: hart)
            case .flushCode:
                blocks.removeAll()
                pc = self.pc(hart: hart)
            case .resume:  // not emitted: this engine translates without exitingSelfLoops
                pc = self.pc(hart: hart)
            case nil:
                // goto_ptr to guest address 0 looks like exit_tb 0.
                throw .memoryAccess(address: 0, size: 4, kind: .fetch, pc: 0, hart: hart)
            }
        }
    }

    // MARK: Helpers

    private func makeHelpers(hart: Int) -> [String: TBHelperFunction] {
        [
            RISCVTranslator.ecallHelper: { [unowned self] _ in self.ecall(hart: hart) },
            TBHelperSignature.guestLoadSlowPath.name: { [unowned self] arguments in
                try self.slowLoad(address: arguments[1], memop: arguments[2], hart: hart)
            },
            TBHelperSignature.guestStoreSlowPath.name: { [unowned self] arguments in
                try self.slowStore(
                    address: arguments[1], value: arguments[2], memop: arguments[3], hart: hart)
                return 0
            },
        ]
    }

    /// Services the ecall of `hart`; returns 1 to stop the TB (switch harts).
    private func ecall(hart: Int) -> UInt64 {
        let number = register(17, hart: hart)
        let result = process.systemCall(
            number, register(10, hart: hart), register(11, hart: hart), register(12, hart: hart), hart: hart,
            memory: layout)
        setRegister(10, result, hart: hart)
        let others = (0..<hartCount).contains { $0 != hart && process.isRunning[$0] }
        return !process.isRunning[hart] || others ? 1 : 0
    }

    private func access(_ memop: UInt64) throws(GuestFault) -> TBMemAccess {
        guard let access = TBMemAccess(memop: memop) else { throw .internalError("bad memop \(memop)") }
        return access
    }

    private func slowLoad(address: UInt64, memop: UInt64, hart: Int) throws(GuestFault) -> UInt64 {
        let access = try access(memop)
        guard let host = mmu.hostAddress(of: address, byteCount: access.byteCount) else {
            throw .memoryAccess(
                address: address, size: access.byteCount, kind: .load, pc: pc(hart: hart), hart: hart)
        }
        try? mmu.fillTLB(at: tlb(hart), for: address)
        return (try? memory.load(access, at: host)) ?? 0
    }

    private func slowStore(address: UInt64, value: UInt64, memop: UInt64, hart: Int) throws(GuestFault) {
        let access = try access(memop)
        guard let host = mmu.hostAddress(of: address, byteCount: access.byteCount) else {
            throw .memoryAccess(
                address: address, size: access.byteCount, kind: .store, pc: pc(hart: hart), hart: hart)
        }
        if address < codeRange.upperBound, address &+ UInt64(access.byteCount) > codeRange.lowerBound {
            blocks.removeAll()  // the guest rewrites its code
        }
        try? mmu.fillTLB(at: tlb(hart), for: address)
        try? memory.store(access, value, at: host)
    }
}

extension GuestFault {
    /// The same fault, attributed to `hart` (the block scanner does not know it).
    func onHart(_ hart: Int) -> GuestFault {
        switch self {
        case .illegalInstruction(let error, let pc, _): return .illegalInstruction(error, pc: pc, hart: hart)
        case .memoryAccess(let address, let size, let kind, let pc, _):
            return .memoryAccess(address: address, size: size, kind: kind, pc: pc, hart: hart)
        case .misalignedFetch(let pc, _): return .misalignedFetch(pc: pc, hart: hart)
        case .breakpoint(let pc, _): return .breakpoint(pc: pc, hart: hart)
        case .instructionLimitReached, .internalError: return self
        }
    }
}
