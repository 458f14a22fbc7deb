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
    public var isRunning: [Bool] { process.isRunning }
    /// Everything the program wrote to fd 1.
    public var standardOutput: [UInt8] { process.standardOutput }
    /// Everything the program wrote to fd 2.
    public var standardError: [UInt8] { process.standardError }
    /// Called with (fd, bytes) on every successful `write`, e.g. to stream output.
    public var onWrite: ((Int, [UInt8]) -> Void)? {
        get { process.onWrite }
        set { process.onWrite = newValue }
    }
    /// Number of `ecall`s each hart made.
    public var systemCallCounts: [Int] { process.systemCallCounts }

    private var process: LinuxProcess
    let decodedCode: DecodedCode

    /// Loads `image` into fresh guest memory with `hartCount` harts.
    /// - Parameter memoryLimit: the most guest memory to allocate.
    /// - Throws: ``MachineSetupError`` if the program or hart count does not fit.
    public init(
        image: ELFImage, hartCount: Int = 1, stackSize: Int = 256 * 1024,
        memoryLimit: UInt64 = GuestMemory.maximumSize
    ) throws(MachineSetupError) {
        self.image = image
        let memory = try GuestMemory(
            image: image, hartCount: hartCount, stackSize: stackSize, sizeLimit: memoryLimit)
        self.memory = memory
        harts = (0..<hartCount).map { hart in
            var cpu = GuestCPU(pc: image.entry)
            cpu[2] = memory.stackTop(hart: hart)
            cpu[10] = UInt64(hart)
            cpu[11] = UInt64(hartCount)
            return cpu
        }
        process = LinuxProcess(hartCount: hartCount)
        decodedCode = try DecodedCode(image: image)
    }

    /// The address range instructions may be fetched from: the file-backed
    /// part of the executable segments.
    public var codeRange: Range<UInt64> { decodedCode.range }

    /// How a run ended.
    public typealias Exit = GuestExit

    /// Runs until every hart has exited.
    /// - Parameter instructionLimit: stop with ``GuestFault/instructionLimitReached(limit:)``
    ///   after this many instructions, so a looping program cannot hang the host.
    /// - Throws: ``GuestFault`` if a hart faults; the other harts keep their state.
    public func run(instructionLimit: UInt64 = 10_000_000_000) throws(GuestFault) -> Exit {
        var retired: UInt64 = 0
        var hart = 0
        while let next = process.nextRunnable(from: hart) {
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
                cpu[10] = process.systemCall(
                    cpu[17], cpu[10], cpu[11], cpu[12], hart: current, memory: memory)
            }
            hart = current + 1
        }
        return Exit(code: process.exitCode, instructions: retired)
    }
}
