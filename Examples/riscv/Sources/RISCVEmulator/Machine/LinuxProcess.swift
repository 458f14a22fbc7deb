/// The Linux user-mode side of a guest process, shared by every engine: the
/// system calls, the console output and which harts are still running.
///
/// System calls (number in `a7`, arguments in `a0`...`a2`, result in `a0`,
/// asm-generic numbering as riscv64 uses): `write` (64) to fd 1 or 2, `exit`
/// (93, ends the calling hart; the last hart to exit gives the process
/// status), `exit_group` (94, ends every hart) and `sched_yield` (124). Any
/// other number returns `-ENOSYS`, as Linux does.
struct LinuxProcess {
    var standardOutput: [UInt8] = []
    var standardError: [UInt8] = []
    var isRunning: [Bool]
    var systemCallCounts: [Int]
    var onWrite: ((Int, [UInt8]) -> Void)?
    private var lastExitCode = 0
    private var exitGroupCode: Int?

    init(hartCount: Int) {
        isRunning = Array(repeating: true, count: hartCount)
        systemCallCounts = Array(repeating: 0, count: hartCount)
    }

    /// Linux system call numbers (asm-generic, as used by riscv64).
    enum Number {
        static let write: UInt64 = 64
        static let exit: UInt64 = 93
        static let exitGroup: UInt64 = 94
        static let schedYield: UInt64 = 124
    }

    /// The process status as a shell sees it, once no hart runs.
    var exitCode: Int { (exitGroupCode ?? lastExitCode) & 0xff }

    /// The next running hart at or after `start`, round-robin.
    func nextRunnable(from start: Int) -> Int? {
        if exitGroupCode != nil { return nil }
        for step in 0..<isRunning.count where isRunning[(start + step) % isRunning.count] {
            return (start + step) % isRunning.count
        }
        return nil
    }

    /// Performs system call `number` for `hart` and returns the value for `a0`.
    mutating func systemCall(
        _ number: UInt64, _ a0: UInt64, _ a1: UInt64, _ a2: UInt64, hart: Int, memory: GuestMemory
    ) -> UInt64 {
        systemCallCounts[hart] += 1
        switch number {
        case Number.write:
            return UInt64(bitPattern: write(fd: a0, address: a1, count: a2, memory: memory))
        case Number.exit:
            isRunning[hart] = false
            lastExitCode = Int(truncatingIfNeeded: a0)
            return 0
        case Number.exitGroup:
            exitGroupCode = Int(truncatingIfNeeded: a0)
            for index in isRunning.indices { isRunning[index] = false }
            return 0
        case Number.schedYield:
            return 0
        default:
            return UInt64(bitPattern: -38)  // -ENOSYS
        }
    }

    /// Linux `write` on the two console descriptors; -EBADF or -EFAULT otherwise.
    private mutating func write(fd: UInt64, address: UInt64, count: UInt64, memory: GuestMemory) -> Int64 {
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
