/// A plain-Swift RV64IM interpreter that runs a static ELF program on one or
/// more harts with Linux user-mode system calls: the reference every faster
/// engine of this example is checked against.
///
/// Harts are scheduled round-robin on the calling thread and switch at every
/// `ecall`, so programs see the same cooperative interleaving the fiber-based
/// engine gives them. Each hart starts at the ELF entry with `sp` at the top of
/// its own stack, `a0` = its hart id and `a1` = the hart count (qemu-user
/// starts its single hart with `a0 = a1 = 0`, which the guest programs read as
/// "hart 0 of 1").
///
/// ```swift
/// let machine = try ReferenceInterpreter(image: ELFImage(bytes: elf), hartCount: 4)
/// let exit = try machine.run()
/// print(String(decoding: machine.standardOutput, as: UTF8.self), exit.code)
/// ```
///
/// System calls (number in `a7`, result in `a0`, Linux numbering):
/// `write` (64) to fd 1 or 2, `exit` (93, ends the calling hart; the last hart
/// to exit gives the process status), `exit_group` (94, ends every hart) and
/// `sched_yield` (124). Any other number returns `-ENOSYS`, as Linux does.
public final class ReferenceInterpreter {
    /// The program being run.
    public let image: ELFImage
    /// Guest memory, laid out by ``GuestMemory/init(image:hartCount:stackSize:)``.
    public let memory: GuestMemory
    /// Each hart's registers and pc (updated whenever the hart stops or switches).
    public private(set) var harts: [GuestCPU]
    /// Whether each hart is still running (false after it called `exit`).
    public private(set) var isRunning: [Bool]
    /// Everything the program wrote to fd 1.
    public private(set) var standardOutput: [UInt8] = []
    /// Everything the program wrote to fd 2.
    public private(set) var standardError: [UInt8] = []
    /// Called with (fd, bytes) on every successful `write`, e.g. to stream output.
    public var onWrite: ((Int, [UInt8]) -> Void)?
    /// Number of `ecall`s each hart made.
    public private(set) var systemCallCounts: [Int]

    let decodedCode: DecodedCode
    private var lastExitCode: Int = 0
    private var exitGroupCode: Int?

    /// Loads `image` into fresh guest memory with `hartCount` harts.
    /// - Throws: ``MachineSetupError`` if the program or hart count does not fit.
    public init(image: ELFImage, hartCount: Int = 1, stackSize: Int = 256 * 1024) throws(MachineSetupError) {
        self.image = image
        let memory = try GuestMemory(image: image, hartCount: hartCount, stackSize: stackSize)
        self.memory = memory
        harts = (0..<hartCount).map { hart in
            var cpu = GuestCPU(pc: image.entry)
            cpu[2] = memory.stackTop(hart: hart)
            cpu[10] = UInt64(hart)
            cpu[11] = UInt64(hartCount)
            return cpu
        }
        isRunning = Array(repeating: true, count: hartCount)
        systemCallCounts = Array(repeating: 0, count: hartCount)
        decodedCode = try DecodedCode(image: image)
    }

    /// The address range instructions may be fetched from: the file-backed
    /// part of the executable segments.
    public var codeRange: Range<UInt64> { decodedCode.range }

    /// How a run ended.
    public struct Exit: Equatable, Sendable {
        /// The process exit status as a shell sees it (`code & 0xff`).
        public var code: Int
        /// Instructions retired by all harts, `ecall`s included.
        public var instructions: UInt64
    }

    /// Runs until every hart has exited.
    /// - Parameter instructionLimit: stop with ``GuestFault/instructionLimitReached(limit:)``
    ///   after this many instructions, so a looping program cannot hang the host.
    /// - Throws: ``GuestFault`` if a hart faults; the other harts keep their state.
    public func run(instructionLimit: UInt64 = 10_000_000_000) throws(GuestFault) -> Exit {
        var retired: UInt64 = 0
        var hart = 0
        while let next = nextRunnable(from: hart) {
            hart = next
            let budget = instructionLimit - retired
            if budget == 0 { throw .instructionLimitReached(limit: instructionLimit) }
            let current = hart
            var cpu = harts[current]
            defer { harts[current] = cpu }
            let executed = try execute(&cpu, hart: current, budget: budget)
            retired += executed.count
            if executed.stoppedAtSystemCall {
                // The ecall retires here; the next hart runs after it.
                retired += 1
                cpu.pc &+= 4
                systemCall(&cpu, hart: current)
            }
            hart = current + 1
        }
        return Exit(code: (exitGroupCode ?? lastExitCode) & 0xff, instructions: retired)
    }

    private func nextRunnable(from start: Int) -> Int? {
        if exitGroupCode != nil { return nil }
        for step in 0..<harts.count where isRunning[(start + step) % harts.count] {
            return (start + step) % harts.count
        }
        return nil
    }

    /// Linux system call numbers (asm-generic, as used by riscv64).
    enum SystemCall {
        static let write: UInt64 = 64
        static let exit: UInt64 = 93
        static let exitGroup: UInt64 = 94
        static let schedYield: UInt64 = 124
    }

    private func systemCall(_ cpu: inout GuestCPU, hart: Int) {
        systemCallCounts[hart] += 1
        let number = cpu[17]
        let a0 = cpu[10]
        switch number {
        case SystemCall.write:
            cpu[10] = UInt64(bitPattern: write(fd: a0, address: cpu[11], count: cpu[12]))
        case SystemCall.exit:
            isRunning[hart] = false
            lastExitCode = Int(truncatingIfNeeded: a0)
        case SystemCall.exitGroup:
            exitGroupCode = Int(truncatingIfNeeded: a0)
            for index in isRunning.indices { isRunning[index] = false }
        case SystemCall.schedYield:
            cpu[10] = 0
        default:
            cpu[10] = UInt64(bitPattern: -38)  // -ENOSYS
        }
    }

    /// Linux `write` on the two console descriptors; -EBADF or -EFAULT otherwise.
    private func write(fd: UInt64, address: UInt64, count: UInt64) -> Int64 {
        guard fd == 1 || fd == 2 else { return -9 }  // EBADF
        if count == 0 { return 0 }
        guard count <= UInt64(Int32.max), let data = memory.read(address, count: Int(count)) else {
            return -14  // EFAULT
        }
        if fd == 1 { standardOutput += data } else { standardError += data }
        onWrite?(Int(fd), data)
        return Int64(count)
    }
}
